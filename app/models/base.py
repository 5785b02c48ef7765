"""The base model, and the helpers every table shares: times in UTC (naive), E.164 phones."""

import re
from datetime import UTC
from datetime import datetime

from peewee import Model

from app.extensions import db

ROLES = ("customer", "agent", "admin")


PLAN_KINDS = ("daily", "monthly", "yearly")


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


def with_field(only, field):
    """save(only=...) writes `field` too (a key kept beside the columns it is made from)."""
    return None if only is None else [*only, field]


class BaseModel(Model):
    class Meta:
        database = db
