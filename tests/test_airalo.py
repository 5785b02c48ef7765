"""Airalo as the operator (a local Airalo-compatible server): catalogue, orders, top-ups, usage, failures."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from fakes import airalo_server
from support.helpers import csrf_token
from support.helpers import decode_qr
from support.helpers import deliver_async_order
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client

from app.models import Esim
from app.models import LocalRefund
from app.models import OperatorAttempt
from app.models import OperatorReading
from app.models import Order
from app.models import Plan
from app.models import Reminder
from app.models import User
from app.models import utcnow
from app.services.demo import DEMO_ICCID

NEW_VISITOR = {"email": "dara@example.com", "password": "long-enough-pw", "confirm": "long-enough-pw"}


@pytest.fixture
def fake_airalo(seeded, airalo_api):
    """The app with OPERATOR=airalo at the local server, a short timeout and no grace period."""
    fake, url = airalo_api
    fake.reset()
    seeded.config.update(
        OPERATOR="airalo",
        AIRALO_API_BASE=url + "/v2",
        AIRALO_CLIENT_ID=airalo_server.CLIENT_ID,
        AIRALO_CLIENT_SECRET=airalo_server.CLIENT_SECRET,
        AIRALO_MARKUP_PERCENT=25,
        AIRALO_TIMEOUT=1.5,  # long enough for a loaded CI machine, short beside the 3.5 s stalls below
        AIRALO_RECONCILE_GRACE=0,
    )
    return fake


def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _pay_test_checkout(client, location):
    paid = post_form(client, location, {"action": "pay"})
    return client.get(paid.location.split("localhost", 1)[1])


def _last_order(app):
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())


def _airalo_esim(app, fake, pid="kh-connect-30days-10gb", iccid="8937204017000000017"):
    """The demo customer's eSIM bought at Airalo earlier, installed and in use."""
    fake.add_sim(iccid, pid, remaining=6000, days=20)

    def create():
        plan = Plan.get(Plan.operator_package == pid)
        user = User.by_email("demo@example.com")
        return Esim.create(
            user=user, iccid=iccid, label="Airalo", plan=plan, matching_id="M", smdp_address="s"
        )

    return in_app(app, create)


def _renew(client, app, esim, plan):
    response = post_form(client, f"/esims/{esim.id}/renew", {"plan": plan, "promo": ""})
    assert response.status_code == 303 and response.location.startswith("/checkout/test/")
    _pay_test_checkout(client, response.location)
    return _last_order(app)


def test_the_token_is_kept_across_calls_and_renewed_after_a_401(fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    _cli(seeded, "sync-plans")
    assert len(fake_airalo.tokens) == 1
    fake_airalo.expire_tokens()  # Airalo revoked it: the next call gets a 401
    assert "0 added" in _cli(seeded, "sync-plans")
    assert len(fake_airalo.tokens) == 2


def test_sync_plans_upserts_cambodia_packages_at_our_price(fake_airalo, seeded):
    assert "Plans: 4 added, 0 updated, 0 withdrawn." in _cli(seeded, "sync-plans")
    plans = in_app(
        seeded, lambda: {p.operator_package: p for p in Plan.select().where(Plan.operator_package != "")}
    )
    # Net price + 25 %, rounded up to whole cents; the unlimited package does not fit a plan.
    assert {pid: p.price_cents for pid, p in plans.items()} == {
        "kh-connect-1day-1gb": 113,
        "kh-connect-7days-3gb": 388,
        "kh-connect-30days-10gb": 1007,
        "angkor-365days-50gb": 5000,
    }
    assert [plans[p].kind for p in sorted(plans)] == ["yearly", "daily", "monthly", "monthly"]
    assert (plans["kh-connect-30days-10gb"].data_mb, plans["kh-connect-30days-10gb"].minutes) == (10240, 100)
    assert len(fake_airalo.seen("GET", "/packages")) == 3  # every page
    count = in_app(seeded, Plan.select().count)
    assert "Plans: 0 added, 4 updated, 0 withdrawn." in _cli(seeded, "sync-plans")
    assert in_app(seeded, Plan.select().count) == count


def test_buying_an_esim_orders_it_at_airalo_and_shows_its_lpa_code(client, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    token = csrf_token(client, "/buy")
    data = {"plan": "kh-connect-7days-3gb", "csrf_token": token, "language": "en", **NEW_VISITOR}
    response = client.post("/buy", data=data)
    assert response.status_code == 303
    _pay_test_checkout(client, response.location)
    # "Submit order async": accepted at once; the eSIM comes to our webhook, and nobody waits.
    assert (_last_order(seeded).kind, _last_order(seeded).status) == ("new_esim", "applying")
    [sent] = fake_airalo.seen("POST", "/orders-async")
    assert (sent[2]["package_id"], sent[2]["type"], sent[2]["quantity"]) == (
        "kh-connect-7days-3gb",
        "sim",
        "1",
    )
    assert sent[2]["webhook_url"].endswith("/webhooks/airalo")
    [request_id] = list(fake_airalo.pending)
    forged = airalo_server.compact(
        {"request_id": request_id, "data": {"sims": [{"iccid": "8900000000000000001"}]}}
    )
    headers = {"Content-Type": "application/json", "airalo-signature": airalo_server.sign(forged, "guessed")}
    assert client.post("/webhooks/airalo", data=forged, headers=headers).status_code == 400
    assert _last_order(seeded).status == "applying"
    deliver_async_order(client, fake_airalo)
    order = _last_order(seeded)
    assert (order.kind, order.status) == ("new_esim", "fulfilled")
    sim = fake_airalo.orders[0]["sims"][0]
    esim = in_app(seeded, Esim.get_by_id, order.esim_id)
    assert (esim.iccid, esim.smdp_address, esim.matching_id) == (
        sim["iccid"],
        airalo_server.SMDP,
        sim["matching_id"],
    )
    assert esim.installed_at is None  # Airalo says NOT_ACTIVE
    html = client.get(f"/esims/{esim.id}/install").get_data(as_text=True)
    # "Submit order": lpa is the SM-DP+ address, matching_id the code, qrcode the whole LPA string;
    # the page's QR code is exactly that string's, and the iPhone link is Airalo's own.
    assert sim["qrcode"] == f"LPA:1${sim['lpa']}${sim['matching_id']}" and sim["qrcode"] in html
    assert decode_qr(html) == sim["qrcode"]
    assert sim["direct_apple_installation_url"] in html
    assert fake_airalo.seen("POST", "/orders/topups") == []  # the order applied the plan already


def test_a_renewal_tops_up_and_the_dashboard_shows_airalo_usage(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "4.14 GB" in html  # 6000 MB of 10240 MB left, as Airalo reports
    order = _renew(client, seeded, esim, "kh-connect-30days-10gb")
    assert order.status == "fulfilled"  # the worker applied it, with nobody on the order page
    assert [t["package_id"] for t in fake_airalo.topups] == ["kh-connect-30days-10gb-topup"]
    assert fake_airalo.seen("GET", f"/sims/{esim.iccid}/topups")
    assert in_app(seeded, OperatorAttempt.get).status == "done"


def test_usage_is_asked_at_most_once_in_fifteen_minutes_per_esim(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    auth.login()
    for _ in range(3):
        client.get("/dashboard")
        client.get(f"/esims/{esim.id}/usage", headers={"HX-Request": "true"})  # forces a refresh
    assert len(fake_airalo.seen("GET", f"/sims/{esim.iccid}/usage")) == 1
    in_app(seeded, lambda: OperatorReading.update(read_at=utcnow() - timedelta(seconds=901)).execute())
    client.get(f"/esims/{esim.id}/usage", headers={"HX-Request": "true"})
    assert len(fake_airalo.seen("GET", f"/sims/{esim.iccid}/usage")) == 2


def test_a_429_on_a_read_is_waited_out_once(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    fake_airalo.next("GET", f"/sims/{esim.iccid}/usage", status=429, retry_after=0)
    auth.login()
    assert "4.14 GB" in client.get("/dashboard").get_data(as_text=True)
    assert len(fake_airalo.seen("GET", f"/sims/{esim.iccid}/usage")) == 2


def test_a_refused_top_up_fails_the_order_and_refunds_it(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    body = {"data": {"iccid": "The eSIM is recycled."}, "meta": {"message": "the parameter is invalid"}}
    fake_airalo.next("POST", "/orders/topups", status=422, body=body)
    auth.login()
    order = _renew(client, seeded, esim, "kh-connect-30days-10gb")
    assert (order.status, order.failure_reason) == ("refunded", "operator")  # failed, then paid back
    assert in_app(seeded, OperatorAttempt.get).status == "failed"
    [refund] = in_app(seeded, lambda: list(LocalRefund.select()))
    assert refund.amount_cents == order.amount_cents


def test_a_timed_out_top_up_is_found_by_the_worker_without_buying_twice(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    seeded.config["AIRALO_RECONCILE_GRACE"] = 3600  # found in the package history, not sent again
    esim = _airalo_esim(seeded, fake_airalo)
    fake_airalo.next("POST", "/orders/topups", sleep=3.5, process=True)  # went through, answered too late
    auth.login()
    order = _renew(client, seeded, esim, "kh-connect-30days-10gb")
    attempt = in_app(seeded, OperatorAttempt.get)
    assert (order.status, order.operator_ref, attempt.status) == ("fulfilled", attempt.reference, "done")
    assert len(fake_airalo.topups) == 1
    assert "Reconciled 0 order(s)" in _cli(seeded, "reconcile")


def test_a_top_up_that_never_arrived_is_sent_once_more_after_the_grace_period(
    client, auth, fake_airalo, seeded
):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    fake_airalo.next("POST", "/orders/topups", sleep=3.5, process=False)  # lost on the way
    seeded.config["AIRALO_RECONCILE_GRACE"] = 3600
    auth.login()
    order = _renew(client, seeded, esim, "kh-connect-30days-10gb")
    assert order.status == "applying"
    assert "1 waiting" in _cli(seeded, "reconcile")  # not found yet, but still within the grace period
    assert fake_airalo.topups == []
    seeded.config["AIRALO_RECONCILE_GRACE"] = 0
    assert "1 fulfilled" in _cli(seeded, "reconcile")
    assert in_app(seeded, Order.get_by_id, order.id).status == "fulfilled"
    assert len(fake_airalo.topups) == 1


def test_an_async_order_whose_webhook_is_late_is_found_by_the_worker(client, fake_airalo, seeded):
    from support.helpers import time_passes_for_the_worker

    _cli(seeded, "sync-plans")
    seeded.config.update(AIRALO_RECONCILE_GRACE=3600, AIRALO_ASYNC_WAIT=0)
    token = csrf_token(client, "/buy")
    data = {"plan": "kh-connect-1day-1gb", "csrf_token": token, "language": "en", **NEW_VISITOR}
    _pay_test_checkout(client, client.post("/buy", data=data).location)
    [request_id] = list(fake_airalo.pending)
    fake_airalo.process(request_id)  # made at Airalo, but its webhook never arrives
    time_passes_for_the_worker(seeded)
    order = _last_order(seeded)
    assert order.status == "fulfilled"  # Airalo's order list had it: its eSIM is attached
    assert client.get(f"/orders/{order.id}").status_code == 200
    esim = in_app(seeded, Esim.get_by_id, order.esim_id)
    assert esim.iccid == fake_airalo.orders[0]["sims"][0]["iccid"]
    assert len(fake_airalo.orders) == 1


def _notify(client, payload, secret=airalo_server.CLIENT_SECRET, signature=None):
    """POST a notification as Airalo sends one: compact JSON, signed with the API secret (SHA-512)."""
    body = airalo_server.compact(payload)
    if signature is None:
        signature = airalo_server.sign(body, secret)
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["airalo-signature"] = signature
    return client.post("/webhooks/airalo", data=body, headers=headers)


def test_the_webhook_refuses_bad_signatures_and_reminds_once_on_low_data(client, fake_airalo, seeded, outbox):
    notice = {
        "level": "90%",
        "package_name": "kh-connect-30days-10gb",
        "remaining_percentage": 10,
        "iccid": DEMO_ICCID,
    }
    assert _notify(client, notice, signature="").status_code == 400
    assert _notify(client, notice, secret="not-the-secret").status_code == 400
    assert _notify(client, notice, signature="00" * 64).status_code == 400
    sha256 = hmac.new(airalo_server.CLIENT_SECRET.encode(), airalo_server.compact(notice), hashlib.sha256)
    assert _notify(client, notice, signature=sha256.hexdigest()).status_code == 400
    assert outbox.messages() == []
    assert _notify(client, notice).status_code == 200
    assert _notify(client, notice).status_code == 200  # Airalo may say it again: one reminder
    [message] = outbox.messages()
    assert message["To"] == "demo@example.com"
    assert "90%" in message["Subject"] and "90%" in message.get_body().get_content()  # says what Airalo said
    assert in_app(seeded, lambda: [r.kind for r in Reminder.select()]) == ["data_90"]
    assert _notify(client, {**notice, "iccid": "8900000000000000000"}).status_code == 200
    assert client.head("/webhooks/airalo").status_code == 200  # Airalo's check when opting in


def test_two_renewals_within_a_minute_both_top_up_without_the_package_history(
    client, auth, fake_airalo, seeded
):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    auth.login()
    first = _renew(client, seeded, esim, "kh-connect-30days-10gb")
    second = _renew(client, seeded, esim, "kh-connect-7days-3gb")
    assert (first.status, second.status) == ("fulfilled", "fulfilled")
    assert [t["package_id"] for t in fake_airalo.topups] == [
        "kh-connect-30days-10gb-topup",
        "kh-connect-7days-3gb-topup",
    ]
    # The package history is limited to one call per eSIM in 15 minutes: it is not needed at all.
    assert fake_airalo.seen("GET", f"/sims/{esim.iccid}/packages") == []


def test_a_429_on_a_top_up_is_waited_out_and_never_fails_the_order(client, auth, fake_airalo, seeded):
    from support.helpers import time_passes_for_the_worker

    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    fake_airalo.next("POST", "/orders/topups", status=429, retry_after=900)
    auth.login()
    order = _renew(client, seeded, esim, "kh-connect-30days-10gb")
    assert (order.status, order.attempts) == ("paid", 0)  # nothing bought, and no try counted
    assert order.next_attempt_at > utcnow() + timedelta(seconds=800)  # after Retry-After
    time_passes_for_the_worker(seeded)
    assert in_app(seeded, Order.get_by_id, order.id).status == "fulfilled"
    assert len(fake_airalo.topups) == 1


def test_a_recycled_esim_is_not_counted_as_installed(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo)
    fake_airalo.recycle(esim.iccid)
    auth.login()
    client.get("/dashboard")
    reading = in_app(seeded, Esim.get_by_id, esim.id)
    assert reading.installed_at is None and reading.expires_at is None


def test_the_pages_say_what_airalo_does_with_days_data_and_apn(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    in_app(seeded, Plan.update(active=False).where(Plan.operator_package == "").execute)
    buy = client.get("/buy").get_data(as_text=True)
    assert "first connects to a network in Cambodia" in buy  # "first-usage", as Airalo's packages say
    assert "start when you pay" not in buy

    esim = _airalo_esim(seeded, fake_airalo)
    auth.login()
    summary = client.get(f"/esims/{esim.id}/renew?plan=kh-connect-7days-3gb").get_data(as_text=True)
    assert "a package of its own" in summary and "does not carry over" in summary
    assert "New expiry date" not in summary  # Airalo keeps each package's own days: no promise of ours
    assert "loses nothing" not in client.get("/help").get_data(as_text=True)


def test_a_package_that_cannot_be_topped_up_is_not_renewed(client, auth, fake_airalo, seeded):
    _cli(seeded, "sync-plans")
    esim = _airalo_esim(seeded, fake_airalo, pid="angkor-365days-50gb", iccid="8937204017000000025")
    auth.login()
    page = client.get(f"/esims/{esim.id}/renew").get_data(as_text=True)
    assert "cannot be renewed" in page and 'href="/buy"' in page
    post_form(client, f"/esims/{esim.id}/renew", {"plan": "angkor-365days-50gb"}, page="/profile")
    assert in_app(seeded, lambda: Order.select().where(Order.esim == esim.id).count()) == 0
    # Its operator wants the APN set by hand: the install page says so, with the value.
    install = client.get(f"/esims/{esim.id}/install").get_data(as_text=True)
    assert "Set the APN by hand" in install and "angkornet" in install


def test_a_refunded_esim_never_installed_is_handed_back_to_airalo_once(client, fake_airalo, seeded):

    from app.services import operator_refunds

    _cli(seeded, "sync-plans")
    token = csrf_token(client, "/buy")
    data = {"plan": "kh-connect-7days-3gb", "csrf_token": token, "language": "en", **NEW_VISITOR}
    _pay_test_checkout(client, client.post("/buy", data=data).location)
    deliver_async_order(client, fake_airalo)
    order = _last_order(seeded)
    assert order.status == "fulfilled"
    esim = in_app(seeded, Esim.get_by_id, order.esim_id)
    admin = staff_client(seeded, "admin@example.com", "lotus-temple-4821", admin=True)
    token = csrf_token(admin, f"/support/orders/{order.id}")
    url = f"/support/orders/{order.id}/refund"
    admin.post(url, data={"amount": "1.00", "reason": "Part of it", "csrf_token": token})
    assert fake_airalo.refunds == []  # a part refund leaves the eSIM with the customer
    left = "%.2f" % ((order.amount_cents - 100) / 100)
    admin.post(url, data={"amount": left, "reason": "Trip cancelled", "csrf_token": token})
    [filed] = fake_airalo.refunds  # "Refund request": iccids, reason, notes
    assert (filed["iccids"], filed["reason"]) == ([esim.iccid], "OTHERS") and order.number in filed["notes"]
    page = admin.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert "handed back to the operator" in page
    in_app(seeded, operator_refunds.request, order.id)  # asked again (a retried job): nothing new
    assert len(fake_airalo.refunds) == 1
