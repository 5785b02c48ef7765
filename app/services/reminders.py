"""Reminders before an eSIM runs out: a week before expiry, a day before, and at 80 % of data.

Each goes out once per eSIM, kind and expiry cycle: the row is written first
under a unique index, so a second run (or two at once) sends nothing new.
"""

from datetime import timedelta

from flask_babel import gettext as _
from peewee import IntegrityError

from app.models import Esim
from app.models import Reminder
from app.models import User
from app.models import utcnow
from app.operators import get_operator
from app.services import jobs
from app.services import mail
from app.services import usage
from app.services.notifications import external_url

WEEK, DAY = timedelta(days=7), timedelta(days=1)
DATA_SHARE = 0.8
BATCH = 100


def due(esim, status, now):
    """The reminder kinds this eSIM should have had by now."""
    if esim.installed_at is None or esim.expires_at is None or esim.expires_at <= now:
        return []
    kinds = []
    left = esim.expires_at - now
    if left <= DAY:
        kinds.append("expiry_1d")
    elif left <= WEEK:
        kinds.append("expiry_7d")
    if status.data_used_share >= DATA_SHARE:
        kinds.append("data_80")
    return kinds


SUBJECTS = {
    "expiry_7d": lambda: _("Your eSIM expires in a week"),
    "expiry_3d": lambda: _("Your eSIM expires in 3 days"),
    "expiry_1d": lambda: _("Your eSIM expires within a day"),
    "data_75": lambda: _("You have used %(percent)d%% of your eSIM data", percent=75),
    "data_80": lambda: _("You have used %(percent)d%% of your eSIM data", percent=80),
    "data_90": lambda: _("You have used %(percent)d%% of your eSIM data", percent=90),
}
DATA_PERCENT = {"data_75": 75, "data_80": 80, "data_90": 90}


def _send(esim, kind, status):
    link = external_url("plans.renew", esim_id=esim.id, lang=esim.user.language)
    mail.send_template(
        esim.user,
        "reminder",
        SUBJECTS[kind],
        esim=esim,
        kind=kind,
        percent=DATA_PERCENT.get(kind),
        carries_over=get_operator().renewal_carries_over,
        status=status,
        link=link,
    )


def send_due(now=None):
    """Email every reminder that is due and not yet sent; returns how many went out."""
    now = now or utcnow()
    candidates = (
        Esim.select(Esim, User)
        .join(User)
        .where(Esim.installed_at.is_null(False), Esim.expires_at > now)
        .order_by(Esim.id)
    )
    sent = 0
    for start in range(0, candidates.count(), BATCH):
        batch = list(candidates.offset(start).limit(BATCH))
        usage.refresh(batch)  # one operator call for the batch
        for esim in batch:
            status = usage.status(esim, now)
            for kind in due(esim, status, now):
                sent += _send_once(esim, kind, status)
    return sent


def _send_once(esim, kind, status):
    """The reminder's row and its email in one transaction; the worker delivers the email."""
    try:
        with jobs.transaction():
            Reminder.create(esim=esim, kind=kind, cycle=esim.expires_at.isoformat())
            _send(esim, kind, status)
    except IntegrityError:
        return 0
    return 1


# What Airalo's low-data notification says ("Webhook definition": level "75%", "90%", "3days",
# "1days"), as the reminder that says the same thing.
OPERATOR_LEVELS = {"75%": "data_75", "90%": "data_90", "3days": "expiry_3d", "1days": "expiry_1d"}


def operator_notice(iccid, level):
    """The operator says an eSIM is low on data or about to expire: remind its owner, once.

    Returns how many reminders went out (0 for an eSIM or level we do not know,
    or a reminder already sent this cycle).
    """
    kind = OPERATOR_LEVELS.get(level or "")
    esim = Esim.get_or_none(Esim.iccid == (iccid or ""))
    if kind is None or esim is None:
        return 0
    if esim.expires_at is None:
        usage.refresh([esim])
    if esim.expires_at is None:
        return 0  # not installed yet: nothing to remind about
    return _send_once(esim, kind, usage.status(esim))
