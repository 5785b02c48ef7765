"""Stripe Checkout through the official `stripe` library."""

import json
import time

import stripe

from app.payments.base import ChargeInfo
from app.payments.base import CheckoutSession
from app.payments.base import DisputeInfo
from app.payments.base import EventFact
from app.payments.base import PaymentError
from app.payments.base import PaymentEvent
from app.payments.base import PaymentProvider
from app.payments.base import RefundInfo
from app.payments.base import SignatureError
from app.payments.stripe_cards import StripeCards
from app.payments.stripe_cards import expandable_id as _id
from app.payments.stripe_cards import field as _field
from app.payments.stripe_cards import to_intent


def _payment_method(session):
    intent = _field(session, "payment_intent")
    method = _field(intent, "payment_method") if intent is not None else None
    if method is None or isinstance(method, str):
        return ""
    kind = _field(method, "type") or ""
    card = _field(method, "card") if kind == "card" else None
    if card is not None and _field(card, "last4"):
        return f"{_field(card, 'brand') or 'card'} •••• {_field(card, 'last4')}"
    return kind


def to_session(obj):
    metadata = _field(obj, "metadata") or {}
    return CheckoutSession(
        id=obj["id"],
        url=_field(obj, "url"),
        order_id=_field(obj, "client_reference_id"),
        metadata_order_id=_field(metadata, "order_id"),
        status=_field(obj, "status") or "",
        payment_status=_field(obj, "payment_status") or "",
        amount_total=_field(obj, "amount_total"),
        currency=_field(obj, "currency"),
        payment_method=_payment_method(obj),
        payment_intent=_id(_field(obj, "payment_intent")),
    )


def to_refund(obj):
    # https://docs.stripe.com/api/refunds/object
    return RefundInfo(
        id=obj["id"],
        status=_field(obj, "status") or "",
        amount=int(_field(obj, "amount") or 0),
        currency=_field(obj, "currency") or "",
        payment_intent=_id(_field(obj, "payment_intent")),
    )


def to_charge(obj):
    # https://docs.stripe.com/api/charges/object
    return ChargeInfo(
        id=obj["id"],
        payment_intent=_id(_field(obj, "payment_intent")),
        amount=int(_field(obj, "amount") or 0),
        amount_refunded=int(_field(obj, "amount_refunded") or 0),
        currency=_field(obj, "currency") or "",
    )


def to_dispute(obj):
    # https://docs.stripe.com/api/disputes/object
    return DisputeInfo(
        id=obj["id"],
        payment_intent=_id(_field(obj, "payment_intent")),
        charge=_id(_field(obj, "charge")),
        amount=int(_field(obj, "amount") or 0),
        currency=_field(obj, "currency") or "",
        reason=_field(obj, "reason") or "",
        status=_field(obj, "status") or "",
    )


READERS = {
    "checkout.session": ("session", to_session),
    "refund": ("refund", to_refund),
    "charge": ("charge", to_charge),
    "dispute": ("dispute", to_dispute),
    "payment_intent": ("intent", to_intent),
}
# The events the portal acts on, by the names Stripe gives them (https://docs.stripe.com/api/events/types).
FACTS = {
    "checkout.session.completed": EventFact.COMPLETED,
    "checkout.session.async_payment_succeeded": EventFact.COMPLETED,
    "checkout.session.expired": EventFact.EXPIRED,
    "checkout.session.async_payment_failed": EventFact.PAYMENT_FAILED,
    "refund.created": EventFact.REFUND_CHANGED,
    "refund.updated": EventFact.REFUND_CHANGED,
    "refund.failed": EventFact.REFUND_CHANGED,
    "charge.refund.updated": EventFact.REFUND_CHANGED,
    "charge.refunded": EventFact.CHARGE_REFUNDED,
    "charge.dispute.created": EventFact.DISPUTED,
    "charge.dispute.updated": EventFact.DISPUTED,
    "charge.dispute.closed": EventFact.DISPUTED,
    "payment_intent.succeeded": EventFact.CHARGED_OFF_SESSION,
}
# Stripe's library refuses signatures older than its tolerance but not ones from the future.
FUTURE_TOLERANCE = 300
# Stripe's reasons for a refund: ours are finer, and said in our own records.
REFUND_REASONS = {"duplicate_payment": "duplicate"}


def to_event(event):
    """Our view of a verified event: the object it is about, when we know its kind and it has an id."""
    obj = _field(_field(event, "data"), "object")
    reader = READERS.get(_field(obj, "object"))
    found = {}
    if _field(obj, "mode") == "setup":
        reader = None  # a card saved in setup mode pays for no order; the customer's return keeps it
    if reader is not None and _field(obj, "id"):
        try:
            found[reader[0]] = reader[1](obj)
        except (KeyError, TypeError, ValueError):
            found = {}
    return PaymentEvent(id=_field(event, "id") or "", type=_field(event, "type") or "", **found)


def _signed_at(header):
    """The `t=` timestamp of a Stripe-Signature header (already verified, so present and whole)."""
    return next(
        int(value) for key, _, value in (item.partition("=") for item in header.split(",")) if key == "t"
    )


class StripeCheckout(StripeCards, PaymentProvider):
    name = "stripe"

    def __init__(self, config):
        options = {"max_network_retries": 2}
        if config.get("STRIPE_API_BASE"):
            options["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
        self.client = stripe.StripeClient(config["STRIPE_SECRET_KEY"], **options)
        self.webhook_secret = config.get("STRIPE_WEBHOOK_SECRET")

    def create_checkout(self, request):
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_cents,
                        "product_data": {"name": request.product_name, "description": request.description},
                    },
                }
            ],
            "client_reference_id": str(request.order_id),
            "metadata": {"order_id": str(request.order_id), "order_number": request.order_number},
            "payment_intent_data": {"metadata": {"order_id": str(request.order_id)}},
            "locale": request.locale,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": request.expires_at,
        }
        if request.customer:
            params["customer"] = request.customer
        else:
            params["customer_email"] = request.email
        if request.save_card:
            # docs.stripe.com/payments/checkout/save-during-payment: Checkout shows that the card is kept.
            params["payment_intent_data"]["setup_future_usage"] = "off_session"
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return to_session(session)

    def retrieve(self, session_id):
        try:
            session = self.client.v1.checkout.sessions.retrieve(
                session_id, params={"expand": ["payment_intent.payment_method"]}
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return to_session(session)

    def verify_webhook(self, payload, signature):
        if not self.webhook_secret or not signature:
            raise SignatureError("missing signature or secret")
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, self.webhook_secret, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
            )
            data = json.loads(payload)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise SignatureError(str(exc)) from exc
        if _signed_at(signature) > time.time() + FUTURE_TOLERANCE:
            raise SignatureError("signed in the future")
        if not isinstance(data, dict):
            raise SignatureError("not an event object")  # the library would fail on a list or a number
        return to_event(data)

    def fact(self, event):
        return FACTS.get(event.type)

    def refund(self, payment_intent, amount_cents, reason, idempotency_key):
        params = {
            "payment_intent": payment_intent,
            "amount": amount_cents,
            "reason": REFUND_REASONS.get(reason, "requested_by_customer"),
            "metadata": {"reason": reason},
        }
        try:
            refund = self.client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return to_refund(refund)

    def retrieve_refund(self, refund_id):
        try:
            return to_refund(self.client.v1.refunds.retrieve(refund_id))
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
