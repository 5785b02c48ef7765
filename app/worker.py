"""The background worker's queue: Huey, on SQLite by default and on Redis when REDIS_URL is set.

The queue is made when this module is imported, from the same environment the
app's settings come from, because tasks are registered on it as they are
declared. Every task runs inside an app context with its own database
connection; in immediate mode (tests) it runs inline, in its caller's context.
"""

import functools
import logging
import os
from pathlib import Path

from flask import has_app_context
from huey import RedisHuey
from huey import SqliteHuey

from app import worker_locks
from app.config import PROJECT_ROOT
from app.extensions import db

QUEUE_NAME = os.environ.get("WORKER_QUEUE_NAME") or "esim-portal"
# How long a periodic task's lock outlives its holder's last renewal: a worker killed inside a
# periodic task delays that task's next run by at most this long.
LOCK_TTL = float(os.environ.get("WORKER_LOCK_TTL") or 300)
log = logging.getLogger(__name__)


def _make_queue():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey(QUEUE_NAME, url=redis_url, results=False)
    path = Path(os.environ.get("WORKER_QUEUE_PATH") or PROJECT_ROOT / "instance" / "queue.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    # The queue need not survive a power cut: the database records every step that is due, and
    # the sweep queues again whatever the queue lost, so a commit here skips the fsync.
    return SqliteHuey(QUEUE_NAME, filename=str(path), results=False, fsync=False)


huey = _make_queue()
_bound = {}


def init_app(app):
    """Run tasks for `app`; inline when WORKER_IMMEDIATE is set (the default under TESTING)."""
    huey.immediate = bool(app.config.get("WORKER_IMMEDIATE", app.config.get("TESTING")))
    _bound["app"] = app


def _in_app(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with _bound["app"].app_context():
            db.connect(reuse_if_open=True)
            try:
                return fn(*args, **kwargs)
            finally:
                db.close()

    return run


def task(**options):
    """A Huey task that runs with the app's settings and database."""
    return lambda fn: huey.task(**options)(_in_app(fn))


def periodic_task(schedule, lock=None):
    """A Huey periodic task; with `lock`, two workers never run it at the same time."""

    def decorate(fn):
        body = _in_app(fn)

        @functools.wraps(fn)
        def run():
            if not lock:
                return body()
            with worker_locks.held(worker_locks.task_lock(huey.storage, lock, LOCK_TTL), LOCK_TTL) as taken:
                if not taken:
                    log.info("%s is running on another worker; this run is skipped", lock)
                    return None
                return body()

        return huey.periodic_task(schedule)(run)

    return decorate


def run_consumer(workers):
    """Run the consumer in this process until it is stopped (Ctrl-C or SIGTERM)."""
    from app import tasks  # noqa: F401 - registers the tasks on the queue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        # Poll an empty queue at least every second, so paid orders move on within seconds.
        max_delay=1.0,
    )
    consumer.run()
