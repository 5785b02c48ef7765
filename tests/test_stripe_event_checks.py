"""Stripe events: a signature from the future and a signed body that is no event are refused plainly."""

import json
import time

import pytest
from support.helpers import in_app
from support.payments import SECRET
from support.payments import start_checkout
from support.payments import webhook

from app.models import Order
from app.models import WebhookEvent


@pytest.mark.parametrize("ahead,status", [(600, 400), (30, 200)])
def test_an_event_signed_more_than_five_minutes_ahead_is_refused(
    client, auth, fake_stripe, seeded, ahead, status
):
    auth.login()
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    response = webhook(client, fake_stripe, "checkout.session.completed", sid, timestamp=time.time() + ahead)
    assert response.status_code == status
    paid = in_app(seeded, Order.get_by_id, order.id).status != "pending"
    assert paid == (status == 200)
    assert in_app(seeded, WebhookEvent.select().count) == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    "payload", [b"[]", b'[{"id": "evt_1", "type": "checkout.session.completed"}]', b"42"]
)
def test_a_signed_body_that_is_no_event_gets_400(client, fake_stripe, payload):
    response = client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": fake_stripe.sign(payload, SECRET)},
    )
    assert response.status_code == 400
    assert json.loads(response.get_data()) == {"error": "invalid signature"}
