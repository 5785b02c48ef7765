"""State the connectors keep in our database: the local test payment provider's and the
simulated operator's records, and the real operator's token, paid requests and readings."""

from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.orders import Order


class LocalCheckout(BaseModel):
    """A checkout session of the local test-payment provider (used when Stripe has no keys)."""

    session_id = CharField(unique=True)
    order = ForeignKeyField(Order, backref="local_checkouts", on_delete="CASCADE")
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


class LocalRefund(BaseModel):
    """A refund the local test provider made (it keeps them as Stripe would)."""

    refund_id = CharField(unique=True)
    idempotency_key = CharField(unique=True)
    payment_intent = CharField(index=True)
    amount_cents = IntegerField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "test_refunds"


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
    # Activation codes given for the line so far (the first, and each one reissued after a deletion).
    profiles_issued = IntegerField(default=1)

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
