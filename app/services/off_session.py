"""Money in from a saved card while the customer is away (auto-renew): the charge, and taking it
for its order once, by the same path as a checkout's payment (services/settlement.py)."""

from flask import current_app

from app.models import Order
from app.models import PaymentCustomer
from app.payments import PaymentError
from app.payments import get_provider
from app.payments.base import CheckoutSession
from app.payments.base import OffSessionCharge
from app.services import settlement

# Marks our off-session PaymentIntents: a checkout's own PaymentIntent (which also names its order)
# is taken through its session, never a second time through its intent.
MARK = "auto_renew"


def charge_saved_card(order, card, idempotency_key):
    """Charge `order`'s amount to `card`; a ChargeResult (a decline is one); raises PaymentError
    when the provider could not be reached or is not the one the card was saved with."""
    provider = get_provider()
    if provider.name != card.provider or not provider.saves_cards:
        raise PaymentError(
            f"card {card.id} was saved with {card.provider}, payments now go to {provider.name}"
        )
    customer = PaymentCustomer.get_or_none(
        PaymentCustomer.user == card.user_id, PaymentCustomer.provider == card.provider
    )
    if customer is None:
        raise PaymentError(f"no customer at {card.provider} for user {card.user_id}")
    return provider.charge_off_session(
        OffSessionCharge(
            customer=customer.customer_ref,
            payment_method=card.method_ref,
            amount_cents=order.amount_cents,
            currency=order.currency,
            order_id=order.id,
            description=f"eSIM renewal {order.number} (plan {order.plan.code})",
            idempotency_key=idempotency_key,
        )
    )


def _as_session(order_id, result):
    return CheckoutSession(
        id=result.payment_intent,
        url=None,
        order_id=str(order_id),
        metadata_order_id=str(order_id),
        status="complete",
        payment_status="paid",
        amount_total=result.amount,
        currency=result.currency,
        payment_method=result.payment_method or "card",
        payment_intent=result.payment_intent,
    )


def take_off_session(order, result, source="system"):
    """A succeeded charge: the order is paid once (its Payment kept); an extra one is refunded."""
    return settlement.take_reported(order, _as_session(order.id, result), source, get_provider().name)


def intent_succeeded(result, source="webhook"):
    """payment_intent.succeeded for one of our off-session charges (the worker usually took it first)."""
    if result.mark != MARK or not result.order_id.isdigit():
        return False
    order = Order.get_or_none(Order.id == int(result.order_id))
    if order is None:
        current_app.logger.warning("payment intent %s names no order", result.payment_intent)
        return False
    take_off_session(order, result, source)
    return True
