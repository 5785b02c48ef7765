"""Acting once on what a payment provider reports about a checkout: the order paid, a payment
to give back, a payment still processing, or the checkout run out.

Every report goes through `settle`, whoever brings it (the webhook, the customer's return,
the worker's KHQR checks, the reconciler), so each payment is taken exactly once.
"""

from flask import current_app
from peewee import IntegrityError

from app.extensions import db
from app.models import Order
from app.models import OrderStatus
from app.models import Payment
from app.payments import get_provider
from app.services import fulfilment
from app.services import jobs
from app.services import orders
from app.services import payment_methods
from app.services import refunds


def order_for(session):
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
    order = order_for(session)
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


def take_reported(order, session, source, provider):
    """A payment reported outside a checkout (an off-session charge, as a session): taken once."""
    return _take_payment(order, session, source, provider)


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
            if matches and fulfilment.fulfil(order, source, payment_method=session.payment_method):
                Payment.create(kind="order", **fields)
                if not session.payment_method:
                    jobs.enqueue(payment_methods.remember_payment_method, order.id)
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


def _why_extra(order):
    """A payment for an order that will not take it: paid already, or closed before it arrived."""
    closed = (OrderStatus.EXPIRED, OrderStatus.CANCELLED)
    return "late_payment" if Order.get_by_id(order.id).status in closed else "duplicate_payment"


def _flag(order, source, note, detail):
    if order.status == OrderStatus.PENDING:
        Order.update(payment_note=note).where(Order.id == order.id).execute()
    orders.record(order, order.status, order.status, source, note=f"{note}: {detail}"[:250])
