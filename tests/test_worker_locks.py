"""Periodic tasks' locks lapse when their holder dies, on Redis from 6.2 and on the SQLite queue."""

import secrets
import threading
import time
from datetime import timedelta

import pytest
from huey.storage import RedisStorage
from huey.storage import SqliteStorage
from support.helpers import WorkerProcess
from support.helpers import in_app
from support.helpers import tool_missing

from app.models import Order
from app.models import utcnow
from app.worker_locks import held
from app.worker_locks import task_lock

REDIS_URL = "redis://127.0.0.1:6379/5"
TTL = 2.0


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue(request, tmp_path):
    """A queue of this test's own (its own name on Redis), and the settings a worker needs to use it."""
    name = f"test-locks-{secrets.token_hex(6)}"
    if request.param == "redis-queue":
        storage = RedisStorage(name, url=REDIS_URL)
        try:
            storage.conn.ping()
        except Exception:  # noqa: BLE001 - no Redis here
            tool_missing(f"no Redis at {REDIS_URL}")
        env = {"REDIS_URL": REDIS_URL, "WORKER_QUEUE_NAME": name}
    else:
        path = tmp_path / "queue.sqlite3"
        storage = SqliteStorage(name, filename=str(path))
        env = {"WORKER_QUEUE_PATH": str(path), "WORKER_QUEUE_NAME": name}
    storage.env = {**env, "WORKER_LOCK_TTL": str(TTL)}
    yield storage
    if request.param == "redis-queue":
        keys = list(storage.conn.scan_iter(match=f"*{name}*"))
        if keys:
            storage.conn.delete(*keys)
    storage.close()


def test_a_lock_held_by_a_running_task_stays_held_past_its_lifetime_and_goes_when_it_ends(queue):
    other = task_lock(queue, "sweep", TTL)
    outcome = {}
    started, finish = threading.Event(), threading.Event()

    def long_task():
        with held(task_lock(queue, "sweep", TTL), TTL) as taken:
            outcome["taken"] = taken
            started.set()
            finish.wait(10)

    runner = threading.Thread(target=long_task)
    runner.start()
    try:
        assert started.wait(5) and outcome["taken"]
        deadline = time.monotonic() + 1.5 * TTL  # past one lifetime: renewed meanwhile
        while time.monotonic() < deadline:
            assert not other.acquire(), "a second holder took a lock whose task still runs"
            other.release()  # not its own: changes nothing
            time.sleep(0.2)
    finally:
        finish.set()
        runner.join()
    assert other.acquire()  # released as the task ended, at once
    other.release()


def test_a_lock_nobody_renews_lapses_within_its_lifetime_and_only_its_holder_releases_it(queue):
    dead = task_lock(queue, "expire-orders", TTL)
    assert dead.acquire()
    started = time.monotonic()
    other = task_lock(queue, "expire-orders", TTL)
    assert not other.acquire()
    other.release()  # someone else's release leaves it held
    assert not task_lock(queue, "expire-orders", TTL).acquire()
    assert task_lock(queue, "reconcile", TTL).acquire()  # another task's lock is another lock
    assert wait_for(other.acquire, TTL + 2)
    assert time.monotonic() - started <= TTL + 1
    assert not dead.renew()  # the lapsed holder cannot take it back from the new one
    dead.release()
    assert not task_lock(queue, "expire-orders", TTL).acquire()


def _lost_paid_order(app, monkeypatch):
    """A paid order whose job never reached the queue, overdue: only a sweep finds it."""
    from app.models import Esim
    from app.services import fulfilment
    from app.services import jobs
    from app.services import orders
    from app.services import renewal
    from app.services.demo import DEMO_ICCID

    def place():
        esim = Esim.get(Esim.iccid == DEMO_ICCID)
        order = orders.create_order(esim.user, esim, renewal.find_plan("month-10gb"))
        with monkeypatch.context() as patched:
            patched.setattr(jobs, "enqueue", lambda *args, **kwargs: None)
            fulfilment.fulfil(order, "webhook")
        past = utcnow() - timedelta(minutes=5)
        Order.update(next_attempt_at=past).where(Order.id == order.id).execute()
        return order.id

    return in_app(app, place)


def test_a_worker_killed_inside_the_sweep_holds_it_up_for_one_lock_lifetime_only(
    seeded, queue, tmp_path, monkeypatch
):
    order_id = _lost_paid_order(seeded, monkeypatch)
    marker = tmp_path / "sweep-started"
    first = WorkerProcess(seeded, tmp_path / "first.log", env=queue.env, hanging_sweep=marker)
    second = None
    try:
        assert wait_for(marker.exists, 30), (tmp_path / "first.log").read_text()[-3000:]
        assert not task_lock(queue, "sweep", TTL).acquire()  # the hanging sweep holds its lock
        first.kill()
        killed = time.monotonic()
        probe = task_lock(queue, "sweep", TTL)
        assert wait_for(probe.acquire, TTL + 5), "the dead worker's lock never lapsed"
        lapsed = time.monotonic() - killed
        probe.release()
        assert lapsed <= TTL + 1
        assert in_app(seeded, Order.get_by_id, order_id).status == "paid"

        # A worker started after the holder died runs the sweep, which finds the lost order.
        second = WorkerProcess(seeded, tmp_path / "second.log", env=queue.env)
        fulfilled = wait_for(lambda: in_app(seeded, Order.get_by_id, order_id).status == "fulfilled", 30)
        assert fulfilled, (tmp_path / "second.log").read_text()[-3000:]
    finally:
        first.stop()
        if second is not None:
            second.stop()
