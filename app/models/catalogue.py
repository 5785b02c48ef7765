"""What is sold: plans, promotion codes, and the phones that take an eSIM."""

from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import IntegerField

from app.models.base import BaseModel


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


class PromoCode(BaseModel):
    code = CharField(unique=True)
    kind = CharField()  # percent, amount (cents) or bonus_data (MB)
    value = IntegerField()
    valid_from = DateTimeField(null=True)
    valid_until = DateTimeField(null=True)
    max_redemptions = IntegerField(null=True)
    per_customer = IntegerField(null=True)  # paid orders one customer may use it on; None: no limit
    redemptions = IntegerField(default=0)  # paid orders only
    held = IntegerField(default=0)  # orders in checkout now, each holding one redemption
    plan_kinds = CharField(default="")  # comma-separated; empty means every kind
    active = BooleanField(default=True)

    class Meta:
        table_name = "promo_codes"


class Device(BaseModel):
    brand = CharField()
    model = CharField()
    note = CharField(default="")  # a key of app.labels.DEVICE_NOTES
    sort = IntegerField(default=0)

    class Meta:
        table_name = "devices"
        indexes = ((("brand", "model"), True),)
