"""The background worker: paid orders and emails finish with nobody watching."""

import time
from datetime import timedelta

import pytest
from support.helpers import WorkerProcess
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import time_passes_for_the_worker

from app import worker
from app.models import Esim
from app.models import LocalRefund
from app.models import Order
from app.models import OrderEvent
from app.models import SimApplication
from app.services import fulfilment
from app.services.demo import DEMO_ICCID


def _esim(app):
    return in_app(app, Esim.get, Esim.iccid == DEMO_ICCID)


def _order(app, order_id=None):
    if order_id is None:
        return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())
    return in_app(app, Order.get_by_id, order_id)


def _pay_renewal(client, app, plan="month-10gb"):
    """Renew the demo eSIM and pay on the test checkout page: its webhook event, then the return."""
    esim = _esim(app)
    token = csrf_token(client, f"/esims/{esim.id}/renew")
    response = client.post(f"/esims/{esim.id}/renew", data={"plan": plan, "promo": "", "csrf_token": token})
    assert response.status_code == 303 and response.location.startswith("/checkout/test/")
    paid = post_form(client, response.location, {"action": "pay"})
    returned = client.get(paid.location.split("localhost", 1)[-1])
    assert returned.status_code == 303
    return _order(app)


@pytest.fixture
def queued(seeded):
    """The app enqueuing to the real queue (a SQLite file), with no worker running yet."""
    seeded.config["WORKER_IMMEDIATE"] = False
    worker.init_app(seeded)
    worker.huey.flush()
    yield seeded
    worker.huey.flush()
    seeded.config["WORKER_IMMEDIATE"] = True
    worker.init_app(seeded)


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_paid_renewal_waits_for_a_worker_and_is_applied_with_nobody_watching(
    client, auth, queued, tmp_path
):
    auth.login()
    old_expiry = _esim(queued).expires_at
    order = _pay_renewal(client, queued)
    # The webhook and the return recorded the payment and nothing more: no operator call.
    assert order.status == "paid"
    assert in_app(queued, SimApplication.select().count) == 0
    assert worker.huey.pending_count() > 0
    assert _order(queued, order.id).status == "paid"  # no worker yet: the job waits in the queue

    process = WorkerProcess(queued, tmp_path / "worker.log")
    try:
        done = _wait_for(lambda: _order(queued, order.id).status == "fulfilled")
    finally:
        process.stop()
    assert done, (tmp_path / "worker.log").read_text()[-3000:]
    assert process.process.returncode == 0  # Ctrl-C stops it cleanly
    new_expiry = _esim(queued).expires_at
    assert abs((new_expiry - old_expiry) - timedelta(days=30)) < timedelta(seconds=5)
    assert in_app(queued, SimApplication.select().count) == 1

    from app.text import local_date

    with queued.test_request_context():
        shown = local_date(new_expiry)
    assert shown in client.get("/dashboard").get_data(as_text=True)
    sources = in_app(
        queued,
        lambda: [(e.to_status, e.source) for e in OrderEvent.select().where(OrderEvent.order == order.id)],
    )
    assert ("applying", "system") in sources and ("fulfilled", "system") in sources


def test_an_order_left_paid_with_no_job_is_recovered_by_the_sweep(client, auth, seeded, monkeypatch):
    from app.services import jobs
    from app.services import orders
    from app.services import renewal

    auth.login()
    esim = _esim(seeded)
    order = in_app(seeded, orders.create_order, esim.user, esim, renewal.find_plan("month-10gb"))
    # The process dies between the commit and telling the worker: the job is never queued.
    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: None)
    assert in_app(seeded, fulfilment.fulfil, order, "webhook")
    monkeypatch.undo()
    assert _order(seeded, order.id).status == "paid"

    assert in_app(seeded, fulfilment.sweep) == 0  # within its first minute it is not overdue yet
    time_passes_for_the_worker(seeded)
    recovered = _order(seeded, order.id)
    assert recovered.status == "fulfilled"
    assert in_app(seeded, SimApplication.select().count) == 1


def test_a_try_that_died_at_the_operator_is_retried_without_applying_twice(client, auth, seeded, monkeypatch):
    from app.operators.simulated import SimulatedOperator
    from app.services import orders
    from app.services import renewal

    real_apply = SimulatedOperator.apply_plan

    def apply_then_die(self, iccid, plan):
        real_apply(self, iccid, plan)
        raise SystemExit("the worker was killed after the operator took the request")

    auth.login()
    esim = _esim(seeded)
    order = in_app(seeded, orders.create_order, esim.user, esim, renewal.find_plan("month-10gb"))
    monkeypatch.setattr(SimulatedOperator, "apply_plan", apply_then_die)
    with pytest.raises(SystemExit):
        in_app(seeded, fulfilment.fulfil, order, "webhook")
    monkeypatch.undo()
    assert _order(seeded, order.id).status == "paid"
    time_passes_for_the_worker(seeded)
    assert _order(seeded, order.id).status == "fulfilled"
    assert in_app(seeded, SimApplication.select().count) == 1  # the order number keyed the request


def test_an_operator_down_for_good_ends_failed_and_the_payment_goes_back(client, auth, seeded, monkeypatch):
    from app.operators import OperatorError
    from app.operators.simulated import SimulatedOperator

    def down(self, iccid, plan):
        raise OperatorError("connection refused")

    monkeypatch.setattr(SimulatedOperator, "apply_plan", down)
    auth.login()
    order = _pay_renewal(client, seeded)
    assert (order.status, order.attempts) == ("paid", 1)  # not failed at the first outage
    for _ in range(len(fulfilment.RETRY_PAUSES) + 1):
        time_passes_for_the_worker(seeded)
    failed = _order(seeded, order.id)
    # Failed after its last try, then refunded in full through the (test) payment provider.
    assert (failed.status, failed.failure_reason) == ("refunded", "operator")
    assert failed.attempts == len(fulfilment.RETRY_PAUSES) + 1
    [refund] = in_app(seeded, lambda: list(LocalRefund.select()))
    assert refund.amount_cents == order.amount_cents
    time_passes_for_the_worker(seeded)
    assert _order(seeded, order.id).attempts == failed.attempts  # a closed order is left alone
    assert in_app(seeded, LocalRefund.select().count) == 1


def test_an_outage_shorter_than_the_retries_still_ends_fulfilled(client, auth, seeded, monkeypatch):
    from app.operators import OperatorError
    from app.operators.simulated import SimulatedOperator

    real_apply = SimulatedOperator.apply_plan
    outage = {"left": 3}

    def flaky(self, iccid, plan):
        if outage["left"]:
            outage["left"] -= 1
            raise OperatorError("503 Service Unavailable")
        return real_apply(self, iccid, plan)

    monkeypatch.setattr(SimulatedOperator, "apply_plan", flaky)
    auth.login()
    order = _pay_renewal(client, seeded)
    for _ in range(3):
        assert _order(seeded, order.id).status == "paid"
        time_passes_for_the_worker(seeded)
    assert _order(seeded, order.id).status == "fulfilled"
    assert in_app(seeded, SimApplication.select().count) == 1


def test_the_webhook_only_records_and_the_order_page_only_reads(client, auth, queued):
    auth.login()
    order = _pay_renewal(client, queued)
    for _ in range(3):
        assert client.get(f"/orders/{order.id}").status_code == 200
        client.get("/orders")
    assert _order(queued, order.id).status == "paid"
    assert in_app(queued, SimApplication.select().count) == 0
    assert worker.huey.pending_count() >= 1  # the job is in the queue, for the worker


def test_the_periodic_tasks_run_on_the_real_queue_and_sweep_what_is_due(client, auth, queued):
    from app import tasks
    from app.services import orders
    from app.services import renewal

    auth.login()
    esim = _esim(queued)
    order = in_app(queued, orders.create_order, esim.user, esim, renewal.find_plan("month-10gb"))
    in_app(queued, fulfilment.fulfil, order, "webhook")
    worker.huey.flush()  # the job is lost
    in_app(queued, lambda: Order.update(next_attempt_at=Order.paid_at).where(Order.id == order.id).execute())
    with queued.app_context():
        for periodic in (tasks.sweep, tasks.expire_orders, tasks.reconcile, tasks.send_reminders):
            periodic.call_local()  # as the consumer runs them, lock included
    assert worker.huey.pending_count() == 1  # the sweep queued the lost order again


def test_the_worker_expires_abandoned_test_checkouts_outside_any_request(client, auth, seeded):
    from app import tasks
    from app.models import LocalCheckout
    from app.models import utcnow

    auth.login()
    esim = _esim(seeded)
    post_form(client, f"/esims/{esim.id}/renew", {"plan": "month-10gb", "promo": ""})
    order = _order(seeded)
    long_ago = utcnow() - timedelta(hours=1)
    in_app(seeded, lambda: LocalCheckout.update(expires_at=long_ago).execute())
    in_app(seeded, lambda: Order.update(updated_at=long_ago).where(Order.id == order.id).execute())
    seeded.config["SERVER_NAME"] = None  # as in the worker: no request, no server name
    with seeded.app_context():
        tasks.expire_orders.call_local()
    assert _order(seeded, order.id).status == "expired"
