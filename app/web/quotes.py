"""The price summary a plan form shows, with the form's problems written onto its fields."""

from flask_babel import gettext as _

from app.services import orders
from app.services import renewal
from app.services.promotions import PromoError
from app.web import promo_guesses
from app.web import throttle


def code_refused(form):
    """True, with the reason on the promo field, when its code must not be looked up now."""
    message = promo_guesses.refused(form.promo.data)
    if message:
        form.promo.errors = [message]
    return bool(message)


def promo_problem(form, exc):
    """A code that cannot be used: said on the promo field, and counted when it was unknown."""
    promo_guesses.note(exc)
    form.promo.errors = [str(exc.message)]


def place_counted(form, user, plan, esim=None):
    """The pending order for the form's plan and code (a renewal of `esim`, or a new eSIM), counted for
    the per-account order limit only when it is a new one: the same intention gives back its open order.
    None when the code cannot be used (said on the promo field)."""
    before = orders.open_order(user, esim, plan)
    try:
        order = orders.place_order(user, plan, esim=esim, promo_code=form.promo.data)
    except PromoError as exc:
        promo_problem(form, exc)
        return None
    if before is None or before.id != order.id:
        throttle.count_new_order()
    return order


def price_summary(form, quote):
    """`quote(plan, code)` for the form's plan and code, or None; problems become form errors.

    Renewal and buying a new eSIM show the same summary, each with its own quote.
    """
    plan = renewal.find_plan(form.plan.data)
    if form.plan.data and plan is None:
        form.plan.errors = [_("Please choose a plan.")]
    if plan is None:
        return None
    if form.promo.errors or code_refused(form):  # already refused while placing the order
        return quote(plan, "")
    try:
        return quote(plan, form.promo.data)
    except PromoError as exc:
        promo_problem(form, exc)
        return quote(plan, "")
