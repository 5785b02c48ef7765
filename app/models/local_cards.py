"""The local test provider's saved cards, card-saving pages and off-session charges, kept as
Stripe keeps its PaymentMethods, Checkout Sessions in setup mode and PaymentIntents."""

from peewee import CharField
from peewee import DateTimeField
from peewee import IntegerField

from app.models.base import BaseModel
from app.models.base import utcnow


class LocalCard(BaseModel):
    """A test card attached to a test customer; `outcome` is what charging it off-session answers:
    succeeded, card_declined or authentication_required (the test cards Stripe documents)."""

    method_ref = CharField(unique=True)
    customer_ref = CharField(index=True)
    brand = CharField(default="visa")
    last4 = CharField(default="4242")
    outcome = CharField(default="succeeded")
    attached = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "local_cards"


class LocalCardSetup(BaseModel):
    """A test page where a card is saved (Checkout in setup mode)."""

    session_id = CharField(unique=True)
    customer_ref = CharField()
    success_url = CharField(max_length=1000)
    cancel_url = CharField(max_length=1000)
    status = CharField(default="open")  # open, complete
    method_ref = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "local_card_setups"


class LocalCharge(BaseModel):
    """An off-session charge; the same idempotency key gives back the same charge."""

    intent_ref = CharField(unique=True)
    idempotency_key = CharField(unique=True)
    method_ref = CharField()
    amount_cents = IntegerField()
    currency = CharField()
    status = CharField()  # succeeded, requires_payment_method
    error_code = CharField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "local_charges"
