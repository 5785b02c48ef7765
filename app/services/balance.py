"""The prepaid balance, the one home of its money: a ledger of credits and debits in cents.

The balance is the sum of the customer's `BalanceEntry` rows; nothing keeps a running total
that could drift. Every row carries an idempotency key, unique in the table, so a credit or
debit asked for twice (a retried job, a double tap, two workers) is written once. A debit
first locks the customer's row (a no-op UPDATE: a row lock on PostgreSQL, and on SQLite the
write lock taken before anything is read), then sums and checks: parallel debits come one
after another and never take the balance below zero.

Auto-renew (or anything else that pays an order) calls `pay_order_from_balance(order, key)`.
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
# Top-ups: a few amounts to tap, or any amount within these limits (cents).
TOP_UP_PRESETS = (500, 1000, 2000, 5000)
TOP_UP_MIN_CENTS = 100
TOP_UP_MAX_CENTS = 50000
# The most an admin may credit at once.
CREDIT_MAX_CENTS = 50000


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


class _NotPayable(Exception):
    pass


def pay_order_from_balance(order, key, source="customer"):
    """Pay a pending order from its owner's balance: the debit, the order's pending → paid
    (orders.fulfil, then the usual fulfilment) and its payment (provider "balance") in one
    transaction. True for the call that paid it; False when the order was not payable or this
    key paid already. Raises BalanceError("short") when the balance does not cover it."""
    if order.kind == "top_up" or order.currency != CURRENCY:
        raise BalanceError("not_payable")
    if order.status != OrderStatus.PENDING or order.payment_note == "processing":
        return False
    try:
        with jobs.transaction():
            row = debit(order.user_id, order.amount_cents, "order_payment", key, order=order.id)
            if row is None:
                return False
            Order.update(provider="balance").where(
                Order.id == order.id, Order.status == OrderStatus.PENDING
            ).execute()
            if not orders.fulfil(order, source, payment_method="balance"):
                raise _NotPayable  # paid or closed meanwhile: the debit is rolled back with it
            payment = Payment.create(
                order=order.id,
                provider="balance",
                session_ref=key,
                amount_cents=order.amount_cents,
                currency=order.currency,
            )
            BalanceEntry.update(payment=payment).where(BalanceEntry.id == row.id).execute()
    except _NotPayable:
        return False
    order.provider = "balance"
    return True


def covers(user, amount_cents):
    """Whether the customer's balance pays `amount_cents` now."""
    return balance_of(user) >= amount_cents


def top_up_cents(preset, other):
    """The amount a top-up form asks for, in cents: a preset, or another amount in dollars;
    raises BalanceError("bad_amount") outside the limits."""
    cents = None
    if preset and preset.isdigit() and int(preset) in TOP_UP_PRESETS:
        cents = int(preset)
    elif other:
        cents = dollars_to_cents(other)
    if cents is None or not TOP_UP_MIN_CENTS <= cents <= TOP_UP_MAX_CENTS:
        raise BalanceError("bad_amount")
    return cents


def dollars_to_cents(text):
    """ "12.50" or "12" as 1250; None for anything else (more than two decimals, signs, words)."""
    text = (text or "").strip().lstrip("$").strip()
    whole, _dot, part = text.partition(".")
    if not whole.isdigit() or len(whole) > 7 or (part and (not part.isdigit() or len(part) > 2)):
        return None
    return int(whole) * 100 + int(part.ljust(2, "0") or 0)


def place_top_up(user, amount_cents, source="customer", assisted_by=None):
    """A pending order that tops the balance up by `amount_cents` once paid."""
    if not TOP_UP_MIN_CENTS <= amount_cents <= TOP_UP_MAX_CENTS:
        raise BalanceError("bad_amount")
    return orders.place_top_up(user, amount_cents, CURRENCY, source=source, assisted_by=assisted_by)


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
