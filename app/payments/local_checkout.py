"""Local test payments: a page in the app plays the part of Stripe Checkout.

It keeps its sessions in the test_checkouts table (LocalCheckout) and, once "paid", sends the
same event the Stripe webhook would and returns the customer through the same
return URL, so the rest of the portal cannot tell the difference.
"""

import secrets
from datetime import UTC
from datetime import datetime

from flask import has_request_context
from flask import url_for

from app.models import LocalCheckout
from app.models import LocalRefund
from app.models import utcnow
from app.payments.base import CheckoutSession
from app.payments.base import EventFact
from app.payments.base import LocalPayments
from app.payments.base import PaymentError
from app.payments.base import PaymentEvent
from app.payments.base import PaymentProvider
from app.payments.base import RefundInfo
from app.payments.base import SignatureError
from app.payments.local_cards import LocalCards

TEST_METHOD = "test"
# "Pay (test)" sends the event Stripe's webhook would, by Stripe's name for it.
PAID_EVENT = "checkout.session.completed"


def to_session(row):
    # The page's address matters only to a request that redirects there; the worker has none.
    url = url_for("checkout.test_pay", session_id=row.session_id) if has_request_context() else None
    return CheckoutSession(
        id=row.session_id,
        url=url,
        order_id=str(row.order_id),
        metadata_order_id=str(row.order_id),
        status=row.status,
        payment_status=row.payment_status,
        amount_total=row.amount_cents,
        currency=row.currency.lower(),
        payment_method=TEST_METHOD if row.payment_status == "paid" else "",
        payment_intent=row.payment_intent,
    )


def _refund_info(row):
    return RefundInfo(
        id=row.refund_id,
        status="succeeded",
        amount=row.amount_cents,
        currency="",
        payment_intent=row.payment_intent,
    )


class LocalCheckoutProvider(LocalCards, PaymentProvider, LocalPayments):
    name = "test"

    def __init__(self, config):
        self.config = config

    def create_checkout(self, request):
        expires = datetime.fromtimestamp(request.expires_at, UTC).replace(tzinfo=None)
        row = LocalCheckout.create(
            session_id="cs_test_" + secrets.token_hex(12),
            order=request.order_id,
            amount_cents=request.amount_cents,
            currency=request.currency,
            success_url=request.success_url,
            cancel_url=request.cancel_url,
            expires_at=expires,
        )
        return to_session(row)

    def _row(self, session_id):
        row = LocalCheckout.get_or_none(LocalCheckout.session_id == session_id)
        if row is None:
            raise PaymentError(f"no such test session {session_id}")
        if row.status == "open" and utcnow() >= row.expires_at:
            row.status = "expired"
            row.save(only=[LocalCheckout.status])
        return row

    def retrieve(self, session_id):
        return to_session(self._row(session_id))

    def verify_webhook(self, payload, signature):
        raise SignatureError("test payments send no webhooks over HTTP")

    def fact(self, event):
        return EventFact.COMPLETED if event.type == PAID_EVENT else None

    def pay(self, session_id):
        """The customer pressed "Pay (test)": the session completes, paid."""
        row = self._row(session_id)
        if row.status != "open":
            raise PaymentError(f"session {session_id} is {row.status}")
        row.status, row.payment_status = "complete", "paid"
        row.payment_intent = "pi_test_" + secrets.token_hex(12)
        row.save(only=[LocalCheckout.status, LocalCheckout.payment_status, LocalCheckout.payment_intent])
        return PaymentEvent(id="evt_test_" + secrets.token_hex(12), type=PAID_EVENT, session=to_session(row))

    def refund(self, payment_intent, amount_cents, reason, idempotency_key):
        """Refunds as Stripe makes them: the same key gives the same refund, never more than was paid."""
        earlier = LocalRefund.get_or_none(LocalRefund.idempotency_key == idempotency_key)
        if earlier is not None:
            return _refund_info(earlier)
        paid = LocalCheckout.get_or_none(
            LocalCheckout.payment_intent == payment_intent, LocalCheckout.payment_intent != ""
        )
        paid_cents = paid.amount_cents if paid is not None else self.charged(payment_intent)
        if paid_cents is None:
            raise PaymentError(f"no such test payment {payment_intent}")
        refunded = sum(
            r.amount_cents for r in LocalRefund.select().where(LocalRefund.payment_intent == payment_intent)
        )
        if amount_cents <= 0 or refunded + amount_cents > paid_cents:
            raise PaymentError(f"refund of {amount_cents} exceeds what is left of {payment_intent}")
        row = LocalRefund.create(
            refund_id="re_test_" + secrets.token_hex(12),
            idempotency_key=idempotency_key,
            payment_intent=payment_intent,
            amount_cents=amount_cents,
        )
        return _refund_info(row)

    def retrieve_refund(self, refund_id):
        row = LocalRefund.get_or_none(LocalRefund.refund_id == refund_id)
        if row is None:
            raise PaymentError(f"no such test refund {refund_id}")
        return _refund_info(row)

    def success_url(self, session_id):
        row = self._row(session_id)
        return row.success_url.replace("{CHECKOUT_SESSION_ID}", row.session_id)

    def cancel_url(self, session_id):
        return self._row(session_id).cancel_url

    def simulate_payment(self, session_id, amount=None):
        raise PaymentError("test checkouts are paid on their page, not by a bank")
