"""Locale choice and the locale-aware formatting every template and email uses."""

import json
import math
from datetime import UTC
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from functools import wraps
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import TIMEDELTA_UNITS
from babel.dates import format_timedelta as babel_timedelta
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_babel import format_currency
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app import labels
from app.extensions import babel
from app.labels import N_
from app.models import Plan
from app.models import utcnow
from app.payments import test_mode

# Each language is named in itself, as the switcher shows it.
LANGUAGES = {"en": "English", "km": "ភាសាខ្មែរ", "zh": "中文"}
HTML_LANG = {"en": "en", "km": "km", "zh": "zh-Hans"}
LANG_COOKIE = "lang"
SHOWN_LANGUAGE = "lang"


# A lazy string is translated afresh on every use, which costs a page more than a lookup
# in the catalog the render already holds: label tables hold message ids (N_) instead.


# Message ids, translated in templates: {{ _(STATE_LABELS[state]) }}.
PLAN_KIND_LABELS = {
    "daily": N_("Daily plans"),
    "monthly": N_("Monthly plans"),
    "yearly": N_("Yearly plans"),
}

STATE_LABELS = {
    "not_installed": N_("Not installed yet"),
    "active": N_("Active"),
    "expiring": N_("Expiring soon"),
    "expired": N_("Expired"),
}

ORDER_STATUS_LABELS = {
    "pending": N_("Waiting for payment"),
    "paid": N_("Paid: sending it to the operator"),
    "applying": N_("Paid: the operator is applying your plan"),
    "fulfilled": N_("Done: your plan is active"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired: it was not paid in time"),
    "failed": N_("The operator could not apply the plan"),
    "refunded": N_("Refunded"),
}

DEVICE_NOTES = {
    "apple_china": _l(
        "Not the models sold in mainland China, Hong Kong or Macau: they have two physical SIM slots "
        "and no eSIM."
    ),
    "apple_china_mini": _l(
        "Models sold in Hong Kong and Macau have eSIM; those sold in mainland China do not."
    ),
    "ipad_cellular": _l("Wi-Fi + Cellular models only."),
    "samsung_region": _l(
        "Most models have eSIM, but not those sold in mainland China. "
        "Check Settings > Connections > SIM manager."
    ),
    "some_regions": _l("eSIM only in some regional versions: check the phone's settings before buying."),
    "pixel_region": _l("Phones bought from some carriers may have eSIM turned off."),
    "not_china": _l("The version sold in mainland China has no eSIM."),
    "huawei": _l("Only some international versions; no eSIM in models sold in mainland China."),
    "japan": _l("Japanese models: only phones bought unlocked (SIM-free)."),
}

REMINDER_LABELS = {
    "expiry_7d": _l("A week before expiry"),
    "expiry_1d": _l("A day before expiry"),
    "expiry_3d": _l("3 days before expiry"),
    "expiry_hours": _l("A few hours before expiry"),
    "data_75": _l("Data at 75%"),
    "data_80": _l("Data at 80%"),
    "data_90": _l("Data at 90%"),
}

AUDIT_LABELS = {
    "note": _l("Note"),
    "assisted_renewal": _l("Renewal made for the customer"),
    "registered_at_counter": _l("Registered at the counter"),
    "counter_sale": _l("Counter sale"),
    "cash_payment": _l("Cash payment recorded"),
    "refund": _l("Refund"),
    "refund_retry": _l("Refund sent again"),
    "refund_handed_back": _l("Cash refund handed back"),
    "resend_install": _l("Install email sent again"),
    "resend_receipt": _l("Receipt sent again"),
    "email_payment_link": _l("Payment link emailed"),
    "revealed_activation_code": _l("Activation code shown to the agent"),
}

# What each order event means to the customer; notes first, then the new status.
EVENT_LABELS = {
    "checkout_started": _l("Payment page opened"),
    "checkout_cancelled": _l("Payment cancelled at checkout"),
    "payment_processing": _l("Your bank is processing the payment"),
    "payment_failed": _l("The payment failed"),
    "cancelled_by_customer": _l("You cancelled the order"),
    "amount_mismatch": _l("The payment did not match the order: it is being refunded"),
    "duplicate_payment": _l("A second payment arrived: it is being refunded"),
    "refund_operator_failed": _l("Refund started: the operator could not apply the plan"),
    "refund_duplicate_payment": _l("Refund started for the second payment"),
    "refund_amount_mismatch": _l("Refund started for the payment that did not match"),
    "refund_staff": _l("Refund started by our support team"),
    "refunded_in_full": _l("Refunded in full"),
    "dispute": _l("The bank opened a dispute about this payment"),
    "replaced_by_new_order": _l("Replaced by a newer order"),
    "operator_refund_requested": _l("The unused eSIM was handed back to the operator"),
    "pending": _l("Order created"),
    "paid": _l("Payment received"),
    "applying": _l("Sent to the operator"),
    "fulfilled": _l("Plan applied by the operator"),
    "cancelled": _l("Cancelled"),
    "expired": _l("The payment page expired"),
    "failed": _l("The operator could not apply the plan"),
    "refunded": _l("Refunded"),
}


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


def audit_detail(entry):
    """An audit entry's detail for the reader: its facts formatted and translated, or its text."""
    try:
        facts = json.loads(entry.detail) if entry.detail.startswith("{") else None
    except ValueError:
        facts = None
    if not isinstance(facts, dict):
        return entry.detail
    parts = [str(facts[k]) for k in ("order",) if facts.get(k)]
    if facts.get("plan"):
        plan = Plan.get_or_none(Plan.code == facts["plan"])
        parts.append(plan_name(plan) if plan else facts["plan"])
    if facts.get("esim"):
        parts.append(facts["esim"])
    if facts.get("amount_cents") is not None:
        parts.append(money(int(facts["amount_cents"]), facts.get("currency") or "USD"))
    if facts.get("text"):
        parts.append(facts["text"])
    return " · ".join(parts)


def event_label(event):
    note_key = event.note.split(":", 1)[0]
    return EVENT_LABELS.get(note_key) or EVENT_LABELS.get(event.to_status, event.to_status)


def select_locale():
    """Explicit switch > this browser's choice > profile > cookie > Accept-Language > English."""
    switched = g.get("lang_switch") or session.get(SHOWN_LANGUAGE)
    if switched in LANGUAGES:
        return switched
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return negotiate(request.headers.get("Accept-Language", ""))[0]


TRADITIONAL = ("tw", "hk", "mo", "hant")


def _preferences(header):
    """The header's language tags, most wanted first (by quality, then by their order)."""
    wanted = []
    for position, part in enumerate((header or "").split(",")[:32]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, position, tag.strip().lower().replace("_", "-")))
    return [tag for _q, _p, tag in sorted(wanted)]


def negotiate(header):
    """(language, traditional) for an Accept-Language header.

    Region and script tags fold onto our languages (zh-CN, zh-SG, zh-Hans → zh;
    km-KH → km; en-GB → en), in the order the reader asked for them. Traditional
    Chinese (zh-TW, zh-HK, zh-Hant) gets our Simplified Chinese, and `traditional`
    says so, so the page can tell them in a line.
    """
    for tag in _preferences(header):
        parts = tag.split("-")
        if parts[0] in LANGUAGES:
            return parts[0], parts[0] == "zh" and any(p in TRADITIONAL for p in parts[1:])
    return "en", False


def reads_traditional_chinese():
    """True on a page shown in Simplified Chinese to a reader whose browser asked for Traditional."""
    if current_language() != "zh" or not request:
        return False
    language, traditional = negotiate(request.headers.get("Accept-Language", ""))
    return language == "zh" and traditional


def current_language():
    """The active language code: en, km or zh."""
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else "en"


TIMEZONE = "Asia/Phnom_Penh"


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


@per_locale
def money(cents, currency="USD"):
    """An amount in the smallest unit, formatted for the active locale."""
    return format_currency(Decimal(cents) / 100, currency)


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


def _remember_switch():
    """`?lang=` changes the language shown in this browser (session and cookie) and nothing else:
    a GET, even one made by another site's <img>, never changes the language of a customer's emails."""
    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        return
    g.lang_switch = lang
    if session.get(SHOWN_LANGUAGE) != lang:
        session[SHOWN_LANGUAGE] = lang


def _set_cookie(response):
    if g.get("lang_switch"):
        response.set_cookie(
            LANG_COOKIE, g.lang_switch, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


def language_links():
    """The switcher's links: (code, name, this page in that language, whether it is the active one)."""
    return _language_links(request.script_root + request.path, request.query_string, current_language())


@lru_cache(maxsize=2048)
def _language_links(path, query_string, active):
    args = {}
    for name, value in parse_qsl(query_string.decode(), keep_blank_values=True):
        args.setdefault(name, []).append(value)
    links = []
    for code, name in LANGUAGES.items():
        args["lang"] = [code]
        links.append((code, name, path + "?" + urlencode(args, doseq=True), code == active))
    return tuple(links)


def init_app(app):
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(_remember_switch)
    app.after_request(_set_cookie)
    app.jinja_env.filters.update(
        money=money,
        date=per_locale(format_date),
        datetime=local_datetime,
        colon=colon,
        data_amount=data_amount,
        updated_ago=updated_ago,
        plan_name=plan_name,
        days_text=days_text,
        minutes_text=minutes_text,
    )
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        PLAN_KIND_LABELS=PLAN_KIND_LABELS,
        STATE_LABELS=STATE_LABELS,
        DEVICE_NOTES=DEVICE_NOTES,
        REMINDER_LABELS=REMINDER_LABELS,
        AUDIT_LABELS=AUDIT_LABELS,
        ORDER_STATUS_LABELS=ORDER_STATUS_LABELS,
        REFUND_REASON_LABELS=labels.REFUND_REASON_LABELS,
        REFUND_STATUS_LABELS=labels.REFUND_STATUS_LABELS,
        PAYMENT_KIND_LABELS=labels.PAYMENT_KIND_LABELS,
        DISPUTE_STATUS_LABELS=labels.DISPUTE_STATUS_LABELS,
        current_language=current_language,
        event_label=event_label,
        audit_detail=audit_detail,
        seller=seller,
        EVENT_SOURCE_LABELS=labels.EVENT_SOURCE_LABELS,
        payment_method_label=payment_method_label,
        test_mode=test_mode,
        reads_traditional_chinese=reads_traditional_chinese,
        html_lang=lambda: HTML_LANG[current_language()],
        language_links=language_links,
    )
