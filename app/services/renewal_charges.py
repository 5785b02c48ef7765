"""Paying an auto-renewal: an ordinary renewal order, charged off-session to the saved card once
(an idempotency key per eSIM and cycle), then paid → applying → fulfilled like any order.

A decline, or a bank asking the customer to authenticate, is never retried blindly: the customer
is emailed a link to pay the same order themselves, valid until the plan would have run out.
After FAILURES_BEFORE_STOP failures in a row auto-renew turns itself off, and says so.
"""

from flask import current_app

from app.models import AutoRenew
from app.models import Order
from app.models import OrderStatus
from app.models import RenewalCycle
from app.models import utcnow
from app.payments import PaymentError
from app.services import jobs
from app.services import notifications
from app.services import off_session
from app.services import orders
from app.services import renewal_notices
from app.services import signed

FAILURES_BEFORE_STOP = 3
LINK_PURPOSE = "renewal-pay"


def order_of(row, setting, esim):
    """The cycle's renewal order: the one it has while it can still be paid, else a new one."""
    order = Order.get_or_none(Order.id == row.order_id) if row.order_id else None
    if order is None or order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        order = orders.place_order(esim.user, setting.plan, esim=esim, source="system")
        RenewalCycle.update(order=order.id, amount_cents=order.amount_cents).where(
            RenewalCycle.id == row.id
        ).execute()
        row.order_id = order.id
    return order


def idempotency_key(row):
    return f"autorenew-{row.esim_id}-{row.cycle}"


def charge(row, setting, esim, order, card, now):
    """Charge the cycle's order to the saved card; the cycle's row (charged, failed, or still
    charging when the provider could not be reached: then tried again later with the same key)."""
    if order.status != OrderStatus.PENDING:
        RenewalCycle.update(status="skipped", note=f"order_{order.status}").where(
            RenewalCycle.id == row.id
        ).execute()
        return row
    try:
        result = off_session.charge_saved_card(order, card, idempotency_key(row))
    except PaymentError as exc:
        current_app.logger.warning("auto-renew charge for %s not made: %s", order.number, exc)
        return row
    if result.status != "succeeded":
        return failed(row, setting, esim, order, result.code or "card_declined", result.payment_intent)
    with jobs.transaction():
        off_session.take_off_session(order, result)
        RenewalCycle.update(
            status="charged", charged_at=now, amount_cents=result.amount, charge_ref=result.payment_intent
        ).where(RenewalCycle.id == row.id).execute()
        AutoRenew.update(failures=0).where(AutoRenew.id == setting.id).execute()
        notifications.send_receipt(Order.get_by_id(order.id))
    return row


def failed(row, setting, esim, order, code, charge_ref=""):
    """No charge: the customer is emailed a link to pay this order; the third failure in a row
    turns auto-renew off (and the email says so)."""
    with jobs.transaction():
        RenewalCycle.update(status="failed", note=code[:255], charge_ref=charge_ref).where(
            RenewalCycle.id == row.id
        ).execute()
        AutoRenew.update(failures=AutoRenew.failures + 1, updated_at=utcnow()).where(
            AutoRenew.id == setting.id
        ).execute()
        stopped = bool(
            AutoRenew.update(enabled=False, stopped_reason="failures")
            .where(
                AutoRenew.id == setting.id,
                AutoRenew.enabled == True,  # noqa: E712
                AutoRenew.failures >= FAILURES_BEFORE_STOP,
            )
            .execute()
        )
        renewal_notices.payment_failed(setting, esim, order, pay_token(row), code, stopped)
    return row


def pay_token(row):
    return signed.sign(LINK_PURPOSE, row.id)


def cycle_for_link(token, now=None):
    """The failed renewal a link names, while the plan it would have renewed has not run out."""
    row_id = signed.unsign(LINK_PURPOSE, token)
    row = RenewalCycle.get_or_none(RenewalCycle.id == row_id) if isinstance(row_id, int) else None
    if row is None or row.order_id is None or (now or utcnow()) >= row.ends_at:
        return None
    return row


def order_to_pay(row):
    """The order the link pays: the cycle's own while it can be paid, else a new one for the same plan."""
    setting = AutoRenew.get(AutoRenew.esim == row.esim_id)
    return order_of(row, setting, setting.esim)
