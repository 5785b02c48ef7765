"""Paying for an order: opening checkout, the provider's events (settlement.py settles a checkout), cash."""

import time
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from peewee import IntegrityError

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
from app.services import fulfilment
from app.services import jobs
from app.services import khqr
from app.services import off_session
from app.services import orders
from app.services import refunds
from app.services import settlement
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
        fulfilment.fulfil(order, "system")
        return None
    provider = get_provider(method)
    if order.provider == provider.name and order.provider_ref:
        current = _still_open(provider, order.provider_ref)
        if current is not None and current.status == "open":
            return current
        if current is not None and current.status == "complete":
            # Paid (or processing) though nobody told us: settled now, never paid a second time.
            settled = settlement.settle(current, source, provider.name)
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
            product_name=(
                _("eSIM plan: %(plan)s", plan=plan_name(order.plan)) if order.plan_id else plan_name(None)
            ),
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
            jobs.enqueue(khqr.check_khqr, session.id, delay=FIRST_CHECK_SECONDS)
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
        settlement.settle(event.session, source, provider.name)
    elif fact == EventFact.PAYMENT_FAILED and event.session is not None:
        order = settlement.order_for(event.session)
        if order is not None:
            orders.cancel(order, source, note="payment_failed")
    elif fact == EventFact.REFUND_CHANGED and event.refund is not None:
        refunds.provider_update(event.refund)
    elif fact == EventFact.CHARGE_REFUNDED and event.charge is not None:
        refunds.charge_refunded(event.charge)
    elif fact == EventFact.DISPUTED and event.dispute is not None:
        disputes.record_dispute(event.dispute)
    elif fact == EventFact.CHARGED_OFF_SESSION and event.intent is not None:
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
        if not fulfilment.fulfil(order, source, payment_method="cash"):
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
