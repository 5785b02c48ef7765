"""Work handed to the background worker once the transaction that records it has committed.

A request writes down a fact (an order paid, an email to send) and the work it
calls for in one transaction; the worker is told only after the commit, so it
never looks for a row that is not there yet. If telling it fails, or the process
dies in between, the periodic sweep finds the recorded work anyway.
"""

import contextvars
from contextlib import contextmanager

from flask import current_app

from app.extensions import db

_after_commit = contextvars.ContextVar("after_commit", default=None)


@contextmanager
def transaction():
    """`db.atomic()`; jobs enqueued inside it are sent when the outermost block commits."""
    pending = _after_commit.get()
    if pending is not None:
        mark = len(pending)
        try:
            with db.atomic():
                yield
        except BaseException:
            del pending[mark:]  # rolled back to the savepoint: its jobs with it
            raise
        return
    pending = []
    token = _after_commit.set(pending)
    try:
        with db.atomic():
            yield
    finally:
        _after_commit.reset(token)
    for job in pending:
        job()


def enqueue(task, *args, delay=None):
    """Run the worker task `task(*args)` (after `delay` seconds), after the current commit."""

    def send():
        try:
            if delay:
                task.schedule(args=args, delay=delay)
            else:
                task(*args)
        except Exception:  # noqa: BLE001 - the queue is down: the sweep picks the work up
            current_app.logger.exception("could not queue %s%r", task.name, args)

    pending = _after_commit.get()
    if pending is None:
        send()
    else:
        pending.append(send)
