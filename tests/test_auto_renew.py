"""Auto-renew from a saved card: saved with consent, charged off-session once per cycle, with the
receipt; a decline never retried blindly; three in a row turn it off; the monthly limit holds."""

import re

import pytest
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
from support.payments import esim_of
from support.payments import post_event
from support.payments import return_from

from app.models import AutoRenew
from app.models import Payment
from app.models import Plan
from app.models import RenewalCycle


def _posts(fake, path):
    return [r for r in fake.requests if r[0] == "POST" and r[1] == path]


def test_a_card_is_saved_with_consent_and_listed_from_stripe(client, auth, seeded, fake_stripe):
    auth.login()
    back = save_card(client, fake_stripe, last4="1881")
    assert back.status_code == 303
    page = client.get(back.location).get_data(as_text=True)
    assert "Your card is saved." in page
    assert "Visa •••• 1881" in page and "saved with your agreement on" in page
    [(_, _, created)] = _posts(fake_stripe, "/v1/checkout/sessions")
    assert created["mode"] == "setup" and created["customer"].startswith("cus_")
    assert created["currency"] == "usd" and created["payment_method_types"] == ["card"]


def test_turning_auto_renew_on_keeps_the_terms_and_their_time_and_off_is_one_button(
    client, auth, seeded, fake_stripe
):
    auth.login()
    save_card(client, fake_stripe)
    answer = turn_on(client, seeded)
    assert answer.status_code == 303
    page = client.get(answer.location).get_data(as_text=True)
    assert "Automatic renewal is on." in page
    kept = setting(seeded)
    assert kept.enabled and kept.consented_at is not None and kept.funding == "card"
    assert "charge $5.00 to your card Visa •••• 4242" in kept.consent_text
    assert "never more than $20.00 in a calendar month" in kept.consent_text
    assert "turn this off at any time" in kept.consent_text
    esim = esim_of(seeded)
    preview = {"plan": "month-30gb", "data_below": "20", "hours_before": "0", "cap": "30", "preview": "1"}
    shown = post_form(client, f"/esims/{esim.id}/auto-renew", preview, page=f"/esims/{esim.id}")
    text = shown.get_data(as_text=True)
    assert "less than 20% of its data left, we renew it with the plan 30 days · 30 GB" in text
    assert "charge $10.00" in text and "never more than $30.00" in text
    assert setting(seeded).plan.code == "month-10gb"  # showing the terms changes nothing
    query = "plan=month-30gb&data_below=0&hours_before=24&cap=40"
    fragment = client.get(
        f"/esims/{esim.id}?{query}", headers={"HX-Request": "true", "HX-Target": "auto-renew"}
    )
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="auto-renew"') and "<html" not in text
    assert "1 day before this eSIM expires, we renew it with the plan 30 days · 30 GB" in text
    assert "never more than $40.00" in text
    off = post_form(client, f"/esims/{esim.id}/auto-renew/off", {}, page=f"/esims/{esim.id}")
    assert "Automatic renewal is off." in client.get(off.location).get_data(as_text=True)
    assert not setting(seeded).enabled


def test_auto_renew_needs_consent_a_card_and_a_sensible_limit(client, auth, seeded, fake_stripe):
    auth.login()
    esim = esim_of(seeded)
    page = client.get(f"/esims/{esim.id}").get_data(as_text=True)
    assert "save one on your profile" in page and 'value="balance"' in page and 'value="card"' not in page
    no_card = {"plan": "month-10gb", "data_below": "10", "hours_before": "0", "cap": "20", "consent": "y"}
    refused = post_form(
        client, f"/esims/{esim.id}/auto-renew", {**no_card, "funding": "card"}, page=f"/esims/{esim.id}"
    )
    assert "Please save a card first." in refused.get_data(as_text=True)
    save_card(client, fake_stripe)
    form = {"plan": "month-10gb", "data_below": "10", "hours_before": "0", "cap": "2.00", "funding": "card"}
    refused = post_form(client, f"/esims/{esim.id}/auto-renew", form, page=f"/esims/{esim.id}")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Please tick the box to agree to the terms." in text
    refused = post_form(
        client, f"/esims/{esim.id}/auto-renew", {**form, "consent": "y"}, page=f"/esims/{esim.id}"
    )
    assert "at least the plan&#39;s price, $5.00" in refused.get_data(as_text=True)
    for cap in ("abc", "-5", "1e9"):
        refused = post_form(
            client,
            f"/esims/{esim.id}/auto-renew",
            {**form, "cap": cap, "consent": "y"},
            page=f"/esims/{esim.id}",
        )
        assert refused.status_code == 200 and "for example 15.00" in refused.get_data(as_text=True)
    for field, value in (("hours_before", "5"), ("data_below", "-3"), ("hours_before", "999999")):
        odd = {**form, "cap": "20", "consent": "y", field: value}
        refused = post_form(client, f"/esims/{esim.id}/auto-renew", odd, page=f"/esims/{esim.id}")
        assert refused.status_code == 200 and "Please choose when to renew" in refused.get_data(as_text=True)
    odd = {**form, "cap": "20", "consent": "y", "funding": "bitcoin"}
    refused = post_form(client, f"/esims/{esim.id}/auto-renew", odd, page=f"/esims/{esim.id}")
    assert "Please choose how to pay." in refused.get_data(as_text=True)
    assert in_app(seeded, lambda: RenewalCycle.select().count()) == 0
    assert not in_app(seeded, lambda: list(AutoRenew.select()))


def test_an_esim_at_9_percent_is_renewed_once_charged_once_with_its_receipt(
    client, auth, seeded, fake_stripe, outbox
):
    auth.login()
    save_card(client, fake_stripe)
    turn_on(client, seeded)
    before = esim_of(seeded).expires_at
    use_data_until_left(seeded, 9)
    assert run_worker(seeded) == 1
    assert run_worker(seeded) == 0  # the same cycle again: nothing
    [charge] = fake_stripe.intent_charges()
    [(_, _, sent)] = _posts(fake_stripe, "/v1/payment_intents")
    assert sent["off_session"] == "true" and sent["confirm"] == "true" and sent["amount"] == "500"
    [order] = renewal_orders(seeded)
    assert order.status == "fulfilled" and order.amount_cents == 500
    assert order.payment_method == "visa •••• 4242"
    [payment] = in_app(seeded, lambda: list(Payment.select().where(Payment.order == order.id)))
    assert payment.intent_ref == charge["id"] and payment.amount_cents == 500
    assert esim_of(seeded).expires_at > before
    receipts = [m for m in outbox.messages() if m["Subject"] == f"Your receipt for order {order.number}"]
    assert len(receipts) == 1 and "$5.00" in body(receipts[0])
    assert setting(seeded).failures == 0


def test_two_workers_and_the_sweep_racing_charge_once(client, auth, seeded, fake_stripe):
    auth.login()
    save_card(client, fake_stripe)
    turn_on(client, seeded)
    esim = use_data_until_left(seeded, 9)
    errors = race_two_workers_and_the_sweep(seeded, esim.id)
    assert errors == []
    assert len(_posts(fake_stripe, "/v1/payment_intents")) == 1
    assert len(fake_stripe.intent_charges()) == 1
    [order] = renewal_orders(seeded)
    assert order.status == "fulfilled"
    assert in_app(seeded, lambda: Payment.select().where(Payment.order == order.id).count()) == 1


def _link(message):
    return re.search(r"http://localhost(/pay/renewal/\S+)", body(message)).group(1)


@pytest.mark.parametrize("answer", ["authentication_required", "requires_action"])
def test_authentication_required_sends_one_email_with_a_working_link_and_never_charges_again(
    client, auth, seeded, fake_stripe, outbox, answer
):
    auth.login()
    save_card(client, fake_stripe, outcome=answer)
    turn_on(client, seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    run_worker(seeded)
    assert len(_posts(fake_stripe, "/v1/payment_intents")) == 1  # never retried blindly
    assert fake_stripe.intent_charges() == []
    [mail] = [m for m in outbox.messages() if m["Subject"] == "We could not renew your eSIM"]
    assert "Your bank asks you to confirm the payment of $5.00" in body(mail)
    [order] = renewal_orders(seeded)
    assert order.status == "pending" and order.number in body(mail)
    assert setting(seeded).failures == 1 and setting(seeded).enabled
    [declined] = fake_stripe.intents.values()
    failed = fake_stripe.intent_event("payment_intent.payment_failed", declined["id"])
    assert post_event(client, fake_stripe, failed).status_code == 200  # acknowledged, nothing charged
    assert len(_posts(fake_stripe, "/v1/payment_intents")) == 1
    link = _link(mail)
    other = seeded  # the link works in any browser, logged in or not
    page = other.test_client().get(link)
    assert page.status_code == 200 and order.number not in ("",)
    pay = post_form(client, link, {})
    assert pay.status_code == 303 and pay.location.endswith("/pay")
    checkout = client.get(pay.location)
    assert checkout.status_code == 303 and checkout.location.startswith("https://checkout.stripe.com/")
    sid = checkout.location.rsplit("/", 1)[1]
    fake_stripe.complete(sid)
    return_from(client, sid)
    [paid] = renewal_orders(seeded)
    assert paid.id == order.id and paid.status == "fulfilled"
    assert len(_posts(fake_stripe, "/v1/payment_intents")) == 1
    again = client.get(link)  # the link once paid: the order's progress, nothing more to pay
    assert again.status_code == 303 and again.location.endswith("/pay")
    assert "Continue to payment" not in client.get(again.location).get_data(as_text=True)


def test_three_failures_in_a_row_turn_auto_renew_off_and_say_so(client, auth, seeded, fake_stripe, outbox):
    auth.login()
    save_card(client, fake_stripe, outcome="card_declined")
    turn_on(client, seeded, cap="100.00")
    for cycle in range(3):
        if cycle:
            new_cycle(seeded)
        use_data_until_left(seeded, 9)
        run_worker(seeded)
    kept = setting(seeded)
    assert not kept.enabled and kept.stopped_reason == "failures" and kept.failures == 3
    subjects = [m["Subject"] for m in outbox.messages()]
    assert subjects.count("We could not renew your eSIM") == 2
    assert subjects.count("Automatic renewal is turned off") == 1
    assert "three failed payments in a row" in body(outbox.last())
    page = client.get(f"/esims/{esim_of(seeded).id}").get_data(as_text=True)
    assert "turned off after three failed payments in a row" in page
    new_cycle(seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    assert len(_posts(fake_stripe, "/v1/payment_intents")) == 3
    assert fake_stripe.intent_charges() == []


def test_the_monthly_limit_refuses_a_renewal_that_would_pass_it(client, auth, seeded, fake_stripe, outbox):
    auth.login()
    save_card(client, fake_stripe)
    turn_on(client, seeded, cap="5.00")
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    new_cycle(seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    assert len(fake_stripe.intent_charges()) == 1
    [cycle] = in_app(seeded, lambda: list(RenewalCycle.select().where(RenewalCycle.status == "skipped")))
    assert cycle.note == "over_cap"
    mail = outbox.last()
    assert mail["Subject"] == "Your eSIM was not renewed automatically"
    assert "monthly limit of $5.00" in body(mail)
    assert len(renewal_orders(seeded)) == 1


def test_a_package_the_operator_cannot_renew_is_never_auto_renewed(client, auth, seeded, fake_stripe):
    auth.login()
    save_card(client, fake_stripe)
    turn_on(client, seeded)
    # Airalo says the package is not rechargeable (its `rechargeable` false, read by sync-plans).
    in_app(
        seeded,
        lambda: (
            Plan.update(rechargeable=False, operator_package="kh-30days-10gb")
            .where(Plan.code == "month-10gb")
            .execute()
        ),
    )
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    assert _posts(fake_stripe, "/v1/payment_intents") == []
    assert renewal_orders(seeded) == []
    page = client.get(f"/esims/{esim_of(seeded).id}").get_data(as_text=True)
    assert "cannot renew automatically either" in page


def test_removing_the_card_detaches_it_and_stops_what_it_paid_for(client, auth, seeded, fake_stripe):
    auth.login()
    save_card(client, fake_stripe)
    turn_on(client, seeded)
    from app.models import SavedCard

    card = in_app(seeded, SavedCard.get, SavedCard.provider == "stripe")
    gone = post_form(client, f"/cards/{card.id}/remove", {}, page="/profile")
    assert "The card is removed." in client.get(gone.location).get_data(as_text=True)
    assert _posts(fake_stripe, f"/v1/payment_methods/{card.method_ref}/detach")
    assert fake_stripe.methods[card.method_ref]["customer"] is None
    kept = setting(seeded)
    assert not kept.enabled and kept.stopped_reason == "card_removed"
    assert post_form(client, f"/cards/{card.id}/remove", {}, page="/profile").status_code == 404


def test_a_failed_renewals_order_stays_payable_by_its_link_until_the_plan_runs_out(
    client, auth, seeded, fake_stripe, outbox
):
    from datetime import timedelta

    from app.models import Order
    from app.models import utcnow
    from app.services import abandoned_orders

    auth.login()
    save_card(client, fake_stripe, outcome="card_declined")
    turn_on(client, seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    [order] = renewal_orders(seeded)
    two_days_ago = utcnow() - timedelta(days=2)
    in_app(seeded, lambda: Order.update(created_at=two_days_ago).where(Order.id == order.id).execute())
    in_app(seeded, abandoned_orders.expire)
    assert renewal_orders(seeded)[0].status == "pending"  # unpaid orders expire after a day; not this one
    link = _link(outbox.last())
    pay = post_form(client, link, {})
    checkout = client.get(pay.location)
    sid = checkout.location.rsplit("/", 1)[1]
    fake_stripe.complete(sid)
    return_from(client, sid)
    [paid] = renewal_orders(seeded)
    assert paid.id == order.id and paid.status == "fulfilled"
