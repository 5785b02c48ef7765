"""Faults with nobody watching: a worker killed with SIGKILL in the middle of the work loses nothing.

Two worker processes on a Redis queue and the test's database (SQLite, and PostgreSQL with
TEST_DATABASE_URL) work through paid orders; one is killed while some are done and others
are not, and restarted, as a supervisor would. Whatever the dead worker held waits for its
claims to lapse (minutes in production; here the clock is moved on once the queue is idle)
and for the sweep. In the end every paid order is fulfilled or refunded, once, and every
activation email went out once.
"""

import re
import secrets
import time
from collections import Counter
from datetime import timedelta

import pytest
from huey.storage import RedisStorage
from support.helpers import Outbox
from support.helpers import WorkerProcess
from support.helpers import in_app
from support.helpers import tool_missing

from app import worker
from app.models import LocalRefund
from app.models import Order
from app.models import OrderStatus
from app.models import OutgoingMail
from app.models import Plan
from app.models import Refund
from app.models import SimApplication
from app.models import SimLine
from app.models import User
from app.models import utcnow
from app.services import demo

REDIS_URL = "redis://127.0.0.1:6379/5"
ORDERS = 30
REFUSED = 6  # renewals of lines the operator does not know: refused, so refunded
DONE = (OrderStatus.FULFILLED, OrderStatus.REFUNDED)

# Three worker processes for a few seconds: run beside the browser tests' live server, they would
# compete for the same two cores, so they run one after the other in that group's process.
pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture
def redis_queue(seeded, monkeypatch):
    """The app queueing to a Redis queue of this test's own, with no worker yet."""
    name = f"test-faults-{secrets.token_hex(6)}"
    storage = RedisStorage(name, url=REDIS_URL)
    try:
        storage.conn.ping()
    except Exception:  # noqa: BLE001 - no Redis here
        tool_missing(f"no Redis at {REDIS_URL}")
    monkeypatch.setitem(seeded.config, "WORKER_IMMEDIATE", False)
    monkeypatch.setitem(seeded.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(seeded.config, "WORKER_QUEUE_NAME", name)
    worker.init_app(seeded)
    yield storage
    monkeypatch.undo()
    worker.init_app(seeded)
    keys = list(storage.conn.scan_iter(match=f"*{name}*"))
    if keys:
        storage.conn.delete(*keys)


def _place_paid_orders(app, numbers):
    """Orders paid on the test checkout: new eSIMs, and (one in five) renewals the operator refuses."""
    from app.services import checkout
    from app.services import orders
    from app.services import payments

    def place():
        user = User.get(User.email == demo.DEMO_CUSTOMER[0])
        plan = Plan.get(Plan.code == "month-10gb")
        placed = []
        for n in numbers:
            if n % (ORDERS // REFUSED) == 0:
                iccid = f"8985500000000{n:05d}0"
                esim = demo.add_esim(user, iccid, plan=plan)
                SimLine.delete().where(SimLine.iccid == iccid).execute()  # unknown to the operator
                order = orders.create_order(user, esim, plan)
            else:
                order = orders.place_order(user, plan)
            session = payments.start_checkout(
                order,
                "http://localhost/checkout/return?session_id={CHECKOUT_SESSION_ID}",
                "http://localhost/",
            )
            checkout.pay_test(session.id)
            placed.append(order.id)
        return placed

    with app.test_request_context():
        return in_app(app, place)


def _counts(app):
    def count():
        by_status = Counter(o.status for o in Order.select(Order.status).where(Order.paid_at.is_null(False)))
        unsent = OutgoingMail.select().where(OutgoingMail.sent_at.is_null()).count()
        return by_status, unsent

    return in_app(app, count)


def _running_applies(log):
    """The apply_order tasks a worker's log says it started and has not finished."""
    started = set(re.findall(r"Executing app\.services\.fulfilment\.apply_order: (\S+)", log))
    return started - set(re.findall(r"app\.services\.fulfilment\.apply_order: (\S+) executed", log))


def _time_passes(app):
    """Minutes pass: what a dead worker claimed is due again, and the sweep runs (as each minute)."""
    from app import tasks

    def lapse():
        past = utcnow() - timedelta(seconds=1)
        Order.update(next_attempt_at=past).where(Order.status.in_(["paid", "applying"])).execute()
        OutgoingMail.update(next_try_at=past, locked_until=None).where(
            OutgoingMail.sent_at.is_null()
        ).execute()
        Refund.update(next_try_at=past, locked_until=None).where(Refund.status == "queued").execute()

    in_app(app, lapse)
    tasks.sweep()  # queued, as the consumer's scheduler queues it


def test_a_worker_killed_mid_work_leaves_every_paid_order_fulfilled_or_refunded_and_each_email_sent_once(
    redis_queue, seeded, tmp_path
):
    app = seeded
    first_wave = ORDERS // 3
    placed = _place_paid_orders(app, range(first_wave))
    assert redis_queue.queue_size() >= first_wave  # the jobs wait for a worker

    env = {"REDIS_URL": REDIS_URL, "WORKER_QUEUE_NAME": redis_queue.name, "WORKER_LOCK_TTL": "2"}
    started = time.monotonic()
    # The operator answers 1 s after it took each request: a worker killed then leaves an order
    # the operator has and the portal has claimed, for the next try to pick up without applying it twice.
    workers = [WorkerProcess(app, tmp_path / f"worker-{n}.log", env=env, operator_pause=1) for n in (1, 2)]
    logs = lambda: "\n".join(w.log_path.read_text()[-2000:] for w in workers)  # noqa: E731
    try:
        done_at_kill = 0
        while time.monotonic() - started < 30:
            if sum(_counts(app)[0][s] for s in DONE) >= 3:
                break
            time.sleep(0.05)
        # The rest are paid while the workers are busy, and one worker is killed while it applies one.
        placed += _place_paid_orders(app, range(first_wave, ORDERS))
        assert len(placed) == ORDERS
        while time.monotonic() - started < 40:
            done_at_kill = sum(_counts(app)[0][s] for s in DONE)
            if _running_applies(workers[0].log_path.read_text()):
                break
            time.sleep(0.05)
        workers[0].kill()
        assert 0 < done_at_kill < ORDERS, f"killed with {done_at_kill} of {ORDERS} done\n{logs()}"
        workers.append(WorkerProcess(app, tmp_path / "worker-3.log", env=env))  # restarted by its supervisor

        idle_since, last, clock_moves, stranded = None, None, 0, 0
        while time.monotonic() - started < 55:
            by_status, unsent = _counts(app)
            if sum(by_status[s] for s in DONE) == ORDERS and unsent == 0:
                break
            state = (tuple(sorted(by_status.items())), unsent)
            queued = redis_queue.queue_size() + redis_queue.schedule_size()
            if queued or state != last:
                idle_since, last = None, state
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > 1:
                if not clock_moves:
                    stranded = ORDERS - sum(by_status[s] for s in DONE)
                _time_passes(app)  # nothing left to do but what the dead worker held
                idle_since, clock_moves = None, clock_moves + 1
            time.sleep(0.1)
        seconds = time.monotonic() - started
    finally:
        for process in workers:
            process.stop()

    by_status, unsent = _counts(app)
    mails = in_app(app, lambda: list(OutgoingMail.select()))
    sent = Outbox(app.config["OUTBOX_DIR"]).messages()
    per_message = Counter(message["Message-ID"] for message in sent)
    print(
        f"\nfault test ({app.backend}, Redis queue): {ORDERS} paid orders, killed at {done_at_kill} done;"
        f" fulfilled {by_status[OrderStatus.FULFILLED]}, refunded {by_status[OrderStatus.REFUNDED]},"
        f" emails {len(sent)} ({len(per_message)} distinct); {stranded} orders stranded by the kill,"
        f" clock moved on {clock_moves}x; {seconds:.1f} s"
    )
    assert (by_status[OrderStatus.FULFILLED], by_status[OrderStatus.REFUNDED]) == (
        ORDERS - REFUSED,
        REFUSED,
    ), f"{dict(by_status)}\n{logs()}"
    # Each refused order refunded once, in full; each line applied once.
    refunds = in_app(app, lambda: list(LocalRefund.select()))
    assert len(refunds) == REFUSED
    applications = in_app(app, lambda: [a.request_key for a in SimApplication.select()])
    assert len(applications) == len(set(applications)) == ORDERS - REFUSED
    # One activation email per new eSIM, each sent once.
    assert unsent == 0 and len(mails) == ORDERS - REFUSED
    assert len(per_message) == len(mails) and set(per_message.values()) == {1}, per_message.most_common(3)
    assert seconds < 60
