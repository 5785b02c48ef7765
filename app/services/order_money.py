"""What moved for an order, as pages show it: payments, refunds and disputes, what is still owed,
and what a member of staff may do about it."""

from dataclasses import dataclass

from app.models import Dispute
from app.models import Order
from app.models import OrderStatus
from app.models import Payment
from app.models import Refund

# Only an admin gives money back, or records that it went back; an agent sees what moved.
GIVES_MONEY_BACK = ("admin",)
# What an admin does next with a refund in each status (services/refunds.py: retry, handed_back).
RETRY, CASH_HANDED_BACK, TRANSFER_SENT = "retry", "cash_handed_back", "transfer_sent"
REFUND_STEPS = {"failed": RETRY, "manual": CASH_HANDED_BACK, "transfer": TRANSFER_SENT}
# What an admin may do about an order's money as a whole.
REFUND, MARK_REFUNDED = "refund", "mark_refunded"


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


def gives_money_back(person):
    """Whether `person` may refund, send a refund again or record one handed back."""
    return person.role in GIVES_MONEY_BACK


def may_give_back(order, person):
    """Whether `person` may have something to give back on this order (paid, or failed from before
    payments were recorded): the customer page links to its payments and refunds."""
    return gives_money_back(person) and (order.paid_at is not None or order.status == OrderStatus.FAILED)


def refund_steps(refunds, person):
    """{refund id: what `person` may do with it now}, for the refunds that await someone.

    A refund the provider refused is sent again; cash owed is handed back at the counter; a
    KHQR payment's refund is sent by bank transfer. Nothing for anyone but an admin.
    """
    if not gives_money_back(person):
        return {}
    return {r.id: REFUND_STEPS[r.status] for r in refunds if r.status in REFUND_STEPS}


def order_step(order, money, person):
    """How `person` may give back the order's money: REFUND (part or all of what was paid),
    MARK_REFUNDED (a failed order with no payment recorded, from before payments were), or None."""
    if not gives_money_back(person):
        return None
    if order.paid_at and money.payments:
        return REFUND
    if order.status == OrderStatus.FAILED and not money.payments:
        return MARK_REFUNDED
    return None
