"""Reminders before an eSIM runs out: before its expiry (as its plan's length says) and when it is
running low on data (`usage.LOW_DATA_SHARE` used).

Each goes out once per eSIM, kind and expiry cycle. The task asks the database
for the eSIMs that are due and have not had that reminder this cycle (indexed on
expiry, share of data used, and eSIM, kind and cycle), a bounded batch at a
time, so its cost follows the reminders due, not the eSIMs there are.
"""

import math
import time
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from peewee import SQL
from peewee import IntegrityError
from peewee import fn

from app.models import Esim
from app.models import Plan
from app.models import Reminder
from app.models import User
from app.models import utcnow
from app.operators import get_operator
from app.services import expiry_steps
from app.services import jobs
from app.services import mail
from app.services import notices
from app.services import usage
from app.services.links import public_url

# Our own low-data reminder is stored under this kind whatever usage.LOW_DATA_SHARE is, so a
# cycle's reminder is still known as sent after the setting changes.
OWN_DATA_KIND = "data_80"
BATCH = 200
TIME_LIMIT_SECONDS = 60
# Each run renews at most this many of the oldest readings of active eSIMs, those older than
# STALE_AFTER (longer when the operator sends its own low-data and expiry notices), so every
# eSIM's usage and expiry are looked at now and then, never all at once.
READINGS_PER_RUN = 2000
READINGS_PER_RUN_WITH_NOTICES = 200
STALE_AFTER = timedelta(hours=6)
STALE_AFTER_WITH_NOTICES = timedelta(days=1)
# The expression the data-share index is built on (migration 011): written the same way here.
DATA_PERCENT_SQL = SQL("(data_used_mb * 100 / data_total_mb)")

EXPIRY_SUBJECTS = {
    "expiry_7d": lambda: _("Your eSIM expires in a week"),
    "expiry_3d": lambda: _("Your eSIM expires in 3 days"),
    "expiry_1d": lambda: _("Your eSIM expires within a day"),
    "expiry_hours": lambda: _("Your eSIM expires in a few hours"),
}
# The levels of data used that an operator's notice may name.
DATA_PERCENT = {"data_75": 75, "data_80": 80, "data_90": 90}
DATA_KINDS = tuple(DATA_PERCENT)


def due(esim, status, now):
    """The reminder kinds this eSIM should have had by now (as the task's SQL selects them)."""
    if esim.installed_at is None or esim.expires_at is None or esim.expires_at <= now:
        return []
    step = expiry_steps.step_due(expiry_steps.plan_days(esim), esim.expires_at - now)
    kinds = [step] if step else []
    if status.running_low:
        kinds.append(OWN_DATA_KIND)
    return kinds


def send_due(now=None, batch=BATCH, time_limit=TIME_LIMIT_SECONDS):
    """Email every reminder that is due and not yet sent; returns how many went out.

    Works in batches of `batch` eSIMs and stops starting new ones after `time_limit`
    seconds; what is left is due still, and the next run sends it (the most urgent first).
    """
    now = now or utcnow()
    started = time.monotonic()
    operator = get_operator()
    _renew_oldest_readings(now, operator, until=started + time_limit / 2)
    sent = 0
    for window in [*expiry_steps.windows(), None]:
        after = None
        while time.monotonic() - started < time_limit:
            esims = list(_candidates(window, now, after).limit(batch))
            if not esims:
                break
            after = (esims[-1].expires_at, esims[-1].id)
            sent += _remind(esims, window.kind if window else OWN_DATA_KIND, now, operator)
    if time.monotonic() - started >= time_limit:
        current_app.logger.info("send-reminders stopped at its time limit; the rest go next run")
    return sent


def _candidates(window, now, after):
    """Installed, unexpired eSIMs in the window (None: the data reminder) without this cycle's reminder."""
    kinds = [window.kind] if window else list(DATA_KINDS)
    sent_already = Reminder.select(SQL("1")).where(
        Reminder.esim == Esim.id, Reminder.kind.in_(kinds), Reminder.cycle_end == Esim.expires_at
    )
    query = (
        Esim.with_plan(User)
        .join(User)
        .where(Esim.installed_at.is_null(False), ~fn.EXISTS(sent_already))
        .order_by(Esim.expires_at, Esim.id)
    )
    if window is None:
        # Whole percents, rounded down: never fewer candidates than `due` keeps.
        query = query.where(
            Esim.expires_at > now,
            Esim.data_total_mb > 0,
            DATA_PERCENT_SQL >= math.floor(usage.LOW_DATA_SHARE * 100),
        )
    else:
        days = fn.COALESCE(Plan.days, expiry_steps.DEFAULT_PLAN_DAYS)
        query = query.where(
            Esim.expires_at > now + window.floor,
            Esim.expires_at <= now + window.lead,
            days >= window.min_days,
        )
        if window.max_days != float("inf"):
            query = query.where(days < window.max_days)
    if after is not None:
        query = query.where(
            (Esim.expires_at > after[0]) | ((Esim.expires_at == after[0]) & (Esim.id > after[1]))
        )
    return query


def _renew_oldest_readings(now, operator, until):
    """Read the usage of the active eSIMs whose readings are oldest: a bounded number, until `until`.

    An operator that sends its own notices (and may be asked about one eSIM per call)
    is asked about fewer, less often.
    """
    notices = operator.sends_usage_notices
    most = READINGS_PER_RUN_WITH_NOTICES if notices else READINGS_PER_RUN
    stale = now - (STALE_AFTER_WITH_NOTICES if notices else STALE_AFTER)
    active = Esim.select().where(Esim.installed_at.is_null(False), Esim.expires_at > now)
    never = list(active.where(Esim.usage_read_at.is_null()).order_by(Esim.id).limit(most))
    old = active.where(Esim.usage_read_at < stale).order_by(Esim.usage_read_at, Esim.id)
    oldest = never + list(old.limit(most - len(never)))
    for start in range(0, len(oldest), BATCH):
        if time.monotonic() >= until:
            break
        usage.refresh(oldest[start : start + BATCH])


def _remind(esims, kind, now, operator):
    """Send `kind` to each eSIM of the batch still due after a fresh reading; one transaction."""
    usage.refresh(esims)  # one operator call, and only for readings older than a minute
    chosen = []
    for esim in esims:
        status = usage.status(esim, now)
        if kind in due(esim, status, now):
            chosen.append((esim, status))
    if not chosen:
        return 0
    percent = usage.low_data_percent() if kind == OWN_DATA_KIND else None
    try:
        with jobs.transaction():
            Reminder.insert_many([_row(e, kind, now) for e, _status in chosen]).execute()
            notices.send_many(_notice(e, kind, status, percent, operator) for e, status in chosen)
    except IntegrityError:
        # The operator's notice sent one of them meanwhile: send the rest one by one.
        return sum(_send_once(esim, kind, status, percent) for esim, status in chosen)
    return len(chosen)


def _row(esim, kind, now):
    cycle = esim.expires_at
    return dict(esim=esim.id, kind=kind, cycle=cycle.isoformat(), cycle_end=cycle, sent_at=now)


def _subject(kind, percent):
    if kind in EXPIRY_SUBJECTS:
        return EXPIRY_SUBJECTS[kind]
    return lambda: _("You have used %(percent)d%% of your eSIM data", percent=percent)


def _compose(esim, kind, status, percent=None, operator=None):
    """The reminder's email: (to, subject, text, language); `percent` is the share of data used it
    names (a data reminder)."""
    link = public_url("plans.renew", esim_id=esim.id, lang=esim.user.language)
    return mail.compose(
        esim.user,
        "reminder",
        _subject(kind, percent),
        esim=esim,
        kind=kind,
        percent=percent,
        carries_over=(operator or get_operator()).renewal_carries_over,
        status=status,
        link=link,
    )


def _notice(esim, kind, status, percent=None, operator=None):
    """The reminder as a notice: its email, and what its Telegram message says."""
    carries_over = (operator or get_operator()).renewal_carries_over
    context = dict(esim=esim, kind=kind, percent=percent, carries_over=carries_over, status=status)
    return esim.user, "reminder", _compose(esim, kind, status, percent, operator), context


def _send_once(esim, kind, status, percent=None):
    """The reminder's row and its email in one transaction, unless it was sent this cycle."""
    sent = Reminder.select().where(
        Reminder.esim == esim.id, Reminder.kind == kind, Reminder.cycle_end == esim.expires_at
    )
    if sent.exists():
        return 0
    try:
        with jobs.transaction():
            Reminder.create(
                esim=esim, kind=kind, cycle=esim.expires_at.isoformat(), cycle_end=esim.expires_at
            )
            notices.send_many([_notice(esim, kind, status, percent)])
    except IntegrityError:
        return 0  # sent by another worker at the same moment
    return 1


def _notice_kind(notice):
    """The reminder that says what the operator's notice says (75 % used, 3 days left...), or None."""
    if notice.data_used_percent is not None:
        kind = f"data_{notice.data_used_percent}"
    elif notice.days_left is not None:
        kind = f"expiry_{notice.days_left}d"
    else:
        return None
    return kind if kind in EXPIRY_SUBJECTS or kind in DATA_PERCENT else None


def operator_notice(notice):
    """The operator says an eSIM is low on data or about to expire: remind its owner, once.

    Returns how many reminders went out (0 for an eSIM or level we do not know,
    or a reminder already sent this cycle).
    """
    kind = _notice_kind(notice)
    esim = Esim.get_or_none(Esim.iccid == notice.iccid)
    if kind is None or esim is None:
        return 0
    if esim.expires_at is None:
        usage.refresh([esim])
    if esim.expires_at is None:
        return 0  # not installed yet: nothing to remind about
    return _send_once(esim, kind, usage.status(esim), DATA_PERCENT.get(kind))
