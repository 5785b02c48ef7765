"""The prepaid balance: a ledger of credits and debits in cents; the balance is their sum."""

from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from app.models.accounts import User
from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.orders import Order
from app.models.orders import Payment
from app.models.orders import Refund

# Why a row was written (labels.BALANCE_REASONS has their words).
BALANCE_REASONS = (
    "top_up",
    "cash_top_up",
    "order_payment",
    "refund",
    "agent_credit",
    "top_up_refunded",
    "demo_credit",
)


class BalanceEntry(BaseModel):
    """One credit (positive) or debit (negative) of a customer's balance, written once per key.

    Nothing stores a running total: services/balance.py sums these rows under a lock on the
    customer's row, so a debit never takes the balance below zero.
    """

    user = ForeignKeyField(User, backref="balance_entries", on_delete="CASCADE")
    amount_cents = IntegerField()
    currency = CharField(default="USD")
    reason = CharField()  # one of BALANCE_REASONS
    note = CharField(default="", max_length=500)
    order = ForeignKeyField(Order, null=True, backref="balance_entries", on_delete="SET NULL")
    payment = ForeignKeyField(Payment, null=True, backref="balance_entries", on_delete="SET NULL")
    refund = ForeignKeyField(Refund, null=True, backref="balance_entries", on_delete="SET NULL")
    agent = ForeignKeyField(User, null=True, backref="balance_entries_made", on_delete="SET NULL")
    idempotency_key = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "balance_entries"
        indexes = ((("user", "created_at"), False),)
