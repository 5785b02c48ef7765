"""Saved cards in test mode: customers, a card-saving page, and off-session charges that answer as
Stripe's do (a success, or a decline with card_declined or authentication_required)."""

import secrets

from flask import has_request_context
from flask import url_for
from peewee import IntegrityError

from app.extensions import db
from app.models import LocalCard
from app.models import LocalCardSetup
from app.models import LocalCharge
from app.payments.base import CardSetup
from app.payments.base import ChargeResult
from app.payments.base import PaymentError
from app.payments.base import SavedMethod

# Stripe's test cards for these answers (docs.stripe.com/testing): 4242 succeeds,
# 0341 is declined once attached, 3155 asks for authentication off-session.
TEST_CARDS = {"succeeded": "4242", "card_declined": "0341", "authentication_required": "3155"}


def _setup(row):
    url = url_for("cards.test_setup", session_id=row.session_id) if has_request_context() else None
    return CardSetup(
        id=row.session_id,
        url=url,
        status=row.status,
        customer=row.customer_ref,
        payment_method=row.method_ref,
    )


class LocalCards:
    """Mixed into the local test provider."""

    saves_cards = True

    def ensure_customer(self, email, user_id, idempotency_key):
        return "cus_test_" + secrets.token_hex(8)

    def add_card(self, customer, outcome="succeeded"):
        """A test card attached to `customer` (the demo's, or one saved on the test page)."""
        row = LocalCard.create(
            method_ref="pm_test_" + secrets.token_hex(10),
            customer_ref=customer,
            last4=TEST_CARDS.get(outcome, "4242"),
            outcome=outcome,
        )
        return SavedMethod(id=row.method_ref, brand=row.brand, last4=row.last4)

    def create_card_setup(self, request):
        row = LocalCardSetup.create(
            session_id="cs_test_setup_" + secrets.token_hex(10),
            customer_ref=request.customer,
            success_url=request.success_url,
            cancel_url=request.cancel_url,
        )
        return _setup(row)

    def _setup_row(self, setup_id):
        row = LocalCardSetup.get_or_none(LocalCardSetup.session_id == setup_id)
        if row is None:
            raise PaymentError(f"no such test setup {setup_id}")
        return row

    def retrieve_card_setup(self, setup_id):
        return _setup(self._setup_row(setup_id))

    def complete_card_setup(self, setup_id, outcome="succeeded"):
        """The customer pressed "Save this card (test)": where they go next."""
        row = self._setup_row(setup_id)
        if row.status == "open":
            row.method_ref = self.add_card(row.customer_ref, outcome).id
            row.status = "complete"
            row.save(only=[LocalCardSetup.method_ref, LocalCardSetup.status])
        return row.success_url.replace("{CHECKOUT_SESSION_ID}", row.session_id)

    def setup_cancel_url(self, setup_id):
        return self._setup_row(setup_id).cancel_url

    def list_cards(self, customer):
        rows = LocalCard.select().where(LocalCard.customer_ref == customer, LocalCard.attached == 1)
        return [
            SavedMethod(id=r.method_ref, brand=r.brand, last4=r.last4) for r in rows.order_by(LocalCard.id)
        ]

    def detach_card(self, payment_method):
        LocalCard.update(attached=0).where(LocalCard.method_ref == payment_method).execute()

    def charge_off_session(self, charge):
        earlier = LocalCharge.get_or_none(LocalCharge.idempotency_key == charge.idempotency_key)
        if earlier is None:
            card = LocalCard.get_or_none(
                LocalCard.method_ref == charge.payment_method, LocalCard.customer_ref == charge.customer
            )
            outcome = "resource_missing" if card is None or not card.attached else card.outcome
            try:
                with db.atomic():
                    earlier = LocalCharge.create(
                        intent_ref="pi_test_" + secrets.token_hex(12),
                        idempotency_key=charge.idempotency_key,
                        method_ref=charge.payment_method,
                        amount_cents=charge.amount_cents,
                        currency=charge.currency,
                        status="succeeded" if outcome == "succeeded" else "requires_payment_method",
                        error_code="" if outcome == "succeeded" else outcome,
                    )
            except IntegrityError:
                earlier = LocalCharge.get(LocalCharge.idempotency_key == charge.idempotency_key)
        card = LocalCard.get_or_none(LocalCard.method_ref == earlier.method_ref)
        return ChargeResult(
            status="succeeded" if earlier.status == "succeeded" else "failed",
            payment_intent=earlier.intent_ref,
            amount=earlier.amount_cents,
            currency=earlier.currency.lower(),
            code=earlier.error_code,
            payment_method=f"{card.brand} •••• {card.last4}" if card else "",
        )

    def charged(self, payment_intent):
        """The amount an off-session charge took (for refunds), or None."""
        row = LocalCharge.get_or_none(
            LocalCharge.intent_ref == payment_intent, LocalCharge.status == "succeeded"
        )
        return row.amount_cents if row else None
