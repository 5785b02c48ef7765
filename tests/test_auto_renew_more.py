"""Auto-renew around the edges: the day-ahead email of a renewal by date, Stripe's webhook for an
off-session charge, test mode's own card page, simulate-usage, and a real worker process."""

import time
from datetime import timedelta

import pytest
from support.auto_renew import new_cycle
from support.auto_renew import renewal_orders
from support.auto_renew import run_worker
from support.auto_renew import save_card
from support.auto_renew import setting
from support.auto_renew import turn_on
from support.auto_renew import use_data_until_left
from support.helpers import WorkerProcess
from support.helpers import body
from support.helpers import in_app
from support.helpers import post_form
from support.payments import esim_of
from support.payments import post_event

from app import worker
from app.models import Payment
from app.models import SavedCard
from app.models import utcnow


def test_a_renewal_by_date_is_announced_the_day_before_once_then_charged(
    client, auth, seeded, fake_stripe, outbox
):
    auth.login()
    save_card(client, fake_stripe)
    turn_on(client, seeded, data_below="0", hours_before="72")
    new_cycle(seeded, days=3.5)
    run_worker(seeded)
    run_worker(seeded)
    notices = [m for m in outbox.messages() if m["Subject"] == "Your eSIM renews tomorrow"]
    assert len(notices) == 1
    assert "charge $5.00 to your card Visa •••• 4242" in body(notices[0])
    assert fake_stripe.intent_charges() == []
    run_worker(seeded, utcnow() + timedelta(hours=13))
    assert len(fake_stripe.intent_charges()) == 1
    [order] = renewal_orders(seeded)
    assert order.status == "fulfilled"


def test_stripes_webhook_for_the_charge_takes_nothing_twice(client, auth, seeded, fake_stripe):
    auth.login()
    save_card(client, fake_stripe)
    turn_on(client, seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    [intent] = fake_stripe.intent_charges()
    event = fake_stripe.intent_event("payment_intent.succeeded", intent["id"])
    assert post_event(client, fake_stripe, event).status_code == 200
    assert post_event(client, fake_stripe, event).status_code == 200  # a replay
    [order] = renewal_orders(seeded)
    assert in_app(seeded, lambda: Payment.select().where(Payment.order == order.id).count()) == 1
    assert order.status == "fulfilled"


def _save_test_card(client, outcome="succeeded"):
    added = post_form(client, "/cards/add", {"consent": "y"}, page="/profile")
    assert added.status_code == 303 and added.location.startswith("/cards/test/")
    saved = post_form(client, added.location, {"action": "save", "outcome": outcome})
    return client.get(saved.location.split("localhost", 1)[-1])


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_test_mode_saves_a_card_on_its_own_page_and_renews_with_it(client, auth, seeded, outbox, lang):
    auth.login()
    client.get(f"/profile?lang={lang}")
    back = _save_test_card(client)
    assert back.status_code == 303
    in_app(seeded, lambda: SavedCard.update(consented_at=utcnow() - timedelta(days=1)).execute())
    cards = in_app(seeded, lambda: list(SavedCard.select().order_by(SavedCard.id)))
    assert len(cards) == 2 and cards[-1].consent_text != cards[0].consent_text  # in the reader's language
    answer = turn_on(client, seeded)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    [order] = renewal_orders(seeded)
    assert order.status == "fulfilled" and order.payment_method == "visa •••• 4242"


def test_a_declined_test_card_gets_the_link_and_the_link_pays_in_test_mode(client, auth, seeded, outbox):
    auth.login()
    in_app(seeded, lambda: SavedCard.update(removed_at=utcnow()).execute())
    _save_test_card(client, "card_declined")
    turn_on(client, seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    mail = outbox.last()
    assert mail["Subject"] == "We could not renew your eSIM" and "Your card was declined" in body(mail)
    link = body(mail).split("http://localhost", 2)[1].split()[0]
    assert link.startswith("/pay/renewal/")
    pay = post_form(client, link, {})
    page = client.get(pay.location)
    assert page.status_code == 200 and "Pay with a bank app (KHQR)" in page.get_data(as_text=True)
    assert setting(seeded).failures == 1


def test_an_outdated_or_forged_renewal_link_says_it_expired(client, seeded):
    assert client.get("/pay/renewal/forged").status_code == 410


def test_simulate_usage_drives_the_simulated_operator(seeded):
    esim = esim_of(seeded)
    result = seeded.test_cli_runner().invoke(args=["simulate-usage", str(esim.id), "5000"])
    assert result.exit_code == 0, result.output
    assert esim_of(seeded).data_used_mb >= esim.data_used_mb + 5000
    assert "No eSIM 999999" in seeded.test_cli_runner().invoke(args=["simulate-usage", "999999", "5"]).output


@pytest.fixture
def queued(seeded):
    seeded.config["WORKER_IMMEDIATE"] = False
    worker.init_app(seeded)
    worker.huey.flush()
    yield seeded
    worker.huey.flush()
    seeded.config["WORKER_IMMEDIATE"] = True
    worker.init_app(seeded)


def test_a_real_worker_renews_an_esim_at_9_percent_with_nobody_watching(
    client, auth, queued, outbox, tmp_path
):
    from app.services import renewal_cycles

    auth.login()
    assert turn_on(client, queued).status_code == 303  # the demo customer's saved test card
    esim = use_data_until_left(queued, 9)
    with queued.app_context():
        renewal_cycles.auto_renew_esim(esim.id)  # as the operator's low-data notice queues it
    process = WorkerProcess(queued, tmp_path / "worker.log")
    deadline = time.monotonic() + 40
    try:
        while time.monotonic() < deadline:
            orders = renewal_orders(queued)
            receipts = [m for m in outbox.messages() if m["Subject"].startswith("Your receipt")]
            if orders and orders[0].status == "fulfilled" and receipts:
                break
            time.sleep(0.3)
    finally:
        process.stop()
    [order] = renewal_orders(queued)
    assert order.status == "fulfilled", (tmp_path / "worker.log").read_text()[-3000:]
    assert len([m for m in outbox.messages() if m["Subject"].startswith("Your receipt")]) == 1


def test_a_completed_card_setup_reported_by_webhook_pays_for_no_order(client, auth, seeded, fake_stripe):
    from support.payments import start_checkout
    from support.payments import webhook

    auth.login()
    order, _sid = start_checkout(client, seeded)
    save_card(client, fake_stripe)
    setup_sid = next(sid for sid, s in fake_stripe.sessions.items() if s["mode"] == "setup")
    assert webhook(client, fake_stripe, "checkout.session.completed", setup_sid).status_code == 200
    assert renewal_orders(seeded)[0].status == "pending"
    assert in_app(seeded, Payment.select().count) == 0


def test_the_worker_goes_through_every_due_esim_a_batch_at_a_time(client, auth, seeded, fake_stripe):
    from support.helpers import make_esim

    from app.models import User
    from app.services.demo import DEMO_CUSTOMER

    auth.login()
    save_card(client, fake_stripe)
    second = "8985501000000000025"
    make_esim(seeded, in_app(seeded, User.get, User.email == DEMO_CUSTOMER[0]), second, days_left=25)
    for iccid in (second, None):
        assert turn_on(client, seeded, **({"iccid": iccid} if iccid else {})).status_code == 303
        use_data_until_left(seeded, 9, **({"iccid": iccid} if iccid else {}))
    assert run_worker(seeded, batch=1) == 2
    assert len(fake_stripe.intent_charges()) == 2
