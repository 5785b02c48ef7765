"""Money goes back once: parallel refunds of one payment never add up to more than was paid."""

import threading
import time

import pytest
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import translated

from app.models import Order
from app.models import Payment
from app.models import Refund
from app.services import refunds

ADMIN = ("admin@example.com", "lotus-temple-4821")
TOO_MUCH = "The amount must be more than 0 and no more than what is left to refund."


def _cash_sale(app, admin, plan="month-10gb"):
    """A counter sale of `plan` (5.00 for month-10gb), paid in cash; returns the order."""
    post_form(admin, "/support/counter", {"email": "cash@example.com", "language": "en", "plan": plan})
    order = in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())
    page = f"/support/orders/{order.id}"
    paid = post_form(admin, f"/support/orders/{order.id}/cash", {"amount": "5.00"}, page=page)
    assert paid.status_code == 303
    return in_app(app, Order.get_by_id, order.id)


def _admins(app, count):
    first = staff_client(app, *ADMIN, admin=True)
    return [first] + [staff_client(app, *ADMIN) for _ in range(count - 1)]


def _refund_together(admins, order, amount):
    """Every admin sends the refund form at the same moment; returns each answer's (status, page)."""
    page = f"/support/orders/{order.id}"
    tokens = [csrf_token(admin, page) for admin in admins]
    barrier, answers = threading.Barrier(len(admins)), []

    def send(admin, token):
        barrier.wait()
        form = {"amount": amount, "reason": "Changed their mind", "csrf_token": token}
        response = admin.post(f"/support/orders/{order.id}/refund", data=form)
        shown = admin.get(response.location).get_data(as_text=True) if response.status_code == 303 else ""
        answers.append((response.status_code, shown))

    threads = [threading.Thread(target=send, args=pair) for pair in zip(admins, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _rows(app, order):
    return in_app(app, lambda: list(Refund.select().where(Refund.order == order.id)))


def _slow_to_record(monkeypatch):
    """Each refund row takes a moment to write, as under load: a check made before it is stale by then."""
    create = Refund.create.__func__

    def slow_create(cls, **fields):
        time.sleep(0.1)
        return create(cls, **fields)

    monkeypatch.setattr(Refund, "create", classmethod(slow_create))


def test_eight_admins_refunding_a_cash_sale_at_once_refund_it_once(seeded, monkeypatch):
    admins = _admins(seeded, 8)
    _slow_to_record(monkeypatch)
    order = _cash_sale(seeded, admins[0])
    answers = _refund_together(admins, order, "5.00")
    assert [status for status, _page in answers] == [303] * 8  # no 500, no "database is locked"
    [row] = _rows(seeded, order)
    assert (row.amount_cents, row.status) == (500, "manual")  # owed in cash, once
    done = [page for _status, page in answers if "The refund is on its way" in page]
    refused = [page for _status, page in answers if translated(seeded, "en", TOO_MUCH) in page]
    assert len(done) == 1 and len(refused) == 7
    payment = in_app(seeded, lambda: Payment.get(Payment.order == order.id))
    assert payment.refunded_cents == 500 and in_app(seeded, refunds.refundable_cents, payment) == 0


def test_eight_partial_refunds_racing_take_no_more_than_was_paid(seeded, monkeypatch):
    admins = _admins(seeded, 8)
    _slow_to_record(monkeypatch)
    order = _cash_sale(seeded, admins[0])
    answers = _refund_together(admins, order, "1.00")
    assert [status for status, _page in answers] == [303] * 8
    rows = _rows(seeded, order)
    assert len(rows) == 5 and sum(r.amount_cents for r in rows) == 500
    assert sum("The refund is on its way" in page for _status, page in answers) == 5


@pytest.mark.parametrize("lang", ["en", "km"])
def test_a_refund_of_one_cent_is_taken_and_zero_or_less_is_refused(seeded, lang):
    [admin] = _admins(seeded, 1)
    order = _cash_sale(seeded, admin)
    admin.get(f"/support/orders/{order.id}?lang={lang}")
    page = f"/support/orders/{order.id}"
    url = f"/support/orders/{order.id}/refund"
    message = translated(seeded, lang, "Please enter the amount to refund, for example 5.00.")
    for amount in ("0", "0.00", "-1.00", "0.001"):
        refused = post_form(admin, url, {"amount": amount, "reason": "Test"}, page=page)
        assert message in admin.get(refused.location).get_data(as_text=True)
    assert _rows(seeded, order) == []
    taken = post_form(admin, url, {"amount": "0.01", "reason": "A cent back"}, page=page)
    assert translated(seeded, lang, "The refund is on its way to the customer.") in admin.get(
        taken.location
    ).get_data(as_text=True)
    assert [(r.amount_cents, r.status) for r in _rows(seeded, order)] == [(1, "manual")]


def test_a_cash_payment_of_one_cent_is_accepted_by_the_form(seeded):
    [admin] = _admins(seeded, 1)
    post_form(admin, "/support/counter", {"email": "cash@example.com", "language": "en", "plan": "day-1gb"})
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    page = f"/support/orders/{order.id}"
    answer = post_form(admin, f"/support/orders/{order.id}/cash", {"amount": "0.01"}, page=page)
    shown = admin.get(answer.location).get_data(as_text=True)
    # The form takes a cent; the sale then refuses it as not the order's amount (1.00), not as invalid.
    assert "Please enter the amount received" not in shown
    assert in_app(seeded, Order.get_by_id, order.id).status == "pending"


def test_a_refused_refund_gives_its_amount_back_and_a_dashboard_refund_takes_what_is_left(
    client, auth, fake_stripe, seeded
):
    from support.payments import post_event
    from support.payments import start_checkout
    from support.payments import webhook

    auth.login()
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    assert webhook(client, fake_stripe, "checkout.session.completed", sid).status_code == 200
    intent = fake_stripe.sessions[sid]["payment_intent"]
    [admin] = _admins(seeded, 1)
    page = f"/support/orders/{order.id}"

    def send_refund(amount):
        answer = post_form(admin, f"{page}/refund", {"amount": amount, "reason": "Goodwill"}, page=page)
        return admin.get(answer.location).get_data(as_text=True)

    fake_stripe.refund_status = "pending"
    assert "The refund is on its way" in send_refund("5.00")
    assert TOO_MUCH in send_refund("0.01")
    [first] = _rows(seeded, order)
    refused = dict(fake_stripe.refunds[first.provider_ref], status="failed")
    assert (
        post_event(client, fake_stripe, fake_stripe.event_about("refund.updated", refused)).status_code == 200
    )
    fake_stripe.charges[intent]["refunded"] -= 500  # the bank sent it back to Stripe's balance
    payment = in_app(seeded, lambda: Payment.get(Payment.order == order.id))
    assert in_app(seeded, refunds.refundable_cents, payment) == 500

    fake_stripe.refund_status = "succeeded"
    assert "The refund is on its way" in send_refund("3.00")
    retry = post_form(admin, f"/support/refunds/{first.id}/retry", {}, page=page)
    assert TOO_MUCH in admin.get(retry.location).get_data(as_text=True)  # 5.00 no longer fits
    assert in_app(seeded, Refund.get_by_id, first.id).status == "failed"

    fake_stripe.charges[intent]["refunded"] += 200  # someone refunds 2.00 in Stripe's dashboard
    charge = fake_stripe.charge_view(intent)
    assert (
        post_event(client, fake_stripe, fake_stripe.event_about("charge.refunded", charge)).status_code == 200
    )
    assert in_app(seeded, refunds.refundable_cents, payment) == 0
    assert TOO_MUCH in send_refund("0.01")
    taken = sorted(r.amount_cents for r in _rows(seeded, order) if r.status == "succeeded")
    assert taken == [200, 300]
