"""A customer's eSIMs and the reminders sent about them."""

from peewee import JOIN
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from app.models.accounts import User
from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.base import with_field
from app.models.catalogue import Plan

# What a card reads of an eSIM's plan: its length, which says when the eSIM is "expiring soon".
CARD_TERMS = (Plan.id, Plan.days)


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
        return super().save(*args, only=with_field(only, "iccid_reversed"), **kwargs)

    @classmethod
    def card_columns(cls):
        """What an eSIM's card and usage widget show and a reading writes: not its install details.

        With `with_plan(columns=card_columns(), terms=CARD_TERMS)`; naming each column selected
        costs about 80 thousand instructions per query (bench/instructions.py).
        """
        return (
            cls.id,
            cls.iccid,
            cls.label,
            cls.plan,
            cls.installed_at,
            cls.expires_at,
            cls.data_total_mb,
            cls.data_used_mb,
            cls.minutes_total,
            cls.minutes_used,
            cls.usage_read_at,
        )

    @classmethod
    def with_plan(cls, *more, columns=None, terms=None):
        """eSIMs (every column, or `columns`) with their plan's terms in the same query.

        Of the plan, only what is read of an eSIM's (or `terms`): its length (says when one is
        "expiring soon"), whether it can be renewed on the same eSIM, and the APN to set by hand;
        the plan's other columns are not loaded (None).
        """
        terms = terms or (Plan.id, Plan.days, Plan.rechargeable, Plan.apn)
        return (
            cls.select(*(columns or (cls,)), *terms, *more)
            .join(Plan, JOIN.LEFT_OUTER, on=(cls.plan == Plan.id))
            .switch(cls)
        )

    @classmethod
    def owned_by(cls, user):
        """The customer's eSIMs as their cards show them, soonest to expire first."""
        return (
            cls.with_plan(columns=cls.card_columns(), terms=CARD_TERMS)
            .where(cls.user == user)
            .order_by(cls.expires_at, cls.id)
        )

    @property
    def masked_iccid(self):
        return "•••• " + self.iccid[-4:]


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
