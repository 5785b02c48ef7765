"""Money back and money checked, against the local Stripe-compatible server."""

import threading

import pytest
from support.helpers import Auth
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import time_passes_for_the_worker
from support.helpers import translated
from support.payments import esim_of
from support.payments import post_event
from support.payments import return_from
from support.payments import start_checkout
from support.payments import webhook

from app.models import AuditLog
from app.models import Order
from app.models import Payment
from app.models import Refund
from app.models import SimApplication
from app.services.demo import DEMO_ICCID

ADMIN = ("admin@example.com", "lotus-temple-4821")
AGENT = ("agent@example.com", "agent-pass-1234")


def _order(app, order_id):
    return in_app(app, Order.get_by_id, order_id)


def _refunds(app, order):
    return in_app(app, lambda: list(Refund.select().where(Refund.order == order.id).order_by(Refund.id)))


def _paid(client, fake, app, **complete):
    """The demo customer renews and pays; the webhook reports it. Returns (order, session id)."""
    order, sid = start_checkout(client, app)
    fake.complete(sid, **complete)
    assert webhook(client, fake, "checkout.session.completed", sid).status_code == 200
    return _order(app, order.id), sid


def _staff(app, who):
    return staff_client(app, *who, admin=who == ADMIN)


def test_an_operator_failure_is_refunded_once_even_when_the_refund_job_runs_again(
    client, auth, fake_stripe, seeded, monkeypatch
):
    from app.operators import OperatorRefused
    from app.operators.simulated import SimulatedOperator
    from app.payments import PaymentError
    from app.payments.stripe_checkout import StripeCheckout
    from app.services import refunds

    def refuse(self, iccid, plan):
        raise OperatorRefused("line suspended")

    real_refund = StripeCheckout.refund
    answers = []

    def answer_lost_once(self, *args):
        info = real_refund(self, *args)
        answers.append(info)
        if len(answers) == 1:
            raise PaymentError("read timed out")  # Stripe made the refund; its answer never arrived
        return info

    monkeypatch.setattr(SimulatedOperator, "apply_plan", refuse)
    monkeypatch.setattr(StripeCheckout, "refund", answer_lost_once)
    auth.login()
    order, sid = _paid(client, fake_stripe, seeded)
    assert order.status == "failed"
    [pending] = _refunds(seeded, order)
    assert (pending.status, pending.reason, pending.amount_cents) == ("queued", "operator_failed", 500)
    time_passes_for_the_worker(seeded)  # the worker tries again, with the same idempotency key
    [done] = _refunds(seeded, order)
    assert done.status == "succeeded" and answers[0].id == answers[1].id == done.provider_ref
    assert len(fake_stripe.refunds) == 1  # one refund at Stripe, not two
    assert in_app(seeded, refunds.send, done.id) is None  # a replayed job does nothing
    assert len(fake_stripe.refunds) == 1
    assert _order(seeded, order.id).status == "refunded"
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "−US$5.00" in page or "−$5.00" in page
    assert "The operator could not apply the plan" in page


def _second_session(fake, order):
    """Another Checkout Session for the same order, as a second tab would have opened."""
    params = {
        "mode": "payment",
        "line_items": [
            {"quantity": "1", "price_data": {"currency": "usd", "unit_amount": str(order.amount_cents)}}
        ],
        "client_reference_id": str(order.id),
        "metadata": {"order_id": str(order.id)},
    }
    return fake.create_session(params, None)["id"]


@pytest.mark.parametrize("current_pays", ["first", "last"])
def test_a_second_paid_session_is_refunded_whichever_arrives_first(
    client, auth, fake_stripe, seeded, current_pays
):
    auth.login()
    old_expiry = esim_of(seeded).expires_at
    order, current = start_checkout(client, seeded)
    other = _second_session(fake_stripe, order)
    fake_stripe.complete(current)
    fake_stripe.complete(other)
    first, second = (current, other) if current_pays == "first" else (other, current)
    for sid in (first, second, first, second):  # and each reported twice
        assert webhook(client, fake_stripe, "checkout.session.completed", sid).status_code == 200
        assert return_from(client, sid).status_code == 303
    done = _order(seeded, order.id)
    assert done.status == "fulfilled"
    assert in_app(seeded, SimApplication.select().count) == 1
    assert (esim_of(seeded).expires_at - old_expiry).days == 30
    [extra] = _refunds(seeded, order)
    assert (extra.reason, extra.amount_cents, extra.status) == ("duplicate_payment", 500, "succeeded")
    [refund] = fake_stripe.refunds.values()
    assert refund["payment_intent"] == fake_stripe.sessions[second]["payment_intent"]
    kinds = in_app(seeded, lambda: sorted(p.kind for p in Payment.select()))
    assert kinds == ["extra", "order"]


def test_a_payment_of_the_wrong_amount_is_refunded_and_the_order_can_still_be_paid(
    client, auth, fake_stripe, seeded
):
    auth.login()
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid, amount=100)
    page = client.get(return_from(client, sid).location).get_data(as_text=True)
    assert "It is being refunded to you" in page and "Pay now" in page
    assert _order(seeded, order.id).status == "pending"
    [refund] = _refunds(seeded, order)
    assert (refund.reason, refund.amount_cents, refund.status) == ("amount_mismatch", 100, "succeeded")
    assert fake_stripe.refunds and list(fake_stripe.refunds.values())[0]["amount"] == 100

    again = post_form(client, f"/orders/{order.id}/pay", {}, page=f"/orders/{order.id}")
    new_sid = again.location.rsplit("/", 1)[1]
    assert new_sid != sid
    fake_stripe.complete(new_sid)
    webhook(client, fake_stripe, "checkout.session.completed", new_sid)
    assert _order(seeded, order.id).status == "fulfilled"
    assert len(_refunds(seeded, order)) == 1  # the right payment is kept
    staff = _staff(seeded, AGENT)
    support_page = staff.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert "Wrong amount (refunded)" in support_page and "Refund owed" not in support_page


def test_an_admin_refunds_part_of_a_fulfilled_order_with_a_reason(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _paid(client, fake_stripe, seeded)
    assert order.status == "fulfilled"
    url = f"/support/orders/{order.id}/refund"
    agent = _staff(seeded, AGENT)
    token = csrf_token(agent, f"/support/orders/{order.id}")
    assert agent.post(url, data={"amount": "1.50", "reason": "x", "csrf_token": token}).status_code == 403

    admin = _staff(seeded, ADMIN)
    token = csrf_token(admin, f"/support/orders/{order.id}")
    too_much = admin.post(url, data={"amount": "9.00", "reason": "Too much", "csrf_token": token})
    assert "no more than what is left to refund" in admin.get(too_much.location).get_data(as_text=True)
    assert _refunds(seeded, order) == [] and fake_stripe.refunds == {}

    admin.post(url, data={"amount": "1.50", "reason": "Slow network in Kampot", "csrf_token": token})
    [refund] = _refunds(seeded, order)
    assert (refund.amount_cents, refund.reason, refund.status) == (150, "staff", "succeeded")
    [at_stripe] = fake_stripe.refunds.values()
    assert (at_stripe["amount"], at_stripe["payment_intent"]) == (
        150,
        fake_stripe.sessions[sid]["payment_intent"],
    )
    entry = in_app(seeded, lambda: AuditLog.select().where(AuditLog.action == "refund").get())
    assert "150" in entry.detail and "Slow network in Kampot" in entry.detail
    assert _order(seeded, order.id).status == "fulfilled"  # a part refund leaves the plan as it is

    page = client.get(f"/orders/{order.id}?lang=zh").get_data(as_text=True)
    assert "Slow network in Kampot" in page and "1.50" in page
    assert translated(seeded, "zh", "Paid, less refunds") in page
    receipt = client.get(f"/orders/{order.id}/receipt").get_data(as_text=True)
    assert "Slow network in Kampot" in receipt and "3.50" in receipt


def test_refund_and_dispute_events_are_shown_to_support(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _paid(client, fake_stripe, seeded)
    intent = fake_stripe.sessions[sid]["payment_intent"]
    admin = _staff(seeded, ADMIN)
    token = csrf_token(admin, f"/support/orders/{order.id}")
    fake_stripe.refund_status = "pending"  # as for some payment methods: accepted, not yet done
    admin.post(
        f"/support/orders/{order.id}/refund",
        data={"amount": "2.00", "reason": "Goodwill", "csrf_token": token},
    )
    [refund] = _refunds(seeded, order)
    assert refund.status == "pending"
    assert "Refund owed" in admin.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert order.number in admin.get("/support/refunds").get_data(as_text=True)

    refused = dict(fake_stripe.refunds[refund.provider_ref], status="failed")
    assert (
        post_event(client, fake_stripe, fake_stripe.event_about("refund.updated", refused)).status_code == 200
    )
    assert _refunds(seeded, order)[0].status == "failed"
    page = admin.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert "Refused by the bank" in page and "Send again" in page

    dispute = fake_stripe.dispute_view(intent)
    assert (
        post_event(
            client, fake_stripe, fake_stripe.event_about("charge.dispute.created", dispute)
        ).status_code
        == 200
    )
    assert "Dispute opened by the customer" in admin.get(f"/support/orders/{order.id}").get_data(as_text=True)

    fake_stripe.refund_status = "succeeded"
    failed = _refunds(seeded, order)[0]
    admin.post(f"/support/refunds/{failed.id}/retry", data={"csrf_token": token})
    assert _refunds(seeded, order)[0].status == "succeeded"
    assert "Refund owed" not in admin.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert order.number not in admin.get("/support/refunds").get_data(as_text=True)

    # A refund made in Stripe's dashboard arrives as charge.refunded: it is recorded too.
    fake_stripe.charges[intent]["refunded"] += 100
    charge = fake_stripe.charge_view(intent)
    assert (
        post_event(client, fake_stripe, fake_stripe.event_about("charge.refunded", charge)).status_code == 200
    )
    amounts = sorted(r.amount_cents for r in _refunds(seeded, order) if r.status == "succeeded")
    assert amounts == [100, 200] or sum(amounts) == charge["amount_refunded"]


ODD_EVENTS = {
    "no data": {"id": "evt_odd1", "object": "event", "type": "checkout.session.completed"},
    "no object": {"id": "evt_odd2", "object": "event", "type": "checkout.session.completed", "data": {}},
    "object without id": {
        "id": "evt_odd3",
        "type": "checkout.session.completed",
        "data": {"object": {"object": "checkout.session", "status": "complete"}},
    },
    "unknown kind": {
        "id": "evt_odd4",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    },
    "object is text": {"id": "evt_odd5", "type": "charge.refunded", "data": {"object": "ch_1"}},
    "no event id": {
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_x", "object": "checkout.session"}},
    },
    "refund of nothing we know": {
        "id": "evt_odd6",
        "type": "refund.updated",
        "data": {"object": {"id": "re_unknown", "object": "refund", "status": "succeeded", "amount": 5}},
    },
}


@pytest.mark.parametrize("shape", ODD_EVENTS)
def test_every_signed_event_gets_a_2xx_whatever_its_shape(client, auth, fake_stripe, seeded, shape):
    auth.login()
    order, sid = start_checkout(client, seeded)
    response = post_event(client, fake_stripe, ODD_EVENTS[shape])
    assert response.status_code == 200
    assert _order(seeded, order.id).status == "pending"


@pytest.mark.parametrize(
    "query", ["", "?session_id=", "?session_id=%27%3B%22--", "?session_id=cs_test_nobodys"]
)
def test_a_return_without_a_usable_session_goes_to_the_orders_page(client, auth, fake_stripe, seeded, query):
    auth.login()
    response = client.get("/checkout/return" + query)
    assert response.status_code == 302 and response.location.endswith("/orders")
    page = client.get(response.location).get_data(as_text=True)
    assert "Your orders are below" in page or "We could not confirm your payment yet" in page


def test_a_double_tap_on_continue_to_payment_makes_one_order(client, auth, fake_stripe, seeded):
    auth.login()
    esim = esim_of(seeded)
    token = csrf_token(client, f"/esims/{esim.id}/renew")
    form = {"plan": "month-10gb", "promo": "", "csrf_token": token}
    first = client.post(f"/esims/{esim.id}/renew", data=form)
    second = client.post(f"/esims/{esim.id}/renew", data=form)
    assert first.location == second.location  # the same order, and its open Checkout Session
    assert len(fake_stripe.sessions) == 1

    other = make_customer(seeded, "tap@example.com", "tap-tap-pass-1")
    from support.helpers import make_esim

    their = make_esim(seeded, other, "8985500000000007771")
    phones = []
    for _ in range(2):
        phone = seeded.test_client()
        phone.environ_base["HTTP_REFERER"] = "https://localhost/"
        Auth(phone).login("tap@example.com", "tap-tap-pass-1")
        phones.append((phone, csrf_token(phone, f"/esims/{their.id}/renew")))
    barrier, answers = threading.Barrier(2), []

    def tap(phone, token):
        barrier.wait()
        data = {"plan": "month-10gb", "promo": "", "csrf_token": token}
        answers.append(phone.post(f"/esims/{their.id}/renew", data=data).status_code)

    threads = [threading.Thread(target=tap, args=pair) for pair in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303, 303]
    orders = in_app(seeded, lambda: Order.select().where(Order.esim == their.id).count())
    assert orders == 1


def test_a_session_id_from_another_account_leaks_nothing(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = _paid(client, fake_stripe, seeded)
    auth.logout()
    make_customer(seeded, "stranger@example.com", "stranger-pass-1")
    for logged_in in (False, True):
        if logged_in:
            auth.login("stranger@example.com", "stranger-pass-1")
        response = return_from(client, sid)
        page = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "belongs to another account" in page
        for secret in (order.number, DEMO_ICCID[-4:], "demo@example.com", "checkout.stripe.com", "/pay/"):
            assert secret not in page


def test_payment_and_cancel_links_end_with_the_payment_window(client, seeded, fake_stripe, monkeypatch):
    import time
    from datetime import timedelta

    from itsdangerous import TimestampSigner

    from app.services import payments
    from app.services import support

    staff = _staff(seeded, AGENT)
    customer = in_app(seeded, lambda: esim_of(seeded).user)
    esim = esim_of(seeded)
    made = post_form(
        staff,
        f"/support/customers/{customer.id}/renewals",
        {"esim": esim.id, "plan": "day-1gb"},
        page=f"/support/customers/{customer.id}",
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    link = in_app(seeded, support.payment_token, order)
    assert made.status_code == 303
    opened = client.get(f"/pay/{link}")
    assert opened.status_code == 303 and opened.location == "/pay"  # the token leaves the address
    to_checkout = client.get("/pay")
    assert to_checkout.status_code == 303 and "checkout.stripe.com" in to_checkout.location
    # The links' clock moved past the window, rather than waiting for it.
    after_the_window = int(time.time() + payments.PAYMENT_WINDOW.total_seconds()) + 2
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: after_the_window)
    expired = client.get(f"/pay/{link}", follow_redirects=True)
    assert expired.status_code == 410 and order.number not in expired.get_data(as_text=True)
    cancel = fake_stripe.sessions[next(iter(fake_stripe.sessions))]["cancel_url"].split("localhost", 1)[1]
    assert client.get(cancel).status_code == 410

    # An order left unpaid past the window expires by itself (the worker's expire-orders).
    from app import tasks

    monkeypatch.undo()
    from app.models import utcnow

    long_ago = utcnow() - timedelta(days=2)
    in_app(
        seeded,
        lambda: Order.update(created_at=long_ago, provider_ref="").where(Order.id == order.id).execute(),
    )
    with seeded.app_context():
        tasks.expire_orders.call_local()
    assert _order(seeded, order.id).status == "expired"


def test_a_failed_cash_sale_is_owed_until_an_admin_hands_the_cash_back(client, seeded, monkeypatch):
    from app.operators import OperatorRefused
    from app.operators.simulated import SimulatedOperator

    def refuse(self, plan):
        raise OperatorRefused("no numbers left")

    monkeypatch.setattr(SimulatedOperator, "provision", refuse)
    admin = _staff(seeded, ADMIN)
    post_form(admin, "/support/counter", {"email": "cash@example.com", "language": "km", "plan": "day-3gb"})
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    post_form(
        admin, f"/support/orders/{order.id}/cash", {"amount": "2.00"}, page=f"/support/orders/{order.id}"
    )
    assert _order(seeded, order.id).status == "failed"
    [refund] = _refunds(seeded, order)
    assert (refund.status, refund.amount_cents) == ("manual", 200)  # no provider can send cash back
    customer_page = f"/support/customers/{order.user_id}"
    assert "Refund owed" in admin.get(customer_page).get_data(as_text=True)
    page = admin.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert "Refund owed" in page and "To be handed back in cash" in page
    # Only an admin is offered to record the cash handed back, or to refund; an agent sees what is owed.
    handed_back = f'action="/support/refunds/{refund.id}/handed-back"'
    assert handed_back in page and "Cash handed back" in page
    assert f'action="/support/orders/{order.id}/refund"' in page
    assert f"#money-{order.id}" in admin.get(customer_page).get_data(as_text=True)
    agent = _staff(seeded, AGENT)
    agents_page = agent.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert "To be handed back in cash" in agents_page
    assert handed_back not in agents_page and f"/support/orders/{order.id}/refund" not in agents_page
    assert f"#money-{order.id}" not in agent.get(customer_page).get_data(as_text=True)

    post_form(admin, f"/support/refunds/{refund.id}/handed-back", {}, page=f"/support/orders/{order.id}")
    assert _refunds(seeded, order)[0].status == "succeeded"
    assert _order(seeded, order.id).status == "refunded"
    assert "Refund owed" not in admin.get(customer_page).get_data(as_text=True)
    assert "Refund owed" not in admin.get(f"/support/orders/{order.id}").get_data(as_text=True)
    actions = in_app(
        seeded, lambda: [a.action for a in AuditLog.select().where(AuditLog.customer == order.user_id)]
    )
    assert "refund_handed_back" in actions
    again = post_form(
        admin, f"/support/refunds/{refund.id}/handed-back", {}, page=f"/support/orders/{order.id}"
    )
    assert "not waiting to be handed back in cash" in admin.get(again.location).get_data(as_text=True)
