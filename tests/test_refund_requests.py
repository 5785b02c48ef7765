"""A customer's refund request (issue 31): answered at once for a new eSIM never installed within 14
days, otherwise decided by support; one request and one refund however often it is sent."""

import threading
import time
from datetime import timedelta

import pytest
from support.helpers import Auth
from support.helpers import body
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import deliver_async_order
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import translated

from app.models import AuditLog
from app.models import Esim
from app.models import Order
from app.models import Payment
from app.models import Refund
from app.models import RefundRequest
from app.models import RefundRequestEvent
from app.models import User
from app.services import demo

AGENT = ("agent@example.com", "agent-pass-1234")
TOO_MUCH = "The amount must be more than 0 and no more than what is left to refund."


def _pay_test_checkout(client, location):
    paid = post_form(client, location, {"action": "pay"})
    return client.get(paid.location.split("localhost", 1)[1])


def _last_order(app):
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())


def _new_esim(client, app, plan="month-10gb"):
    """The logged-in customer buys a new eSIM and pays (test payments); returns the fulfilled order."""
    response = post_form(client, "/buy", {"plan": plan}, page="/buy")
    assert response.status_code == 303
    _pay_test_checkout(client, response.location)
    order = _last_order(app)
    assert (order.kind, order.status) == ("new_esim", "fulfilled")
    return order


def _renewal(client, app):
    """The demo customer renews their installed eSIM, in use, and pays; returns the fulfilled order."""
    esim = in_app(app, Esim.get, Esim.iccid == demo.DEMO_ICCID)
    response = post_form(client, f"/esims/{esim.id}/renew", {"plan": "month-10gb", "promo": ""})
    _pay_test_checkout(client, response.location)
    order = _last_order(app)
    assert (order.kind, order.status) == ("renewal", "fulfilled")
    return order


def _ask(client, order, reason="wrong_purchase", page=None, **more):
    url = f"/orders/{order.id}/refund-request"
    return post_form(client, url, {"reason": reason, "destination": "original", **more}, page=page)


def _requests(app, order):
    return in_app(app, lambda: list(RefundRequest.select().where(RefundRequest.order == order.id)))


def _refunds(app, order):
    return in_app(app, lambda: list(Refund.select().where(Refund.order == order.id)))


def _set_language(app, email, lang):
    in_app(app, User.update(language=lang).where(User.email == email).execute)


def test_a_new_esim_never_installed_is_refunded_in_full_once_from_the_customers_button(
    client, auth, seeded, outbox
):
    auth.login()
    order = _new_esim(client, seeded)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'href="/orders/{order.id}/refund-request"' in page and "Ask for a refund" in page
    _set_language(seeded, demo.DEMO_CUSTOMER[0], "zh")
    answer = _ask(client, order, "plans_changed")
    assert answer.status_code == 303 and answer.location == f"/orders/{order.id}"
    page = client.get(answer.location).get_data(as_text=True)
    assert translated(seeded, "zh", "Your refund is approved: the money is on its way back to you.") in page
    [asked] = _requests(seeded, order)
    assert (asked.state, asked.reason, asked.installed, asked.amount_cents) == (
        "refunded",
        "plans_changed",
        False,
        500,
    )
    [refund] = _refunds(seeded, order)
    assert (refund.amount_cents, refund.status, refund.reason) == (500, "succeeded", "customer_request")
    assert _last_order(seeded).status == "refunded"
    events = in_app(
        seeded, lambda: [(e.from_state, e.to_state) for e in asked.events.order_by(RefundRequestEvent.id)]
    )
    assert events == [("", "requested"), ("requested", "approved"), ("approved", "refunded")]
    assert translated(seeded, "zh", "Refunded") in page
    letter = outbox.last()
    assert order.number in letter["Subject"] and translated(seeded, "zh", "Hello,") in body(letter)
    assert f"http://localhost/orders/{order.id}?lang=zh" in body(letter)

    # A second press (a bookmarked form, the back button) makes nothing new.
    again = _ask(client, order, "wrong_purchase", page="/profile")
    assert again.status_code == 303
    assert len(_requests(seeded, order)) == 1 and len(_refunds(seeded, order)) == 1
    payment = in_app(seeded, Payment.get, Payment.order == order.id)
    assert payment.refunded_cents == 500

    # Refunded before it was installed: it can no longer be installed.
    install = client.get(f"/esims/{order.esim_id}/install?lang=en")
    assert install.status_code == 302 and install.location.endswith("/dashboard")
    shown = client.get("/dashboard").get_data(as_text=True)
    assert "This eSIM was refunded before it was installed, so it can no longer be installed." in shown
    post_form(client, f"/esims/{order.esim_id}/install/simulate", {}, page="/profile")
    assert in_app(seeded, Esim.get_by_id, order.esim_id).installed_at is None


def test_a_double_submit_at_the_same_moment_makes_one_request_and_one_refund(seeded, monkeypatch):
    phones = [browser(seeded) for _ in range(4)]
    for phone in phones:
        Auth(phone).login()
    order = _new_esim(phones[0], seeded)
    url = f"/orders/{order.id}/refund-request"
    tokens = [csrf_token(phone, url) for phone in phones]
    create = RefundRequest.create.__func__

    def slow_create(cls, **fields):
        time.sleep(0.1)  # as under load: each one's check that none exists is stale by then
        return create(cls, **fields)

    monkeypatch.setattr(RefundRequest, "create", classmethod(slow_create))
    barrier, answers = threading.Barrier(len(phones)), []

    def send(phone, token):
        barrier.wait()
        data = {"reason": "wrong_purchase", "destination": "original", "csrf_token": token}
        answers.append(phone.post(url, data=data).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(phones, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303] * len(phones)  # no 500, no "database is locked"
    [asked] = _requests(seeded, order)
    [refund] = _refunds(seeded, order)
    assert asked.state == "refunded" and (refund.amount_cents, refund.status) == (500, "succeeded")
    payment = in_app(seeded, Payment.get, Payment.order == order.id)
    assert payment.refunded_cents == 500


def test_a_used_renewal_reaches_the_agents_queue_and_the_agents_part_refund_reaches_the_customer(
    client, auth, seeded, outbox
):
    auth.login()
    order = _renewal(client, seeded)
    _set_language(seeded, demo.DEMO_CUSTOMER[0], "km")
    _ask(client, order, "not_working", note="No signal in Kampot")
    [asked] = _requests(seeded, order)
    assert (asked.state, asked.installed) == ("requested", True)
    received_subject = translated(
        seeded, "km", "We received your refund request for order %(number)s", number=order.number
    )
    [received] = [m for m in outbox.messages() if str(m["Subject"]) == received_subject]
    assert f"/orders/{order.id}" in body(received)
    assert _refunds(seeded, order) == []
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert translated(seeded, "km", "Refund requested: our support team is looking at it") in page
    assert "/refund-request" not in page  # asked once

    agent = staff_client(seeded, *AGENT)
    queue = agent.get("/support/refund-requests").get_data(as_text=True)
    assert order.number in queue and "The eSIM does not work" in queue and "No signal in Kampot" in queue
    assert "ភាសាខ្មែរ" in queue  # the customer's language, to answer in
    assert "Data used" in queue and "Installed" in queue
    on_order = agent.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert "Refund requested: our support team is looking at it" in on_order
    assert f'href="/support/refund-requests#refund-request-{asked.id}"' in on_order
    token = csrf_token(agent, "/support/refund-requests")
    decided = agent.post(
        f"/support/refund-requests/{asked.id}",
        data={
            "decision": "part",
            "amount": "2.00",
            "answer": "សុំទោស",
            "destination": "original",
            "csrf_token": token,
        },
    )
    assert decided.status_code == 303
    assert "The refund is on its way to the customer" in agent.get(decided.location).get_data(as_text=True)
    [refund] = _refunds(seeded, order)
    assert (refund.amount_cents, refund.status, refund.actor_id is not None) == (200, "succeeded", True)
    [asked] = _requests(seeded, order)
    assert (asked.state, asked.amount_cents, asked.answer) == ("refunded", 200, "សុំទោស")
    assert _last_order(seeded).status == "fulfilled"  # a part refund leaves the order as it was
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "សុំទោស" in page and translated(seeded, "km", "Refunded") in page
    letter = outbox.last()
    assert letter["To"] == demo.DEMO_CUSTOMER[0] and "សុំទោស" in body(letter)
    assert translated(seeded, "km", "Hello,") in body(letter)
    [entry] = in_app(
        seeded, lambda: list(AuditLog.select().where(AuditLog.action == "refund_request_approved"))
    )
    assert entry.customer_id == asked.user_id
    # Decided once: a second decision (another agent, a second tab) changes nothing.
    again = agent.post(
        f"/support/refund-requests/{asked.id}",
        data={"decision": "full", "destination": "original", "csrf_token": token},
    )
    assert "This request has already been decided." in agent.get(again.location).get_data(as_text=True)
    assert len(_refunds(seeded, order)) == 1


def test_an_agent_declines_with_a_message_the_customer_reads(client, auth, seeded, outbox):
    auth.login()
    order = _renewal(client, seeded)
    _ask(client, order, "plans_changed")
    [asked] = _requests(seeded, order)
    agent = staff_client(seeded, *AGENT)
    token = csrf_token(agent, "/support/refund-requests")
    url = f"/support/refund-requests/{asked.id}"
    silent = agent.post(url, data={"decision": "decline", "answer": " ", "csrf_token": token})
    shown = agent.get(silent.location).get_data(as_text=True)
    assert "Please write the customer a message saying why the refund is declined." in shown
    assert _requests(seeded, order)[0].state == "requested"
    agent.post(
        url, data={"decision": "decline", "answer": "The plan was used for 20 days.", "csrf_token": token}
    )
    assert _requests(seeded, order)[0].state == "declined" and _refunds(seeded, order) == []
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Refund request declined" in page and "The plan was used for 20 days." in page
    assert "The plan was used for 20 days." in body(outbox.last())


@pytest.mark.parametrize("why", ["installed", "after_14_days"])
def test_a_new_esim_installed_or_asked_after_14_days_goes_to_the_queue(client, auth, seeded, why):
    auth.login()
    order = _new_esim(client, seeded)
    if why == "installed":
        page = f"/esims/{order.esim_id}/install"
        post_form(client, f"/esims/{order.esim_id}/install/simulate", {}, page=page)
    else:
        paid_at = order.paid_at - timedelta(days=14, minutes=1)
        in_app(seeded, Order.update(paid_at=paid_at).where(Order.id == order.id).execute)
    answer = _ask(client, order, "wrong_purchase")
    assert answer.status_code == 303
    shown = client.get(answer.location).get_data(as_text=True)
    assert "We received your refund request. Our support team will answer by email." in shown
    [asked] = _requests(seeded, order)
    assert asked.state == "requested" and asked.installed == (why == "installed")
    assert _refunds(seeded, order) == []
    assert _last_order(seeded).status == "fulfilled"


def test_bad_input_is_refused_in_the_readers_language_and_changes_nothing(client, auth, seeded):
    auth.login()
    order = _new_esim(client, seeded)
    url = f"/orders/{order.id}/refund-request"
    refused = post_form(client, url + "?lang=km", {"reason": "free_money", "destination": "original"})
    assert refused.status_code == 200
    assert translated(seeded, "km", "Please choose one of the reasons in the list.") in refused.get_data(
        as_text=True
    )
    missing = post_form(client, url + "?lang=zh", {"destination": "original"})
    assert translated(seeded, "zh", "Please choose why you want a refund.") in missing.get_data(as_text=True)
    elsewhere = post_form(client, url + "?lang=km", {"reason": "wrong_purchase", "destination": "moon"})
    assert translated(seeded, "km", "Please choose where the money should go.") in elsewhere.get_data(
        as_text=True
    )
    assert _requests(seeded, order) == [] and _refunds(seeded, order) == []

    # Someone else's order: as if it did not exist, and nothing asked.
    make_customer(seeded, "other@example.com", "other-pass-1234")
    other = browser(seeded)
    Auth(other).login("other@example.com", "other-pass-1234")
    assert other.get(url).status_code == 404
    token = csrf_token(other, "/profile")
    data = {"reason": "wrong_purchase", "destination": "original", "csrf_token": token}
    assert other.post(url, data=data).status_code == 404
    assert _requests(seeded, order) == []

    # An amount beyond what is left: refused, nothing refunded.
    _set_language(seeded, demo.DEMO_CUSTOMER[0], "en")
    renewal = _renewal(client, seeded)
    _ask(client, renewal, "not_working")
    [asked] = _requests(seeded, renewal)
    agent = staff_client(seeded, *AGENT)
    token = csrf_token(agent, "/support/refund-requests")
    too_much = agent.post(
        f"/support/refund-requests/{asked.id}?lang=zh",
        data={"decision": "part", "amount": "5.01", "destination": "original", "csrf_token": token},
    )
    assert translated(seeded, "zh", TOO_MUCH) in agent.get(too_much.location).get_data(as_text=True)
    assert _requests(seeded, renewal)[0].state == "requested" and _refunds(seeded, renewal) == []


def test_only_staff_see_the_queue_and_a_customer_only_their_own_requests(client, auth, seeded):
    auth.login()
    order = _renewal(client, seeded)
    _ask(client, order, "not_working")
    assert client.get("/support/refund-requests").status_code == 403
    [asked] = _requests(seeded, order)
    token = csrf_token(client, "/profile")
    decided = client.post(
        f"/support/refund-requests/{asked.id}", data={"decision": "full", "csrf_token": token}
    )
    assert decided.status_code == 403 and _refunds(seeded, order) == []
    other_user = make_customer(seeded, "nara@example.com", "nara-pass-12345")
    make_esim(seeded, other_user, "8985500000000000099")
    other = browser(seeded)
    Auth(other).login("nara@example.com", "nara-pass-12345")
    assert other.get(f"/orders/{order.id}").status_code == 404
    assert "Ask for a refund" not in other.get("/orders").get_data(as_text=True)


def test_the_reason_can_be_chosen_in_advance_and_the_help_page_states_the_policy(client, auth, seeded):
    auth.login()
    order = _new_esim(client, seeded)
    form = client.get(f"/orders/{order.id}/refund-request?reason=deleted_esim").get_data(as_text=True)
    assert 'value="deleted_esim" checked' in form
    assert 'value="wrong_purchase" id="reason">' in form  # none other checked
    assert "csrf_token" in form
    help_page = client.get("/help?lang=en").get_data(as_text=True)
    assert "within 14 days of purchase, is refunded in full at once" in help_page
    assert "reviewed by our support team" in help_page
    assert "14" in client.get("/help?lang=km").get_data(as_text=True)


def test_an_airalo_esim_never_installed_is_refunded_and_handed_back_with_airalos_reason(
    client, auth, fake_airalo, seeded
):
    assert seeded.test_cli_runner().invoke(args=["sync-plans"]).exit_code == 0
    auth.login()
    response = post_form(client, "/buy", {"plan": "kh-connect-7days-3gb"}, page="/buy")
    _pay_test_checkout(client, response.location)
    deliver_async_order(client, fake_airalo)
    order = _last_order(seeded)
    assert (order.kind, order.status) == ("new_esim", "fulfilled")
    esim = in_app(seeded, Esim.get_by_id, order.esim_id)
    form = client.get(f"/orders/{order.id}/refund-request?reason=deleted_esim").get_data(as_text=True)
    assert 'value="deleted_esim" checked' in form
    answer = _ask(client, order, "deleted_esim")
    assert answer.status_code == 303
    [asked] = _requests(seeded, order)
    [refund] = _refunds(seeded, order)
    assert asked.state == "refunded" and (refund.amount_cents, refund.status) == (
        order.amount_cents,
        "succeeded",
    )
    # "Refund request": the eSIM's ICCID, Airalo's own reason code for ours, the order in the notes.
    [filed] = fake_airalo.refunds
    assert (filed["iccids"], filed["reason"]) == ([esim.iccid], "DELETED_ESIM") and order.number in filed[
        "notes"
    ]
    _ask(client, order, "deleted_esim", page="/profile")
    assert len(fake_airalo.refunds) == 1 and len(_refunds(seeded, order)) == 1


def test_agents_deciding_one_request_at_the_same_moment_refund_it_once(client, auth, seeded):
    auth.login()
    order = _renewal(client, seeded)
    _ask(client, order, "not_working")
    [asked] = _requests(seeded, order)
    agents = [staff_client(seeded, *AGENT) for _ in range(4)]
    tokens = [csrf_token(agent, "/support/refund-requests") for agent in agents]
    barrier, answers = threading.Barrier(len(agents)), []

    def send(agent, token):
        barrier.wait()
        data = {"decision": "full", "destination": "original", "csrf_token": token}
        response = agent.post(f"/support/refund-requests/{asked.id}", data=data)
        shown = agent.get(response.location).get_data(as_text=True) if response.location else ""
        answers.append((response.status_code, shown))

    threads = [threading.Thread(target=send, args=pair) for pair in zip(agents, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _page in answers] == [303] * len(agents)  # no 500, no "database is locked"
    done = [page for _status, page in answers if "The refund is on its way to the customer" in page]
    assert len(done) == 1
    [refund] = _refunds(seeded, order)
    assert (refund.amount_cents, refund.status) == (500, "succeeded")
    assert _requests(seeded, order)[0].state == "refunded"


def test_a_refund_can_go_to_the_balance_at_once_by_the_customers_choice_or_the_agents(client, auth, seeded):
    from app.services import balance

    auth.login()
    order = _new_esim(client, seeded)
    form = client.get(f"/orders/{order.id}/refund-request").get_data(as_text=True)
    assert 'value="balance"' in form and "To your balance, at once" in form
    post_form(
        client, f"/orders/{order.id}/refund-request", {"reason": "wrong_purchase", "destination": "balance"}
    )
    [asked] = _requests(seeded, order)
    [refund] = _refunds(seeded, order)
    assert (asked.state, asked.destination) == ("refunded", "balance") and refund.status == "succeeded"
    customer = in_app(seeded, User.by_email, demo.DEMO_CUSTOMER[0])
    assert in_app(seeded, balance.balance_of, customer) == 500
    assert _last_order(seeded).status == "refunded"

    renewal = _renewal(client, seeded)
    _ask(client, renewal, "not_working")
    [queued] = _requests(seeded, renewal)
    agent = staff_client(seeded, *AGENT)
    token = csrf_token(agent, "/support/refund-requests")
    data = {
        "decision": "part",
        "amount": "1.50",
        "destination": "balance",
        "answer": "Sorry",
        "csrf_token": token,
    }
    agent.post(f"/support/refund-requests/{queued.id}", data=data)
    assert _requests(seeded, renewal)[0].state == "refunded"
    assert in_app(seeded, balance.balance_of, customer) == 650
