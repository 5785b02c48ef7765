"""An eSIM deleted from the phone: what its operator allows, and a fresh code where it does."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.esims import bp
from app.services import refund_requests
from app.services import reinstall
from app.web.owned import owned_esim_or_404


def _refund_url(order):
    """The order's refund request with the deleted-eSIM reason chosen; its page where none can be asked."""
    if order is None:
        return None
    if refund_requests.can_ask(order):
        return url_for("orders.refund_request", order_id=order.id, reason="deleted_esim")
    return url_for("orders.detail", order_id=order.id)


@bp.route("/esims/<int:esim_id>/deleted")
@login_required
def deleted(esim_id):
    """ "I deleted my eSIM": the truth for this eSIM's operator, and what can be done."""
    esim = owned_esim_or_404(esim_id)
    choices = reinstall.options(esim)
    return render_template(
        "esims/deleted.html", esim=esim, choices=choices, refund_url=_refund_url(choices.purchase)
    )


@bp.route("/esims/<int:esim_id>/deleted", methods=["POST"])
@login_required
def reissue(esim_id):
    """Issue a fresh activation code for a deleted eSIM, where the operator allows it."""
    esim = owned_esim_or_404(esim_id)
    try:
        reinstall.reissue(esim)
    except reinstall.NotReissued as exc:
        refused = exc.reason == "refused"
        flash(
            _("This eSIM cannot be downloaded again. See the other choices below.")
            if refused
            else _("We could not reach the operator just now. Nothing was changed: please try again."),
            "error",
        )
        return redirect(url_for("esims.deleted", esim_id=esim.id), code=303)
    flash(
        _("Here is a new activation code. We emailed it too. The old code and older links no longer work."),
        "success",
    )
    return redirect(url_for("shop.install", esim_id=esim.id), code=303)
