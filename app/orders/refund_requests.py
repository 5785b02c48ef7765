"""Ask for a refund of one's own order: the form, and the answer (at once, or support's queue)."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from app.orders import bp
from app.orders.forms import RefundRequestForm
from app.services import refund_requests
from app.web.owned import owned_order_or_404

ERRORS = {
    "unknown_reason": ("reason", lambda: _("Please choose one of the reasons in the list.")),
    "bad_destination": ("destination", lambda: _("Please choose where the money should go.")),
    "not_refundable": (
        "reason",
        lambda: _("This order cannot be refunded here. Please contact customer support."),
    ),
    "bad_amount": ("reason", lambda: _("There is nothing left to refund on this order.")),
}


def _to_order(order):
    return redirect(url_for("orders.detail", order_id=order.id), code=303)


@bp.route("/orders/<int:order_id>/refund-request", methods=["GET", "POST"])
@login_required
def refund_request(order_id):
    """The form (a reason may be chosen in advance: ?reason=deleted_esim), and its answer."""
    order = owned_order_or_404(order_id)
    if refund_requests.of_order(order) is not None:
        return _to_order(order)
    if not refund_requests.can_ask(order):
        flash(_("This order cannot be refunded here. Please contact customer support."), "error")
        return _to_order(order)
    form = RefundRequestForm()
    if request.method == "GET" and request.args.get("reason") in refund_requests.REASONS:
        form.reason.data = request.args["reason"]
    if request.method == "POST" and form.validate_on_submit():
        try:
            asked, _made = refund_requests.ask(
                current_user,
                order,
                form.reason.data,
                form.note.data or "",
                form.destination.data or "original",
            )
        except refund_requests.RefundRequestError as exc:
            field, message = ERRORS[exc.reason]
            getattr(form, field).errors = [message()]
        else:
            flash(_said(asked), "success")
            return _to_order(order)
    return render_template(
        "orders/refund_request.html",
        order=order,
        form=form,
        reasons=refund_requests.REASONS,
        destinations=refund_requests.destinations(),
        window_days=refund_requests.REFUND_WINDOW.days,
    )


def _said(asked):
    if asked.state == "requested":
        return _("We received your refund request. Our support team will answer by email.")
    return _("Your refund is approved: the money is on its way back to you.")
