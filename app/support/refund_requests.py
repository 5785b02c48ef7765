"""Customers' refund requests that the rules could not answer at once: the queue and the decisions."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import refund_requests
from app.services import usage
from app.support import bp
from app.support.access import staff_required
from app.support.forms import RefundDecisionForm
from app.support.forms import first_error

ERRORS = {
    "bad_decision": lambda: _("Please choose a decision."),
    "bad_destination": lambda: _("Please choose where the money should go."),
    "no_answer": lambda: _("Please write the customer a message saying why the refund is declined."),
    "bad_amount": lambda: _("The amount must be more than 0 and no more than what is left to refund."),
    "decided": lambda: _("This request has already been decided."),
}


def _queue_page():
    return redirect(url_for("support.refund_request_queue"), code=303)


@bp.route("/refund-requests")
@staff_required
def refund_request_queue():
    """Requests waiting for a decision, oldest first, each with its reason and the eSIM's usage."""
    waiting = refund_requests.queue()
    return render_template(
        "support/refund_requests.html",
        waiting=waiting,
        left={r.id: refund_requests.left_to_refund(r) for r in waiting},
        states={r.id: usage.status(r.order.esim) for r in waiting if r.order.esim_id},
        decided=refund_requests.recently_decided(),
        destinations=refund_requests.destinations(),
        form=RefundDecisionForm(),
    )


@bp.route("/refund-requests/<int:request_id>", methods=["POST"])
@staff_required
def decide_refund_request(request_id):
    """Approve all that is left, a part of it, or decline with a message; audited, and the customer told."""
    asked = refund_requests.for_staff(request_id)
    if asked is None:
        abort(404)
    form = RefundDecisionForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _queue_page()
    decision = "decline" if form.decision.data == "decline" else "approve"
    try:
        refund_requests.decide(
            current_user,
            asked,
            decision,
            form.cents,
            form.destination.data or "original",
            form.answer.data or "",
        )
    except refund_requests.RefundRequestError as exc:
        flash(ERRORS[exc.reason](), "error")
        return _queue_page()
    if decision == "decline":
        flash(_("The request is declined and the customer told by email."), "success")
    else:
        flash(_("The refund is on its way to the customer, who is told by email."), "success")
    return _queue_page()
