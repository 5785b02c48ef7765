"""The plans on sale at first start: the operator's own catalogue, or the portal's built-in plans."""

from app.extensions import db
from app.models import Plan
from app.services import catalogue

# code, kind, days, data MB, minutes, price in cents
PLANS = [
    ("day-1gb", "daily", 1, 1024, 0, 100),
    ("day-3gb", "daily", 1, 3 * 1024, 10, 200),
    ("month-10gb", "monthly", 30, 10 * 1024, 100, 500),
    ("month-30gb", "monthly", 30, 30 * 1024, 300, 1000),
    ("month-80gb", "monthly", 30, 80 * 1024, 500, 1500),
    ("year-150gb", "yearly", 365, 150 * 1024, 1200, 6000),
    ("year-365gb", "yearly", 365, 365 * 1024, 3000, 9900),
]


def seed_plans():
    """Add the built-in plans that are missing (a plan already there is left as it is); how many added."""
    added = 0
    with db.atomic():
        for sort, (code, kind, days, data_mb, minutes, price) in enumerate(PLANS):
            _plan, created = Plan.get_or_create(
                code=code,
                defaults=dict(
                    kind=kind, days=days, data_mb=data_mb, minutes=minutes, price_cents=price, sort=sort
                ),
            )
            added += created
    return added


def load_plans():
    """The operator's packages when it has a catalogue (Airalo), else the built-in plans (simulated).

    (added, updated, withdrawn); safe to run again. Raises OperatorError when the operator cannot be read.
    """
    synced = catalogue.sync_from_operator()
    if synced is not None:
        return synced
    return seed_plans(), 0, 0
