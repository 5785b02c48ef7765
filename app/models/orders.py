"""Orders, their history, and the money that moved for them (payments, refunds, disputes)."""

from enum import StrEnum

from peewee import JOIN
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from app.models.accounts import User
from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.catalogue import Plan
from app.models.catalogue import PromoCode
from app.models.esims import Esim


class OrderStatus(StrEnum):
    """Where an order is in its life (services/orders.py moves it); stored as these strings.

    pending → paid → applying → fulfilled, or pending → cancelled | expired, or
    paid | applying → failed (refund owed) → refunded: services/orders.py TRANSITIONS.
    """

    PENDING = "pending"
    PAID = "paid"
    APPLYING = "applying"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"


ORDER_STATUSES = tuple(OrderStatus)
SHORTFALLS = ("expiry", "allowance")  # how an applied renewal fell short of its summary


class Order(BaseModel):
    number = CharField(unique=True)
    user = ForeignKeyField(User, backref="orders", on_delete="CASCADE")
    esim = ForeignKeyField(Esim, null=True, backref="orders")
    plan = ForeignKeyField(Plan, null=True)  # none for a balance top-up
    kind = CharField(default="renewal")  # renewal, new_esim or top_up
    status = CharField(default=OrderStatus.PENDING, index=True)
    price_cents = IntegerField()
    discount_cents = IntegerField(default=0)
    amount_cents = IntegerField()
    currency = CharField(default="USD")
    promo = ForeignKeyField(PromoCode, null=True)
    bonus_data_mb = IntegerField(default=0)
    provider = CharField(default="")
    provider_ref = CharField(default="", index=True)
    payment_method = CharField(default="")
    operator_ref = CharField(default="")
    failure_reason = CharField(default="")
    payment_note = CharField(default="")  # processing (delayed method) or amount_mismatch
    assisted_by = ForeignKeyField(User, null=True, backref="assisted_orders")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    paid_at = DateTimeField(null=True)
    fulfilled_at = DateTimeField(null=True)
    # The worker's progress with a paid order: how many times it has asked the operator (or
    # checked on its answer), and when it may next; the sweeper retries whatever is overdue.
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True, index=True)
    # A renewal's new expiry as its summary promised it; once applied, what the operator reports is
    # held against it, and a shortfall ("expiry" or "allowance") is kept for support with the expiry
    # the operator reported.
    promised_expires_at = DateTimeField(null=True)
    operator_shortfall = CharField(default="", index=True)
    reported_expires_at = DateTimeField(null=True)

    class Meta:
        table_name = "orders"
        indexes = ((("user", "created_at"), False), (("status", "provider_ref", "created_at"), False))

    @classmethod
    def owned_by(cls, user):
        return (
            cls.select(cls, Plan)
            .join(Plan, JOIN.LEFT_OUTER)
            .switch(cls)
            .where(cls.user == user)
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    @classmethod
    def short_of_promise(cls):
        """Renewals the operator applied short of what their summary promised, newest first."""
        return (
            cls.select(cls, Plan, User)
            .join(Plan)
            .switch(cls)
            .join(User, on=(cls.user == User.id))
            .where(cls.operator_shortfall.in_(SHORTFALLS))
            .order_by(cls.fulfilled_at.desc(), cls.id.desc())
        )

    @property
    def in_progress(self):
        """Paid (or being paid by a delayed method) and not yet applied."""
        return self.status in (OrderStatus.PAID, OrderStatus.APPLYING) or (
            self.status == OrderStatus.PENDING and self.payment_note == "processing"
        )


class OrderEvent(BaseModel):
    order = ForeignKeyField(Order, backref="events", on_delete="CASCADE")
    from_status = CharField(default="")
    to_status = CharField()
    source = CharField()  # return, webhook, agent, system, customer
    note = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "order_events"
        indexes = ((("order", "created_at"), False),)


class Payment(BaseModel):
    """Money the payment provider says it took for an order: one row per checkout session.

    `kind` says what became of it: `order` paid the order; `extra` arrived for an
    order already paid (or closed) and `mismatch` did not match its amount or
    currency, and both are refunded automatically.
    """

    order = ForeignKeyField(Order, backref="payments", on_delete="CASCADE")
    provider = CharField()  # stripe, test, khqr, cash
    session_ref = CharField()  # the checkout session, or the order number for cash
    intent_ref = CharField(default="")  # what a refund names: Stripe's PaymentIntent, Bakong's hash
    amount_cents = IntegerField()
    currency = CharField()
    kind = CharField(default="order")  # order, extra, mismatch
    received_at = DateTimeField(default=utcnow)
    # What refunds take from it now (queued, on their way, done, or owed by hand; not failed ones):
    # every refund is a compare-and-set on it, so parallel refunds never add up to more than was paid.
    refunded_cents = IntegerField(default=0)

    class Meta:
        table_name = "payments"
        indexes = ((("provider", "session_ref"), True),)


REFUND_REASONS = ("operator_failed", "duplicate_payment", "late_payment", "amount_mismatch", "staff")


class Refund(BaseModel):
    """Money going back: recorded first, sent by the worker with its own idempotency key.

    `status`: queued (not yet accepted by the provider), pending (accepted, on its
    way), succeeded, failed (the provider or the bank refused), manual (cash:
    handed back at the counter by hand), transfer (KHQR: a bank transfer made by hand).
    """

    order = ForeignKeyField(Order, backref="refunds", on_delete="CASCADE")
    payment = ForeignKeyField(Payment, backref="refunds", on_delete="CASCADE")
    amount_cents = IntegerField()
    currency = CharField()
    reason = CharField()  # one of REFUND_REASONS
    note = CharField(default="", max_length=500)
    actor = ForeignKeyField(User, null=True, backref="refunds_made")
    status = CharField(default="queued", index=True)
    idempotency_key = CharField(unique=True)
    provider_ref = CharField(default="", index=True)
    attempts = IntegerField(default=0)
    next_try_at = DateTimeField(default=utcnow)
    locked_until = DateTimeField(null=True)
    last_error = CharField(default="", max_length=500)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "refunds"

    OWED = ("queued", "pending", "failed", "manual", "transfer")

    @property
    def owed(self):
        """Still owed: not yet sent, on its way, refused, or cash or a bank transfer not yet made."""
        return self.status in self.OWED


class Dispute(BaseModel):
    """A chargeback the customer's bank opened against a payment."""

    provider_ref = CharField(unique=True)
    order = ForeignKeyField(Order, null=True, backref="disputes", on_delete="CASCADE")
    intent_ref = CharField(default="")
    amount_cents = IntegerField()
    currency = CharField()
    reason = CharField(default="")
    status = CharField()
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "disputes"


class WebhookEvent(BaseModel):
    event_id = CharField(unique=True)
    type = CharField()
    received_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "webhook_events"
