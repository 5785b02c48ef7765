"""The prepaid balance, the one home of its money: what the portal calls to read it, top it up,
credit it and pay from it.

The rows themselves (credits and debits in cents, each written once per idempotency key, a debit
never below zero) are balance_ledger.py's, re-exported here: `balance_of`, `entries`, `credit`, `debit`.
Auto-renew (or anything else that pays an order) calls `pay_order_from_balance(order, key)`.
"""

from app.models import BalanceEntry
from app.models import Order
from app.models import OrderStatus
from app.models import Payment
from app.services import fulfilment
from app.services import jobs
from app.services import orders
from app.services.balance_ledger import CURRENCY
from app.services.balance_ledger import BalanceError
from app.services.balance_ledger import balance_of
from app.services.balance_ledger import credit
from app.services.balance_ledger import debit
from app.services.balance_ledger import entries
from app.services.balance_ledger import entry

# Top-ups: a few amounts to tap, or any amount within these limits (cents).
TOP_UP_PRESETS = (500, 1000, 2000, 5000)
TOP_UP_MIN_CENTS = 100
TOP_UP_MAX_CENTS = 50000
# The most an admin may credit at once.
CREDIT_MAX_CENTS = 50000


class _NotPayable(Exception):
    pass


def pay_order_from_balance(order, key, source="customer"):
    """Pay a pending order from its owner's balance: the debit, the order's pending → paid
    (fulfilment.fulfil, then the usual fulfilment) and its payment (provider "balance") in one
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
            if not fulfilment.fulfil(order, source, payment_method="balance"):
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


def missing_cents(user, amount_cents):
    """What a top-up must add for the balance to pay `amount_cents`: 0 when it does already, else at
    least the smallest top-up."""
    short = amount_cents - balance_of(user)
    if short <= 0:
        return 0
    return min(max(short, TOP_UP_MIN_CENTS), TOP_UP_MAX_CENTS)


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


__all__ = [
    "CURRENCY",
    "BalanceError",
    "balance_of",
    "covers",
    "credit",
    "debit",
    "entries",
    "entry",
    "missing_cents",
    "pay_order_from_balance",
    "place_top_up",
    "top_up_cents",
]
