"""Auto-renew paid from the prepaid balance: topped up by KHQR, debited once per cycle even with
workers racing, a top-up link sent once before a renewal the balance would not cover, the card used
when the balance is short only if the customer chose so, and a refund back to the balance."""

import re

from support.auto_renew import new_cycle
from support.auto_renew import race_two_workers_and_the_sweep
from support.auto_renew import renewal_orders
from support.auto_renew import run_worker
from support.auto_renew import save_card
from support.auto_renew import setting
from support.auto_renew import turn_on
from support.auto_renew import use_data_until_left
from support.helpers import body
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.khqr import KHQR_PAGE
from support.khqr import worker_checks
from support.payments import esim_of

from app.models import AutoRenew
from app.models import BalanceEntry
from app.models import Payment
from app.models import RenewalCycle
from app.models import SavedCard
from app.models import User
from app.services import balance
from app.services import demo

ADMIN = ("admin@example.com", "lotus-temple-4821")
AVAILABLE = re.compile(r'id="balance-available">Available: ([^<]+)<')
TOP_UP_SUBJECT = "Top up your balance for your eSIM's renewal"
TOP_UP_LINK = re.compile(r"http://localhost(/balance\?amount=(\d+)&lang=\w+#top-up)")


def _demo(app):
    return in_app(app, lambda: User.get(User.email == "demo@example.com"))


def _ledger(app):
    def read():
        return [(e.reason, e.amount_cents) for e in reversed(balance.entries(_demo(app)))]

    return in_app(app, read)


def _shown(client):
    page = client.get("/balance")
    assert page.status_code == 200
    return AVAILABLE.search(page.get_data(as_text=True)).group(1)


def _give(app, cents):
    in_app(app, balance.credit, _demo(app), cents, "agent_credit", f"test-give-{cents}")


def _without_cards(app):
    in_app(app, lambda: SavedCard.delete().execute())


def _top_up_by_khqr(client, app, bakong, cents):
    response = post_form(
        client, "/balance/top-up", {"amount": str(cents), "pay_with": "khqr"}, page="/balance"
    )
    assert response.status_code == 303
    md5 = KHQR_PAGE.search(response.location).group(1)
    assert worker_checks(app, md5) == "open"
    bakong.pay(md5, cents / 100, "USD")
    assert worker_checks(app, md5) == "complete"


def _subjects(outbox):
    return [m["Subject"] for m in outbox.messages()]


def test_a_balance_topped_up_by_khqr_pays_a_renewal_and_the_ledger_is_the_balance_shown(
    bakong, customer, seeded, outbox
):
    _without_cards(seeded)
    esim = esim_of(seeded)
    page = customer.get(f"/esims/{esim.id}").get_data(as_text=True)
    assert 'value="balance"' in page and "Top up your balance" in page
    _top_up_by_khqr(customer, seeded, bakong, 1000)
    assert turn_on(customer, seeded, funding="balance", hours_before="0").status_code == 303
    kept = setting(seeded)
    assert kept.enabled and kept.funding == "balance" and kept.card_id is None
    assert "pay $5.00 from your balance" in kept.consent_text
    assert "a link to top it up beforehand" in kept.consent_text
    before = esim.expires_at
    use_data_until_left(seeded, 15)  # near, and the balance covers it: nothing to ask
    assert run_worker(seeded) == 0
    assert in_app(seeded, lambda: RenewalCycle.select().count()) == 0
    use_data_until_left(seeded, 9)
    assert run_worker(seeded) == 1
    assert run_worker(seeded) == 0
    [order] = renewal_orders(seeded)
    assert (order.status, order.provider, order.amount_cents) == ("fulfilled", "balance", 500)
    assert esim_of(seeded).expires_at > before
    [payment] = in_app(seeded, lambda: list(Payment.select().where(Payment.order == order.id)))
    assert (payment.provider, payment.amount_cents) == ("balance", 500)
    assert _ledger(seeded) == [("top_up", 1000), ("order_payment", -500)]
    assert _shown(customer) == "$5.00" == f"${sum(c for _r, c in _ledger(seeded)) / 100:.2f}"
    assert order.number in customer.get("/balance").get_data(as_text=True)
    receipts = [m for m in outbox.messages() if m["Subject"] == f"Your receipt for order {order.number}"]
    assert len(receipts) == 1 and "$5.00" in body(receipts[0])
    assert TOP_UP_SUBJECT not in _subjects(outbox)
    [cycle] = in_app(seeded, lambda: list(RenewalCycle.select()))
    assert (cycle.status, cycle.amount_cents) == ("charged", 500)


def test_two_workers_and_the_sweep_racing_debit_the_balance_once(customer, seeded):
    _without_cards(seeded)
    _give(seeded, 1000)
    turn_on(customer, seeded, funding="balance")
    esim = use_data_until_left(seeded, 9)
    errors = race_two_workers_and_the_sweep(seeded, esim.id)
    assert errors == []
    assert _ledger(seeded) == [("agent_credit", 1000), ("order_payment", -500)]
    [order] = renewal_orders(seeded)
    assert order.status == "fulfilled"
    assert in_app(seeded, lambda: Payment.select().where(Payment.order == order.id).count()) == 1
    assert _shown(customer) == "$5.00"


def test_a_short_balance_gets_one_top_up_link_before_then_the_renewal_fails_and_counts(
    customer, seeded, outbox
):
    _without_cards(seeded)
    _give(seeded, 200)
    turn_on(customer, seeded, funding="balance", hours_before="0")
    use_data_until_left(seeded, 15)  # below twice the 10 % that renews it: near
    run_worker(seeded)
    run_worker(seeded)
    [asked] = [m for m in outbox.messages() if m["Subject"] == TOP_UP_SUBJECT]
    text = body(asked)
    assert "does not cover it" in text and "Top up $3.00 or more" in text
    path, cents = TOP_UP_LINK.search(text).groups()
    assert cents == "300"
    page = customer.get(path).get_data(as_text=True)
    assert 'id="other" name="other" inputmode="decimal" autocomplete="off" value="3.00"' in page
    assert renewal_orders(seeded) == []
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    assert _subjects(outbox).count(TOP_UP_SUBJECT) == 1
    failed = outbox.last()
    assert failed["Subject"] == "We could not renew your eSIM"
    assert "Your balance did not cover $5.00" in body(failed) and TOP_UP_LINK.search(body(failed))
    assert "try this card again" not in body(failed)
    kept = setting(seeded)
    assert kept.enabled and kept.failures == 1
    [cycle] = in_app(seeded, lambda: list(RenewalCycle.select()))
    assert (cycle.status, cycle.note) == ("failed", "balance_short")
    assert _ledger(seeded) == [("agent_credit", 200)]
    [order] = renewal_orders(seeded)
    assert order.status == "pending"


def test_a_renewal_by_date_asks_for_the_top_up_with_the_day_before_notice_once(customer, seeded, outbox):
    _without_cards(seeded)
    turn_on(customer, seeded, funding="balance", data_below="0", hours_before="72")
    new_cycle(seeded, days=3.5)
    run_worker(seeded)
    run_worker(seeded)
    subjects = _subjects(outbox)
    assert subjects.count("Your eSIM renews tomorrow") == 1 and subjects.count(TOP_UP_SUBJECT) == 1
    tomorrow = next(m for m in outbox.messages() if m["Subject"] == "Your eSIM renews tomorrow")
    assert "pay $5.00 from your balance" in body(tomorrow)
    assert TOP_UP_LINK.search(body(outbox.last())).group(2) == "500"


def test_three_short_balances_in_a_row_turn_auto_renew_off(customer, seeded, outbox):
    _without_cards(seeded)
    turn_on(customer, seeded, funding="balance", hours_before="0", cap="100")
    for cycle in range(3):
        if cycle:
            new_cycle(seeded)
        use_data_until_left(seeded, 9)
        run_worker(seeded)
    kept = setting(seeded)
    assert not kept.enabled and kept.stopped_reason == "failures" and kept.failures == 3
    assert _subjects(outbox).count("Automatic renewal is turned off") == 1
    page = customer.get(f"/esims/{esim_of(seeded).id}").get_data(as_text=True)
    assert "three renewals in a row that your balance did not cover" in page


def test_the_monthly_limit_holds_for_renewals_paid_from_the_balance(customer, seeded, outbox):
    _without_cards(seeded)
    _give(seeded, 2000)
    turn_on(customer, seeded, funding="balance", hours_before="0", cap="5.00")
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    new_cycle(seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    assert _ledger(seeded) == [("agent_credit", 2000), ("order_payment", -500)]
    assert "Your eSIM was not renewed automatically" in _subjects(outbox)
    assert in_app(seeded, lambda: RenewalCycle.select().where(RenewalCycle.note == "over_cap").count()) == 1


def test_the_card_pays_when_the_balance_is_short_only_if_the_customer_chose_so(
    client, auth, seeded, fake_stripe, outbox
):
    auth.login()
    _without_cards(seeded)
    save_card(client, fake_stripe)
    page = client.get(f"/esims/{esim_of(seeded).id}").get_data(as_text=True)
    assert 'value="balance_card"' in page
    turn_on(client, seeded, funding="balance", hours_before="0")
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    assert fake_stripe.intent_charges() == []  # the balance only: the card is never charged
    assert setting(seeded).failures == 1
    new_cycle(seeded)
    answer = turn_on(client, seeded, funding="balance_card", hours_before="0")
    assert answer.status_code == 303
    kept = setting(seeded)
    assert "or charge it to your card Visa •••• 4242 when the balance is short" in kept.consent_text
    use_data_until_left(seeded, 9)
    assert run_worker(seeded) == 1
    assert len(fake_stripe.intent_charges()) == 1
    assert renewal_orders(seeded)[-1].status == "fulfilled"
    assert _ledger(seeded) == []
    new_cycle(seeded)
    _give(seeded, 700)
    use_data_until_left(seeded, 9)
    assert run_worker(seeded) == 1
    assert len(fake_stripe.intent_charges()) == 1  # the balance first, when it covers the renewal
    assert _ledger(seeded) == [("agent_credit", 700), ("order_payment", -500)]
    assert renewal_orders(seeded)[-1].provider == "balance"


def test_a_balance_paid_renewal_refunded_goes_back_to_the_balance(customer, seeded):
    _without_cards(seeded)
    _give(seeded, 500)
    turn_on(customer, seeded, funding="balance", hours_before="0")
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    [order] = renewal_orders(seeded)
    assert order.status == "fulfilled" and _shown(customer) == "$0.00"
    admin = staff_client(seeded, *ADMIN, admin=True)
    page = f"/support/orders/{order.id}"
    form = {"amount": "5.00", "reason": "Renewed by mistake", "destination": "original"}
    done = post_form(admin, f"{page}/refund", form, page=page)
    assert done.status_code == 303
    assert _ledger(seeded) == [("agent_credit", 500), ("order_payment", -500), ("refund", 500)]
    assert _shown(customer) == "$5.00"


def test_the_top_up_email_is_in_the_customers_language(customer, seeded, outbox):
    _without_cards(seeded)
    in_app(seeded, lambda: User.update(language="km").where(User.email == "demo@example.com").execute())
    turn_on(customer, seeded, funding="balance", hours_before="0")
    use_data_until_left(seeded, 15)
    run_worker(seeded)
    asked = outbox.last()
    assert asked["Subject"] != TOP_UP_SUBJECT and "lang=km" in body(asked)


def test_the_demo_customer_has_some_balance_once_however_often_it_is_seeded(seeded):
    in_app(seeded, demo.seed_balance)
    in_app(seeded, demo.seed_balance)
    rows = in_app(seeded, lambda: list(BalanceEntry.select().where(BalanceEntry.reason == "demo_credit")))
    assert [r.amount_cents for r in rows] == [demo.DEMO_BALANCE_CENTS]


def test_a_top_up_link_with_an_odd_amount_chooses_nothing(customer):
    for odd in ("abc", "-5", "99999999", "50"):
        page = customer.get(f"/balance?amount={odd}").get_data(as_text=True)
        assert " checked" not in page and 'value=""' in page


def test_turning_on_from_the_balance_is_refused_without_a_plan_or_consent(customer, seeded):
    _without_cards(seeded)
    esim = esim_of(seeded)
    form = {"plan": "month-10gb", "data_below": "10", "hours_before": "0", "cap": "20", "funding": "balance"}
    refused = post_form(customer, f"/esims/{esim.id}/auto-renew", form, page=f"/esims/{esim.id}")
    assert refused.status_code == 200 and "Please tick the box" in refused.get_data(as_text=True)
    assert not in_app(seeded, lambda: list(RenewalCycle.select()))
    assert not in_app(seeded, lambda: list(AutoRenew.select()))
