"""KHQR codes shown for orders, and what the local test bank says was paid for them."""

from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.orders import Order


class KhqrCode(BaseModel):
    """One dynamic KHQR for one order: what it asks, until when, and what Bakong said about it.

    Bakong sends nothing to us, so the worker asks about each code (by its MD5) at
    `next_check_at`, until it is paid or has been expired long enough that a late payment
    is no longer expected; `next_check_at` is then cleared.
    """

    md5 = CharField(unique=True)
    order = ForeignKeyField(Order, backref="khqr_codes", on_delete="CASCADE")
    qr = TextField()
    amount = IntegerField()  # in the code's currency, smallest unit (cents, or whole riel)
    currency = CharField()  # USD or KHR
    # What the code pays of the order: the order's own amount and currency, and the rate used
    # when the code asks riel for a price in dollars (riel per dollar; 0 when not converted).
    order_amount_cents = IntegerField()
    order_currency = CharField()
    khr_per_usd = IntegerField(default=0)
    deep_link = CharField(default="", max_length=500)
    status = CharField(default="open")  # open, paid, expired
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    checks = IntegerField(default=0)
    next_check_at = DateTimeField(null=True, index=True)
    # Bakong's answer once paid: the transaction hash, the payer's account, what arrived.
    paid_at = DateTimeField(null=True)
    bakong_hash = CharField(default="")
    payer_account = CharField(default="")
    paid_amount = IntegerField(null=True)
    paid_currency = CharField(default="")

    class Meta:
        table_name = "khqr_codes"


class LocalBankTransfer(BaseModel):
    """A bank payment "made" on the KHQR test page (test mode's stand-in for Bakong's records)."""

    md5 = CharField(unique=True)
    hash = CharField()
    from_account = CharField()
    amount = IntegerField()  # smallest unit of `currency`
    currency = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "test_bank_transfers"
