"""When an eSIM is "expiring soon" and when its expiry reminders go out: both follow the plan's length.

A plan gets at most two expiry reminders, each at most a quarter of the plan's
length before its end: a 30- or 365-day plan a week and a day before, a 7-day
plan a day and a few hours before, a 1-day plan a few hours before. "Expiring
soon" starts with the first of them.
"""

from dataclasses import dataclass
from datetime import timedelta

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# (kind, how long before the end), longest first.
STEPS = (("expiry_7d", 7 * DAY), ("expiry_1d", DAY), ("expiry_hours", 3 * HOUR))
MOST_PER_PLAN = 2
LEAD_AT_MOST = 1 / 4  # of the plan's length
DEFAULT_PLAN_DAYS = 30  # an eSIM we know no plan for


def steps_for(plan_days):
    """The (kind, lead) reminders of a plan this many days long, longest lead first."""
    length = timedelta(days=DEFAULT_PLAN_DAYS if plan_days is None else plan_days)
    fitting = [(kind, lead) for kind, lead in STEPS if lead <= length * LEAD_AT_MOST]
    return fitting[:MOST_PER_PLAN] or [STEPS[-1]]


def expiring_within(plan_days):
    return steps_for(plan_days)[0][1]


def step_due(plan_days, left):
    """The expiry reminder whose window `left` (time to the end) falls in, or None.

    A step's window runs from its lead down to the next step's, so an eSIM first
    seen a few hours before its end gets only the last reminder, not every one.
    """
    steps = steps_for(plan_days)
    for index, (kind, lead) in enumerate(steps):
        floor = steps[index + 1][1] if index + 1 < len(steps) else timedelta(0)
        if floor < left <= lead:
            return kind
    return None


@dataclass(frozen=True)
class Window:
    """In SQL terms: plans with min_days <= days < max_days get `kind` when floor < left <= lead."""

    kind: str
    min_days: float
    max_days: float
    floor: timedelta
    lead: timedelta


def windows():
    """Every (plan length range, kind, window) the reminders task selects by, most urgent first."""
    # The plan lengths at which the set of steps changes: where each lead becomes a quarter of it.
    bounds = sorted({lead / DAY / LEAD_AT_MOST for _kind, lead in STEPS} | {0.0, float("inf")})
    found = []
    for low, high in zip(bounds, bounds[1:], strict=False):
        steps = steps_for(low)
        for index, (kind, lead) in enumerate(steps):
            floor = steps[index + 1][1] if index + 1 < len(steps) else timedelta(0)
            found.append(Window(kind, low, high, floor, lead))
    return sorted(found, key=lambda w: w.lead)


def plan_days(esim):
    """The length of the eSIM's plan: lists of eSIMs select their plan with them (Esim.with_plan)."""
    return esim.plan.days if esim.plan_id is not None else DEFAULT_PLAN_DAYS
