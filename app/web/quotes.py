"""The price summary a plan form shows, with the form's problems written onto its fields."""

from flask_babel import gettext as _

from app.services import renewal
from app.services.promotions import PromoError


def price_summary(form, quote):
    """`quote(plan, code)` for the form's plan and code, or None; problems become form errors.

    Renewal and buying a new eSIM show the same summary, each with its own quote.
    """
    plan = renewal.find_plan(form.plan.data)
    if form.plan.data and plan is None:
        form.plan.errors = [_("Please choose a plan.")]
    if plan is None:
        return None
    try:
        return quote(plan, form.promo.data)
    except PromoError as exc:
        form.promo.errors = [str(exc.message)]
        return quote(plan, "")
