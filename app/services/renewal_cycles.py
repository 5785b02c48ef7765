"""The worker's side of auto-renew: which eSIMs are due, and renewing each at most once per cycle.

A cycle is one period of an eSIM, named by the expiry it would end on (a renewal moves the
expiry, and so starts the next). Its row is unique per eSIM and cycle; whoever moves it to
`charging` (a compare-and-set) is the one worker that renews it, so two workers and the sweep
racing charge once, and the charge carries an idempotency key per eSIM and cycle besides. A
worker that died while charging leaves the row claimed; after CLAIM_TIMEOUT another takes it
and asks again with the same key, which never charges twice.
"""

from datetime import timedelta

from flask import current_app
from peewee import IntegrityError
from peewee import fn

from app.extensions import db
from app.models import AutoRenew
from app.models import Esim
from app.models import RenewalCycle
from app.models import utcnow
from app.services import autorenew
from app.services import jobs
from app.services import renewal
from app.services import renewal_balance
from app.services import renewal_charges
from app.services import renewal_notices
from app.services import usage
from app.worker import task

CLAIM_TIMEOUT = timedelta(minutes=10)
NOTICE_AHEAD = timedelta(days=1)
BATCH = 500
DATA, TIME, NOTICE = "data", "time", "notice"


def cycle_key(esim):
    return esim.expires_at.isoformat()


def trigger(setting, esim, now):
    """Why the eSIM is due now (DATA, TIME, or NOTICE: a day before a renewal by date), or None."""
    if esim.installed_at is None or esim.expires_at is None or esim.expires_at <= now:
        return None
    total, used = esim.data_total_mb, esim.data_used_mb
    if setting.data_below_percent and total > 0 and (total - used) * 100 < setting.data_below_percent * total:
        return DATA
    if setting.hours_before_expiry:
        lead = timedelta(hours=setting.hours_before_expiry)
        if esim.expires_at <= now + lead:
            return TIME
        if setting.hours_before_expiry >= 24 and esim.expires_at <= now + lead + NOTICE_AHEAD:
            return NOTICE
    return None


def run_due(now=None, batch=BATCH):
    """Every eSIM with auto-renew on that is due: noticed, or its cycle renewed once; returns how many
    cycles it took up (renewed, failed or skipped).

    A batch at a time (soonest to expire first), each batch's usage read in one operator call."""
    now = now or utcnow()
    renewed, after = 0, None
    while True:
        query = (
            AutoRenew.select(AutoRenew, Esim)
            .join(Esim)
            .where(AutoRenew.enabled == True, Esim.installed_at.is_null(False), Esim.expires_at > now)  # noqa: E712
            .order_by(Esim.expires_at, Esim.id)
        )
        if after is not None:
            query = query.where(
                (Esim.expires_at > after[0]) | ((Esim.expires_at == after[0]) & (Esim.id > after[1]))
            )
        settings = list(query.limit(batch))
        if not settings:
            return renewed
        after = (settings[-1].esim.expires_at, settings[-1].esim.id)
        usage.refresh([s.esim for s in settings])
        for setting in settings:
            try:
                renewed += bool(renew_if_due(setting, setting.esim, now))
            except Exception:  # noqa: BLE001 - one eSIM's trouble never stops the others'
                current_app.logger.exception("auto-renew of eSIM %s failed", setting.esim_id)
        if len(settings) < batch:
            return renewed


def renew_esim(esim_id, now=None):
    """One eSIM, now (the operator said it is low on data): its reading refreshed, renewed if due."""
    now = now or utcnow()
    setting = AutoRenew.get_or_none(AutoRenew.esim == esim_id, AutoRenew.enabled == True)  # noqa: E712
    if setting is None:
        return None
    esim = Esim.get_by_id(esim_id)
    usage.refresh([esim], force=True)
    return renew_if_due(setting, esim, now)


@task()
def auto_renew_esim(esim_id):
    """The operator says an eSIM is low on data: renew it now if its auto-renew is due."""
    renew_esim(esim_id)


def renew_if_due(setting, esim, now):
    """Notice or renew the eSIM's current cycle, once; the cycle's row, or None when nothing was due."""
    why = trigger(setting, esim, now)
    if why == NOTICE:
        _notice_once(setting, esim, now)
    if why in (None, NOTICE):
        if renewal_balance.near(setting, esim, now):
            _ask_top_up(setting, esim, now)
        return None
    row = _claim(esim, now)
    if row is None:
        return None  # renewed (or being renewed) already this cycle
    return _renew(row, setting, esim, now)


def _cycle_row(esim, status, now):
    """The cycle's row, made now with `status` if it is new: (row, made)."""
    try:
        with db.atomic():
            return RenewalCycle.create(
                esim=esim.id, cycle=cycle_key(esim), ends_at=esim.expires_at, status=status, claimed_at=now
            ), True
    except IntegrityError:
        return RenewalCycle.get(RenewalCycle.esim == esim.id, RenewalCycle.cycle == cycle_key(esim)), False


def _notice_once(setting, esim, now):
    with jobs.transaction():
        row, made = _cycle_row(esim, "noticed", now)
        if made or _moved(row, "warned", "noticed"):
            renewal_notices.renewing_tomorrow(setting, esim)
    return None


def _ask_top_up(setting, esim, now):
    """The balance would not cover the renewal that is near: a top-up link, once this cycle."""
    amount, missing = renewal_balance.missing_for(setting, esim, now)
    if missing:
        row, _made = _cycle_row(esim, "warned", now)
        renewal_balance.ask_top_up_once(row, setting, esim, amount, missing)


def _moved(row, before, after):
    return bool(
        RenewalCycle.update(status=after)
        .where(RenewalCycle.id == row.id, RenewalCycle.status == before)
        .execute()
    )


def _claim(esim, now):
    """The cycle's row if this caller is the one to renew it (a compare-and-set), else None."""
    row, made = _cycle_row(esim, "charging", now)
    if made:
        return row
    claimed = (
        RenewalCycle.update(status="charging", claimed_at=now)
        .where(
            RenewalCycle.id == row.id,
            RenewalCycle.status.in_(("noticed", "warned"))
            | ((RenewalCycle.status == "charging") & (RenewalCycle.claimed_at < now - CLAIM_TIMEOUT)),
        )
        .execute()
    )
    return RenewalCycle.get_by_id(row.id) if claimed else None


def spent_this_month(setting, now):
    """What auto-renew charged for this eSIM since the first of the month (UTC)."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (
        RenewalCycle.select(fn.COALESCE(fn.SUM(RenewalCycle.amount_cents), 0))
        .where(
            RenewalCycle.esim == setting.esim_id,
            RenewalCycle.status == "charged",
            RenewalCycle.charged_at >= start,
        )
        .scalar()
    )


def _renew(row, setting, esim, now):
    plan = setting.plan
    if not renewal.can_renew(esim) or not plan.rechargeable:
        return _skip(row, "not_rechargeable")
    if not plan.active:
        return _skip(row, "plan_withdrawn")
    amount = renewal.quote(esim, plan, now=now).amount_cents
    if spent_this_month(setting, now) + amount > setting.monthly_cap_cents:
        with jobs.transaction():
            _skip(row, "over_cap")
            renewal_notices.over_cap(setting, esim, amount)
        return row
    order = renewal_charges.order_of(row, setting, esim)
    if setting.funding in autorenew.FROM_BALANCE:
        paid = renewal_balance.pay(row, setting, esim, order, now)
        if paid is not None:
            return paid
        if setting.funding == "balance":
            return renewal_charges.failed(row, setting, esim, order, "balance_short")
    card = autorenew.card_of(setting)
    if card is None:
        return renewal_charges.failed(row, setting, esim, order, "no_card")
    return renewal_charges.charge(row, setting, esim, order, card, now)


def _skip(row, note):
    RenewalCycle.update(status="skipped", note=note).where(RenewalCycle.id == row.id).execute()
    return row
