"""peewee models: one database proxy, times in UTC (naive), money in integer cents."""

import re
from datetime import UTC
from datetime import datetime

from flask_login import UserMixin
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import TextField

from app.extensions import db

ROLES = ("customer", "agent", "admin")
PLAN_KINDS = ("daily", "monthly", "yearly")
ORDER_STATUSES = (
    "pending",
    "paid",
    "applying",
    "fulfilled",
    "cancelled",
    "expired",
    "failed",
    "refunded",
)


def utcnow():
    """The current time in UTC without tzinfo, the form every column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


CAMBODIA = "855"


def phone_digits(phone):
    """A phone number as E.164 digits (no +): a local 0... or bare number is Cambodian."""
    text = (phone or "").strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return CAMBODIA + digits[1:]
    if digits.startswith(CAMBODIA) and len(digits) >= 11:
        return digits
    return CAMBODIA + digits


def _with_field(only, field):
    """save(only=...) writes `field` too (a key kept beside the columns it is made from)."""
    return None if only is None else [*only, field]


class BaseModel(Model):
    class Meta:
        database = db

    @classmethod
    def select_where(cls, condition, *params):
        """This table's rows matching a hand-written WHERE clause (`?` for each parameter), as a list.

        For the queries every page runs (the logged-in user, the dashboard's eSIMs):
        peewee spends longer building a query's SQL, and matching the columns of a raw
        query to fields, than the database spends running it.
        """
        fields = cls._meta.sorted_fields
        columns = ", ".join(field.column_name for field in fields)
        sql = f"SELECT {columns} FROM {cls._meta.table_name} WHERE {condition}"
        cursor = db.execute_sql(sql.replace("?", db.param), params)
        return [cls._from_row(fields, row) for row in cursor]

    @classmethod
    def _from_row(cls, fields, row):
        # As peewee builds a row's object: no defaults filled in, nothing marked changed.
        instance = cls(__no_default__=1)
        instance.__data__ = {
            field.name: field.python_value(value) for field, value in zip(fields, row, strict=True)
        }
        return instance


class User(UserMixin, BaseModel):
    email = CharField(unique=True)
    password_hash = CharField()
    name = CharField(default="")
    phone = CharField(default="")
    phone_digits = CharField(default="", index=True)  # E.164 digits, for support's search
    language = CharField(default="en")
    role = CharField(default="customer")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "users"

    def save(self, *args, only=None, **kwargs):
        self.phone_digits = phone_digits(self.phone)
        return super().save(*args, only=_with_field(only, "phone_digits"), **kwargs)

    @classmethod
    def by_email(cls, email):
        return cls.get_or_none(cls.email == (email or "").strip().lower())

    @property
    def is_staff(self):
        return self.role in ("agent", "admin")

    # Flask-Login keeps get_id() in the session cookie: the id of this login's server-side
    # session row, not the user's id, so that ending the row ends the login on every copy of it.
    session_token = None

    def get_id(self):
        return self.session_token


class UserSession(BaseModel):
    """One login on one device: the cookie names it, and deleting the row logs that device out."""

    token = CharField(unique=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    user_agent = CharField(default="", max_length=200)

    class Meta:
        table_name = "user_sessions"


class Plan(BaseModel):
    code = CharField(unique=True)
    kind = CharField()
    days = IntegerField()
    data_mb = IntegerField()
    minutes = IntegerField(default=0)
    price_cents = IntegerField()
    currency = CharField(default="USD")
    active = BooleanField(default=True)
    sort = IntegerField(default=0)
    # The wholesale operator's own package id (Airalo's), set by sync-plans; empty for our own plans.
    operator_package = CharField(default="", index=True)
    # The operator's rules for the package: when its days start ("" at once, or e.g. "first-usage"),
    # whether it can be renewed on the same eSIM, and an APN to set by hand ("" when automatic).
    activation_policy = CharField(default="")
    rechargeable = BooleanField(default=True)
    apn = CharField(default="")

    class Meta:
        table_name = "plans"

    @classmethod
    def catalogue(cls):
        return cls.select().where(cls.active).order_by(cls.sort, cls.price_cents)


class Esim(BaseModel):
    user = ForeignKeyField(User, backref="esims", on_delete="CASCADE")
    iccid = CharField(unique=True)
    iccid_reversed = CharField(default="", index=True)  # its last digits as a prefix, for support's search
    label = CharField(default="")
    smdp_address = CharField(default="")
    matching_id = CharField(default="")
    apple_install_url = CharField(default="", max_length=1000)  # the operator's own iOS one-tap link
    plan = ForeignKeyField(Plan, null=True)
    installed_at = DateTimeField(null=True)
    expires_at = DateTimeField(null=True, index=True)
    # The share of data used is indexed as an expression (migration 011), for the data reminder.
    data_total_mb = IntegerField(default=0)
    data_used_mb = IntegerField(default=0)
    minutes_total = IntegerField(default=0)
    minutes_used = IntegerField(default=0)
    usage_read_at = DateTimeField(null=True, index=True)
    created_at = DateTimeField(default=utcnow)
    # Raised by every install email, so that only the newest emailed link opens the install page.
    install_link_version = IntegerField(default=0)

    class Meta:
        table_name = "esims"
        indexes = ((("usage_read_at", "expires_at"), False),)

    def save(self, *args, only=None, **kwargs):
        self.iccid_reversed = self.iccid[::-1]
        return super().save(*args, only=_with_field(only, "iccid_reversed"), **kwargs)

    @classmethod
    def owned_by(cls, user):
        return cls.select_where("user_id = ? ORDER BY expires_at, id", user.id)

    @property
    def masked_iccid(self):
        return "•••• " + self.iccid[-4:]


class PromoCode(BaseModel):
    code = CharField(unique=True)
    kind = CharField()  # percent, amount (cents) or bonus_data (MB)
    value = IntegerField()
    valid_from = DateTimeField(null=True)
    valid_until = DateTimeField(null=True)
    max_redemptions = IntegerField(null=True)
    redemptions = IntegerField(default=0)  # paid orders only
    held = IntegerField(default=0)  # orders in checkout now, each holding one redemption
    plan_kinds = CharField(default="")  # comma-separated; empty means every kind
    active = BooleanField(default=True)

    class Meta:
        table_name = "promo_codes"


class Order(BaseModel):
    number = CharField(unique=True)
    user = ForeignKeyField(User, backref="orders", on_delete="CASCADE")
    esim = ForeignKeyField(Esim, null=True, backref="orders")
    plan = ForeignKeyField(Plan)
    kind = CharField(default="renewal")  # renewal or new_esim
    status = CharField(default="pending", index=True)
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

    class Meta:
        table_name = "orders"
        indexes = ((("user", "created_at"), False), (("status", "provider_ref", "created_at"), False))

    @classmethod
    def owned_by(cls, user):
        return (
            cls.select(cls, Plan)
            .join(Plan)
            .switch(cls)
            .where(cls.user == user)
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    @property
    def in_progress(self):
        """Paid (or being paid by a delayed method) and not yet applied."""
        return self.status in ("paid", "applying") or (
            self.status == "pending" and self.payment_note == "processing"
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
    provider = CharField()  # stripe, test, cash
    session_ref = CharField()  # the checkout session, or the order number for cash
    intent_ref = CharField(default="")  # what a refund names: Stripe's PaymentIntent
    amount_cents = IntegerField()
    currency = CharField()
    kind = CharField(default="order")  # order, extra, mismatch
    received_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "payments"
        indexes = ((("provider", "session_ref"), True),)


REFUND_REASONS = ("operator_failed", "duplicate_payment", "amount_mismatch", "staff")


class Refund(BaseModel):
    """Money going back: recorded first, sent by the worker with its own idempotency key.

    `status`: queued (not yet accepted by the provider), pending (accepted, on its
    way), succeeded, failed (the provider or the bank refused), manual (cash:
    handed back at the counter by hand).
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

    OWED = ("queued", "pending", "failed", "manual")

    @property
    def owed(self):
        """Still owed: not yet sent, on its way, refused, or cash not yet handed back."""
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


class TestCheckout(BaseModel):
    """A checkout session of the local test-payment provider (used when Stripe has no keys)."""

    __test__ = False  # not a pytest test class, despite the name

    session_id = CharField(unique=True)
    order = ForeignKeyField(Order, backref="test_checkouts", on_delete="CASCADE")
    amount_cents = IntegerField()
    currency = CharField()
    status = CharField(default="open")  # open, complete, expired
    payment_status = CharField(default="unpaid")  # unpaid, paid
    success_url = CharField()
    cancel_url = CharField()
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    payment_intent = CharField(default="")  # set when "paid", as Stripe's PaymentIntent id

    class Meta:
        table_name = "test_checkouts"


class TestRefund(BaseModel):
    """A refund the local test provider made (it keeps them as Stripe would)."""

    __test__ = False

    refund_id = CharField(unique=True)
    idempotency_key = CharField(unique=True)
    payment_intent = CharField(index=True)
    amount_cents = IntegerField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "test_refunds"


class WebhookEvent(BaseModel):
    event_id = CharField(unique=True)
    type = CharField()
    received_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "webhook_events"


class Device(BaseModel):
    brand = CharField()
    model = CharField()
    note = CharField(default="")  # a key of app.i18n.DEVICE_NOTES
    sort = IntegerField(default=0)

    class Meta:
        table_name = "devices"
        indexes = ((("brand", "model"), True),)


class Reminder(BaseModel):
    """A reminder sent: at most one per eSIM, kind and expiry cycle."""

    esim = ForeignKeyField(Esim, backref="reminders", on_delete="CASCADE")
    kind = CharField()  # expiry_7d, expiry_1d, expiry_hours, data_80 (and the operator's own levels)
    cycle = CharField()  # the expiry date it was about, so a renewal starts a new cycle
    cycle_end = DateTimeField(null=True)  # the same expiry as a timestamp, for the task's SQL
    sent_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "reminders"
        indexes = ((("esim", "kind", "cycle"), True), (("esim", "kind", "cycle_end"), False))


class AuditLog(BaseModel):
    actor = ForeignKeyField(User, null=True, backref="actions")
    customer = ForeignKeyField(User, null=True, backref="audit_entries")
    action = CharField()
    detail = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "audit_log"
        indexes = ((("customer", "created_at"), False),)


class OutgoingMail(BaseModel):
    """An email, written down before it is sent: the worker delivers it, retrying until it goes.

    A row is claimed (`locked_until`) before sending, so two workers never send it
    twice, and `sent_at` is set once the mail server has taken it.
    """

    to = CharField()
    sender = CharField(default="")  # the From header, with the sender's name in the reader's language
    subject = CharField(max_length=500)
    body = TextField()
    message_id = CharField(unique=True)  # the same on every try, so a mailbox can tell a repeat
    created_at = DateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    next_try_at = DateTimeField(default=utcnow, index=True)
    locked_until = DateTimeField(null=True)
    sent_at = DateTimeField(null=True, index=True)
    last_error = CharField(default="", max_length=500)

    class Meta:
        table_name = "outgoing_mail"


class SimLine(BaseModel):
    """The simulated operator's own record of a line (not the portal's view of it)."""

    iccid = CharField(unique=True)
    smdp_address = CharField()
    matching_id = CharField()
    # The portal's order that made this line, so asking again for the same order returns it.
    request_key = CharField(null=True, unique=True)
    installed_at = DateTimeField(null=True)
    expires_at = DateTimeField(null=True)
    data_total_mb = IntegerField(default=0)
    data_used_mb = IntegerField(default=0)
    minutes_total = IntegerField(default=0)
    minutes_used = IntegerField(default=0)
    counted_at = DateTimeField(default=utcnow)  # usage above is counted up to this moment

    class Meta:
        table_name = "sim_lines"


class SimApplication(BaseModel):
    """A plan the simulated operator was asked to apply, and when it will be done."""

    reference = CharField(unique=True)
    # The portal's order this application is for: asking twice for one order applies it once.
    request_key = CharField(null=True, unique=True)
    iccid = CharField(index=True)
    days = IntegerField()
    data_mb = IntegerField()
    minutes = IntegerField()
    status = CharField(default="pending")
    requested_at = DateTimeField(default=utcnow)
    applies_at = DateTimeField()

    class Meta:
        table_name = "sim_applications"


class OperatorToken(BaseModel):
    """An operator's access token, shared by every worker until shortly before it expires."""

    name = CharField(unique=True)
    token = TextField()
    expires_at = DateTimeField()

    class Meta:
        table_name = "operator_tokens"


class OperatorAttempt(BaseModel):
    """One paid request to the operator (an eSIM order or a top-up), written before it is sent.

    The operator takes no idempotency key, so this row is what tells, after a
    timeout, that something may have been bought and must be checked, not resent.
    """

    reference = CharField(unique=True)
    # The portal's order: a second request for the same order is answered from this row.
    request_key = CharField(null=True, unique=True)
    kind = CharField()  # order (a new eSIM) or topup
    iccid = CharField(default="", index=True)
    package_id = CharField()
    status = CharField(default="sending")  # sending, unknown, found, done, failed
    seen_before = IntegerField(default=0)  # times the ICCID already had this package, before sending
    tries = IntegerField(default=1)
    operator_order = CharField(default="")
    result = TextField(default="")  # the operator's answer about the eSIM, JSON
    note = CharField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "operator_attempts"


class OperatorReading(BaseModel):
    """The operator's last usage answer per ICCID, so it is not asked more often than it allows."""

    iccid = CharField(unique=True)
    payload = TextField()
    read_at = DateTimeField()

    class Meta:
        table_name = "operator_readings"


ALL_MODELS = [
    User,
    UserSession,
    Plan,
    Esim,
    PromoCode,
    Order,
    OrderEvent,
    Payment,
    Refund,
    Dispute,
    WebhookEvent,
    TestCheckout,
    TestRefund,
    Device,
    Reminder,
    AuditLog,
    OutgoingMail,
    SimLine,
    SimApplication,
    OperatorToken,
    OperatorAttempt,
    OperatorReading,
]
