"""What refunds take from a payment, kept on it (`payments.refunded_cents`) and changed only by a
compare-and-set in the same transaction as the refund row it is for.

Parallel refunds of one payment (eight admins, a double submit, the worker's automatic ones) never
add up to more than was paid, on SQLite and PostgreSQL alike. A refund that finally fails gives its
amount back; one made in the provider's dashboard takes its amount whatever is left, since that
money has gone. On SQLite the compare-and-set comes first in its transaction, so the transaction
starts by taking the write lock (waiting its turn) instead of reading first and failing to upgrade
("database is locked").
"""

from app.models import Payment
from app.models import Refund
from app.models import utcnow
from app.services import jobs
from app.services import notices

# Refunds that take from what is refundable: all but failed ones.
COUNTS = ("queued", "pending", "succeeded", "manual", "transfer")


def take(payment_id, amount_cents, within=True):
    """Compare-and-set: refunds take `amount_cents` more of the payment; False when that would pass
    what was paid (`within`), so of parallel refunds only those that fit get through."""
    query = Payment.update(refunded_cents=Payment.refunded_cents + amount_cents).where(
        Payment.id == payment_id
    )
    if within:
        query = query.where(Payment.refunded_cents + amount_cents <= Payment.amount_cents)
    return query.execute() == 1


def move(row, to_status, **fields):
    """Compare-and-set a refund's status from the one `row` was read with; what it takes from its
    payment follows (a failed refund gives its amount back), and a refund that went tells its customer.
    True for the one caller that moved it."""
    with jobs.transaction():
        changed = (
            Refund.update(status=to_status, updated_at=utcnow(), **fields)
            .where(Refund.id == row.id, Refund.status == row.status)
            .execute()
        )
        took, takes = row.status in COUNTS, to_status in COUNTS
        if changed and took != takes:
            take(row.payment_id, row.amount_cents if takes else -row.amount_cents, within=False)
        if changed and to_status == "succeeded":
            notices.send(row.order.user, "refund_sent", order=row.order, refund=row)
    return changed == 1
