"""The plan catalogue, and choosing a renewal plan with its price summary in place."""

from flask import flash
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from app.plans import bp
from app.plans.forms import RenewForm
from app.services import catalogue
from app.services import esims
from app.services import refund_requests
from app.services import renewal
from app.services import usage
from app.web import throttle
from app.web.checkout import chosen_method
from app.web.checkout import send_to_checkout
from app.web.owned import owned_esim_or_404
from app.web.partials import render_page_or_fragment
from app.web.quotes import code_refused
from app.web.quotes import place_counted
from app.web.quotes import price_summary


@bp.route("/")
def index():
    """Show every plan on sale, daily, monthly and yearly."""
    return render_template("plans/index.html", groups=catalogue.grouped_plans())


@bp.route("/help")
def help_page():
    """Answers to what customers ask most, and how to reach support."""
    return render_template(
        "plans/help.html",
        carries_over=renewal.carries_over(),
        refund_window_days=refund_requests.REFUND_WINDOW.days,
    )


def _summary(esim, form):
    return price_summary(form, lambda plan, code: renewal.quote(esim, plan, code))


def _renew_page(esim, form, quote):
    return render_page_or_fragment(
        "plans/renew.html",
        "plans/_summary.html",
        target="summary",
        esim=esim,
        status=usage.status(esim),
        groups=catalogue.grouped_plans(),
        form=form,
        quote=quote,
    )


def _too_many_orders(message):
    """The renewal form as sent, saying how long to wait (the 429 of the per-account order limit)."""
    flash(message, "error")
    esim = esims.owned(current_user.id, request.view_args["esim_id"])
    if esim is None or not renewal.can_renew(esim):  # nothing of someone else's, even in a refusal
        return render_template("errors/error.html", title=_("Too many attempts"), message=message)
    form = RenewForm()
    return _renew_page(esim, form, _summary(esim, form))


def _place(esim, plan, form):
    """The pending renewal order, counted for the per-account limit when it is a new one; None when
    the code cannot be used (said on the form)."""
    if code_refused(form):
        return None
    return place_counted(form, current_user, plan, esim=esim)


@bp.route("/esims/<int:esim_id>/renew", methods=["GET", "POST"])
@throttle.limit_new_orders(_too_many_orders)
@login_required
def renew(esim_id):
    """Pick a plan; the summary updates in place (htmx) or on "Show the price" (no JS)."""
    esim = owned_esim_or_404(esim_id)
    if not renewal.can_renew(esim):
        return render_template("plans/not_rechargeable.html", esim=esim)
    if request.method == "POST":
        form = RenewForm()
        # "Show the price" (without JavaScript) posts the same form, so the CSRF token
        # never lands in a URL; it shows the summary and places no order.
        if form.validate_on_submit() and "preview" not in request.form:
            plan = renewal.find_plan(form.plan.data)
            if plan is None:
                form.plan.errors = [_("Please choose a plan.")]
            else:
                order = _place(esim, plan, form)
                if order is not None:
                    return send_to_checkout(order, method=chosen_method(request.form))
        # The summary shows what is left, so the reading is refreshed when a page is shown.
        usage.refresh([esim])
        quote = _summary(esim, form) if not form.plan.errors else None
    else:
        form = RenewForm(request.args, meta={"csrf": False})
        usage.refresh([esim])
        quote = _summary(esim, form)
    return _renew_page(esim, form, quote)
