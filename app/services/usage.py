"""What each eSIM has left: read from the operator, kept as the last reading per eSIM (and in its
history, services/usage_history.py)."""

import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from peewee import Case

from app.extensions import db
from app.models import Esim
from app.models import utcnow
from app.operators import OperatorError
from app.operators import get_operator
from app.services import expiry_steps
from app.services import usage_history

FRESH_FOR = timedelta(seconds=60)
# From this share of its data used, an eSIM is running low: its owner is reminded once a
# cycle (services/reminders.py) and the dashboard says so until it is renewed.
LOW_DATA_SHARE = 0.8

NOT_INSTALLED, ACTIVE, EXPIRING, EXPIRED = "not_installed", "active", "expiring", "expired"
# Lower sorts first on the dashboard: what needs attention comes first.
URGENCY = {EXPIRING: 0, EXPIRED: 1, ACTIVE: 2, NOT_INSTALLED: 3}

READING_FIELDS = [
    Esim.data_total_mb,
    Esim.data_used_mb,
    Esim.minutes_total,
    Esim.minutes_used,
    Esim.expires_at,
    Esim.installed_at,
    Esim.usage_read_at,
]


@dataclass(frozen=True)
class Status:
    state: str
    days_left: int
    data_left_mb: int
    minutes_left: int
    data_used_share: float  # 0..1, for the bar
    running_low: bool  # in use, with LOW_DATA_SHARE of its data or more used

    @property
    def low_data_percent(self):
        return low_data_percent()

    @property
    def needs_attention(self):
        """Expiring, expired or running low: the dashboard puts it in a banner."""
        return self.state in (EXPIRING, EXPIRED) or self.running_low


def low_data_percent():
    """LOW_DATA_SHARE as a whole percentage, for the words that say it."""
    return round(LOW_DATA_SHARE * 100)


def status(esim, now=None):
    """The eSIM's state and what is left, from its last reading."""
    now = now or utcnow()
    if esim.expires_at is None:
        days_left = 0
    else:
        # Whole days left, never rounded up: 5 days and 37 minutes is 5 days.
        days_left = max(0, math.floor((esim.expires_at - now).total_seconds() / 86400))
    if esim.installed_at is None:
        state = NOT_INSTALLED
    elif esim.expires_at is None or esim.expires_at <= now:
        state = EXPIRED
    elif esim.expires_at - now <= expiry_steps.expiring_within(expiry_steps.plan_days(esim)):
        state = EXPIRING
    else:
        state = ACTIVE
    total = esim.data_total_mb
    left = 0 if state == EXPIRED else max(0, total - esim.data_used_mb)
    minutes_left = 0 if state == EXPIRED else max(0, esim.minutes_total - esim.minutes_used)
    share = min(1.0, esim.data_used_mb / total) if total else 0.0
    running_low = state in (ACTIVE, EXPIRING) and share >= LOW_DATA_SHARE
    return Status(state, days_left, left, minutes_left, share, running_low)


def refresh(esims, force=False):
    """Bring readings up to date in one operator call; False if the operator failed.

    Readings younger than FRESH_FOR are kept unless `force`; on failure every
    eSIM keeps its last known figures and the caller shows they are not fresh.
    """
    now = utcnow()
    stale = [e for e in esims if force or not e.usage_read_at or now - e.usage_read_at > FRESH_FOR]
    if not stale:
        return True
    try:
        readings = get_operator().read_usage([e.iccid for e in stale])
    except OperatorError as exc:
        current_app.logger.warning("usage read failed: %s", exc)
        return False
    updated, changed, kept = [], set(), []
    for esim in stale:
        usage = readings.get(esim.iccid)
        if usage is None:
            continue
        reading = {
            "data_total_mb": usage.data_total_mb,
            "data_used_mb": usage.data_used_mb,
            "minutes_total": usage.minutes_total,
            "minutes_used": usage.minutes_used,
            "expires_at": usage.expires_at,
            "installed_at": now if usage.installed and esim.installed_at is None else esim.installed_at,
            "usage_read_at": now,
        }
        if usage_history.worth_keeping(esim, reading):
            kept.append(esim)
        for name, value in reading.items():
            if getattr(esim, name) != value:
                setattr(esim, name, value)
                changed.add(name)
        updated.append(esim)
    if changed:  # (the time read always is, but an UPDATE with nothing to set is not SQL)
        _save_readings(updated, [field for field in READING_FIELDS if field.name in changed])
    usage_history.record(kept, now)
    return len(updated) == len(stale)


def _save_readings(esims, fields):
    """Write the readings' changed `fields`: one UPDATE for one eSIM, one per hundred in a batch.

    Most readings change little (the time read, the data used), so only what changed is
    written. A batch sets each column to a CASE on the eSIM's id. Its ELSE, the column
    itself, is never reached (the WHERE names the same ids) but gives the CASE the column's
    type: PostgreSQL takes a CASE whose values are all NULL (no eSIM installed yet) as text,
    and refuses to store text in a timestamp column. peewee's bulk_update has no ELSE.
    """
    if len(esims) == 1:
        # A single statement needs no transaction of its own.
        esim = esims[0]
        Esim.update({field: getattr(esim, field.name) for field in fields}).where(
            Esim.id == esim.id
        ).execute()
        return
    with db.atomic():
        for start in range(0, len(esims), 100):
            batch = esims[start : start + 100]
            columns = {
                field: Case(Esim.id, [(e.id, field.to_value(getattr(e, field.name))) for e in batch], field)
                for field in fields
            }
            Esim.update(columns).where(Esim.id.in_([e.id for e in batch])).execute()


def by_urgency(esims, now=None):
    """(esim, status) pairs, expiring soon and expired first, then by expiry date."""
    now = now or utcnow()
    pairs = [(e, status(e, now)) for e in esims]
    far = now + timedelta(days=36500)
    return sorted(pairs, key=lambda p: (URGENCY[p[1].state], p[0].expires_at or far, p[0].id))
