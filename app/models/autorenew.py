"""Renewing by itself: the customer's saved cards, each eSIM's auto-renew setting, and one row per
renewal cycle, so that a cycle is renewed (and charged) at most once."""

from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from app.models.accounts import User
from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.catalogue import Plan
from app.models.esims import Esim
from app.models.orders import Order

# card: the saved card; balance: the balance only; balance_card: the balance first, the saved card
# when the balance is short.
FUNDING = ("card", "balance", "balance_card")


class PaymentCustomer(BaseModel):
    """The customer's record at a payment provider (a Stripe Customer), where saved cards hang."""

    user = ForeignKeyField(User, backref="payment_customers", on_delete="CASCADE")
    provider = CharField()
    customer_ref = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "payment_customers"
        indexes = ((("user", "provider"), True),)


class SavedCard(BaseModel):
    """A card the customer agreed to have charged later: the provider's payment method, and the
    words they agreed to with the time. Brand and last four are the provider's, read when shown."""

    user = ForeignKeyField(User, backref="saved_cards", on_delete="CASCADE")
    provider = CharField()
    method_ref = CharField(unique=True)
    brand = CharField(default="")
    last4 = CharField(default="")
    consent_text = TextField()
    consented_at = DateTimeField(default=utcnow)
    removed_at = DateTimeField(null=True)

    class Meta:
        table_name = "saved_cards"


class AutoRenew(BaseModel):
    """An eSIM's "renew automatically": which plan, when, paid how, up to what each month."""

    esim = ForeignKeyField(Esim, unique=True, backref="auto_renew", on_delete="CASCADE")
    plan = ForeignKeyField(Plan)
    enabled = BooleanField(default=False, index=True)
    funding = CharField(default="card")  # one of FUNDING
    card = ForeignKeyField(SavedCard, null=True, on_delete="SET NULL")
    data_below_percent = IntegerField(default=0)  # 0: not on data left
    hours_before_expiry = IntegerField(default=0)  # 0: not on time left
    monthly_cap_cents = IntegerField()
    consent_text = TextField(default="")
    consented_at = DateTimeField(null=True)
    failures = IntegerField(default=0)  # failed charges in a row
    stopped_reason = CharField(default="")  # customer, failures, card_removed
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "auto_renewals"


class RenewalCycle(BaseModel):
    """One period of an eSIM (named by the expiry it would end on) and what auto-renew did about it.

    `status`: noticed (the customer was told a day ahead), charging (one worker holds it),
    charged, failed (declined or authentication needed; the customer got a payment link),
    skipped (over the monthly cap, or the operator cannot renew the package); warned (the customer
    was sent a link to top up a balance that would not cover the renewal, before any notice).
    """

    esim = ForeignKeyField(Esim, backref="renewal_cycles", on_delete="CASCADE")
    cycle = CharField()
    ends_at = DateTimeField()
    status = CharField(default="noticed")
    order = ForeignKeyField(Order, null=True, backref="renewal_cycles", on_delete="SET NULL")
    amount_cents = IntegerField(default=0)
    charge_ref = CharField(default="")
    note = CharField(default="")
    claimed_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    charged_at = DateTimeField(null=True, index=True)

    class Meta:
        table_name = "renewal_cycles"
        indexes = ((("esim", "cycle"), True),)
