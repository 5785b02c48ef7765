"""The background worker's queue: Huey, on SQLite by default and on Redis when REDIS_URL is set.

Tasks are declared where their rules live, when their modules are imported; the
queue they run on is made from the app's settings in `init_app`, and every task
declared, before or after, is registered on it (Huey finds a task by its module
and name). Every task runs inside an app context with its own database
connection; in immediate mode (tests) it runs inline, in its caller's context.
"""

import functools
import logging
from pathlib import Path

from flask import has_app_context
from huey import RedisHuey
from huey import SqliteHuey

from app import worker_locks
from app.extensions import db

log = logging.getLogger(__name__)

huey = None  # the queue init_app made from the app's settings
_declared = []
_bound = {}


def make_queue(config):
    """The Huey queue the settings name: Redis when REDIS_URL is set, else a SQLite file."""
    name = config["WORKER_QUEUE_NAME"]
    immediate = bool(config.get("WORKER_IMMEDIATE", config.get("TESTING")))
    if config.get("REDIS_URL"):
        return RedisHuey(name, url=config["REDIS_URL"], results=False, immediate=immediate)
    path = Path(config["WORKER_QUEUE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    # The queue need not survive a power cut: the database records every step that is due, and
    # the sweep queues again whatever the queue lost, so a commit here skips the fsync.
    return SqliteHuey(name, filename=str(path), results=False, fsync=False, immediate=immediate)


def init_app(app):
    """Run tasks for `app` on the queue its settings name; inline when WORKER_IMMEDIATE is set
    (the default under TESTING)."""
    global huey
    huey = make_queue(app.config)
    _bound["app"] = app
    for task in _declared:
        task.bind(huey)


class Task:
    """A task declared at import time, run on the queue `init_app` made; called or scheduled as
    Huey's own (`task(*args)`, `task.schedule(args, delay=…)`, `task.call_local(*args)`)."""

    def __init__(self, fn, declare):
        self.name = fn.__name__
        self.__doc__ = fn.__doc__
        self._declare = declare
        self._queued = None
        _declared.append(self)
        if huey is not None:
            self.bind(huey)

    def bind(self, queue):
        self._queued = self._declare(queue)

    def _on_queue(self):
        if self._queued is None:
            raise RuntimeError(f"task {self.name} has no queue yet: create_app makes it")
        return self._queued

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._on_queue(), name)

    def __call__(self, *args, **kwargs):
        return self._on_queue()(*args, **kwargs)

    def __repr__(self):
        return f"<task {self.name}>"


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

    def declare(fn):
        body = _in_app(fn)
        return Task(fn, lambda queue: queue.task(**options)(body))

    return declare


def periodic_task(schedule, lock=None):
    """A Huey periodic task; with `lock`, two workers never run it at the same time."""

    def declare(fn):
        body = _in_app(fn)

        @functools.wraps(fn)
        def run():
            if not lock:
                return body()
            ttl = _bound["app"].config["WORKER_LOCK_TTL"]
            with worker_locks.held(worker_locks.task_lock(huey.storage, lock, ttl), ttl) as taken:
                if not taken:
                    log.info("%s is running on another worker; this run is skipped", lock)
                    return None
                return body()

        return Task(fn, lambda queue: queue.periodic_task(schedule)(run))

    return declare


def run_consumer(workers):
    """Run the consumer in this process until it is stopped (Ctrl-C or SIGTERM); the caller has
    imported every module that declares tasks (app.tasks does)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        # Poll an empty queue at least every second, so paid orders move on within seconds.
        max_delay=1.0,
    )
    consumer.run()
