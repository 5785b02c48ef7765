"""The KHQR page: a code to scan with any Cambodian bank app, its countdown, and whether it was paid.

The page only reads: the worker asks Bakong and settles the order. Without JavaScript the
page refreshes itself while the code is open; with htmx only its status part is asked for.
"""

from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.checkout import bp
from app.checkout.views import linked_order
from app.extensions import login_manager
from app.services import khqr
from app.services import payments
from app.web.partials import redirect_away
from app.web.partials import render_page_or_fragment

STATUS_TARGET = "khqr-status"


def _shown_or_404(md5):
    """The code, for the order's owner or the browser holding that order's payment link."""
    shown = khqr.shown(md5)
    if shown is None:
        abort(404)
    if current_user.is_authenticated and current_user.id == shown.order.user_id:
        return shown
    if getattr(linked_order(), "id", None) == shown.order.id:
        return shown
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(404)


def _order_url(shown):
    if current_user.is_authenticated and current_user.id == shown.order.user_id:
        return url_for("orders.detail", order_id=shown.order.id)
    return url_for("checkout.pay_page")


@bp.route("/checkout/khqr/<md5>")
def khqr_page(md5):
    """The code while it can be paid; once paid, on to the order (htmx: by HX-Redirect)."""
    shown = _shown_or_404(md5)
    if shown.row.status == "paid" and shown.order.status != "pending":
        return redirect_away(_order_url(shown))
    return render_page_or_fragment(
        "checkout/khqr.html",
        "checkout/_khqr_status.html",
        target=STATUS_TARGET,
        shown=shown,
        order_url=_order_url(shown),
        by_link=getattr(linked_order(), "id", None) == shown.order.id,
    )


@bp.route("/checkout/khqr/<md5>/check")
def khqr_check(md5):
    """The "Check again" link without JavaScript: the page afresh, scrolled to its status.

    A link to the page's own address plus #khqr-status would only scroll, never reload.
    """
    _shown_or_404(md5)
    return redirect(url_for("checkout.khqr_page", md5=md5, at="status", _anchor=STATUS_TARGET), code=303)


@bp.route("/checkout/khqr/<md5>/khqr.png")
def khqr_image(md5):
    """The code as an image, to save and open in a bank app ("pay from a screenshot")."""
    shown = _shown_or_404(md5)
    response = Response(shown.png, mimetype="image/png")
    response.headers["Content-Disposition"] = f'attachment; filename="KHQR-{shown.order.number}.png"'
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response


@bp.route("/checkout/khqr/<md5>/simulate", methods=["POST"])
def khqr_simulate(md5):
    """Test mode's "Simulate bank payment": the test bank pays the code, as a customer's app would."""
    shown = _shown_or_404(md5)
    if not payments.test_mode():
        abort(404)
    try:
        khqr.simulate_payment(md5)
    except payments.PaymentError as exc:
        current_app.logger.warning("KHQR simulation for %s failed: %s", shown.order.number, exc)
        flash(_("This code can no longer be paid."), "error")
    return redirect(url_for("checkout.khqr_page", md5=md5, at="status", _anchor=STATUS_TARGET), code=303)
