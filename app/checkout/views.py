"""Coming back from checkout, the Stripe webhook, and the local test-payment page."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.checkout import bp
from app.extensions import csrf
from app.models import Order
from app.models import OrderEvent
from app.models import TestCheckout
from app.partials import render_page_or_fragment
from app.payments import PaymentError
from app.payments import SignatureError
from app.payments import get_provider
from app.payments import test_mode
from app.services import payments
from app.services import reminders
from app.services import renewal
from app.services import signed
from app.services import support


def send_to_checkout(order):
    """Redirect to where `order` is paid; a free order (100 % off) is fulfilled at once."""
    if order.status != "pending" or order.payment_note == "processing":
        return redirect(url_for("orders.detail", order_id=order.id), code=303)  # nothing to pay now
    if order.amount_cents == 0:
        renewal.fulfil(order, "system")
        return redirect(url_for("orders.detail", order_id=order.id), code=303)
    success = url_for("checkout.returned", _external=True) + "?session_id={CHECKOUT_SESSION_ID}"
    cancel = url_for("checkout.cancelled", token=_cancel_token(order), _external=True)
    try:
        url = payments.start_checkout(order, success, cancel)
    except PaymentError as exc:
        current_app.logger.warning("checkout for %s failed: %s", order.number, exc)
        flash(_("We could not open the payment page. Please try again in a moment."), "error")
        return redirect(url_for("orders.detail", order_id=order.id), code=303)
    return redirect(url, code=303)


@bp.route("/checkout/return")
def returned():
    """Back from checkout: confirm the payment with the provider, then show the order."""
    session_id = request.args.get("session_id", "")
    try:
        session = get_provider().retrieve(session_id)
    except PaymentError:
        flash(
            _("We could not confirm your payment yet. If you paid, it will show here within minutes."),
            "warning",
        )
        return redirect(url_for("orders.history"))
    order = payments.settle(session, "return")
    if order is None:
        abort(404)
    if order.payment_note == "amount_mismatch":
        flash(
            _("We received a payment that does not match this order. Our support team will contact you."),
            "error",
        )
    if current_user.is_authenticated and current_user.id == order.user_id:
        return redirect(url_for("orders.detail", order_id=order.id), code=303)
    # Paid on another device (a link an agent gave): the order's own status page.
    return redirect(url_for("checkout.pay_link", token=support.payment_token(order)), code=303)


@bp.route("/pay/<token>")
def pay_link(token):
    """A payment link made by an agent: to checkout while unpaid, then the order's status."""
    order = support.order_for_payment_token(token)
    if order is None:
        abort(404)
    if order.status == "pending" and order.payment_note != "processing" and not request.htmx:
        return send_to_checkout(order)
    return render_page_or_fragment(
        "orders/tracked.html",
        "orders/_status.html",
        target=f"order-status-{order.id}",
        order=order,
        events=list(order.events.order_by(OrderEvent.created_at, OrderEvent.id)),
        status_url=url_for("checkout.pay_link", token=token),
    )


def _cancel_token(order):
    return signed.sign("checkout-cancel", order.id)


@bp.route("/checkout/cancel/<token>")
def cancelled(token):
    """Left checkout without paying: the order stays pending; back to plan selection."""
    order_id = signed.unsign("checkout-cancel", token)
    order = Order.get_or_none(Order.id == order_id) if isinstance(order_id, int) else None
    if order is None:
        abort(404)
    payments.cancel_checkout(order)
    flash(_("Payment cancelled. Nothing was charged. Choose a plan again, or pay this order later."), "info")
    if order.esim_id and order.kind == "renewal":
        return redirect(url_for("plans.renew", esim_id=order.esim_id, plan=order.plan.code))
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.route("/webhooks/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Stripe's events, verified by signature; every verified event gets a 2xx."""
    try:
        event = get_provider().verify_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except SignatureError:
        return {"error": "invalid signature"}, 400
    handled = payments.handle_event(event)
    return {"received": True, "replay": not handled}, 200


@bp.route("/webhooks/airalo", methods=["POST", "HEAD"])
@csrf.exempt
def airalo_webhook():
    """Airalo's low-data and expiry notifications, verified by their HMAC signature."""
    if request.method == "HEAD":
        return "", 200  # Airalo checks the address with HEAD when notifications are switched on
    sent = reminders.operator_webhook(
        request.get_data(),
        request.headers.get("airalo-signature"),
        current_app.config.get("AIRALO_WEBHOOK_SECRET"),
    )
    if sent is None:
        return {"error": "invalid signature"}, 400
    return {"received": True, "reminders": sent}, 200


def _test_session_or_404(session_id):
    row = TestCheckout.get_or_none(TestCheckout.session_id == session_id)
    if row is None or not test_mode():
        abort(404)
    return row


@bp.route("/checkout/test/<session_id>", methods=["GET", "POST"])
def test_pay(session_id):
    """Test mode's stand-in for Stripe Checkout: "Pay (test)" or "Cancel"."""
    row = _test_session_or_404(session_id)
    provider = get_provider()
    if request.method == "POST":
        if request.form.get("action") == "pay":
            try:
                event = provider.pay(session_id)
            except PaymentError:
                flash(_("This payment page has expired. Please start again."), "error")
                return redirect(url_for("orders.detail", order_id=row.order_id))
            payments.handle_event(event)  # as Stripe's webhook would
            return redirect(provider.success_url(session_id), code=303)
        return redirect(provider.cancel_url(session_id), code=303)
    session = provider.retrieve(session_id)
    return render_template("checkout/test_pay.html", row=row, order=row.order, session=session)
