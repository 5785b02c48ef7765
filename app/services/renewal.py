"""Renewing an eSIM: finding the plan, and the price summary with what the renewal will give.

The order itself (made, paid exactly once, closed) is services/orders.py's.
"""

from dataclasses import dataclass

from app.models import Plan
from app.models import utcnow
from app.services import allowance as validity
from app.services import promotions
from app.services.allowance import Allowance
from app.services.allowance import carries_over


@dataclass(frozen=True)
class Quote:
    plan: Plan
    discount: promotions.Discount
    # What the eSIM will have after renewing; None for a new eSIM, whose days start afresh.
    allowance: Allowance | None
    # The operator's rule: True when renewing extends the current package (the allowance holds);
    # False when the renewal is a package of its own, with its own days and data.
    carries_over: bool = True

    @property
    def new_esim(self):
        return self.allowance is None

    @property
    def days_start_on_first_use(self):
        return self.plan.activation_policy == "first-usage"

    @property
    def price_cents(self):
        return self.plan.price_cents

    @property
    def amount_cents(self):
        return self.plan.price_cents - self.discount.discount_cents


def find_plan(code):
    """An active plan by its code, or None."""
    return Plan.get_or_none(Plan.code == (code or ""), Plan.active == True)  # noqa: E712


def quote(esim, plan, promo_code="", now=None):
    """Price, discount, new expiry and allowances; raises PromoError for an unusable code."""
    now = now or utcnow()
    discount = promotions.evaluate(promo_code, plan, now, user=esim.user)
    allowance = validity.expected(esim, plan, discount.bonus_data_mb, now)
    return Quote(plan=plan, discount=discount, allowance=allowance, carries_over=carries_over())


def quote_new(plan, promo_code="", now=None, user=None):
    """Price and discount of a new eSIM on `plan` for `user` (a visitor when None); raises PromoError
    for an unusable code."""
    discount = promotions.evaluate(promo_code, plan, now or utcnow(), user=user)
    return Quote(plan=plan, discount=discount, allowance=None, carries_over=False)


def can_renew(esim):
    """Only a package the operator can top up is renewed on the same eSIM."""
    return esim.plan_id is None or esim.plan.rechargeable
