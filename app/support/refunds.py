"""Money going back, as support sees it: refunds owed, an admin's refund, retries and cash handed back."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import order_money
from app.services import refunds
from app.services import support
from app.support import bp
from app.support.access import admin_required
from app.support.access import order_or_404
from app.support.access import staff_required
from app.support.forms import RefundForm
from app.support.forms import first_error

REFUND_ERRORS = {
    "nothing_paid": lambda: _("This order has no payment to refund."),
    "bad_amount": lambda: _("The amount must be more than 0 and no more than what is left to refund."),
    "not_failed": lambda: _("Only a refused refund can be sent again."),
    "not_manual": lambda: _("This refund is not waiting to be handed back in cash or sent by bank transfer."),
    "bad_destination": lambda: _("A top-up cannot be refunded to the balance it filled."),
    "balance_spent": lambda: _(
        "The customer has already spent this top-up: refund no more than the balance."
    ),
}


def _order_page(order_id):
    return redirect(url_for("support.order", order_id=order_id), code=303)


@bp.route("/refunds")
@staff_required
def refunds_owed():
    """Every refund still owed to a customer, oldest first, and renewals applied short of their promise."""
    owed = order_money.owed()
    return render_template(
        "support/refunds.html",
        owed=owed,
        transfers=refunds.transfer_details(owed),
        short=support.renewals_short_of_promise(),
    )


@bp.route("/orders/<int:order_id>/refund", methods=["POST"])
@admin_required
def refund(order_id):
    """An admin refunds part or all of a paid order, with a reason; a failed order from before
    payments were recorded can only be marked refunded."""
    order = order_or_404(order_id)
    if refunds.order_payment(order) is None and order.status == "failed":
        try:
            support.mark_refunded(current_user, order)
        except support.SupportError:
            flash(_("Only a failed order can be marked refunded."), "error")
        else:
            flash(_("The order is marked refunded."), "success")
        return _order_page(order.id)
    form = RefundForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _order_page(order.id)
    cents = form.amount.cents
    try:
        row = refunds.refund(
            order,
            cents,
            "staff",
            actor=current_user,
            note=form.reason.data.strip(),
            destination=form.destination.data,
        )
    except refunds.RefundError as exc:
        flash(REFUND_ERRORS[exc.reason](), "error")
        return _order_page(order.id)
    support.audit(
        current_user,
        order.user,
        "refund",
        row.note,
        order=order.number,
        amount_cents=cents,
        currency=row.currency,
    )
    if row.status == "succeeded" and form.destination.data == "balance":
        flash(_("The refund is on the customer's balance."), "success")
    else:
        flash(_("The refund is on its way to the customer."), "success")
    return _order_page(order.id)


def _refund_or_404(refund_id):
    row = refunds.of_a_customer(refund_id)
    if row is None:
        abort(404)
    return row


def _act_on_refund(refund_id, act, audit_action, done):
    """An admin's action on one refund: done, audited and said, or the reason it cannot be."""
    row = _refund_or_404(refund_id)
    try:
        act(row, current_user)
    except refunds.RefundError as exc:
        flash(REFUND_ERRORS[exc.reason](), "error")
    else:
        support.audit(
            current_user,
            row.order.user,
            audit_action,
            order=row.order.number,
            amount_cents=row.amount_cents,
            currency=row.currency,
        )
        flash(done(), "success")
    return _order_page(row.order_id)


@bp.route("/refunds/<int:refund_id>/retry", methods=["POST"])
@admin_required
def retry_refund(refund_id):
    """A refund the bank refused is sent again."""
    return _act_on_refund(refund_id, refunds.retry, "refund_retry", lambda: _("The refund was sent again."))


@bp.route("/refunds/<int:refund_id>/handed-back", methods=["POST"])
@admin_required
def handed_back(refund_id):
    """The cash of a cash refund was handed back at the counter, or a KHQR refund sent by bank transfer."""
    if _refund_or_404(refund_id).status == "transfer":
        done = lambda: _("Recorded: the bank transfer was sent.")  # noqa: E731
        return _act_on_refund(refund_id, refunds.handed_back, "refund_transfer_sent", done)
    done = lambda: _("Recorded: the cash was handed back.")  # noqa: E731
    return _act_on_refund(refund_id, refunds.handed_back, "refund_handed_back", done)
