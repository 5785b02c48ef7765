"""Coming back from checkout, the Stripe webhook, and the local test-payment page."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.checkout import bp
from app.extensions import csrf
from app.services import checkout as checkout_service
from app.services import operator_webhooks
from app.services import order_money
from app.services import orders
from app.services import payments
from app.services import renewal_charges
from app.services import support
from app.web.checkout import chosen_method
from app.web.checkout import send_to_checkout
from app.web.partials import render_page_or_fragment


def _usable_session_id(value):
    value = (value or "").strip()
    return value if 0 < len(value) <= 255 and value.replace("_", "").isalnum() else ""


@bp.route("/checkout/return")
def returned():
    """Back from checkout: confirm the payment with the provider, then show the order to its owner."""
    session_id = _usable_session_id(request.args.get("session_id"))
    if not session_id:
        flash(_("We could not tell which payment you came back from. Your orders are below."), "warning")
        return redirect(url_for("orders.history"))
    try:
        order = checkout_service.confirm_return(session_id)
    except checkout_service.PaymentError:
        flash(
            _("We could not confirm your payment yet. If you paid, it will show here within minutes."),
            "warning",
        )
        return redirect(url_for("orders.history"))
    if order is None:
        abort(404)
    if request.args.get("via") == "link" and getattr(linked_order(), "id", None) == order.id:
        # Paid through a payment link (maybe on another device): back to that link's page.
        return redirect(url_for("checkout.pay_page"), code=303)
    if not (current_user.is_authenticated and current_user.id == order.user_id):
        return render_template("checkout/not_yours.html"), 403
    if order.payment_note == "amount_mismatch":
        flash(
            _("We received a payment that does not match this order. It is being refunded to you."),
            "error",
        )
    return redirect(url_for("orders.detail", order_id=order.id), code=303)


PAY_TOKEN = "pay_token"


def linked_order():
    """The order of the payment link this browser opened, while the link lasts."""
    token = session.get(PAY_TOKEN)
    return support.order_for_payment_token(token) if token else None


@bp.route("/pay/<token>")
def pay_link(token):
    """A payment link made by an agent: its token is swapped for this browser's session and a
    clean address, so it stays out of the history and of the logs of the requests that follow."""
    session[PAY_TOKEN] = token
    return redirect(url_for("checkout.pay_page"), code=303)


@bp.route("/pay", methods=["GET", "POST"])
def pay_page():
    """The payment link's page: the ways to pay while unpaid, then the order's status.

    It works for the order's payment window; after that, or once the order was
    cancelled or expired, it says so and shows nothing of the order. Once paid it says
    "all set" and never leads to the eSIM's activation code: whoever holds the link (an agent
    who copied it, say) is not known to be its owner, who installs by the emailed link or
    after logging in.
    """
    order = linked_order()
    if order is None or order.status in ("cancelled", "expired"):
        return render_template("checkout/link_expired.html"), 410
    payable = order.status == "pending" and order.payment_note != "processing"
    if payable and request.method == "POST":
        return send_to_checkout(order, via_link=True, method=chosen_method(request.form))
    if payable and not request.htmx:
        if payments.khqr_offered():  # a card or any bank app, as on every other pay screen
            return render_template("checkout/pay_link.html", order=order)
        return send_to_checkout(order, via_link=True)
    if request.method == "POST":
        return redirect(url_for("checkout.pay_page"), code=303)  # paid meanwhile: its status
    return render_page_or_fragment(
        "orders/tracked.html",
        "orders/_status.html",
        target=f"order-status-{order.id}",
        order=order,
        events=orders.timeline(order),
        status_url=url_for("checkout.pay_page"),
        money=order_money.money_of(order),
        by_link=True,
        mailbox=support.has_mailbox(order.user),
    )


@bp.route("/pay/renewal/<token>", methods=["GET", "POST"])
def renewal_pay(token):
    """The link emailed when an automatic renewal could not be charged: pay the same order here,
    until the plan would have run out (a new order for the same plan if that one closed unpaid)."""
    cycle = renewal_charges.cycle_for_link(token)
    if cycle is None:
        return render_template("checkout/link_expired.html"), 410
    paid = cycle.order.status not in ("pending", "cancelled", "expired")
    if request.method == "POST" or paid:  # paid meanwhile: the link shows the order's progress
        order = renewal_charges.order_to_pay(cycle)
        session[PAY_TOKEN] = support.payment_token(order)
        return redirect(url_for("checkout.pay_page"), code=303)
    return render_template("checkout/renewal_pay.html", order=cycle.order, cycle=cycle)


@bp.route("/checkout/cancel/<token>", methods=["GET", "POST"])
def cancelled(token):
    """Left checkout without paying: a page that says nothing was charged, and a button that cancels.

    Opening it changes nothing; the order stays payable until the button is pressed.
    """
    order = checkout_service.order_for_cancel_token(token)
    if order is None:
        return render_template("checkout/link_expired.html"), 410
    if request.method == "POST":
        if orders.cancel(order, "customer", note="checkout_cancelled"):
            flash(_("The order is cancelled. Nothing was charged."), "info")
        if order.esim_id and order.kind == "renewal":
            return redirect(url_for("plans.renew", esim_id=order.esim_id, plan=order.plan.code), code=303)
        return redirect(url_for("shop.buy"), code=303)
    owner = current_user.is_authenticated and current_user.id == order.user_id
    return render_template("checkout/cancelled.html", order=order, owner=owner, token=token)


@bp.route("/webhooks/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Stripe's events, verified by signature; every verified event gets a 2xx."""
    if not checkout_service.receive_webhook(request.get_data(), request.headers.get("Stripe-Signature")):
        return {"error": "invalid signature"}, 400
    return {"received": True}, 200


@bp.route("/webhooks/airalo", methods=["POST", "HEAD"])
@csrf.exempt
def airalo_webhook():
    """Airalo's async order deliveries and low-data and expiry notices, verified by their signature."""
    if request.method == "HEAD":
        return "", 200  # Airalo checks the address with HEAD when notifications are switched on
    done = operator_webhooks.receive(request.get_data(), request.headers.get("airalo-signature"))
    if done is None:
        return {"error": "invalid signature"}, 400
    return {"received": True, **done}, 200


@bp.route("/checkout/test/<session_id>", methods=["GET", "POST"])
def test_pay(session_id):
    """Test mode's stand-in for Stripe Checkout: "Pay (test)" or "Cancel"."""
    found = checkout_service.test_checkout(session_id)
    if found is None:
        abort(404)
    row, session = found
    if request.method == "POST":
        if request.form.get("action") == "pay":
            try:
                return redirect(checkout_service.pay_test(session_id), code=303)
            except checkout_service.PaymentError:
                flash(_("This payment page has expired. Please start again."), "error")
                return redirect(url_for("orders.detail", order_id=row.order_id))
        return redirect(checkout_service.leave_test(session_id), code=303)
    return render_template("checkout/test_pay.html", row=row, order=row.order, session=session)
