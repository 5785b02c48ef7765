"""The prepaid balance, through HTTP: topped up by KHQR, cash or card, paying orders, credited by
admins only, receiving refunds; the balance shown is always the sum of its ledger."""

import re
import threading
import time

from support.helpers import Auth
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.khqr import KHQR_PAGE
from support.khqr import worker_checks
from support.payments import esim_of

from app.models import AuditLog
from app.models import BalanceEntry
from app.models import Order
from app.models import Payment
from app.models import Plan
from app.models import Refund
from app.models import User
from app.services import balance
from app.services import orders

ADMIN = ("admin@example.com", "lotus-temple-4821")
AGENT = ("agent@example.com", "agent-pass-1234")
AVAILABLE = re.compile(r'id="balance-available">Available: ([^<]+)<')


def _demo(app):
    return in_app(app, lambda: User.get(User.email == "demo@example.com"))


def _ledger(app, email="demo@example.com"):
    def read():
        user = User.get(User.email == email)
        return [(e.reason, e.amount_cents) for e in reversed(balance.entries(user))]

    return in_app(app, read)


def _shown(client, url="/balance"):
    page = client.get(url)
    assert page.status_code == 200
    return AVAILABLE.search(page.get_data(as_text=True)).group(1)


def _give(app, cents, email="demo@example.com"):
    user = in_app(app, lambda: User.get(User.email == email))
    in_app(app, balance.credit, user, cents, "agent_credit", f"test-{email}-{cents}")


def _latest_order(app):
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())


def test_a_top_up_by_khqr_is_credited_once_and_the_balance_shown_is_the_ledgers_sum(bakong, customer, seeded):
    response = post_form(customer, "/balance/top-up", {"amount": "1000", "pay_with": "khqr"}, page="/balance")
    assert response.status_code == 303
    md5 = KHQR_PAGE.search(response.location).group(1)
    order = _latest_order(seeded)
    assert (order.kind, order.amount_cents, order.plan_id) == ("top_up", 1000, None)
    assert worker_checks(seeded, md5) == "open"
    assert _shown(customer) == "$0.00"
    bakong.pay(md5, 10.0, "USD")
    assert worker_checks(seeded, md5) == "complete"
    assert in_app(seeded, Order.get_by_id, order.id).status == "fulfilled"
    worker_checks(seeded, md5)  # asked again: nothing more
    assert _ledger(seeded) == [("top_up", 1000)]
    assert _shown(customer) == "$10.00"
    assert in_app(seeded, balance.balance_of, _demo(seeded)) == 1000
    page = customer.get("/balance").get_data(as_text=True)
    assert "Top-up" in page and order.number in page and "+$10.00" in page


def test_a_top_up_by_card_goes_through_checkout_and_an_amount_out_of_bounds_is_refused(customer, seeded):
    for bad in ("abc", "0.50", "600", "12.345", "-5"):
        answer = post_form(customer, "/balance/top-up", {"other": bad}, page="/balance")
        assert answer.status_code == 200
        assert "Choose an amount, or type one from $1.00 to $500.00." in answer.get_data(as_text=True)
    assert in_app(seeded, lambda: Order.select().where(Order.kind == "top_up").count()) == 0
    response = post_form(customer, "/balance/top-up", {"other": "12.50"}, page="/balance")
    assert response.location.startswith("/checkout/test/cs_test_")
    paid = post_form(customer, response.location, {"action": "pay"})
    customer.get(paid.location.split("localhost", 1)[1])
    assert _ledger(seeded) == [("top_up", 1250)]
    assert _shown(customer) == "$12.50"


def test_a_top_up_by_card_is_paid_at_stripe_and_credited_once_however_often_stripe_says_so(
    customer, fake_stripe, seeded
):
    from support.payments import return_from
    from support.payments import webhook

    response = post_form(customer, "/balance/top-up", {"amount": "2000", "pay_with": "card"}, page="/balance")
    assert response.location.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    sid = response.location.rsplit("/", 1)[1]
    assert fake_stripe.sessions[sid]["amount_total"] == 2000
    fake_stripe.complete(sid)
    assert webhook(customer, fake_stripe, "checkout.session.completed", sid).status_code == 200
    return_from(customer, sid)
    assert webhook(customer, fake_stripe, "checkout.session.completed", sid).status_code == 200
    assert _ledger(seeded) == [("top_up", 2000)]
    assert _shown(customer) == "$20.00"


def test_a_renewal_paid_from_the_balance_is_applied_like_any_paid_order(customer, seeded):
    _give(seeded, 700)
    esim = esim_of(seeded)
    before = esim.expires_at
    form = customer.get(f"/esims/{esim.id}/renew?plan=month-10gb").get_data(as_text=True)
    assert "Pay from balance ($7.00 available)" in form
    response = post_form(customer, f"/esims/{esim.id}/renew", {"plan": "month-10gb", "pay_with": "balance"})
    order = _latest_order(seeded)
    assert response.location == f"/orders/{order.id}"
    assert (order.status, order.provider, order.payment_method) == ("fulfilled", "balance", "balance")
    [payment] = in_app(seeded, lambda: list(Payment.select().where(Payment.order == order.id)))
    assert (payment.provider, payment.amount_cents) == ("balance", 500)
    assert _ledger(seeded) == [("agent_credit", 700), ("order_payment", -500)]
    assert _shown(customer) == "$2.00"
    assert esim_of(seeded).expires_at > before
    assert "Paid an order" in customer.get("/balance").get_data(as_text=True)


def test_a_balance_that_does_not_cover_the_order_is_refused_and_the_order_stays_payable(customer, seeded):
    _give(seeded, 100)
    esim = esim_of(seeded)
    form = customer.get(f"/esims/{esim.id}/renew?plan=month-10gb").get_data(as_text=True)
    assert "Pay from balance" not in form
    response = post_form(customer, f"/esims/{esim.id}/renew", {"plan": "month-10gb", "pay_with": "balance"})
    order = _latest_order(seeded)
    page = customer.get(response.location).get_data(as_text=True)
    assert "Your balance does not cover this order. Top it up, or pay another way." in page
    assert in_app(seeded, Order.get_by_id, order.id).status == "pending"
    assert _ledger(seeded) == [("agent_credit", 100)]
    km = customer.get(response.location + "?lang=km")
    assert km.status_code == 200


def _place(app, esim):
    """A pending order of month-10gb (5.00): a renewal of `esim`, or a new eSIM when None."""

    def place():
        user = User.get(User.email == "demo@example.com")
        return orders.place_order(user, Plan.get(Plan.code == "month-10gb"), esim=esim)

    return in_app(app, place)


def _slow_to_record(monkeypatch):
    """Each ledger row takes a moment to write, as under load: a sum read before it is stale by then."""
    create = BalanceEntry.create.__func__

    def slow_create(cls, **fields):
        time.sleep(0.1)
        return create(cls, **fields)

    monkeypatch.setattr(BalanceEntry, "create", classmethod(slow_create))


def test_parallel_payments_from_one_balance_charge_it_once_and_never_below_zero(seeded, monkeypatch):
    _give(seeded, 500)
    two = [_place(seeded, esim_of(seeded)), _place(seeded, None)]  # 5.00 each: the balance pays one
    browsers = [browser(seeded) for _n in range(6)]
    for each in browsers:
        Auth(each).login()
    jobs = [
        (each, two[n % 2], csrf_token(each, f"/orders/{two[n % 2].id}")) for n, each in enumerate(browsers)
    ]
    _slow_to_record(monkeypatch)
    barrier, answers = threading.Barrier(len(jobs)), []

    def send(client, order, token):
        barrier.wait()
        response = client.post(f"/orders/{order.id}/pay", data={"pay_with": "balance", "csrf_token": token})
        answers.append(response.status_code)

    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303] * len(jobs)  # no 500, no "database is locked"
    assert _ledger(seeded) == [("agent_credit", 500), ("order_payment", -500)]
    statuses = sorted(in_app(seeded, Order.get_by_id, order.id).status for order in two)
    assert statuses == ["fulfilled", "pending"]
    assert in_app(seeded, lambda: Payment.select().where(Payment.provider == "balance").count()) == 1
    assert in_app(seeded, balance.balance_of, _demo(seeded)) == 0


def test_only_an_admin_credits_a_balance_and_the_credit_is_audited(customer, seeded):
    demo = _demo(seeded)
    page = f"/support/customers/{demo.id}/balance"
    agent = staff_client(seeded, *AGENT)
    assert "Credit the balance" not in agent.get(page).get_data(as_text=True)
    refused = post_form(agent, f"{page}/credit", {"amount": "5.00", "reason": "Sorry"}, page=page)
    assert refused.status_code == 403
    assert _ledger(seeded) == []
    admin = staff_client(seeded, *ADMIN, admin=True)
    done = post_form(admin, f"{page}/credit", {"amount": "5.00", "reason": "Sorry for the outage"}, page=page)
    assert done.status_code == 303
    assert "The balance is credited." in admin.get(done.location).get_data(as_text=True)
    assert _ledger(seeded) == [("agent_credit", 500)]
    [entry] = in_app(seeded, lambda: list(AuditLog.select().where(AuditLog.action == "balance_credit")))
    assert entry.customer_id == demo.id and "Sorry for the outage" in entry.detail
    bad = post_form(admin, f"{page}/credit", {"amount": "900", "reason": "Too much"}, page=page)
    assert "Please enter an amount up to 500.00" in admin.get(bad.location).get_data(as_text=True)
    assert _ledger(seeded) == [("agent_credit", 500)]
    mine = customer.get("/balance").get_data(as_text=True)
    assert "Credit from our support team" in mine and "Sorry for the outage" in mine
    assert _shown(customer) == "$5.00"


def test_cash_at_the_counter_tops_a_balance_up_once_audited(customer, seeded):
    demo = _demo(seeded)
    page = f"/support/customers/{demo.id}/balance"
    agent = staff_client(seeded, *AGENT)
    done = post_form(agent, f"{page}/cash", {"amount": "20"}, page=page)
    assert done.status_code == 303
    assert "Cash received: the balance is topped up." in agent.get(done.location).get_data(as_text=True)
    assert _ledger(seeded) == [("cash_top_up", 2000)]
    order = _latest_order(seeded)
    assert (order.kind, order.status, order.payment_method) == ("top_up", "fulfilled", "cash")
    assert in_app(seeded, lambda: AuditLog.select().where(AuditLog.action == "cash_top_up").count()) == 1
    assert _shown(customer) == "$20.00"
    assert "Top-up in cash" in customer.get("/balance").get_data(as_text=True)
    mine = customer.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Done: your balance is topped up" in mine and "See your balance" in mine
    assert "Balance top-up" in customer.get(f"/orders/{order.id}/receipt").get_data(as_text=True)
    assert "Balance top-up" in customer.get("/orders").get_data(as_text=True)
    assert "余额充值" in customer.get("/orders?lang=zh").get_data(as_text=True)


def test_an_admin_refunds_to_the_balance_at_once(customer, seeded):
    esim = esim_of(seeded)
    response = post_form(customer, f"/esims/{esim.id}/renew", {"plan": "month-10gb"})
    paid = post_form(customer, response.location, {"action": "pay"})
    customer.get(paid.location.split("localhost", 1)[1])
    order = _latest_order(seeded)
    assert order.status == "fulfilled"
    admin = staff_client(seeded, *ADMIN, admin=True)
    page = f"/support/orders/{order.id}"
    assert 'value="balance"> <span>The customer' in admin.get(page).get_data(as_text=True)
    form = {"amount": "2.00", "reason": "Slow data", "destination": "balance"}
    done = post_form(admin, f"{page}/refund", form, page=page)
    assert "The refund is on the customer&#39;s balance." in admin.get(done.location).get_data(as_text=True)
    [row] = in_app(seeded, lambda: list(Refund.select().where(Refund.order == order.id)))
    assert (row.status, row.amount_cents) == ("succeeded", 200)
    assert _ledger(seeded) == [("refund", 200)]
    assert _shown(customer) == "$2.00"
    # The rest goes back to the card; the balance stays as it was.
    post_form(admin, f"{page}/refund", {**form, "amount": "3.00", "destination": "original"}, page=page)
    assert _ledger(seeded) == [("refund", 200)]
    assert in_app(seeded, lambda: Refund.select().where(Refund.order == order.id).count()) == 2


def test_an_order_paid_from_the_balance_that_the_operator_refuses_goes_back_to_it_at_once(
    customer, seeded, monkeypatch
):
    from app.operators import OperatorRefused
    from app.operators.simulated import SimulatedOperator

    def refuse(self, iccid, plan):
        raise OperatorRefused("line suspended")

    monkeypatch.setattr(SimulatedOperator, "apply_plan", refuse)
    _give(seeded, 500)
    esim = esim_of(seeded)
    post_form(customer, f"/esims/{esim.id}/renew", {"plan": "month-10gb", "pay_with": "balance"})
    order = _latest_order(seeded)
    assert order.status == "refunded"
    [row] = in_app(seeded, lambda: list(Refund.select().where(Refund.order == order.id)))
    assert (row.status, row.reason) == ("succeeded", "operator_failed")
    assert _ledger(seeded) == [("agent_credit", 500), ("order_payment", -500), ("refund", 500)]
    assert _shown(customer) == "$5.00"


def test_a_refunded_top_up_leaves_the_balance_and_is_refused_once_spent(customer, seeded):
    demo = _demo(seeded)
    agent = staff_client(seeded, *AGENT)
    page = f"/support/customers/{demo.id}/balance"
    post_form(agent, f"{page}/cash", {"amount": "10"}, page=page)
    top_up = _latest_order(seeded)
    admin = staff_client(seeded, *ADMIN, admin=True)
    order_page = f"/support/orders/{top_up.id}"
    form = {"amount": "4.00", "reason": "Changed their mind"}
    post_form(admin, f"{order_page}/refund", form, page=order_page)
    assert _ledger(seeded) == [("cash_top_up", 1000), ("top_up_refunded", -400)]
    esim = esim_of(seeded)
    post_form(customer, f"/esims/{esim.id}/renew", {"plan": "month-10gb", "pay_with": "balance"})
    assert _shown(customer) == "$1.00"
    refused = post_form(admin, f"{order_page}/refund", {**form, "amount": "6.00"}, page=order_page)
    shown = admin.get(refused.location).get_data(as_text=True)
    assert "The customer has already spent this top-up: refund no more than the balance." in shown
    assert _shown(customer) == "$1.00"
    assert in_app(seeded, lambda: Refund.select().where(Refund.order == top_up.id).count()) == 1


def test_merging_two_records_of_one_person_moves_the_balance_with_them(customer, seeded):
    from app.services import accounts

    second = in_app(seeded, accounts.register, "second@example.com", "second-pass-1234", phone="012 345 678")
    _give(seeded, 300, email="second@example.com")
    _give(seeded, 200)
    demo = _demo(seeded)
    admin = staff_client(seeded, *ADMIN, admin=True)
    page = f"/support/customers/{demo.id}/merge?other={second.id}"
    post_form(admin, f"/support/customers/{demo.id}/merge", {"other": second.id}, page=page)
    assert in_app(seeded, lambda: User.get_by_id(second.id).role) == "merged"
    assert _shown(customer) == "$5.00"
