"""KHQR at the counter: a code on the agent's screen for the customer's bank app to scan."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import khqr
from app.services import payments
from app.services import support
from app.services.links import public_url
from app.support import bp
from app.support.access import order_or_404
from app.support.access import staff_required
from app.support.views import ERRORS
from app.text import current_language
from app.web.partials import redirect_away
from app.web.partials import render_page_or_fragment

STATUS = "khqr-status"


def _order_page(order):
    return redirect(url_for("support.order", order_id=order.id), code=303)


@bp.route("/orders/<int:order_id>/khqr", methods=["POST"])
@staff_required
def show_khqr(order_id):
    """Make (or reuse) the order's KHQR and show it."""
    order = order_or_404(order_id)
    back = public_url("support.order", order_id=order.id)
    try:
        md5 = support.show_khqr(current_user, order, back, current_language())
    except support.SupportError as exc:
        flash(ERRORS[exc.reason](), "error")
        return _order_page(order)
    except payments.PaymentError as exc:
        current_app.logger.warning("KHQR for %s failed: %s", order.number, exc)
        flash(_("We could not make a KHQR now. Please try again in a moment."), "error")
        return _order_page(order)
    return redirect(url_for("support.khqr_code", order_id=order.id, md5=md5), code=303)


def _shown_or_404(order_id, md5):
    order = order_or_404(order_id)
    shown = khqr.shown(md5)
    if shown is None or shown.order.id != order.id:
        abort(404)
    return order, shown


@bp.route("/orders/<int:order_id>/khqr/<md5>")
@staff_required
def khqr_code(order_id, md5):
    """The code, its countdown and whether it was paid; once paid, back to the order (htmx: HX-Redirect)."""
    order, shown = _shown_or_404(order_id, md5)
    if shown.row.status == "paid" and shown.order.status != "pending":
        return redirect_away(url_for("support.order", order_id=order.id))
    return render_page_or_fragment(
        "support/khqr.html", "support/_khqr_status.html", target=STATUS, order=order, shown=shown
    )


@bp.route("/orders/<int:order_id>/khqr/<md5>/check")
@staff_required
def khqr_check(order_id, md5):
    """The "Check again" link without JavaScript: the page afresh, scrolled to its status."""
    order, _shown = _shown_or_404(order_id, md5)
    return redirect(
        url_for("support.khqr_code", order_id=order.id, md5=md5, at="status", _anchor=STATUS), code=303
    )


@bp.route("/orders/<int:order_id>/khqr/<md5>/simulate", methods=["POST"])
@staff_required
def khqr_simulate(order_id, md5):
    """Test mode: the customer's bank app pays the code on the agent's screen."""
    order, _shown = _shown_or_404(order_id, md5)
    if not payments.test_mode():
        abort(404)
    try:
        khqr.simulate_payment(md5)
    except payments.PaymentError:
        flash(_("This code can no longer be paid."), "error")
    return redirect(
        url_for("support.khqr_code", order_id=order.id, md5=md5, at="status", _anchor=STATUS), code=303
    )
