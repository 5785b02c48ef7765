"""Paying, as the customer meets it: back from checkout, webhooks, cancel links, the test page."""

from app.models import LocalCheckout
from app.models import Order
from app.payments import PaymentError
from app.payments import SignatureError
from app.payments import get_provider
from app.payments import local_payments
from app.services import payments
from app.services import settlement
from app.services import signed


def confirm_return(session_id):
    """The order a customer came back from paying, settled as the provider reports the session.

    None when the session names no order of ours; raises PaymentError when the provider cannot say.
    """
    return settlement.settle(get_provider().retrieve(session_id), "return")


def receive_webhook(payload, signature):
    """Act on a provider's event POSTed to us; False when its signature is not the provider's."""
    provider = get_provider()
    try:
        event = provider.verify_webhook(payload, signature)
    except SignatureError:
        return False
    payments.handle_event(provider, event)
    return True


def cancel_token(order):
    """What the checkout's cancel link carries: the order, signed."""
    return signed.sign("checkout-cancel", order.id)


def order_for_cancel_token(token):
    """The order of a cancel link, while its payment window lasts; else None."""
    max_age = int(payments.PAYMENT_WINDOW.total_seconds())
    order_id = signed.unsign("checkout-cancel", token, max_age=max_age)
    return Order.get_or_none(Order.id == order_id) if isinstance(order_id, int) else None


def test_checkout(session_id):
    """Test mode's checkout session with this id, as (row, session); None outside test mode."""
    if not payments.test_mode():
        return None
    row = LocalCheckout.get_or_none(LocalCheckout.session_id == session_id)
    if row is None:
        return None
    return row, get_provider().retrieve(session_id)


def pay_test(session_id):
    """ "Pay (test)": the session completes, paid, and is acted on as Stripe's webhook would be.

    Returns where the customer goes next (the return address); raises PaymentError when
    the session is no longer open.
    """
    provider = local_payments()
    payments.handle_event(provider, provider.pay(session_id))
    return provider.success_url(session_id)


def leave_test(session_id):
    """ "Cancel" on the test page: where the customer goes (the checkout's cancel address)."""
    return local_payments().cancel_url(session_id)


__all__ = [
    "PaymentError",
    "cancel_token",
    "confirm_return",
    "leave_test",
    "order_for_cancel_token",
    "pay_test",
]
