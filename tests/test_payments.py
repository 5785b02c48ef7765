"""Paying with Stripe Checkout (a local Stripe-compatible server) and extending exactly once."""

import json
import threading
import time
from datetime import timedelta

import pytest
from support.helpers import HTMX
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import post_form
from support.helpers import translated
from support.payments import SECRET
from support.payments import esim_of as _esim
from support.payments import return_from as _return
from support.payments import start_checkout as _start
from support.payments import webhook as _webhook

from app.models import Order
from app.models import OrderEvent
from app.models import PromoCode
from app.models import SimApplication
from app.models import User
from app.models import WebhookEvent
from app.services import fulfilment
from app.services import orders
from app.services import renewal


def _finish_applying(app, order):
    return in_app(app, Order.get_by_id, order.id)


def _assert_extended_once(app, order, old_expiry, days=30):
    done = _finish_applying(app, order)
    assert done.status == "fulfilled"
    assert in_app(app, SimApplication.select().count) == 1
    new_expiry = _esim(app).expires_at
    assert abs((new_expiry - old_expiry) - timedelta(days=days)) < timedelta(seconds=5)
    paid_events = in_app(
        app,
        lambda: (
            OrderEvent.select()
            .where(OrderEvent.to_status == "paid", OrderEvent.from_status == "pending")
            .count()
        ),
    )
    assert paid_events == 1


@pytest.mark.parametrize("lang,locale", [("en", "en"), ("zh", "zh"), ("km", "auto")])
def test_checkout_is_priced_by_the_server_in_the_customers_language(
    client, auth, fake_stripe, seeded, lang, locale
):
    auth.login()
    client.get(f"/dashboard?lang={lang}")
    order, sid = _start(client, seeded, plan="month-30gb", promo="WELCOME10")
    method, path, params = next(r for r in fake_stripe.requests if r[0] == "POST")
    assert path == "/v1/checkout/sessions"
    assert params["mode"] == "payment"
    assert params["line_items"][0]["price_data"]["unit_amount"] == "900"
    assert params["line_items"][0]["price_data"]["currency"] == "usd"
    assert params["client_reference_id"] == str(order.id)
    assert params["metadata"]["order_id"] == str(order.id)
    assert params["customer_email"] == "demo@example.com"
    assert params["locale"] == locale
    assert "{CHECKOUT_SESSION_ID}" in params["success_url"]
    assert "payment_method_types" not in params  # left to the Stripe account's settings
    lifetime = int(params["expires_at"]) - time.time()
    assert 30 * 60 <= lifetime <= 32 * 60
    assert order.provider_ref == sid and order.amount_cents == 900


def test_return_then_webhook_extends_validity_once(client, auth, fake_stripe, seeded):
    auth.login()
    old = _esim(seeded).expires_at
    order, sid = _start(client, seeded)
    fake_stripe.complete(sid)
    response = _return(client, sid)
    assert response.status_code == 303 and response.location == f"/orders/{order.id}"
    assert _webhook(client, fake_stripe, "checkout.session.completed", sid).status_code == 200
    _assert_extended_once(seeded, order, old)
    sources = in_app(
        seeded, lambda: [e.source for e in OrderEvent.select().where(OrderEvent.to_status == "paid")]
    )
    assert sources == ["return"]


def test_webhook_then_return_extends_validity_once(client, auth, fake_stripe, seeded):
    auth.login()
    old = _esim(seeded).expires_at
    order, sid = _start(client, seeded)
    fake_stripe.complete(sid)
    assert _webhook(client, fake_stripe, "checkout.session.completed", sid).status_code == 200
    assert _return(client, sid).status_code == 303
    _assert_extended_once(seeded, order, old)
    assert in_app(seeded, lambda: Order.get_by_id(order.id).payment_method) == "visa •••• 4242"


def test_the_same_event_twice_is_handled_once(client, auth, fake_stripe, seeded):
    auth.login()
    old = _esim(seeded).expires_at
    order, sid = _start(client, seeded)
    fake_stripe.complete(sid)
    first = _webhook(client, fake_stripe, "checkout.session.completed", sid, event_id="evt_same")
    again = _webhook(client, fake_stripe, "checkout.session.completed", sid, event_id="evt_same")
    assert first.status_code == again.status_code == 200
    assert in_app(seeded, WebhookEvent.select().count) == 1
    _assert_extended_once(seeded, order, old)


def test_twenty_concurrent_fulfils_extend_validity_once(client, auth, fake_stripe, seeded):
    auth.login()
    old = _esim(seeded).expires_at
    order, sid = _start(client, seeded)
    results, errors = [], []
    barrier = threading.Barrier(20)

    def fulfil():
        try:
            barrier.wait()
            results.append(in_app(seeded, fulfilment.fulfil, order, "webhook"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fulfil) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results.count(True) == 1 and results.count(False) == 19
    _assert_extended_once(seeded, order, old)


def test_a_wrong_amount_is_not_fulfilled_and_is_flagged(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _start(client, seeded)
    fake_stripe.complete(sid, amount=1)
    _webhook(client, fake_stripe, "checkout.session.completed", sid)
    response = _return(client, sid)
    after = in_app(seeded, Order.get_by_id, order.id)
    assert after.status == "pending" and after.payment_note == "amount_mismatch"
    assert in_app(seeded, SimApplication.select().count) == 0
    page = client.get(response.location).get_data(as_text=True)
    assert "does not match this order" in page


def test_an_expired_session_expires_the_order_and_frees_its_promo_hold(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _start(client, seeded, promo="WELCOME10")
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 1
    fake_stripe.expire(sid)
    assert _webhook(client, fake_stripe, "checkout.session.expired", sid).status_code == 200
    assert in_app(seeded, Order.get_by_id, order.id).status == "expired"
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 0
    fake_stripe.complete(sid)  # a late confirmation of an expired order changes nothing
    _return(client, sid)
    assert in_app(seeded, Order.get_by_id, order.id).status == "expired"


def _events_of(app, order):
    return in_app(app, lambda: OrderEvent.select().where(OrderEvent.order == order.id).count())


def test_leaving_checkout_changes_nothing_until_the_customer_cancels(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _start(client, seeded, plan="month-30gb")
    cancel_url = fake_stripe.sessions[sid]["cancel_url"].split("localhost", 1)[1]
    events = _events_of(seeded, order)
    for _ in range(3):  # opening the link, again and again, writes nothing
        page = client.get(cancel_url)
        assert page.status_code == 200 and "Nothing was charged" in page.get_data(as_text=True)
    assert _events_of(seeded, order) == events
    assert in_app(seeded, Order.get_by_id, order.id).status == "pending"
    token = csrf_token(client, cancel_url)
    response = client.post(cancel_url, data={"csrf_token": token}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "The order is cancelled. Nothing was charged." in html
    assert 'value="month-30gb" checked' in html  # back to plan selection, the same plan chosen
    assert in_app(seeded, Order.get_by_id, order.id).status == "cancelled"
    assert client.post(cancel_url, data={"csrf_token": token}).status_code == 303  # twice: no harm
    assert _events_of(seeded, order) == events + 1
    assert client.get("/checkout/cancel/forged-token").status_code == 410


@pytest.mark.parametrize("kind", ["missing", "wrong-secret", "stale", "tampered"])
def test_bad_webhook_signatures_get_400_and_change_nothing(client, auth, fake_stripe, seeded, kind):
    auth.login()
    order, sid = _start(client, seeded)
    fake_stripe.complete(sid)
    if kind == "tampered":
        payload = json.dumps(fake_stripe.event("checkout.session.completed", sid)).encode()
        header = fake_stripe.sign(payload, SECRET)
        response = client.post(
            "/webhooks/stripe",
            data=payload.replace(b"complete", b"c0mplete"),
            headers={"Stripe-Signature": header},
        )
    else:
        options = {
            "missing": {"signature": ""},
            "wrong-secret": {"secret": "whsec_other"},
            "stale": {"timestamp": time.time() - 3600},
        }[kind]
        response = _webhook(client, fake_stripe, "checkout.session.completed", sid, **options)
    assert response.status_code == 400
    assert in_app(seeded, Order.get_by_id, order.id).status == "pending"
    assert in_app(seeded, WebhookEvent.select().count) == 0


def test_verified_events_we_do_not_handle_still_get_200(client, auth, fake_stripe, seeded):
    auth.login()
    _order, sid = _start(client, seeded)
    assert _webhook(client, fake_stripe, "checkout.session.async_payment_failed", sid).status_code == 200
    assert _webhook(client, fake_stripe, "customer.created", sid).status_code == 200


def test_a_delayed_payment_is_shown_as_processing_then_applied(client, auth, fake_stripe, seeded):
    auth.login()
    old = _esim(seeded).expires_at
    order, sid = _start(client, seeded)
    fake_stripe.complete(sid, paid=False, method="customer_balance")
    _webhook(client, fake_stripe, "checkout.session.completed", sid)
    page = client.get(_return(client, sid).location + "?lang=zh").get_data(as_text=True)
    assert (
        translated(
            seeded,
            "zh",
            "Your payment is being processed by your bank. We apply your plan as soon as it is confirmed.",
        )
        in page
    )
    assert 'hx-trigger="every 2s, refresh"' in page
    fake_stripe.settle_async(sid, paid=True)
    _webhook(client, fake_stripe, "checkout.session.async_payment_succeeded", sid)
    _assert_extended_once(seeded, order, old)


def test_a_failed_delayed_payment_cancels_the_order(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _start(client, seeded, promo="WELCOME10")
    fake_stripe.complete(sid, paid=False, method="customer_balance")
    _webhook(client, fake_stripe, "checkout.session.completed", sid)
    _webhook(client, fake_stripe, "checkout.session.async_payment_failed", sid)
    assert in_app(seeded, Order.get_by_id, order.id).status == "cancelled"
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 0
    assert in_app(seeded, SimApplication.select().count) == 0


def test_two_customers_racing_for_the_last_promo_redemption(client, fake_stripe, seeded):
    in_app(seeded, PromoCode.create, code="LAST1", kind="amount", value=200, max_redemptions=1)
    rival = make_customer(seeded, "rival@example.com", "rival-pass-1234")
    make_esim(seeded, rival, "8985500000000000555")
    demo = in_app(seeded, User.by_email, "demo@example.com")
    esims = {demo.id: _esim(seeded), rival.id: _esim(seeded, "8985500000000000555")}
    plan = in_app(seeded, renewal.find_plan, "month-10gb")
    outcomes, barrier = [], threading.Barrier(2)

    def buy(user):
        barrier.wait()
        try:
            in_app(seeded, orders.create_order, user, esims[user.id], plan, "LAST1")
            outcomes.append("order")
        except renewal.promotions.PromoError as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=buy, args=(u,)) for u in (demo, rival)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["order", "used_up"]
    promo = in_app(seeded, PromoCode.get, PromoCode.code == "LAST1")
    assert (promo.held, promo.redemptions) == (1, 0)
    order = in_app(seeded, Order.get)
    assert order.discount_cents == 200
    # Paying turns the hold into the one redemption.
    in_app(seeded, fulfilment.fulfil, order, "webhook")
    promo = in_app(seeded, PromoCode.get, PromoCode.code == "LAST1")
    assert (promo.held, promo.redemptions) == (0, 1)


def test_an_operator_failure_fails_the_order_with_a_translated_explanation(
    client, auth, fake_stripe, seeded, monkeypatch
):
    from app.operators import OperatorRefused
    from app.operators.simulated import SimulatedOperator

    def refuse(self, iccid, plan):
        raise OperatorRefused("line suspended")

    monkeypatch.setattr(SimulatedOperator, "apply_plan", refuse)
    auth.login()
    old = _esim(seeded).expires_at
    order, sid = _start(client, seeded)
    fake_stripe.complete(sid)
    page = client.get(_return(client, sid).location + "?lang=km").get_data(as_text=True)
    failed = in_app(seeded, Order.get_by_id, order.id)
    # Failed, and the payment refunded through Stripe at once: the order says both.
    assert failed.status == "refunded" and failed.failure_reason == "operator"
    assert translated(seeded, "km", "The operator could not apply the plan") in page
    assert translated(seeded, "km", "Refunded") in page
    [refund] = fake_stripe.refunds.values()
    assert (refund["payment_intent"], refund["amount"]) == (fake_stripe.sessions[sid]["payment_intent"], 500)
    assert _esim(seeded).expires_at == old


def test_an_unreachable_stripe_keeps_the_order_pending_with_a_message(client, auth, fake_stripe, seeded):
    auth.login()
    fake_stripe.fail_next = 10
    esim = _esim(seeded)
    response = post_form(client, f"/esims/{esim.id}/renew", {"plan": "day-1gb"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "We could not open the payment page" in html
    assert "Pay now" in html
    assert in_app(seeded, Order.get).status == "pending"


def test_the_receipt_is_in_the_customers_language(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _start(client, seeded, plan="month-30gb", promo="WELCOME10")
    assert client.get(f"/orders/{order.id}/receipt").status_code == 404  # not paid yet
    fake_stripe.complete(sid)
    _return(client, sid)
    client.get("/profile?lang=zh")
    html = client.get(f"/orders/{order.id}/receipt").get_data(as_text=True)
    assert order.number in html
    assert seeded.config["SELLER_NAME_ZH"] in html and seeded.config["SELLER_ADDRESS_ZH"] in html
    assert translated(seeded, "zh", "Receipt") in html
    assert "US$10.00" in html and "US$9.00" in html and "WELCOME10" in html
    assert "Visa •••• 4242" in html
    assert "•••• 0017" in html


def test_order_history_lists_orders_newest_first(client, auth, fake_stripe, seeded):
    auth.login()
    first, _ = _start(client, seeded, plan="day-1gb")
    second, _ = _start(client, seeded, plan="month-10gb")
    html = client.get("/orders").get_data(as_text=True)
    assert html.index(second.number) < html.index(first.number)


def test_test_mode_pays_through_the_same_paths(client, auth, seeded):
    auth.login()
    old = _esim(seeded).expires_at
    esim = _esim(seeded)
    token = csrf_token(client, f"/esims/{esim.id}/renew")
    response = client.post(f"/esims/{esim.id}/renew", data={"plan": "month-10gb", "csrf_token": token})
    assert response.location.startswith("/checkout/test/cs_test_")
    page = client.get(response.location).get_data(as_text=True)
    assert "Test mode" in page and "Pay (test)" in page
    paid = post_form(client, response.location, {"action": "pay"})
    assert paid.location.startswith("http") and "/checkout/return?session_id=cs_test_" in paid.location
    back = client.get(paid.location.split("localhost", 1)[1])
    order = in_app(seeded, Order.get)
    assert back.location == f"/orders/{order.id}"
    sources = in_app(
        seeded, lambda: [e.source for e in OrderEvent.select().where(OrderEvent.to_status == "paid")]
    )
    assert sources == ["webhook"]
    _assert_extended_once(seeded, order, old)
    status = client.get(f"/orders/{order.id}", headers=HTMX).get_data(as_text=True)
    assert "Done: your plan is active" in status


def test_abandoned_test_checkouts_expire_from_cron(client, auth, seeded):
    from app.models import LocalCheckout
    from app.models import utcnow

    in_app(seeded, PromoCode.update(max_redemptions=5).execute)
    auth.login()
    esim = _esim(seeded)
    post_form(client, f"/esims/{esim.id}/renew", {"plan": "day-1gb", "promo": "WELCOME10"})
    long_ago = utcnow() - timedelta(hours=1)
    in_app(seeded, LocalCheckout.update(expires_at=long_ago).execute)
    in_app(seeded, Order.update(updated_at=long_ago).execute)
    result = seeded.test_cli_runner().invoke(args=["expire-orders"])
    assert "Expired 1 order(s)." in result.output
    assert in_app(seeded, Order.get).status == "expired"
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 0


def test_expire_orders_works_in_batches_writing_each_orders_event_and_giving_promo_holds_back(
    client, auth, seeded
):
    """Orders that never opened a checkout and checkouts that ran out, more than one batch of each."""
    from app.models import LocalCheckout
    from app.models import utcnow
    from app.services import abandoned_orders

    in_app(seeded, PromoCode.update(max_redemptions=50).execute)
    # Five customers (one customer holds one redemption of a limited code at a time).
    customers = [in_app(seeded, User.by_email, "demo@example.com")] + [
        make_customer(seeded, f"holder{i}@example.com", "holder-pass-1234") for i in range(4)
    ]
    esim = _esim(seeded)
    plans = ["day-1gb", "day-3gb", "month-10gb", "month-30gb", "month-80gb"]
    unopened = [
        in_app(seeded, orders.place_order, customer, renewal.find_plan(code), promo_code="WELCOME10")
        for customer, code in zip(customers, plans, strict=True)  # new eSIMs, at the counter
    ]
    auth.login()
    for code in plans[:3]:
        post_form(client, f"/esims/{esim.id}/renew", {"plan": code, "promo": ""})
    paid_meanwhile = in_app(
        seeded, Order.get, Order.plan == renewal.find_plan("day-1gb"), Order.esim.is_null(False)
    )
    long_ago = utcnow() - timedelta(days=2)
    in_app(seeded, Order.update(created_at=long_ago, updated_at=long_ago).execute)
    in_app(seeded, LocalCheckout.update(expires_at=long_ago).execute)
    in_app(
        seeded,
        LocalCheckout.update(status="complete").where(LocalCheckout.order == paid_meanwhile.id).execute,
    )
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 5

    assert in_app(seeded, abandoned_orders.expire, batch=2) == 5 + 2
    statuses = in_app(seeded, lambda: {o.id: o.status for o in Order.select()})
    assert [statuses[o.id] for o in unopened] == ["expired"] * 5
    assert statuses[paid_meanwhile.id] == "pending"  # its checkout completed: not expired
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 0
    events = in_app(
        seeded,
        lambda: [
            (e.order_id, e.source) for e in OrderEvent.select().where(OrderEvent.to_status == "expired")
        ],
    )
    assert sorted(events) == sorted((i, "system") for i, s in statuses.items() if s == "expired")
    history = client.get(f"/orders/{unopened[0].id}").get_data(as_text=True)
    assert "Expired" in history
    assert in_app(seeded, abandoned_orders.expire) == 0  # nothing left
