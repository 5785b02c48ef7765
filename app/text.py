"""Formatting for the reader's language: money, data amounts, plan names, times.

Plain functions of their arguments and the active locale (flask-babel's, set by
a request or by `force_locale` in the worker), so pages, emails and services use
the same words. Nothing here reads a request.
"""

import math
from datetime import UTC
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from functools import wraps
from zoneinfo import ZoneInfo

from babel.dates import TIMEDELTA_UNITS
from babel.dates import format_timedelta as babel_timedelta
from flask import current_app
from flask_babel import format_currency
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from app import labels
from app.labels import LANGUAGES
from app.models import utcnow

TIMEZONE = "Asia/Phnom_Penh"


def current_language():
    """The active language code: en, km or zh."""
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else "en"


def to_local(moment):
    """A stored (naive UTC) time as Cambodian wall-clock time, as pages show it."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(TIMEZONE))


def per_locale(formatter):
    """Remember a formatter's results for each locale.

    For formatters whose text depends only on their arguments and the locale: Babel's
    number and date formatting is slow enough to show in every page's time.
    """
    remembered = lru_cache(maxsize=4096)(lambda _locale, *args: formatter(*args))

    @wraps(formatter)
    def formatted(*args):
        return remembered(get_locale(), *args)

    return formatted


# Currencies whose smallest unit is the whole unit: riel are paid in whole riel (KHQR refuses
# a fraction), although CLDR gives KHR two decimals.
WHOLE_UNITS = ("KHR",)


@per_locale
def money(amount, currency="USD"):
    """An amount in the smallest unit (cents; whole riel), formatted for the active locale."""
    if currency in WHOLE_UNITS:
        pattern = get_locale().currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(amount, currency, format=pattern, currency_digits=False)
    return format_currency(Decimal(amount) / 100, currency)


@per_locale
def data_amount(mb, precise=False):
    """A data amount: gigabytes from 1 GB up (two decimals if `precise`), else megabytes."""
    if mb >= 1024:
        gb = Decimal(mb) / 1024
        if precise:
            return _("%(amount)s GB", amount=format_decimal(gb, format="#,##0.00"))
        return _("%(amount)s GB", amount=format_decimal(gb.quantize(Decimal("0.1")).normalize()))
    return _("%(amount)s MB", amount=format_decimal(mb))


# Khmer times on the 24-hour clock: CLDR's Khmer patterns write the Latin "AM"/"PM".
KHMER_PATTERNS = {"short": "d/M/yy, HH:mm", "medium": "d MMM y, HH:mm:ss"}


COLONS = {"km": "៖", "zh": "："}


def seller():
    """(name, address) of the seller in the page's language, as receipts print them."""
    config = current_app.config
    suffix = {"km": "_KM", "zh": "_ZH"}.get(current_language(), "")
    name = config.get("SELLER_NAME" + suffix) or config["SELLER_NAME"]
    return name, config.get("SELLER_ADDRESS" + suffix) or config["SELLER_ADDRESS"]


def colon(label):
    """A label and the colon of the page's language: "Plan:", "套餐：", "កញ្ចប់៖"."""
    return f"{label}{COLONS.get(current_language(), ':')}"


def local_datetime(value, fmt="medium"):
    """A time as Cambodians read it, with the zone named in the reader's language ("Cambodia Time")."""
    pattern = KHMER_PATTERNS.get(fmt, fmt) if current_language() == "km" else fmt
    return f"{format_datetime(value, pattern)} {format_datetime(value, 'v')}"


def updated_ago(moment):
    """ "Updated 2 minutes ago", or "Updated just now" for the last few seconds."""
    if moment is None:
        return _("Not read yet")
    seconds = (utcnow() - moment).total_seconds()
    if seconds < 10:
        return _("Updated just now")
    return _updated_ago_text(*_babel_unit(seconds))


# Babel names the largest unit of which there are at least this many (its default threshold).
_UNIT_THRESHOLD = 0.85


def _babel_unit(seconds):
    """The unit (in seconds) Babel's format_timedelta will name for `seconds`, and its count."""
    seconds = math.ceil(seconds)  # Babel drops the microseconds of the negative "ago" duration
    for _unit, unit_seconds in TIMEDELTA_UNITS:
        value = seconds / unit_seconds
        if value >= _UNIT_THRESHOLD or unit_seconds == 1:
            return unit_seconds, max(1, int(round(value)))


@per_locale
def _updated_ago_text(unit_seconds, count):
    """ "Updated 3 hours ago", once per language, unit and count.

    A threshold of `count` keeps Babel on this unit: `count` larger units never add up to it.
    """
    # Chinese writes "38秒前" (CLDR's short form) where the long form says "38秒钟前".
    form = "short" if current_language() == "zh" else "long"
    ago = babel_timedelta(
        timedelta(seconds=-count * unit_seconds),
        add_direction=True,
        threshold=count,
        format=form,
        locale=get_locale(),
    )
    return _("Updated %(ago)s", ago=ago)


@per_locale
def days_text(days):
    return ngettext("%(count)s day", "%(count)s days", days, count=format_decimal(days))


@per_locale
def minutes_text(minutes):
    return ngettext("%(count)s minute", "%(count)s minutes", minutes, count=format_decimal(minutes))


def plan_name(plan):
    """A plan's name composed from its attributes, e.g. "30 days · 10 GB"."""
    parts = [days_text(plan.days), data_amount(plan.data_mb)]
    if plan.minutes:
        parts.append(minutes_text(plan.minutes))
    return " · ".join(parts)


# Payment method names are brands (not translated), except these.
def payment_method_label(method):
    if not method:
        return _("Not known yet")
    if method == "test":
        return _("Test payment")
    if method == "card":
        return _("Card")
    if method == "cash":
        return _("Cash")
    brand, _sep, rest = method.partition(" ")
    name = labels.PAYMENT_METHOD_NAMES.get(brand)
    # A brand we do not know is shown as Stripe writes it, not re-capitalised ("Us Bank Account").
    label = _(name) if name else brand.replace("_", " ")
    return label + (" " + rest if rest else "")


def event_label(event):
    note_key = event.note.split(":", 1)[0]
    return labels.EVENT_LABELS.get(note_key) or labels.EVENT_LABELS.get(event.to_status, event.to_status)
