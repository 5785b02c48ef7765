"""The balance's ledger: credits and debits in cents, each row written once per idempotency key.

The balance is the sum of the customer's `BalanceEntry` rows; nothing keeps a running total
that could drift. A debit first locks the customer's row (a no-op UPDATE: a row lock on
PostgreSQL, and on SQLite the write lock taken before anything is read), then sums and checks:
parallel debits come one after another and never take the balance below zero. services/balance.py
is what the rest of the portal calls; this module is what the worker's and refunds' steps share
with it (a top-up credited, a refund to the balance).
"""

from peewee import JOIN
from peewee import IntegrityError
from peewee import fn

from app.models import BalanceEntry
from app.models import Order
from app.models import OrderStatus
from app.models import Payment
from app.models import User
from app.models import utcnow
from app.services import jobs
from app.services import orders

CURRENCY = "USD"


class BalanceError(Exception):
    """A balance act that cannot be done; `reason`: short (not enough), bad_amount, not_payable."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def balance_of(user):
    """What the customer has in cents: the sum of their ledger."""
    total = BalanceEntry.select(fn.SUM(BalanceEntry.amount_cents)).where(BalanceEntry.user == _id(user))
    return int(total.scalar() or 0)


def entries(user):
    """The customer's ledger, newest first, each row with its order (if any)."""
    return list(
        BalanceEntry.select(BalanceEntry, Order)
        .join(Order, JOIN.LEFT_OUTER, on=(BalanceEntry.order == Order.id))
        .where(BalanceEntry.user == _id(user))
        .order_by(BalanceEntry.created_at.desc(), BalanceEntry.id.desc())
    )


def entry(key):
    """The ledger row written with this idempotency key, or None."""
    return BalanceEntry.get_or_none(BalanceEntry.idempotency_key == key)


def _id(user):
    return user if isinstance(user, int) else user.id


def _lock(user):
    """Hold the customer's row until the transaction ends: their debits come one at a time."""
    User.update(role=User.role).where(User.id == _id(user)).execute()


def credit(user, amount_cents, reason, key, order=None, payment=None, refund=None, agent=None, note=""):
    """Add `amount_cents` to the balance once per `key`; returns the ledger row (the first one
    written with that key, if it was written before). Raises BalanceError("bad_amount")."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise BalanceError("bad_amount")
    known = entry(key)
    if known is not None:
        return known
    try:
        with jobs.transaction():
            return BalanceEntry.create(
                user=_id(user),
                amount_cents=amount_cents,
                currency=CURRENCY,
                reason=reason,
                idempotency_key=key,
                order=order,
                payment=payment,
                refund=refund,
                agent=agent,
                note=note[:500],
            )
    except IntegrityError:
        return entry(key)  # the same credit, written at the same moment by another caller


def debit(user, amount_cents, reason, key, order=None, payment=None, note=""):
    """Take `amount_cents` from the balance once per `key`; returns the new row, or None when
    that key was debited already. Raises BalanceError("short") when the balance would go below
    zero, ("bad_amount") for an amount that is not positive."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise BalanceError("bad_amount")
    with jobs.transaction():
        _lock(user)
        if entry(key) is not None:
            return None
        if balance_of(user) < amount_cents:
            raise BalanceError("short")
        return BalanceEntry.create(
            user=_id(user),
            amount_cents=-amount_cents,
            currency=CURRENCY,
            reason=reason,
            idempotency_key=key,
            order=order,
            payment=payment,
            note=note[:500],
        )


def settle_top_up(order_id, now=None):
    """The worker's step for a paid top-up: its amount credited once (keyed by the order), and the
    order taken paid → applying → fulfilled in the same transaction."""
    order = Order.get_or_none(Order.id == order_id)
    if order is None or order.kind != "top_up" or order.status != OrderStatus.PAID:
        return False
    now = now or utcnow()
    payment = (
        Payment.select()
        .where(Payment.order == order.id, Payment.kind == "order")
        .order_by(Payment.id.desc())
        .first()
    )
    reason = "cash_top_up" if payment is not None and payment.provider == "cash" else "top_up"
    with jobs.transaction():
        if not orders.move(order, OrderStatus.PAID, OrderStatus.APPLYING, "system", attempts=1):
            return False
        credit(
            order.user_id,
            order.amount_cents,
            reason,
            f"top-up-{order.number}",
            order=order.id,
            payment=payment,
            agent=order.assisted_by_id,
        )
        orders.move(
            order,
            OrderStatus.APPLYING,
            OrderStatus.FULFILLED,
            "system",
            fulfilled_at=now,
            next_attempt_at=None,
        )
    return True


def take_back_top_up(order, payment, amount_cents, key):
    """A refund of a credited top-up leaves the balance it filled (False: it was spent); other
    refunds take nothing from the balance (True)."""
    if order.kind != "top_up" or payment.kind != "order" or order.status != OrderStatus.FULFILLED:
        return True
    try:
        debit(order.user_id, amount_cents, "top_up_refunded", key, order=order.id)
    except BalanceError:
        return False
    return True
