"""Paid is paid, whoever forgets to tell us: checkouts whose webhook and return never came, settled by
the worker's periodic tasks alone, exactly once; and the payment-method lookup redone until it succeeds."""

import threading
from datetime import timedelta

from support.helpers import in_app
from support.helpers import post_form
from support.payments import esim_of
from support.payments import return_from
from support.payments import start_checkout
from support.payments import webhook

from app import tasks
from app.models import Order
from app.models import OrderEvent
from app.models import Payment
from app.models import PromoCode
from app.models import Refund
from app.models import SimApplication
from app.models import utcnow
from app.services import abandoned_orders


def _order(app, order_id):
    return in_app(app, Order.get_by_id, order_id)


def _checkout_left_for(app, order, minutes):
    """The order's checkout was opened `minutes` ago, and nothing was heard of it since."""
    then = utcnow() - timedelta(minutes=minutes)
    in_app(app, Order.update(updated_at=then).where(Order.id == order.id).execute)


def _run(app, task):
    """A periodic task, run as the worker runs it."""
    with app.app_context():
        task.call_local()


def _held(app, code="WELCOME10"):
    return in_app(app, lambda: PromoCode.get(PromoCode.code == code).held)


def _paid_once(app, order, old_expiry):
    """The order's plan was applied once, with one payment taken and nothing refunded."""
    assert _order(app, order.id).status == "fulfilled"
    assert in_app(app, SimApplication.select().count) == 1
    assert abs(esim_of(app).expires_at - old_expiry - timedelta(days=30)) < timedelta(seconds=5)
    assert in_app(app, Payment.select().count) == 1
    assert in_app(app, Refund.select().count) == 0
    to_paid = OrderEvent.select().where(OrderEvent.order == order.id, OrderEvent.to_status == "paid")
    assert in_app(app, to_paid.count) == 1


def test_a_paid_checkout_nobody_reported_is_fulfilled_by_the_reconciler(client, auth, fake_stripe, seeded):
    auth.login()
    old = esim_of(seeded).expires_at
    order, sid = start_checkout(client, seeded, promo="WELCOME10")
    fake_stripe.complete(sid)  # paid at Stripe; the webhook and the customer's return are lost
    _run(seeded, tasks.reconcile)
    assert _order(seeded, order.id).status == "pending"  # a webhook may still come: not asked yet
    _checkout_left_for(seeded, order, minutes=11)
    _run(seeded, tasks.reconcile)
    _paid_once(seeded, order, old)
    assert _order(seeded, order.id).payment_method == "visa •••• 4242"
    assert (
        _held(seeded),
        in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").redemptions),
    ) == (
        0,
        1,
    )
    page = client.get(f"/orders/{order.id}/receipt").get_data(as_text=True)
    assert "Visa •••• 4242" in page

    # The webhook arrives after all, the customer comes back, and the tasks run again: nothing more.
    assert webhook(client, fake_stripe, "checkout.session.completed", sid).status_code == 200
    assert return_from(client, sid).status_code == 303
    _checkout_left_for(seeded, order, minutes=40)
    _run(seeded, tasks.expire_orders)
    _run(seeded, tasks.reconcile)
    _paid_once(seeded, order, old)


def test_a_paid_checkout_past_its_lifetime_is_fulfilled_not_expired(client, auth, fake_stripe, seeded):
    auth.login()
    old = esim_of(seeded).expires_at
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    _checkout_left_for(seeded, order, minutes=40)
    _run(seeded, tasks.expire_orders)
    _paid_once(seeded, order, old)
    sources = in_app(
        seeded, lambda: [e.source for e in OrderEvent.select().where(OrderEvent.to_status == "paid")]
    )
    assert sources == ["system"]
    assert "expired" not in in_app(seeded, lambda: [e.to_status for e in OrderEvent.select()])


def test_two_sweeps_at_once_and_the_late_webhook_fulfil_a_lost_payment_once(
    client, auth, fake_stripe, seeded
):
    auth.login()
    old = esim_of(seeded).expires_at
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    _checkout_left_for(seeded, order, minutes=40)
    barrier, errors = threading.Barrier(3), []

    def sweep(work):
        barrier.wait()
        try:
            in_app(seeded, work)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    webhook_client = seeded.test_client()
    workers = [
        threading.Thread(target=sweep, args=(abandoned_orders.expire,)),
        threading.Thread(target=sweep, args=(abandoned_orders.settle_unreported,)),
        threading.Thread(
            target=sweep,
            args=(lambda: webhook(webhook_client, fake_stripe, "checkout.session.completed", sid),),
        ),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    _paid_once(seeded, order, old)


def test_a_delayed_payment_still_processing_is_not_expired_and_is_fulfilled_once_paid(
    client, auth, fake_stripe, seeded
):
    auth.login()
    old = esim_of(seeded).expires_at
    order, sid = start_checkout(client, seeded, promo="WELCOME10")
    fake_stripe.complete(sid, paid=False, method="customer_balance")
    _checkout_left_for(seeded, order, minutes=40)
    _run(seeded, tasks.expire_orders)
    processing = _order(seeded, order.id)
    assert (processing.status, processing.payment_note) == ("pending", "processing")
    assert _held(seeded) == 1
    assert "being processed" in client.get(f"/orders/{order.id}").get_data(as_text=True).lower()

    fake_stripe.settle_async(sid, paid=True)  # its async_payment_succeeded webhook is lost too
    _run(seeded, tasks.expire_orders)
    _paid_once(seeded, order, old)


def test_a_checkout_that_ran_out_unpaid_still_expires_its_order_and_frees_the_promo(
    client, auth, fake_stripe, seeded
):
    auth.login()
    order, sid = start_checkout(client, seeded, promo="WELCOME10")
    assert _held(seeded) == 1
    fake_stripe.expire(sid)
    _checkout_left_for(seeded, order, minutes=40)
    _run(seeded, tasks.expire_orders)
    assert _order(seeded, order.id).status == "expired"
    assert _held(seeded) == 0
    assert in_app(seeded, Payment.select().count) == 0
    assert "Expired" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_paying_again_for_an_order_paid_unreported_settles_it_and_opens_no_second_checkout(
    client, auth, fake_stripe, seeded
):
    auth.login()
    old = esim_of(seeded).expires_at
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    response = post_form(client, f"/esims/{esim_of(seeded).id}/renew", {"plan": "month-10gb", "promo": ""})
    assert "checkout.stripe.com" not in (response.location or "")
    assert len(fake_stripe.sessions) == 1
    _paid_once(seeded, order, old)


def _session_lookups(fake, sid):
    return sum(1 for method, path, _expand in fake.requests if method == "GET" and path.endswith(sid))


def test_a_lost_payment_method_lookup_is_done_by_the_next_sweep(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    fake_stripe.fail_next_get = 1  # the lookup after the webhook (which names no method) fails once
    assert webhook(client, fake_stripe, "checkout.session.completed", sid).status_code == 200
    assert _order(seeded, order.id).status == "fulfilled"
    assert _order(seeded, order.id).payment_method == ""
    assert _session_lookups(fake_stripe, sid) == 1

    _run(seeded, tasks.sweep)  # within the first minute the first lookup is still given its go
    assert _session_lookups(fake_stripe, sid) == 1
    paid_at = utcnow() - timedelta(minutes=2)
    in_app(seeded, Order.update(paid_at=paid_at).where(Order.id == order.id).execute)
    _run(seeded, tasks.sweep)
    assert _order(seeded, order.id).payment_method == "visa •••• 4242"
    assert "Visa •••• 4242" in client.get(f"/orders/{order.id}/receipt").get_data(as_text=True)

    _run(seeded, tasks.sweep)  # known now: not asked again
    assert _session_lookups(fake_stripe, sid) == 2


def test_the_sweep_stops_asking_a_week_after_payment(client, auth, fake_stripe, seeded):
    auth.login()
    order, sid = start_checkout(client, seeded)
    fake_stripe.complete(sid)
    fake_stripe.fail_next_get = 1
    webhook(client, fake_stripe, "checkout.session.completed", sid)
    long_ago = utcnow() - timedelta(days=8)
    in_app(seeded, Order.update(paid_at=long_ago).where(Order.id == order.id).execute)
    _run(seeded, tasks.sweep)
    assert _session_lookups(fake_stripe, sid) == 1
    assert _order(seeded, order.id).payment_method == ""


def test_a_khqr_payment_found_by_a_check_that_died_before_settling_is_fulfilled(client, auth, bakong, seeded):
    from support.khqr import renew_by_khqr

    from app.models import KhqrCode
    from app.payments import KHQR
    from app.payments import get_provider

    auth.login()
    old = esim_of(seeded).expires_at
    order, md5, _html = renew_by_khqr(client, seeded)
    bakong.pay(md5, order.amount_cents / 100, "USD")

    def check_dies_after_asking():
        get_provider(KHQR).retrieve(md5)  # Bakong says paid; the worker is killed before settling
        KhqrCode.update(next_check_at=None).where(KhqrCode.md5 == md5).execute()

    in_app(seeded, check_dies_after_asking)
    assert _order(seeded, order.id).status == "pending"
    _checkout_left_for(seeded, order, minutes=40)
    _run(seeded, tasks.expire_orders)
    _paid_once(seeded, order, old)
    assert _order(seeded, order.id).payment_method == "khqr"
    _run(seeded, tasks.expire_orders)
    _paid_once(seeded, order, old)
