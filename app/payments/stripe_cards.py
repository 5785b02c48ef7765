"""Saved cards on Stripe: a Customer per account, Checkout in setup mode, and off-session charges.

The shapes read here are those of docs.stripe.com/api: customers/create,
checkout/sessions/create (mode=setup) and its setup_intent, payment_methods/list
(customers/list_payment_methods) and payment_methods/detach, payment_intents/create
with off_session=true and confirm=true, and the errors of docs.stripe.com/api/errors
(a declined charge answers HTTP 402 with `code` and the PaymentIntent in `payment_intent`).
"""

import stripe

from app.payments.base import CardSetup
from app.payments.base import ChargeResult
from app.payments.base import PaymentError
from app.payments.base import SavedMethod


def field(obj, name):
    """A field of a StripeObject (or dict), None when absent."""
    try:
        return obj[name]
    except (KeyError, TypeError):
        return None


def expandable_id(value):
    """The id of an expandable field: the string itself, or the expanded object's id."""
    if value is None or isinstance(value, str):
        return value or ""
    return field(value, "id") or ""


def to_card_setup(session):
    # docs.stripe.com/api/checkout/sessions/object: setup_intent (expandable), customer, client_reference_id
    intent = field(session, "setup_intent")
    method = field(intent, "payment_method") if intent is not None and not isinstance(intent, str) else None
    return CardSetup(
        id=session["id"],
        url=field(session, "url"),
        status=field(session, "status") or "",
        customer=expandable_id(field(session, "customer")),
        payment_method=expandable_id(method),
        user_id=field(field(session, "metadata"), "user_id") or "",
    )


def to_saved_method(method):
    # docs.stripe.com/api/payment_methods/object: card.brand, card.last4
    card = field(method, "card") or {}
    return SavedMethod(id=method["id"], brand=field(card, "brand") or "", last4=field(card, "last4") or "")


def _method_label(method_id, brand, last4):
    return f"{brand or 'card'} •••• {last4}" if last4 else ("card" if method_id else "")


class StripeCards:
    """Mixed into StripeCheckout, which holds `self.client`."""

    saves_cards = True

    def ensure_customer(self, email, user_id, idempotency_key):
        params = {"email": email, "metadata": {"user_id": str(user_id)}}
        try:
            customer = self.client.v1.customers.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return customer["id"]

    def create_card_setup(self, request):
        params = {
            "mode": "setup",
            "currency": request.currency.lower(),  # setup mode with dynamic payment methods needs it
            "payment_method_types": ["card"],
            "customer": request.customer,
            # No client_reference_id: on a payment session it names an order, and this pays for none.
            "metadata": {"user_id": str(request.user_id)},
            "setup_intent_data": {"metadata": {"user_id": str(request.user_id)}},
            "locale": request.locale,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        try:
            return to_card_setup(self.client.v1.checkout.sessions.create(params=params))
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc

    def retrieve_card_setup(self, setup_id):
        try:
            session = self.client.v1.checkout.sessions.retrieve(setup_id, params={"expand": ["setup_intent"]})
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return to_card_setup(session)

    def list_cards(self, customer):
        try:
            found = self.client.v1.customers.payment_methods.list(
                customer, params={"type": "card", "limit": 20}
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return [to_saved_method(method) for method in found["data"]]

    def detach_card(self, payment_method):
        try:
            self.client.v1.payment_methods.detach(payment_method)
        except stripe.InvalidRequestError as exc:
            if exc.code != "resource_missing":  # gone already: what was asked for
                raise PaymentError(str(exc)) from exc
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc

    def charge_off_session(self, charge):
        params = {
            "amount": charge.amount_cents,
            "currency": charge.currency.lower(),
            "customer": charge.customer,
            "payment_method": charge.payment_method,
            "off_session": True,
            "confirm": True,
            "description": charge.description,
            "metadata": {"order_id": str(charge.order_id), "kind": charge.mark},
            "expand": ["payment_method"],
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": charge.idempotency_key}
            )
        except stripe.CardError as exc:
            return _declined(exc)
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        method = field(intent, "payment_method")
        card = field(method, "card") if method is not None and not isinstance(method, str) else None
        return to_intent(
            intent, _method_label(expandable_id(method), field(card, "brand"), field(card, "last4"))
        )


def to_intent(intent, method_label=""):
    """docs.stripe.com/api/payment_intents/object: a succeeded one, or why not (its status)."""
    status = field(intent, "status")
    metadata = field(intent, "metadata") or {}
    return ChargeResult(
        status="succeeded" if status == "succeeded" else "failed",
        payment_intent=intent["id"],
        amount=int(field(intent, "amount") or 0),
        currency=field(intent, "currency") or "",
        code="" if status == "succeeded" else (status or "unknown"),
        payment_method=method_label or "card",
        order_id=field(metadata, "order_id") or "",
        mark=field(metadata, "kind") or "",
    )


def _declined(exc):
    """HTTP 402: docs.stripe.com/api/errors — `code`, `decline_code`, and the PaymentIntent."""
    error = field(exc.json_body, "error") or {}
    intent = field(error, "payment_intent") or {}
    return ChargeResult(
        status="failed",
        payment_intent=field(intent, "id") or "",
        amount=int(field(intent, "amount") or 0),
        currency=field(intent, "currency") or "",
        code=exc.code or field(error, "code") or "card_declined",
        decline_code=field(error, "decline_code") or "",
    )
