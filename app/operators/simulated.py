"""The embedded operator: its lines live in the app's own database (sim_* tables).

Usage grows steadily with time so a demo shows movement, and a plan is applied
OPERATOR_APPLY_DELAY seconds after it was asked for, so "waiting for the
operator" is a real step. It tops a line up as an operator whose renewals carry
over does: the new days follow the current period, and what is left is kept
while the line is valid. The portal predicts that on its own (services/allowance.py)
and checks this operator's readings against its prediction, as it would a real one's.
"""

import secrets
from datetime import timedelta

from app.extensions import db
from app.models import SimApplication
from app.models import SimLine
from app.models import utcnow
from app.operators.base import APPLIED
from app.operators.base import FAILED
from app.operators.base import PENDING
from app.operators.base import Operator
from app.operators.base import OperatorRefused
from app.operators.base import Provisioned
from app.operators.base import Usage

ICCID_PREFIX = "89855"  # 89 telecom, 855 Cambodia
# What a usage reading reads of a line (a page's usage widget asks for one on every refresh),
# selected by a query built once: each reading only adds its WHERE (a copy).
USAGE = SimLine.select(
    SimLine.iccid,
    SimLine.installed_at,
    SimLine.expires_at,
    SimLine.data_total_mb,
    SimLine.data_used_mb,
    SimLine.minutes_total,
    SimLine.minutes_used,
    SimLine.counted_at,
)


def luhn_digit(digits):
    """The Luhn check digit that ends an ICCID."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def _grown(line, now, data_per_hour, minutes_per_hour):
    """Usage counted up to `now` (or expiry, after which nothing more is used)."""
    end = min(now, line.expires_at) if line.expires_at else now
    if line.installed_at is None or end <= line.counted_at:
        return line.data_used_mb, line.minutes_used
    hours = (end - line.counted_at).total_seconds() / 3600
    data = min(line.data_total_mb, line.data_used_mb + int(hours * data_per_hour))
    minutes = min(line.minutes_total, line.minutes_used + int(hours * minutes_per_hour))
    return data, minutes


class SimulatedOperator(Operator):
    renewal_carries_over = True
    # The demo's "install" button plays the phone.
    simulates_installation = True

    def __init__(self, config):
        self.delay = float(config.get("OPERATOR_APPLY_DELAY", 5))
        self.apply_window_seconds = self.delay + 300
        self.smdp_address = config.get("SIM_SMDP_ADDRESS", "rsp.sim-operator.example.com")
        self.data_per_hour = float(config.get("SIM_DATA_MB_PER_HOUR", 120))
        self.minutes_per_hour = float(config.get("SIM_MINUTES_PER_HOUR", 1))

    def provision(self, plan):
        # The simulated operator makes the line first; apply_plan then gives it the plan.
        key = plan.order_ref or None
        line = SimLine.get_or_none(SimLine.request_key == key) if key else None
        if line is None:
            body = ICCID_PREFIX + "".join(secrets.choice("0123456789") for _ in range(13))
            iccid = body + luhn_digit(body)
            matching_id = "-".join(secrets.token_hex(2).upper() for _ in range(4))
            line = SimLine.create(
                iccid=iccid, smdp_address=self.smdp_address, matching_id=matching_id, request_key=key
            )
        return Provisioned(iccid=line.iccid, smdp_address=line.smdp_address, matching_id=line.matching_id)

    def add_line(self, iccid, matching_id, **state):
        """Register an existing line (demo data) with the simulated operator."""
        line, _ = SimLine.get_or_create(
            iccid=iccid,
            defaults=dict(smdp_address=self.smdp_address, matching_id=matching_id, **state),
        )
        return line

    def mark_installed(self, iccid):
        """The phone downloaded the profile: usage starts counting from now."""
        now = utcnow()
        SimLine.update(installed_at=now, counted_at=now).where(
            SimLine.iccid == iccid, SimLine.installed_at.is_null()
        ).execute()

    def consume(self, iccid, data_mb):
        """The phone used `data_mb` more (the demo's and the tests' way to reach a threshold)."""
        line = SimLine.get_or_none(SimLine.iccid == iccid)
        if line is None:
            raise OperatorRefused(f"unknown ICCID {iccid}")
        now = utcnow()
        data, minutes = _grown(line, now, self.data_per_hour, self.minutes_per_hour)
        line.data_used_mb = min(line.data_total_mb, data + data_mb)
        line.minutes_used, line.counted_at = minutes, now
        line.save(only=[SimLine.data_used_mb, SimLine.minutes_used, SimLine.counted_at])

    def read_usage(self, iccids):
        now = utcnow()
        lines = USAGE.where(SimLine.iccid.in_(list(iccids)))
        result = {}
        for line in lines:
            data, minutes = _grown(line, now, self.data_per_hour, self.minutes_per_hour)
            result[line.iccid] = Usage(
                data_total_mb=line.data_total_mb,
                data_used_mb=data,
                minutes_total=line.minutes_total,
                minutes_used=minutes,
                expires_at=line.expires_at,
                installed=line.installed_at is not None,
            )
        return result

    def apply_plan(self, iccid, plan):
        if not SimLine.select().where(SimLine.iccid == iccid).exists():
            raise OperatorRefused(f"unknown ICCID {iccid}")
        key = plan.order_ref or None
        earlier = SimApplication.get_or_none(SimApplication.request_key == key) if key else None
        if earlier is not None:
            return earlier.reference
        reference = "SIM-" + secrets.token_hex(6).upper()
        now = utcnow()
        SimApplication.create(
            reference=reference,
            request_key=key,
            iccid=iccid,
            days=plan.days,
            data_mb=plan.data_mb,
            minutes=plan.minutes,
            requested_at=now,
            applies_at=now + timedelta(seconds=self.delay),
        )
        return reference

    def application_status(self, reference):
        application = SimApplication.get_or_none(SimApplication.reference == reference)
        if application is None:
            return FAILED
        if application.status != PENDING or utcnow() < application.applies_at:
            return application.status
        with db.atomic():
            # Only the caller that moves it out of pending applies it to the line.
            claimed = (
                SimApplication.update(status=APPLIED)
                .where(SimApplication.id == application.id, SimApplication.status == PENDING)
                .execute()
            )
            if claimed:
                self._apply(application)
        return APPLIED

    def _apply(self, application):
        """Top the line up: a valid line's period is lengthened and keeps what is left; an expired
        line starts a new period now with the new allowance alone."""
        now = utcnow()
        line = SimLine.get(SimLine.iccid == application.iccid)
        data_used, minutes_used = _grown(line, now, self.data_per_hour, self.minutes_per_hour)
        valid = line.expires_at is not None and line.expires_at > now
        kept_data = max(0, line.data_total_mb - data_used) if valid else 0
        kept_minutes = max(0, line.minutes_total - minutes_used) if valid else 0
        line.expires_at = (line.expires_at if valid else now) + timedelta(days=application.days)
        line.data_total_mb = kept_data + application.data_mb
        line.minutes_total = kept_minutes + application.minutes
        line.data_used_mb = 0
        line.minutes_used = 0
        line.counted_at = now
        line.save()
