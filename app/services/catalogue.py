"""The plans on sale."""

from app.models import PLAN_KINDS
from app.models import Plan


def grouped_plans():
    """Active plans as (kind, [plans]) in the order daily, monthly, yearly; empty kinds left out."""
    plans = list(Plan.catalogue())
    groups = [(kind, [p for p in plans if p.kind == kind]) for kind in PLAN_KINDS]
    return [(kind, items) for kind, items in groups if items]
