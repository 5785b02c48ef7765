"""Paying through the local Stripe-compatible server, as a customer and as Stripe's webhooks do."""

import json

from app.models import Esim
from app.models import Order
from app.services.demo import DEMO_ICCID
from support.helpers import in_app
from support.helpers import post_form

SECRET = "whsec_test_secret"


def esim_of(app, iccid=DEMO_ICCID):
    return in_app(app, lambda: Esim.get(Esim.iccid == iccid))


def start_checkout(client, app, plan="month-10gb", promo="", iccid=DEMO_ICCID):
    """Choose a plan and press "Continue to payment"; returns (order, session id)."""
    esim = esim_of(app, iccid)
    response = post_form(client, f"/esims/{esim.id}/renew", {"plan": plan, "promo": promo})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert response.location.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    sid = response.location.rsplit("/", 1)[1]
    order = in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())
    return order, sid


def return_from(client, sid):
    return client.get(f"/checkout/return?session_id={sid}")


def post_event(client, fake, event, secret=SECRET, timestamp=None, signature=None):
    """POST an event (a dict) to the webhook, signed as Stripe signs it."""
    payload = json.dumps(event).encode()
    header = signature if signature is not None else fake.sign(payload, secret, timestamp)
    headers = {"Content-Type": "application/json"}
    if header:
        headers["Stripe-Signature"] = header
    return client.post("/webhooks/stripe", data=payload, headers=headers)


def webhook(client, fake, event_type, sid, event_id=None, secret=SECRET, timestamp=None, signature=None):
    """A checkout.session.* event about session `sid`."""
    return post_event(client, fake, fake.event(event_type, sid, event_id), secret, timestamp, signature)
