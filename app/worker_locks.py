"""Locks for the periodic tasks that lapse on their own when their holder dies.

A lock is held for `ttl` seconds and renewed by its holder while its task runs
(`held`); a worker killed with SIGKILL stops renewing, so its lock lapses within
one `ttl` and the next worker takes it. Each holder has a token of its own: only
the holder renews or releases its lock. On Redis it is `SET key token NX PX ttl`
with compare-and-extend and compare-and-delete (redis-py's Lock, any Redis from
6.2); on the SQLite queue a row in the queue's file, claimed by compare-and-set.
"""

import logging
import secrets
import threading
import time
from contextlib import contextmanager

from huey.storage import RedisStorage
from huey.storage import SqliteStorage
from redis.exceptions import LockError

log = logging.getLogger(__name__)


class RedisLock:
    def __init__(self, storage, name, ttl):
        key = f"{storage.name}.task-lock.{name}"
        # thread_local=False: the heartbeat thread renews the token the task's thread took.
        self.lock = storage.conn.lock(key, timeout=ttl, blocking=False, thread_local=False)

    def acquire(self):
        return self.lock.acquire(blocking=False)

    def renew(self):
        try:
            return self.lock.reacquire()
        except LockError:
            return False

    def release(self):
        try:
            self.lock.release()
        except LockError:
            pass  # it lapsed, and may be someone else's now: theirs stays


class SqliteLock:
    TABLE = (
        "create table if not exists task_lock (queue text not null, name text not null, "
        "holder text not null, expires_at real not null, primary key (queue, name))"
    )

    def __init__(self, storage, name, ttl):
        self.storage, self.name, self.ttl = storage, name, ttl
        self.token = secrets.token_hex(16)
        self._change(self.TABLE, ())
        self._change(
            "insert or ignore into task_lock (queue, name, holder, expires_at) values (?, ?, '', 0)",
            (storage.name, name),
        )

    def _change(self, sql, params):
        with self.storage.db(commit=True) as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _claim(self, condition, params):
        sql = f"update task_lock set holder = ?, expires_at = ? where queue = ? and name = ? and {condition}"
        now = time.time()
        return self._change(sql, (self.token, now + self.ttl, self.storage.name, self.name, *params)) == 1

    def acquire(self):
        return self._claim("expires_at <= ?", (time.time(),))

    def renew(self):
        return self._claim("holder = ?", (self.token,))

    def release(self):
        self._change(
            "update task_lock set holder = '', expires_at = 0 where queue = ? and name = ? and holder = ?",
            (self.storage.name, self.name, self.token),
        )


class MemoryLock:
    """For the in-memory queue of immediate mode (tests): one process, so a dict will do."""

    _held = {}
    _guard = threading.Lock()

    def __init__(self, storage, name, ttl):
        self.key, self.ttl, self.token = (id(storage), name), ttl, secrets.token_hex(16)

    def _claim(self, may):
        with self._guard:
            holder, expires_at = self._held.get(self.key, (None, 0))
            if not may(holder, expires_at):
                return False
            self._held[self.key] = (self.token, time.monotonic() + self.ttl)
            return True

    def acquire(self):
        return self._claim(lambda holder, expires_at: expires_at <= time.monotonic())

    def renew(self):
        return self._claim(lambda holder, expires_at: holder == self.token)

    def release(self):
        with self._guard:
            if self._held.get(self.key, (None,))[0] == self.token:
                del self._held[self.key]


def task_lock(storage, name, ttl):
    """A lock named `name` on the queue `storage`, held for `ttl` seconds unless renewed."""
    if isinstance(storage, RedisStorage):
        return RedisLock(storage, name, ttl)
    if isinstance(storage, SqliteStorage):
        return SqliteLock(storage, name, ttl)
    return MemoryLock(storage, name, ttl)


@contextmanager
def held(lock, ttl):
    """Yield whether `lock` was taken; while the block runs, a thread renews it every ttl / 3."""
    if not lock.acquire():
        yield False
        return
    stop = threading.Event()

    def renew():
        while not stop.wait(ttl / 3):
            try:
                if not lock.renew():
                    log.warning("a periodic task's lock lapsed while it ran; another worker may run it too")
                    return
            except Exception:  # noqa: BLE001 - the queue is briefly away: try again at the next beat
                log.exception("could not renew a periodic task's lock")

    heartbeat = threading.Thread(target=renew, name="task-lock-heartbeat", daemon=True)
    heartbeat.start()
    try:
        yield True
    finally:
        stop.set()
        heartbeat.join()
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - unreleased, it lapses within one ttl
            log.exception("could not release a periodic task's lock")
