"""Paying for an order: opening checkout, and acting once on what the provider reports."""

import time
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from peewee import IntegrityError

from app.extensions import db
from app.labels import LANGUAGES
from app.models import Order
from app.models import OrderEvent
from app.models import OrderStatus
from app.models import Payment
from app.models import WebhookEvent
from app.models import utcnow
from app.payments import KHQR  # noqa: F401 - the method views name (web.checkout)
from app.payments import PaymentError
from app.payments import get_provider
from app.payments import khqr_offered as provider_offers_khqr
from app.payments import test_mode as provider_in_test_mode
from app.payments.base import CheckoutRequest
from app.payments.base import EventFact
from app.services import disputes
from app.services import jobs
from app.services import orders
from app.services import refunds
from app.text import plan_name

# Stripe Checkout speaks English and Chinese but not Khmer: "auto" follows the browser.
CHECKOUT_LOCALES = {"en": "en", "zh": "zh", "km": "auto"}
# Stripe wants at least 30 minutes; the extra minute absorbs clock skew.
CHECKOUT_LIFETIME_SECONDS = 31 * 60
# How long an order may wait for payment (an agent's emailed link, a QR code at the counter);
# its payment and cancel links end with it.
PAYMENT_WINDOW = timedelta(hours=24)


def test_mode():
    """True when payments go to the local test provider (marked on every page)."""
    return provider_in_test_mode()


def khqr_offered():
    """True when customers may pay by KHQR from a Cambodian bank app."""
    return provider_offers_khqr()


def start_checkout(order, success_url, cancel_url, lang=None, method=None, source="customer"):
    """The checkout session where the customer pays `order`: an open one is reused, else one is made.

    One completed but never reported is settled first; raises PaymentError if that paid the order.

    `method` names the provider ("khqr"; the default provider for cards and wallets when None);
    `success_url` must carry {CHECKOUT_SESSION_ID}; `lang` is the language the payer reads
    (the customer's profile language when not given); raises PaymentError. None for a free
    order (100 % off): there is nothing to pay, so it is taken as paid at once.
    """
    if order.status != OrderStatus.PENDING:
        raise PaymentError(f"order {order.number} is {order.status}")
    if order.amount_cents == 0:
        orders.fulfil(order, "system")
        return None
    provider = get_provider(method)
    if order.provider == provider.name and order.provider_ref:
        current = _still_open(provider, order.provider_ref)
        if current is not None and current.status == "open":
            return current
        if current is not None and current.status == "complete":
            # Paid (or processing) though nobody told us: settled now, never paid a second time.
            settled = settle(current, source, provider.name)
            if settled is not None and (
                settled.status != OrderStatus.PENDING or settled.payment_note == "processing"
            ):
                raise PaymentError(f"order {order.number} was paid by checkout {current.id}")
    if lang not in LANGUAGES:
        lang = order.user.language if order.user.language in LANGUAGES else "en"
    with force_locale(lang):
        request = CheckoutRequest(
            order_id=order.id,
            order_number=order.number,
            amount_cents=order.amount_cents,
            currency=order.currency,
            product_name=_("eSIM plan: %(plan)s", plan=plan_name(order.plan)),
            description=_("Order %(number)s", number=order.number),
            email=order.user.email,
            locale=CHECKOUT_LOCALES[lang],
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=int(time.time()) + CHECKOUT_LIFETIME_SECONDS,
            idempotency_key=f"order-{order.number}-checkout-{_checkouts_started(order) + 1}",
        )
    session = provider.create_checkout(request)
    with jobs.transaction():
        Order.update(provider=provider.name, provider_ref=session.id, updated_at=utcnow()).where(
            Order.id == order.id
        ).execute()
        orders.record(order, OrderStatus.PENDING, OrderStatus.PENDING, source, note="checkout_started")
        if provider.polls:
            jobs.enqueue("check_khqr", session.id, delay=FIRST_CHECK_SECONDS)
    return session


# A code is worth reusing only while there is time left to scan and pay it.
MIN_TIME_LEFT_SECONDS = 120
FIRST_CHECK_SECONDS = 5


def _still_open(provider, session_id):
    """The order's current checkout if it can still be paid, or if it was completed; else None.

    A shown code is not asked about (the worker's checks settle it).
    """
    if provider.presents_code:
        current = provider.last_known(session_id)
        if current is None or current.code.expires_at - time.time() < MIN_TIME_LEFT_SECONDS:
            return None
        return current if current.status == "open" else None
    current = provider.retrieve(session_id)
    return current if current.status in ("open", "complete") else None


def _checkouts_started(order):
    return (
        OrderEvent.select().where(OrderEvent.order == order.id, OrderEvent.note == "checkout_started").count()
    )


def _order_for(session):
    """The order a session pays for; both the reference and the metadata must name it."""
    if not session.order_id or session.order_id != (session.metadata_order_id or session.order_id):
        return None
    if not session.order_id.isdigit():
        return None
    return Order.get_or_none(Order.id == int(session.order_id))


def _amount_matches(order, session):
    return session.amount_total == order.amount_cents and (session.currency or "").lower() == (
        order.currency.lower()
    )


def settle(session, source, provider_name=None):
    """Act on a checkout session as the provider reports it; returns its order (or None).

    Paid with the right amount: fulfil (exactly once). Paid again, for an order
    already paid or closed, or with the wrong amount or currency: the payment is
    recorded and refunded automatically (the order stays payable after a wrong
    amount). Completed but unpaid: a delayed method is still processing.
    Expired: the order expires.
    """
    order = _order_for(session)
    if order is None:
        current_app.logger.warning("checkout session %s names no order", session.id)
        return None
    if session.payment_status in ("paid", "no_payment_required") and session.status == "complete":
        return _take_payment(order, session, source, provider_name or get_provider().name)
    if session.status == "complete":
        if order.status == OrderStatus.PENDING and order.payment_note != "processing":
            with db.atomic():
                Order.update(payment_note="processing").where(Order.id == order.id).execute()
                orders.record(
                    order, OrderStatus.PENDING, OrderStatus.PENDING, source, note="payment_processing"
                )
    elif session.status == "expired" and session.id == order.provider_ref:
        orders.expire(order, source)
    return Order.get_by_id(order.id)


def _take_payment(order, session, source, provider):
    """A paid session: the order's payment, or an extra one to refund; each recorded once."""
    known = Payment.select().where(Payment.provider == provider, Payment.session_ref == session.id)
    if known.exists():
        return Order.get_by_id(order.id)  # this payment was taken already (a replay, or the other path)
    matches = _amount_matches(order, session)
    fields = dict(
        order=order.id,
        provider=provider,
        session_ref=session.id,
        intent_ref=session.payment_intent or "",
        amount_cents=session.amount_total or 0,
        currency=(session.currency or order.currency).upper(),
    )
    try:
        with jobs.transaction():
            if matches and orders.fulfil(order, source, payment_method=session.payment_method):
                Payment.create(kind="order", **fields)
                if not session.payment_method:
                    jobs.enqueue("remember_payment_method", order.id)
                taken = True
            else:
                taken = False
                kind, note = ("extra", _why_extra(order)) if matches else ("mismatch", "amount_mismatch")
                payment = Payment.create(kind=kind, **fields)
                detail = session.id if matches else f"{session.amount_total} {session.currency}"
                _flag(order, source, note, detail)
                if payment.amount_cents > 0:
                    refunds.refund(order, payment.amount_cents, note, payment=payment)
    except IntegrityError:
        return Order.get_by_id(order.id)  # the same session, reported by the other path at once
    return order if taken else Order.get_by_id(order.id)


def take_reported(order, session, source, provider):
    """A payment reported outside a checkout (an off-session charge, as a session): taken once."""
    return _take_payment(order, session, source, provider)


def _why_extra(order):
    """A payment for an order that will not take it: paid already, or closed before it arrived."""
    closed = (OrderStatus.EXPIRED, OrderStatus.CANCELLED)
    return "late_payment" if Order.get_by_id(order.id).status in closed else "duplicate_payment"


def _flag(order, source, note, detail):
    if order.status == OrderStatus.PENDING:
        Order.update(payment_note=note).where(Order.id == order.id).execute()
    orders.record(order, order.status, order.status, source, note=f"{note}: {detail}"[:250])


SETTLED_BY = (EventFact.COMPLETED, EventFact.EXPIRED)


def handle_event(provider, event, source="webhook"):
    """Act on a verified event of `provider` once; a replay, or an event we do not act on, is False.

    The provider says what its event means (`provider.fact`), so no provider's event names live here.

    The event's id and what it changes are written in one transaction: if acting
    on it fails, neither is kept, and the provider's retry is handled afresh. An
    event of a kind we do not act on, or whose object we cannot read, is logged
    and acknowledged, so the provider does not send it again for days.
    """
    if not event.id:
        current_app.logger.warning("provider event of type %r without an id ignored", event.type)
        return False
    try:
        with jobs.transaction():
            WebhookEvent.create(event_id=event.id[:255], type=(event.type or "")[:255])
            return _act_on(provider, event, source)
    except IntegrityError:
        return False


def _act_on(provider, event, source):
    fact = provider.fact(event)
    if fact in SETTLED_BY and event.session is not None:
        settle(event.session, source, provider.name)
    elif fact == EventFact.PAYMENT_FAILED and event.session is not None:
        order = _order_for(event.session)
        if order is not None:
            orders.cancel(order, source, note="payment_failed")
    elif fact == EventFact.REFUND_CHANGED and event.refund is not None:
        refunds.provider_update(event.refund)
    elif fact == EventFact.CHARGE_REFUNDED and event.charge is not None:
        refunds.charge_refunded(event.charge)
    elif fact == EventFact.DISPUTED and event.dispute is not None:
        disputes.record_dispute(event.dispute)
    elif fact == EventFact.CHARGED_OFF_SESSION and event.intent is not None:
        from app.services import off_session  # it takes its payments through this module

        return off_session.intent_succeeded(event.intent, source)
    else:
        current_app.logger.info("provider event %s (%s) not acted on", event.id, event.type)
        return False
    return True


def take_cash(order, source):
    """Cash for the order's amount taken at the counter: paid once, its Payment kept; False if not pending."""
    with jobs.transaction():
        Order.update(provider="cash").where(
            Order.id == order.id, Order.status == OrderStatus.PENDING
        ).execute()
        if not orders.fulfil(order, source, payment_method="cash"):
            return False
        order.provider = "cash"
        Payment.create(
            order=order.id,
            provider="cash",
            session_ref=f"cash-{order.number}",
            amount_cents=order.amount_cents,
            currency=order.currency,
        )
    return True
