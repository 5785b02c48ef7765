"""Chargebacks: a customer's bank disputes a payment; support sees it beside the order."""

from app.models import Dispute
from app.models import Order
from app.models import Payment
from app.models import utcnow
from app.services.orders import record


def record_dispute(info):
    """Record a dispute as the provider reports it (created, updated or closed); returns its row."""
    payment = Payment.get_or_none(Payment.intent_ref == info.payment_intent, Payment.intent_ref != "")
    fields = dict(
        intent_ref=info.payment_intent,
        amount_cents=info.amount,
        currency=(info.currency or "").upper(),
        reason=info.reason[:255],
        status=info.status[:255],
        updated_at=utcnow(),
    )
    row = Dispute.get_or_none(Dispute.provider_ref == info.id)
    if row is None:
        row = Dispute.create(provider_ref=info.id, order=payment.order_id if payment else None, **fields)
    else:
        Dispute.update(**fields).where(Dispute.id == row.id).execute()
    if row.order_id:
        order = Order.get_by_id(row.order_id)
        record(order, order.status, order.status, "webhook", note=f"dispute: {info.status}"[:250])
    return row
