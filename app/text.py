"""Formatting for the reader's language: money, data amounts, plan names, times.

Plain functions of their arguments and the active locale (flask-babel's, set by
a request or by `force_locale` in the worker), so pages, emails and services use
the same words. Nothing here reads a request.
"""

import math
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from functools import wraps
from zoneinfo import ZoneInfo

from babel.dates import TIMEDELTA_UNITS
from babel.dates import format_timedelta as babel_timedelta
from flask import current_app
from flask_babel import format_currency
from flask_babel import format_date
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
def data_amount(mb):
    """A data amount, rounded one way everywhere: megabytes below 1 GB; from 1 GB up, gigabytes to
    the hundredth ("150.68 GB", "185.70 GB"), whole ones without decimals ("10 GB")."""
    if mb < 1024:
        return _("%(amount)s MB", amount=format_decimal(mb))
    gb = (Decimal(mb) / 1024).quantize(Decimal("0.01"))
    pattern = "#,##0" if gb == gb.to_integral_value() else "#,##0.00"
    return _("%(amount)s GB", amount=format_decimal(gb, format=pattern))


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


# Dates every reader takes one way: the day as a number, the month by name (in Khmer its Khmer
# name, from Babel), the year in full, and the 24-hour clock. Never "12/8/26", which a European
# reads as 12 August; never CLDR's English "Dec 8", beside a Khmer or Chinese "8 Dec".
DATE_PATTERNS = {"en": "d MMM y", "km": "d MMM y", "zh": "y年M月d日"}
# Between the date and the clock; "medium" adds the seconds (receipts).
TIME_PATTERNS = {"short": "{date}, HH:mm", "medium": "{date}, HH:mm:ss"}
CHINESE_TIME_PATTERNS = {"short": "{date} HH:mm", "medium": "{date} HH:mm:ss"}


def local_date(value):
    """A day as "8 Dec 2026" ("2026年12月8日", "8 ធ្នូ 2026"), in Cambodia for a stored time."""
    pattern = DATE_PATTERNS[current_language()]
    if isinstance(value, datetime):
        return _format_datetime(value, pattern)
    return format_date(value, pattern)


def local_datetime(value, fmt="short"):
    """A time in Cambodia as "8 Dec 2026, 00:59" (`fmt` "medium": with seconds), without its zone.

    A page names the zone once (`zone_note`), not on every time.
    """
    language = current_language()
    patterns = CHINESE_TIME_PATTERNS if language == "zh" else TIME_PATTERNS
    return _format_datetime(value, patterns[fmt].format(date=DATE_PATTERNS[language]))


@per_locale
def _format_datetime(value, pattern):
    return format_datetime(value, pattern)


def zone_note():
    """The line that names the zone of a page's (or an email's) times: "Times are Cambodia time (UTC+7)."."""
    offset = datetime.now(ZoneInfo(TIMEZONE)).utcoffset()
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    offset = f"UTC{hours:+d}" + (f":{rest:02d}" if rest else "")
    return _("Times are Cambodia time (%(offset)s).", offset=offset)


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


@per_locale
def hours_text(hours):
    return ngettext("%(count)s hour", "%(count)s hours", hours, count=format_decimal(hours))


# Below this, what is left is counted in hours: "less than a day" is no answer on a one-day plan.
HOURS_BELOW = timedelta(days=2)


def time_left(expires_at, now=None):
    """What is left of a validity, never rounded up: whole days from two days up ("5 days"), whole
    hours below ("23 hours"), "less than an hour" in the last hour."""
    left = expires_at - (now or utcnow())
    if left <= timedelta(0):
        return days_text(0)
    if left >= HOURS_BELOW:
        return days_text(left.days)
    if left < timedelta(hours=1):
        return _("less than an hour")
    return hours_text(int(left.total_seconds() // 3600))


def plan_name(plan):
    """A plan's name composed from its attributes, e.g. "30 days · 10 GB"; what a top-up order
    (no plan) buys otherwise."""
    if plan is None:
        return _("Balance top-up")
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
