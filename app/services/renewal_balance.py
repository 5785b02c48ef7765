"""Auto-renew paid from the prepaid balance: the debit (once per eSIM and cycle, through
services/balance.py), and the top-up link sent before a renewal the balance would not cover.

A renewal is "near" when its time trigger is within a day (the day-before notice, or a day before a
shorter lead), or when data left is below twice the share that triggers it (10 %: at 20 % left).
Then, if the balance is short, the customer is emailed once per cycle a link to the balance page
with the missing amount chosen.
"""

from datetime import timedelta

from app.models import AutoRenew
from app.models import Order
from app.models import RenewalCycle
from app.services import balance
from app.services import jobs
from app.services import notifications
from app.services import renewal
from app.services import renewal_notices
from app.services.renewal_charges import idempotency_key

AHEAD = timedelta(days=1)
TOP_UP_ASKED = "top_up_asked"


def near(setting, esim, now):
    """Whether a renewal by balance is close enough to ask for a top-up now."""
    if setting.funding != "balance" or esim.installed_at is None or esim.expires_at is None:
        return False
    if esim.expires_at <= now:
        return False
    if (
        setting.hours_before_expiry
        and esim.expires_at <= now + timedelta(hours=setting.hours_before_expiry) + AHEAD
    ):
        return True
    total, used = esim.data_total_mb, esim.data_used_mb
    share = min(100, 2 * setting.data_below_percent)
    return bool(setting.data_below_percent) and total > 0 and (total - used) * 100 < share * total


def missing_for(setting, esim, now):
    """What the balance lacks to pay this eSIM's next renewal (0: it covers it)."""
    amount = renewal.quote(esim, setting.plan, now=now).amount_cents
    return amount, balance.missing_cents(esim.user_id, amount)


def ask_top_up_once(row, setting, esim, amount, missing):
    """Email the top-up link for this cycle, once (a compare-and-set on the cycle's row); True when sent."""
    with jobs.transaction():
        asked = (
            RenewalCycle.update(note=TOP_UP_ASKED)
            .where(RenewalCycle.id == row.id, RenewalCycle.note != TOP_UP_ASKED)
            .execute()
        )
        if asked:
            renewal_notices.top_up_needed(setting, esim, amount, missing)
    return bool(asked)


def pay(row, setting, esim, order, now):
    """Pay the cycle's order from the balance, once per eSIM and cycle; the row when paid (or paid
    already with this key), None when the balance is short."""
    key = idempotency_key(row)
    try:
        with jobs.transaction():
            paid = balance.pay_order_from_balance(order, key, source="system")
            if not paid and balance.entry(key) is None:
                RenewalCycle.update(status="skipped", note=f"order_{Order.get_by_id(order.id).status}").where(
                    RenewalCycle.id == row.id
                ).execute()
                return row
            RenewalCycle.update(
                status="charged", charged_at=now, amount_cents=order.amount_cents, charge_ref=key
            ).where(RenewalCycle.id == row.id).execute()
            AutoRenew.update(failures=0).where(AutoRenew.id == setting.id).execute()
            if paid:
                notifications.send_receipt(Order.get_by_id(order.id))
    except balance.BalanceError as exc:
        if exc.reason != "short":
            raise
        return None
    return row
