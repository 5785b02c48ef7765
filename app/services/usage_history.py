"""Usage over time: each reading kept (one per eSIM and hour, for 400 days), and data used per day.

The operator's counters are cumulative for the package in force, and a new package (a renewal,
a top-up) starts them again: a counter that goes down is a new package, whose whole count is
new use. Days are Cambodian days.
"""

import time
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from peewee import EXCLUDED
from peewee import Case

from app.extensions import db
from app.models import Plan
from app.models import UsageReading
from app.models import utcnow
from app.text import TIMEZONE
from app.text import to_local

KEPT_FOR = timedelta(days=400)
CHART_DAYS = 30
PRUNE_BATCH = 5000
RECORD_BATCH = 500  # rows of one INSERT, well within the databases' limits on parameters
PRUNE_TIME_LIMIT_SECONDS = 60

ROW = (
    UsageReading.hour,
    UsageReading.read_at,
    UsageReading.plan,
    UsageReading.data_used_mb,
    UsageReading.data_earlier_mb,
    UsageReading.minutes_used,
    UsageReading.minutes_earlier,
)


COUNTERS = ("data_used_mb", "data_total_mb", "minutes_used", "minutes_total")


@dataclass
class Day:
    day: date
    data_mb: int = 0
    minutes: int | None = None  # None: no call minutes counted that day or before
    plan: Plan | None = None  # the plan in force at the day's last reading


def hour_of(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def _ended_count(column, earlier):
    """What a package counted before a new one started it again within the hour (else 0)."""
    return earlier + Case(None, [(getattr(EXCLUDED, column.name) < column, column)], 0)


def worth_keeping(esim, reading):
    """Whether a new reading of `esim` adds to its history: its counters moved, or its last reading
    was in an earlier hour. (Unchanged counters add no use whichever row holds them, and most pages
    read usage again within the hour.)"""
    last = esim.usage_read_at
    if last is None or hour_of(last) != hour_of(reading["usage_read_at"]):
        return True
    return any(getattr(esim, name) != reading[name] for name in COUNTERS)


def record(esims, read_at):
    """Keep the eSIMs' readings just taken: one row per eSIM and hour, the hour's latest reading.

    An upsert on (eSIM, hour), so parallel readings never add a second row; an older reading
    arriving late never overwrites a newer one.
    """
    rows = {
        esim.id: dict(
            esim=esim.id,
            hour=hour_of(read_at),
            read_at=read_at,
            plan=esim.plan_id,
            data_used_mb=esim.data_used_mb,
            data_total_mb=esim.data_total_mb,
            minutes_used=esim.minutes_used if esim.minutes_total or esim.minutes_used else None,
        )
        for esim in esims
    }
    rows = list(rows.values())
    if len(rows) == 1:
        _upsert_one(rows[0])
        return
    for start in range(0, len(rows), RECORD_BATCH):
        _upsert(rows[start : start + RECORD_BATCH]).execute()


def _upsert(rows):
    reading = UsageReading
    return reading.insert_many(rows).on_conflict(
        conflict_target=[reading.esim, reading.hour],
        update={
            reading.data_earlier_mb: _ended_count(reading.data_used_mb, reading.data_earlier_mb),
            reading.minutes_earlier: _ended_count(reading.minutes_used, reading.minutes_earlier),
            reading.read_at: EXCLUDED.read_at,
            reading.plan: EXCLUDED.plan_id,
            reading.data_used_mb: EXCLUDED.data_used_mb,
            reading.data_total_mb: EXCLUDED.data_total_mb,
            reading.minutes_used: EXCLUDED.minutes_used,
        },
        where=(EXCLUDED.read_at >= reading.read_at),
    )


# One eSIM's reading (what a page takes) is the same statement every time: compiled once per kind
# of database, since peewee's compiling of this upsert costs several times running it.
_COMPILED = {}


def _upsert_one(row):
    compiled = _COMPILED.get(type(db.obj))
    if compiled is None:
        marks = {name: -1000 - n for n, name in enumerate(row)}
        sql, params = _upsert([marks]).sql()
        by_mark = {mark: name for name, mark in marks.items()}
        compiled = _COMPILED[type(db.obj)] = (sql, [by_mark.get(param, (param,)) for param in params])
    sql, slots = compiled
    db.execute_sql(sql, [slot[0] if isinstance(slot, tuple) else row[slot] for slot in slots])


def prune(now=None, batch=PRUNE_BATCH, time_limit=PRUNE_TIME_LIMIT_SECONDS):
    """Delete readings older than KEPT_FOR, a batch at a time, none started after `time_limit`;
    returns how many went."""
    cutoff = hour_of(now or utcnow()) - KEPT_FOR
    started, removed = time.monotonic(), 0
    while time.monotonic() - started < time_limit:
        old = UsageReading.select(UsageReading.id).where(UsageReading.hour < cutoff).limit(batch)
        with db.atomic():
            gone = UsageReading.delete().where(UsageReading.id.in_(list(old.tuples()))).execute()
        removed += gone
        if gone < batch:
            break
    return removed


def _increase(previous, now_count, ended):
    """What a counter added since `previous`; a count that went down is a new package's."""
    if previous is None:
        return ended + now_count
    if ended:
        return max(0, ended - previous) + now_count
    return now_count - previous if now_count >= previous else now_count


def per_day(esim, days=CHART_DAYS, now=None):
    """Data (MB) and minutes used on each Cambodian day of the last `days`, oldest first.

    The list starts on the first day with a reading when that is later ("since the eSIM
    started"). The reading before the first day is the base its figures count from; without
    one, the first reading counts from zero only if the eSIM was installed within a day of it.
    """
    today = to_local(now or utcnow()).date()
    first_day = today - timedelta(days=days - 1)
    start = _utc_start_of(first_day)
    readings = UsageReading.select(*ROW).where(UsageReading.esim == esim.id)
    before = readings.where(UsageReading.hour < start).order_by(UsageReading.hour.desc()).limit(1)
    base = before.tuples().first()
    rows = list(readings.where(UsageReading.hour >= start).order_by(UsageReading.hour).tuples())
    if not rows:
        return []
    if base is None:
        first_day = max(first_day, to_local(rows[0][1]).date())
        if not _counts_from_zero(esim, rows[0][1]):
            base, rows = rows[0], rows[1:]
    known = [row for row in (base, *rows) if row]
    plans = {plan.id: plan for plan in Plan.select().where(Plan.id.in_({row[2] for row in known}))}
    minutes_counted = any(row[5] is not None for row in known)
    table = {}
    for n in range((today - first_day).days + 1):
        day = first_day + timedelta(days=n)
        table[day] = Day(day, minutes=0 if minutes_counted else None)
    data_before, minutes_before = (base[3], base[5]) if base else (None, None)
    for _hour, read_at, plan_id, data, data_ended, minutes, minutes_ended in rows:
        day = table.get(to_local(read_at).date())
        if day is None:  # read after `now`
            continue
        day.data_mb += _increase(data_before, data, data_ended)
        data_before = data
        if minutes is not None:
            day.minutes += _increase(minutes_before, minutes, minutes_ended)
            minutes_before = minutes
        day.plan = plans.get(plan_id)
    _carry_plans(list(table.values()), plans.get(base[2]) if base else None)
    return list(table.values())


def _carry_plans(days, plan):
    """A day without a reading had the plan in force at the reading before it."""
    for day in days:
        plan = day.plan = day.plan or plan


def _counts_from_zero(esim, first_read_at):
    return esim.installed_at is not None and esim.installed_at >= first_read_at - timedelta(days=1)


def _utc_start_of(day):
    """The UTC (naive) moment a Cambodian day begins."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TIMEZONE))
    return local.astimezone(UTC).replace(tzinfo=None)
