"""What moved for an order, as pages show it: payments, refunds and disputes, and what is still owed."""

from dataclasses import dataclass

from app.models import Dispute
from app.models import Order
from app.models import OrderStatus
from app.models import Payment
from app.models import Refund


@dataclass(frozen=True)
class Money:
    """What was paid for an order, what went back (and why), and any dispute: for every page."""

    payments: list
    refunds: list
    disputes: list

    @property
    def paid_cents(self):
        return sum(p.amount_cents for p in self.payments)

    @property
    def refunded_cents(self):
        return sum(r.amount_cents for r in self.refunds if r.status == "succeeded")

    owed: bool = False


def _owes(order, refunds, paid):
    """Whether the order still owes its customer money, given its refunds and whether it was `paid`.

    An order owes while one of its refunds is not done, or when it failed with a
    price to pay and nothing about its payment was recorded (orders from before
    payments were recorded: an admin refunds those by hand).
    """
    if any(r.owed for r in refunds):
        return True
    return order.status == OrderStatus.FAILED and order.amount_cents > 0 and not refunds and not paid


def money_of(order):
    """Everything about the money of one order; `owed` by the same rule as `owing`."""
    refunds = list(order.refunds.order_by(Refund.created_at, Refund.id))
    payments = list(order.payments.order_by(Payment.received_at, Payment.id))
    return Money(
        payments=payments,
        refunds=refunds,
        disputes=list(Dispute.select().where(Dispute.order == order.id).order_by(Dispute.created_at)),
        owed=_owes(order, refunds, bool(payments)),
    )


def owing(orders):
    """The ids of those orders that still owe their customer money (`_owes`), in two queries."""
    ids = [o.id for o in orders]
    if not ids:
        return set()
    refunds = {}
    for refund in Refund.select(Refund.order, Refund.status).where(Refund.order.in_(ids)):
        refunds.setdefault(refund.order_id, []).append(refund)
    paid = {p.order_id for p in Payment.select(Payment.order).where(Payment.order.in_(ids))}
    return {o.id for o in orders if _owes(o, refunds.get(o.id, []), o.id in paid)}


def owed():
    """Every refund still owed to a customer, oldest first, with its order and customer."""
    return list(
        Refund.select(Refund, Order)
        .join(Order)
        .where(Refund.status.in_(Refund.OWED))
        .order_by(Refund.created_at, Refund.id)
    )
