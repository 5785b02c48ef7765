"""The base model, and the helpers every table shares: times in UTC (naive), E.164 phones."""

from datetime import UTC
from datetime import datetime

from peewee import Model

from app import phones
from app.extensions import db

ROLES = ("customer", "agent", "admin", "merged")  # merged: a record joined into another, kept


PLAN_KINDS = ("daily", "monthly", "yearly")


def utcnow():
    """The current time in UTC without tzinfo, the form every column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


CAMBODIA = phones.COUNTRY_CODE


def phone_digits(phone):
    """A phone number as E.164 digits (no +), the key support's search reads: see app.phones."""
    return phones.digits(phone)


def with_field(only, field):
    """save(only=...) writes `field` too (a key kept beside the columns it is made from)."""
    return None if only is None else [*only, field]


class BaseModel(Model):
    class Meta:
        database = db
