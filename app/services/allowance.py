"""The renewal rule, shared by the price summary and the simulated operator.

Validity extends from the later of now and the current expiry, so renewing early
loses no day; data and minutes left over carry into the renewed period while the
line is still valid, and after expiry the new allowance starts fresh.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta


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
