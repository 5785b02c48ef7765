"""A customer's request for their money back, and each change of its state."""

from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from app.models.accounts import User
from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.orders import Order
from app.models.orders import Refund

# Why a customer asks (app/labels.py words them; an operator maps them to its own codes).
REFUND_REQUEST_REASONS = (
    "wrong_purchase",
    "plans_changed",
    "installation_failed",
    "not_working",
    "deleted_esim",
)
# requested (support decides) → approved (a refund made) → refunded (the money reached the customer),
# or requested → declined.
REFUND_REQUEST_STATES = ("requested", "approved", "declined", "refunded")


class RefundRequest(BaseModel):
    """One per order (unique): a second press, or two at once, find the first."""

    order = ForeignKeyField(Order, unique=True, backref="refund_requests", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="refund_requests", on_delete="CASCADE")
    reason = CharField()
    note = CharField(default="", max_length=1000)  # the customer's own words
    destination = CharField(default="original")  # where the money goes: the way it was paid (or the balance)
    state = CharField(default="requested", index=True)
    # What was known when it was asked: whether the eSIM was installed, and the data used by then.
    installed = BooleanField(default=False)
    data_used_mb = IntegerField(default=0)
    amount_cents = IntegerField(default=0)  # what was refunded, once approved
    refund = ForeignKeyField(Refund, null=True, on_delete="SET NULL")
    decided_by = ForeignKeyField(User, null=True, backref="refund_decisions", on_delete="SET NULL")
    answer = CharField(default="", max_length=1000)  # the agent's message to the customer
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "refund_requests"
        indexes = ((("state", "created_at"), False),)


class RefundRequestEvent(BaseModel):
    """Every change of a request's state: from, to, by whom (none: the rules), with a note."""

    request = ForeignKeyField(RefundRequest, backref="events", on_delete="CASCADE")
    from_state = CharField(default="")
    to_state = CharField()
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    note = CharField(default="", max_length=1000)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "refund_request_events"
