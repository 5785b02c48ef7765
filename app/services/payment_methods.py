"""How a paid order was paid (card brand and last digits, wallet), asked of the provider when its
event did not say: once after the payment, and by the sweep until it is known.
"""

from datetime import timedelta

from flask import current_app

from app.models import Order
from app.models import Payment
from app.models import utcnow
from app.payments import PaymentError
from app.payments import get_provider
from app.services import jobs
from app.worker import task

# The orders whose payment method the sweep still asks about, and not before the first lookup had its go.
METHOD_LOOKUP_FOR = timedelta(days=7)
METHOD_LOOKUP_AFTER = timedelta(minutes=1)
METHOD_LOOKUP_BATCH = 200


def remember_missing_methods(now=None):
    """Queue the lookup of how each recently paid order was paid, where it is still unknown (the sweep).

    A lookup lost or failed is asked again each minute until it succeeds, for a week at most.
    Returns how many were queued.
    """
    now = now or utcnow()
    missing = (
        Order.select(Order.id)
        .join(Payment, on=(Payment.order == Order.id) & (Payment.kind == "order"))
        .where(
            Order.payment_method == "",
            Order.provider_ref != "",
            Order.paid_at.between(now - METHOD_LOOKUP_FOR, now - METHOD_LOOKUP_AFTER),
        )
        .order_by(Order.paid_at.desc())
        .limit(METHOD_LOOKUP_BATCH)
    )
    order_ids = [order.id for order in missing]
    for order_id in order_ids:
        jobs.enqueue(remember_payment_method, order_id)
    return len(order_ids)


def remember_method(order_id):
    """How a paid order was paid, asked of the provider when its event did not say (worker)."""
    order = Order.get_or_none(Order.id == order_id)
    if order is None or order.payment_method or not order.provider_ref:
        return
    try:
        method = get_provider(order.provider).retrieve(order.provider_ref).payment_method
    except PaymentError as exc:
        current_app.logger.warning("how order %s was paid is not known yet: %s", order.number, exc)
        return  # the sweep asks again (remember_missing_methods)
    if method:
        Order.update(payment_method=method).where(Order.id == order.id, Order.payment_method == "").execute()


@task()
def remember_payment_method(order_id):
    """Ask the payment provider how a paid order was paid (card brand and last digits, wallet)."""
    remember_method(order_id)
