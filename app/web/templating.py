"""What every template may use: the formatting filters and the label tables, in the reader's language."""

from flask import g
from flask_login import current_user

from app import labels
from app import text
from app.labels import LANGUAGES
from app.services import balance
from app.services import order_money
from app.services import orders
from app.services import payments
from app.services.audit import audit_detail
from app.web import locale


def init_app(app):
    app.jinja_env.filters.update(
        money=text.money,
        date=text.local_date,
        datetime=_page_time,
        time_left=text.time_left,
        colon=text.colon,
        data_amount=text.data_amount,
        updated_ago=text.updated_ago,
        plan_name=text.plan_name,
        days_text=text.days_text,
        minutes_text=text.minutes_text,
    )
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        PLAN_KIND_LABELS=labels.PLAN_KIND_LABELS,
        STATE_LABELS=labels.STATE_LABELS,
        DEVICE_NOTES=labels.DEVICE_NOTES,
        REMINDER_LABELS=labels.REMINDER_LABELS,
        AUDIT_LABELS=labels.AUDIT_LABELS,
        ORDER_STATUS_LABELS=labels.ORDER_STATUS_LABELS,
        OrderStatus=orders.OrderStatus,
        REFUND_REASON_LABELS=labels.REFUND_REASON_LABELS,
        BALANCE_REASON_LABELS=labels.BALANCE_REASON_LABELS,
        REFUND_STATUS_LABELS=labels.REFUND_STATUS_LABELS,
        PAYMENT_KIND_LABELS=labels.PAYMENT_KIND_LABELS,
        DISPUTE_STATUS_LABELS=labels.DISPUTE_STATUS_LABELS,
        EVENT_SOURCE_LABELS=labels.EVENT_SOURCE_LABELS,
        current_language=text.current_language,
        page_zone_note=_page_zone_note,
        zone_note=text.zone_note,
        event_label=text.event_label,
        payment_method_label=text.payment_method_label,
        seller=text.seller,
        audit_detail=audit_detail,
        test_mode=payments.test_mode,
        khqr_offered=payments.khqr_offered,
        balance_covering=_balance_covering,
        order_status_label=_order_status_label,
        may_give_back=order_money.may_give_back,
        reads_traditional_chinese=locale.reads_traditional_chinese,
        html_lang=locale.html_lang,
        language_links=locale.language_links,
    )


def _page_time(value, fmt="short"):
    """A time on a page, which then names its zone once (`page_zone_note`)."""
    g.page_shows_times = True
    return text.local_datetime(value, fmt)


def _page_zone_note():
    """The zone of the page's times, the first time it is asked for after a time was shown; else ""."""
    if not g.get("page_shows_times") or g.get("page_zone_named"):
        return ""
    g.page_zone_named = True
    return text.zone_note()


def _balance_covering(amount_cents):
    """The signed-in customer's balance when it pays `amount_cents` (a price shown), else None."""
    if amount_cents is None or not current_user.is_authenticated or current_user.role != "customer":
        return None
    available = balance.balance_of(current_user)
    return available if available >= amount_cents > 0 else None


def _order_status_label(order):
    """The message id of an order's status as its customer reads it (a top-up's are its own)."""
    if order.kind == "top_up" and order.status in labels.TOP_UP_STATUS_LABELS:
        return labels.TOP_UP_STATUS_LABELS[order.status]
    return labels.ORDER_STATUS_LABELS[order.status]
