"""Data used per day, as the eSIM's page draws it (bars of an inline SVG) and as a CSV.

Words, dates and amounts are in the active locale (flask-babel's), like every page's.
"""

import csv
import io
from dataclasses import dataclass
from dataclasses import field

from flask_babel import format_date
from flask_babel import gettext as _

from app.services import usage_history
from app.text import current_language
from app.text import data_amount
from app.text import local_date
from app.text import plan_name

WIDTH, HEIGHT = 320, 150
PLOT_TOP, PLOT_BOTTOM = 18, 126  # room above for the scale's label, below for the days'
BAR_SHARE = 0.7  # of each day's slot; the rest is the gap between bars
SHORT_DATES = {"en": "d MMM", "km": "d MMM", "zh": "M月d日"}
GB = 1024


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass
class Chart:
    days: list
    bars: list = field(default_factory=list)
    scale: list = field(default_factory=list)  # (y of a gridline, its label above it, clear of the bars)
    day_labels: list = field(default_factory=list)
    summary: str = ""
    counts_minutes: bool = False
    baseline: int = PLOT_BOTTOM
    width: int = WIDTH
    height: int = HEIGHT


def chart(esim, now=None):
    """The last 30 days (or since the eSIM's first reading) as bars; None before any reading."""
    days = usage_history.per_day(esim, now=now)
    if not days:
        return None
    top = _round_up(max(day.data_mb for day in days))
    slot = WIDTH / len(days)
    width = max(1.0, slot * BAR_SHARE)
    plot = PLOT_BOTTOM - PLOT_TOP
    result = Chart(days=days, counts_minutes=days[-1].minutes is not None)
    for n, day in enumerate(days):
        height = round(plot * day.data_mb / top, 1)
        x = round(n * slot + (slot - width) / 2, 1)
        result.bars.append(Bar(x, round(PLOT_BOTTOM - height, 1), round(width, 1), height))
    result.scale = [(PLOT_TOP, data_amount(top))]
    result.day_labels = [_day_label(days, n, slot) for n in _labelled(len(days))]
    result.summary = _summary(days)
    return result


def _round_up(mb):
    """A round top for the scale, at or above `mb`: 1, 2 or 5 times a power of ten (MB or GB)."""
    unit = GB if mb > GB else 1
    amount, step = max(mb, 1) / unit, 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= amount:
                return step * factor * unit
        step *= 10


def _labelled(count):
    """Which days are named under the bars: the first, the middle and the last."""
    return sorted({0, count // 2, count - 1}) if count > 2 else list(range(count))


def _day_label(days, n, slot):
    anchor = "start" if n == 0 and len(days) > 1 else "end" if n == len(days) - 1 and n else "middle"
    x = {"start": 0, "end": WIDTH, "middle": round(n * slot + slot / 2, 1)}[anchor]
    text = format_date(days[n].day, SHORT_DATES[current_language()])
    return Label(x, HEIGHT - 6, text, anchor)


def _summary(days):
    """What the chart shows, in words, for a screen reader."""
    total = sum(day.data_mb for day in days)
    dates = dict(start=local_date(days[0].day), end=local_date(days[-1].day), total=data_amount(total))
    if not total:
        return _("Data used per day from %(start)s to %(end)s: none.", **dates)
    most = max(days, key=lambda day: day.data_mb)
    return _(
        "Data used per day from %(start)s to %(end)s: %(total)s in all; the most, %(most)s, on %(day)s.",
        most=data_amount(most.data_mb),
        day=local_date(most.day),
        **dates,
    )


def csv_bytes(esim, now=None):
    """Every day kept (up to 400), as a CSV with its header in the active language.

    UTF-8 with a byte order mark, which Excel needs to read Khmer and Chinese as such.
    """
    days = usage_history.per_day(esim, days=usage_history.KEPT_FOR.days, now=now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Day"), _("Data used (MB)"), _("Call minutes used"), _("Plan in force")])
    for day in days:
        minutes = "" if day.minutes is None else day.minutes
        writer.writerow([day.day.isoformat(), day.data_mb, minutes, plan_name(day.plan) if day.plan else ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
