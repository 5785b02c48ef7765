"""The validity rule: what a renewal gives, what its summary promises, and whether the operator kept it.

Validity extends from the later of now and the current expiry, so renewing early
loses no day; data and minutes left over carry into the renewed period while the
eSIM is still valid, and after expiry the new allowance starts fresh. That holds
for an operator whose renewal extends the current package (`renewal_carries_over`);
one whose renewal is a package of its own promises nothing about the current one.

The operator applies the plan its own way; once it has, what it reports is held
against the promise kept on the order, and a shortfall is flagged to support.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from app.models import utcnow
from app.operators import get_operator
from app.services import usage

# Operators count in seconds, and an eSIM renewed after it expired starts when the plan is
# applied, a little after the promise was made: earlier than this is a broken promise.
EXPIRY_TOLERANCE = timedelta(minutes=1)
EXPIRY, ALLOWANCE = "expiry", "allowance"


@dataclass(frozen=True)
class Allowance:
    expires_at: datetime
    data_total_mb: int
    minutes_total: int


def after_renewal(expires_at, data_left_mb, minutes_left, days, data_mb, minutes, now):
    """The period and allowances a line has once a plan of `days`, `data_mb`, `minutes` is applied."""
    still_valid = expires_at is not None and expires_at > now
    start = expires_at if still_valid else now
    carried_data = max(data_left_mb, 0) if still_valid else 0
    carried_minutes = max(minutes_left, 0) if still_valid else 0
    return Allowance(
        expires_at=start + timedelta(days=days),
        data_total_mb=carried_data + data_mb,
        minutes_total=carried_minutes + minutes,
    )


def carries_over():
    """Whether renewing early keeps the days and data left (the operator's own rule)."""
    return get_operator().renewal_carries_over


def expected(esim, plan, bonus_data_mb=0, now=None):
    """What `esim` has once `plan` (with a promotion's bonus data) is applied, from its last reading."""
    now = now or utcnow()
    status = usage.status(esim, now)
    return after_renewal(
        esim.expires_at,
        status.data_left_mb,
        status.minutes_left,
        plan.days,
        plan.data_mb + bonus_data_mb,
        plan.minutes,
        now,
    )


def promised(esim, plan, bonus_data_mb=0, now=None):
    """What the renewal summary promises (new expiry, allowances), or None when it promises no date."""
    return expected(esim, plan, bonus_data_mb, now) if carries_over() else None


def shortfall(order, esim):
    """How the applied renewal falls short of its promise, as the operator reports it: "" when it does not.

    EXPIRY: the eSIM ends earlier than the summary said. ALLOWANCE: the period holds
    less data or fewer minutes than were bought (what was left over may have been
    used meanwhile, so only the plan's own allowance is owed for certain).
    """
    if order.promised_expires_at is None:
        return ""
    if esim.expires_at is None or esim.expires_at < order.promised_expires_at - EXPIRY_TOLERANCE:
        return EXPIRY
    plan = order.plan
    if esim.data_total_mb < plan.data_mb + order.bonus_data_mb or esim.minutes_total < plan.minutes:
        return ALLOWANCE
    return ""
