"""Renewing by KHQR: the code asks the right amount, the worker's checks settle the order once,
and late, wrong or repeated payments are recorded and owed back by bank transfer."""

import threading
from datetime import timedelta

import pytest
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.khqr import code
from support.khqr import code_ages
from support.khqr import code_fields
from support.khqr import renew_by_khqr
from support.khqr import worker_checks
from support.payments import esim_of

from app.models import Esim
from app.models import KhqrCode
from app.models import Order
from app.models import OrderEvent
from app.models import Payment
from app.models import PromoCode
from app.models import Refund
from app.services import khqr

ADMIN = ("admin@example.com", "lotus-temple-4821")


def _expires(app):
    return esim_of(app).expires_at


def _payments(app, order):
    return in_app(app, lambda: list(Payment.select().where(Payment.order == order.id).order_by(Payment.id)))


def _refunds(app, order):
    return in_app(app, lambda: list(Refund.select().where(Refund.order == order.id)))


def _order(app, order):
    return in_app(app, lambda: Order.get_by_id(order.id))


def test_the_code_asks_the_price_for_this_order_and_names_the_merchant(bakong, customer, seeded):
    order, md5, html = renew_by_khqr(customer, seeded)
    fields = code_fields(html)
    assert fields["29"]["00"] == "angkor_esim@aclb"
    assert fields["59"] == "Angkor eSIM"
    assert fields["53"] == "840"  # US dollars
    assert fields["54"] == f"{order.amount_cents / 100:g}"
    assert fields["62"]["01"] == order.number  # bill number
    assert "Angkor eSIM" in html
    assert "$" in html and f"{order.amount_cents / 100:.2f}" in html
    assert code(seeded, md5).order_id == order.id
    assert _order(seeded, order).provider == "khqr"


def test_paid_at_the_bank_the_renewal_is_applied_exactly_once(bakong, customer, seeded):
    before = _expires(seeded)
    order, md5, _html = renew_by_khqr(customer, seeded)
    assert worker_checks(seeded, md5) == "open"  # not paid yet
    assert _order(seeded, order).status == "pending"
    bakong.pay(md5, order.amount_cents / 100, "USD")
    assert worker_checks(seeded, md5) == "complete"
    paid = _order(seeded, order)
    assert paid.status == "fulfilled"
    assert paid.payment_method == "khqr"
    after = _expires(seeded)
    assert after > before
    # Replays: the worker asks again, and the sweep finds it again; nothing more happens.
    in_app(
        seeded,
        lambda: KhqrCode.update(next_check_at=KhqrCode.created_at).where(KhqrCode.md5 == md5).execute(),
    )
    worker_checks(seeded, md5)
    assert in_app(seeded, khqr.check_overdue) == 0
    assert _expires(seeded) == after
    assert [p.kind for p in _payments(seeded, order)] == ["order"]
    assert _payments(seeded, order)[0].intent_ref == bakong.paid[md5]["hash"]
    # The page now leads to the order.
    response = customer.get(f"/checkout/khqr/{md5}")
    assert response.status_code == 303 and response.location.endswith(f"/orders/{order.id}")


def test_a_code_that_expires_unpaid_expires_the_order_and_gives_back_the_promo(bakong, customer, seeded):
    order, md5, _html = renew_by_khqr(customer, seeded, promo="WELCOME10")
    held = lambda: in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held)  # noqa: E731
    assert held() == 1
    code_ages(seeded, md5, timedelta(minutes=16))
    assert worker_checks(seeded, md5) == "expired"
    assert _order(seeded, order).status == "expired"
    assert held() == 0
    page = customer.get(f"/checkout/khqr/{md5}").get_data(as_text=True)
    assert "This code has expired" in page
    assert 'http-equiv="refresh"' not in page
    assert code(seeded, md5).next_check_at is not None  # a late payment is still looked for


def test_a_payment_after_expiry_is_owed_back_by_bank_transfer(bakong, customer, seeded):
    before = _expires(seeded)
    order, md5, _html = renew_by_khqr(customer, seeded)
    code_ages(seeded, md5, timedelta(minutes=16))
    worker_checks(seeded, md5)
    bakong.pay(md5, order.amount_cents / 100, "USD", payer="late_payer@aclb")
    code_ages(seeded, md5, timedelta(minutes=5))
    assert worker_checks(seeded, md5) == "complete"
    assert _order(seeded, order).status == "expired"
    assert _expires(seeded) == before
    [payment] = _payments(seeded, order)
    assert payment.kind == "extra"
    [refund] = _refunds(seeded, order)
    assert (refund.status, refund.reason, refund.amount_cents) == (
        "transfer",
        "late_payment",
        order.amount_cents,
    )
    assert code(seeded, md5).next_check_at is None  # paid: no more checks
    # The customer is told; an admin sends the transfer and records it.
    detail = customer.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "To be sent back to your bank account" in detail
    admin = staff_client(seeded, *ADMIN, admin=True)
    owed = admin.get("/support/refunds").get_data(as_text=True)
    assert order.number in owed and f"late_payer@aclb · Bakong {bakong.paid[md5]['hash']}" in owed
    assert "late_payer@aclb" in admin.get(f"/support/orders/{order.id}").get_data(as_text=True)
    response = post_form(
        admin, f"/support/refunds/{refund.id}/handed-back", {}, page=f"/support/orders/{order.id}"
    )
    assert response.status_code == 303
    assert _refunds(seeded, order)[0].status == "succeeded"
    assert "Bank transfer sent" not in admin.get(f"/support/orders/{order.id}").get_data(as_text=True)


def test_a_wrong_amount_is_owed_back_and_the_order_can_be_paid_with_a_new_code(bakong, customer, seeded):
    before = _expires(seeded)
    order, md5, _html = renew_by_khqr(customer, seeded)
    bakong.pay(md5, order.amount_cents / 100 - 1, "USD")
    worker_checks(seeded, md5)
    assert _order(seeded, order).status == "pending"
    assert _order(seeded, order).payment_note == "amount_mismatch"
    [refund] = _refunds(seeded, order)
    assert (refund.status, refund.amount_cents) == ("transfer", order.amount_cents - 100)
    page = customer.get(f"/checkout/khqr/{md5}").get_data(as_text=True)
    assert "does not match this order" in page and "Get a new code" in page
    assert 'aria-live="polite">' in page and "data-hx-trigger" not in page  # no longer waiting
    response = post_form(
        customer, f"/orders/{order.id}/pay", {"pay_with": "khqr"}, page=f"/checkout/khqr/{md5}"
    )
    new_md5 = response.location.rsplit("/", 1)[1]
    assert new_md5 != md5
    bakong.pay(new_md5, order.amount_cents / 100, "USD")
    worker_checks(seeded, new_md5)
    assert _order(seeded, order).status == "fulfilled"
    assert _expires(seeded) > before
    assert [p.kind for p in _payments(seeded, order)] == ["mismatch", "order"]


@pytest.mark.parametrize(
    "trouble",
    [{"status": 401}, {"status": 500}, {"status": 429}, {"sleep": 1.0}],
    ids=["unauthorized", "server-error", "rate-limited", "slow"],
)
def test_when_bakong_cannot_answer_the_order_waits_for_the_next_check(bakong, customer, seeded, trouble):
    order, md5, _html = renew_by_khqr(customer, seeded)
    bakong.pay(md5, order.amount_cents / 100, "USD")
    bakong.next("/v1/check_transaction_by_md5", **trouble)
    assert worker_checks(seeded, md5) is None
    assert _order(seeded, order).status == "pending"
    assert code(seeded, md5).next_check_at is not None
    assert worker_checks(seeded, md5) == "complete"
    assert _order(seeded, order).status == "fulfilled"


def test_the_same_check_by_two_workers_at_once_asks_bakong_once(bakong, customer, seeded):
    order, md5, _html = renew_by_khqr(customer, seeded)
    bakong.pay(md5, order.amount_cents / 100, "USD")
    in_app(
        seeded,
        lambda: KhqrCode.update(next_check_at=KhqrCode.created_at).where(KhqrCode.md5 == md5).execute(),
    )
    asked = len(bakong.seen("/v1/check_transaction_by_md5"))
    results = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        results.append(in_app(seeded, khqr.check, md5))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == ["None", "complete"]
    assert len(bakong.seen("/v1/check_transaction_by_md5")) == asked + 1
    assert [p.kind for p in _payments(seeded, order)] == ["order"]


def test_paid_by_card_and_by_khqr_the_plan_is_applied_once_and_the_second_payment_owed_back(
    bakong, customer, seeded
):
    before = _expires(seeded)
    order, md5, _html = renew_by_khqr(customer, seeded)
    # The customer switches to a card (test mode's page) and pays there...
    response = post_form(
        customer, f"/orders/{order.id}/pay", {"pay_with": "card"}, page=f"/checkout/khqr/{md5}"
    )
    test_page = response.location
    post_form(customer, test_page, {"action": "pay"})
    assert _order(seeded, order).status == "fulfilled"
    extended = _expires(seeded)
    assert extended > before
    # ...and had also paid the code from the bank app.
    bakong.pay(md5, order.amount_cents / 100, "USD")
    worker_checks(seeded, md5)
    assert _expires(seeded) == extended
    kinds = sorted((p.provider, p.kind) for p in _payments(seeded, order))
    assert kinds == [("khqr", "extra"), ("test", "order")]
    [refund] = _refunds(seeded, order)
    assert (refund.status, refund.reason) == ("transfer", "duplicate_payment")
    events = in_app(seeded, lambda: [e.note for e in OrderEvent.select().where(OrderEvent.order == order.id)])
    assert any(note.startswith("duplicate_payment") for note in events)


def test_riel_codes_ask_the_converted_price_and_show_the_rate(bakong, customer, seeded):
    seeded.config.update(KHQR_CURRENCY="KHR", KHQR_KHR_PER_USD=4100)
    order, md5, html = renew_by_khqr(customer, seeded)
    riel = round(order.amount_cents * 41 / 100) * 100
    fields = code_fields(html)
    assert fields["53"] == "116"  # riel
    assert fields["54"] == str(riel)
    assert f"KHR{riel:,}" in html and "4,100" in html
    bakong.pay(md5, riel, "KHR")
    worker_checks(seeded, md5)
    assert _order(seeded, order).status == "fulfilled"
    [payment] = _payments(seeded, order)
    assert (payment.amount_cents, payment.currency) == (order.amount_cents, "USD")


def test_without_a_bakong_account_production_offers_no_khqr(fake_stripe, client, auth, seeded):
    auth.login()
    esim = esim_of(seeded)
    page = client.get(f"/esims/{esim.id}/renew").get_data(as_text=True)
    assert "KHQR" not in page
    response = post_form(client, f"/esims/{esim.id}/renew", {"plan": "month-10gb", "pay_with": "khqr"})
    assert response.status_code == 303
    assert "/checkout/khqr/" not in response.location
    assert in_app(seeded, lambda: KhqrCode.select().count()) == 0
    assert in_app(seeded, lambda: Esim.get_by_id(esim.id).expires_at) == esim.expires_at


def test_where_bakong_gives_a_deep_link_the_page_opens_the_bank_app(bakong, customer, seeded):
    seeded.config.update(BAKONG_DEEPLINKS=True)
    _order_, md5, html = renew_by_khqr(customer, seeded)
    [(_path, _headers, body)] = bakong.seen("/v1/generate_deeplink_by_qr")
    assert body["qr"] == code(seeded, md5).qr
    link = code(seeded, md5).deep_link
    assert link.startswith("https://bakongsit.page.link/")
    assert f'href="{link}">Open in your bank app</a>' in html


def test_without_a_deep_link_the_page_offers_the_code_and_the_image_only(bakong, customer, seeded):
    seeded.config.update(BAKONG_DEEPLINKS=True)
    bakong.deeplink_fails = True
    _order_, md5, html = renew_by_khqr(customer, seeded)
    assert "Open in your bank app" not in html
    assert "Save the code as an image" in html


def test_a_check_lost_with_a_restarted_worker_is_queued_again_by_the_sweep(bakong, customer, seeded):
    from datetime import datetime

    order, md5, _html = renew_by_khqr(customer, seeded)
    bakong.pay(md5, order.amount_cents / 100, "USD")
    long_ago = datetime(2020, 1, 1)
    in_app(seeded, lambda: KhqrCode.update(next_check_at=long_ago).where(KhqrCode.md5 == md5).execute())
    assert in_app(seeded, khqr.check_overdue) == 1  # the task runs inline in tests
    assert _order(seeded, order).status == "fulfilled"
    assert in_app(seeded, khqr.check_overdue) == 0
