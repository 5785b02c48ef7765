"""A customer's balance as support sees it: the ledger, an admin's credit, and cash at the counter."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import accounts
from app.services import balance
from app.services import balance_desk
from app.support import bp
from app.support.access import admin_required
from app.support.access import staff_required
from app.support.forms import BalanceCreditForm
from app.support.forms import CashTopUpForm
from app.support.forms import first_error


def _customer_or_404(customer_id):
    customer = accounts.customer(customer_id)
    if customer is None:
        abort(404)
    return customer


def _back(customer):
    return redirect(url_for("support.customer_balance", customer_id=customer.id), code=303)


@bp.route("/customers/<int:customer_id>/balance")
@staff_required
def customer_balance(customer_id):
    """The customer's balance and ledger; cash top-up for every agent, a credit for admins."""
    customer = _customer_or_404(customer_id)
    return render_template(
        "support/balance.html",
        customer=customer,
        available=balance.balance_of(customer),
        entries=balance.entries(customer),
        cash_form=CashTopUpForm(formdata=None),
        credit_form=BalanceCreditForm(formdata=None) if current_user.role == "admin" else None,
    )


@bp.route("/customers/<int:customer_id>/balance/credit", methods=["POST"])
@admin_required
def credit_balance(customer_id):
    """An admin credits the balance, with a reason the customer reads (audited)."""
    customer = _customer_or_404(customer_id)
    form = BalanceCreditForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _back(customer)
    balance_desk.credit_by_admin(current_user, customer, form.amount.cents, form.reason.data.strip())
    flash(_("The balance is credited."), "success")
    return _back(customer)


@bp.route("/customers/<int:customer_id>/balance/cash", methods=["POST"])
@staff_required
def cash_top_up(customer_id):
    """Cash taken at the counter tops the balance up (audited); the worker credits it at once."""
    customer = _customer_or_404(customer_id)
    form = CashTopUpForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _back(customer)
    try:
        balance_desk.cash_top_up(current_user, customer, form.amount.cents)
    except balance.BalanceError:
        flash(_("Please enter an amount from 1.00 to 500.00, for example 5.00."), "error")
        return _back(customer)
    flash(_("Cash received: the balance is topped up."), "success")
    return _back(customer)
