"""Sending a customer to pay: the provider's checkout page, or the order when nothing is to pay."""

from flask import current_app
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import balance
from app.services import checkout as checkout_service
from app.services import orders
from app.services import payments
from app.services.links import public_url
from app.text import current_language

BALANCE = "balance"


def chosen_method(form):
    """The way to pay the customer pressed: "khqr" for a bank app, "balance" for their prepaid
    balance, else None (card or wallet)."""
    choice = form.get("pay_with")
    return choice if choice in (payments.KHQR, BALANCE) else None


def pay_from_balance(order):
    """The signed-in owner pays `order` from their balance; refused, with the reason, when it is
    short (the order stays payable some other way)."""
    back = redirect(url_for("orders.detail", order_id=order.id), code=303)
    if not (current_user.is_authenticated and current_user.id == order.user_id):
        flash(_("Log in to pay from your balance."), "error")
        return back
    try:
        balance.pay_order_from_balance(order, f"order-{order.number}-balance")
    except balance.BalanceError as exc:
        if exc.reason == "short":
            flash(_("Your balance does not cover this order. Top it up, or pay another way."), "error")
        else:
            flash(_("This order cannot be paid from the balance."), "error")
    return back


def send_to_checkout(order, via_link=False, method=None):
    """Redirect to where `order` is paid; a free order (100 % off) is fulfilled at once.

    `via_link` is true when the customer came by a payment link (an agent's, maybe on
    another device): the return then leads back to that link's page. `method` "khqr"
    shows a KHQR on our own page instead of sending the customer to a card checkout.
    """
    if order.status != orders.OrderStatus.PENDING or order.payment_note == "processing":
        return redirect(url_for("orders.detail", order_id=order.id), code=303)  # nothing to pay now
    if method == BALANCE:
        return pay_from_balance(order)
    success = public_url("checkout.returned") + "?session_id={CHECKOUT_SESSION_ID}"
    if via_link:
        success += "&via=link"
    cancel = public_url("checkout.cancelled", token=checkout_service.cancel_token(order))
    try:
        checkout = payments.start_checkout(order, success, cancel, lang=current_language(), method=method)
    except payments.PaymentError as exc:
        current_app.logger.warning("checkout for %s failed: %s", order.number, exc)
        flash(_("We could not open the payment page. Please try again in a moment."), "error")
        return redirect(url_for("orders.detail", order_id=order.id), code=303)
    if checkout is None:  # a free order, already paid
        return redirect(url_for("orders.detail", order_id=order.id), code=303)
    if checkout.code is not None:
        return redirect(url_for("checkout.khqr_page", md5=checkout.id), code=303)
    # Test mode's checkout is a page of this app, which only the web layer can address.
    url = checkout.url or url_for("checkout.test_pay", session_id=checkout.id)
    return redirect(url, code=303)
