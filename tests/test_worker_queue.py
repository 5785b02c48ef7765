"""The worker's queue is the one the app's settings name, made when the app is created."""

import secrets

import pytest
from huey.storage import RedisStorage
from huey.storage import SqliteStorage
from support.helpers import tool_missing

from app import config
from app import create_app
from app import worker
from app.services import jobs
from app.services import mail

REDIS_URL = "redis://127.0.0.1:6379/15"


def _app(tmp_path, **settings):
    return create_app(
        {
            "TESTING": True,
            "WORKER_IMMEDIATE": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'queue-test.sqlite3'}",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            **settings,
        }
    )


@pytest.fixture
def queue_name():
    return f"test-queue-{secrets.token_hex(6)}"


def test_an_app_given_a_redis_url_queues_its_tasks_on_that_redis(tmp_path, queue_name):
    outside = RedisStorage(queue_name, url=REDIS_URL)
    try:
        outside.conn.ping()
    except Exception:  # noqa: BLE001 - no Redis here
        tool_missing(f"no Redis at {REDIS_URL}")
    try:
        _app(tmp_path, REDIS_URL=REDIS_URL, WORKER_QUEUE_NAME=queue_name)
        jobs.enqueue(mail.deliver_mail, 1)
        assert outside.queue_size() == 1  # the task waits in Redis database 15 for a worker
        assert isinstance(worker.huey.storage, RedisStorage)
    finally:
        outside.flush_all()


def test_an_app_given_a_queue_file_queues_its_tasks_in_that_file(tmp_path, queue_name):
    path = tmp_path / "elsewhere" / "queue.sqlite3"
    _app(tmp_path, REDIS_URL=None, WORKER_QUEUE_PATH=str(path), WORKER_QUEUE_NAME=queue_name)
    jobs.enqueue(mail.deliver_mail, 1, delay=60)
    jobs.enqueue(mail.deliver_mails, [1, 2])
    assert SqliteStorage(queue_name, filename=str(path)).queue_size() == 2  # each waits for a worker
    assert isinstance(worker.huey.storage, SqliteStorage)


def test_under_testing_tasks_run_inline_on_no_queue_at_all(tmp_path, queue_name):
    path = tmp_path / "queue.sqlite3"
    _app(tmp_path, WORKER_IMMEDIATE=True, WORKER_QUEUE_PATH=str(path), WORKER_QUEUE_NAME=queue_name)
    assert worker.huey.immediate
    assert not path.exists()


def test_the_queue_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("WORKER_QUEUE_PATH", "/var/lib/esim/queue.sqlite3")
    monkeypatch.setenv("WORKER_QUEUE_NAME", "esim-staging")
    monkeypatch.setenv("WORKER_LOCK_TTL", "60")
    settings = config.from_environment(tmp_path)
    assert settings["REDIS_URL"] == REDIS_URL
    assert settings["WORKER_QUEUE_PATH"] == "/var/lib/esim/queue.sqlite3"
    assert settings["WORKER_QUEUE_NAME"] == "esim-staging"
    assert settings["WORKER_LOCK_TTL"] == 60
    for name in ("REDIS_URL", "WORKER_QUEUE_PATH", "WORKER_QUEUE_NAME", "WORKER_LOCK_TTL"):
        monkeypatch.delenv(name)
    settings = config.from_environment(tmp_path)
    assert settings["REDIS_URL"] is None
    assert settings["WORKER_QUEUE_PATH"] == str(tmp_path / "queue.sqlite3")
    assert (settings["WORKER_QUEUE_NAME"], settings["WORKER_LOCK_TTL"]) == ("esim-portal", 300)
