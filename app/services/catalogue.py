"""The plans on sale, and loading them from a wholesale operator's catalogue."""

from decimal import ROUND_CEILING
from decimal import Decimal

from flask import current_app

from app.extensions import db
from app.models import PLAN_KINDS
from app.models import Plan
from app.operators import get_operator


def grouped_plans():
    """Active plans as (kind, [plans]) in the order daily, monthly, yearly; empty kinds left out."""
    plans = list(Plan.catalogue())
    groups = [(kind, [p for p in plans if p.kind == kind]) for kind in PLAN_KINDS]
    return [(kind, items) for kind, items in groups if items]


def days_start(groups):
    """When the days of the plans on sale start: "payment", "first_use", or "mixed"."""
    policies = {plan.activation_policy == "first-usage" for _kind, plans in groups for plan in plans}
    if policies == {True}:
        return "first_use"
    return "mixed" if len(policies) > 1 else "payment"


def retail_cents(net_price, markup_percent):
    """Our price for a wholesale net price (USD): net plus markup, rounded up to whole cents."""
    cents = Decimal(str(net_price)) * 100 * (100 + Decimal(str(markup_percent))) / 100
    return int(cents.to_integral_value(rounding=ROUND_CEILING))


def plan_kind(days):
    return "daily" if days <= 1 else "monthly" if days <= 31 else "yearly"


def sync_from_operator():
    """Upsert the operator's packages as plans at our price; (added, updated, withdrawn).

    None when the configured operator has no catalogue of its own (the simulated one).
    Raises OperatorError.
    """
    offered = get_operator().packages()
    if offered is None:
        return None
    markup = current_app.config["AIRALO_MARKUP_PERCENT"]
    added = updated = 0
    seen = set()
    with db.atomic():
        for package in offered:
            if package.unlimited:
                continue  # a plan here has a data allowance in MB; unlimited ones do not fit it
            fields = dict(
                kind=plan_kind(package.days),
                days=package.days,
                data_mb=package.data_mb,
                minutes=package.minutes,
                price_cents=retail_cents(package.net_price, markup),
                currency="USD",
                active=True,
                sort=package.days,
                activation_policy=package.activation_policy[:50],
                rechargeable=package.rechargeable,
                apn=package.apn[:100],
            )
            seen.add(package.package_id)
            if Plan.update(**fields).where(Plan.operator_package == package.package_id).execute():
                updated += 1
            else:
                Plan.create(code=package.package_id, operator_package=package.package_id, **fields)
                added += 1
        withdrawn = (
            Plan.update(active=False)
            .where(Plan.operator_package != "", Plan.operator_package.not_in(list(seen) or [""]), Plan.active)
            .execute()
        )
    return added, updated, withdrawn


def plan_codes():
    """The codes of the plans on sale, in the catalogue's order."""
    return [plan.code for plan in Plan.catalogue()]
