"""Fixtures: one fresh database per test, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL."""

import os
import shutil
import tempfile

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# The tests' own queue, never the one in instance/ that a developer's worker may be reading.
os.environ["WORKER_QUEUE_PATH"] = os.path.join(tempfile.mkdtemp(prefix="esim-queue-"), "queue.sqlite3")
os.environ.pop("REDIS_URL", None)

from fakes import airalo_server  # noqa: E402
from fakes import bakong_server  # noqa: E402
from fakes import stripe_server  # noqa: E402
from fakes import telegram_server  # noqa: E402
from support.helpers import CHEAP_PASSWORD_HASH  # noqa: E402
from support.helpers import PRODUCTION_SETTINGS  # noqa: E402
from support.helpers import Auth  # noqa: E402
from support.helpers import MovedClock  # noqa: E402
from support.helpers import Outbox  # noqa: E402
from support.helpers import close_pool  # noqa: E402
from support.payments import SECRET  # noqa: E402
from support.telegram import SETTINGS as TELEGRAM_SETTINGS  # noqa: E402

from app import create_app  # noqa: E402
from app.database import migrate  # noqa: E402
from app.database import open_database  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import ALL_MODELS  # noqa: E402
from app.services import demo  # noqa: E402

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])


def _settings(url, tmp_path):
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        # Links sent away (emails, payment links) point at the test client's own host.
        "PUBLIC_URL": "http://localhost",
        # Production's scrypt takes about 0.1 s a hash, most of a test's time; this one a millisecond.
        "PASSWORD_HASH_METHOD": CHEAP_PASSWORD_HASH,
    }


def _migrated(url, tmp_path):
    app = create_app(_settings(url, tmp_path))
    with app.app_context():
        migrate()
    close_pool()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    _migrated(f"sqlite:///{path}", folder)
    return path


def _database_of_this_worker(url):
    """Under pytest-xdist each worker process has a database of its own, beside TEST_DATABASE_URL's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url, None
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    server = open_database(url)
    server.execute_sql(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
    server.execute_sql(f'CREATE DATABASE "{own}"')
    server.close_all()
    return f"{base}/{own}", lambda: _drop(url, own)


def _drop(url, name):
    close_pool()
    server = open_database(url)
    server.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.close_all()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    url, drop = _database_of_this_worker(os.environ["TEST_DATABASE_URL"])
    database = open_database(url)
    database.execute_sql("DROP SCHEMA public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    database.close_all()
    _migrated(url, tmp_path_factory.mktemp("pg"))
    yield url
    if drop is not None:
        drop()


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "app.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        tables = ", ".join(m._meta.table_name for m in ALL_MODELS)
        database = open_database(url)
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        database.close_all()
    app = create_app(_settings(url, tmp_path))
    app.backend = request.param
    yield app
    close_pool()


@pytest.fixture
def seeded(app):
    """The demo catalogue and accounts."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        demo.seed()
        db.close()
    return app


@pytest.fixture
def client(app):
    """A browser on https://localhost: it sends a same-origin Referer, as browsers do."""
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return client


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def outbox(app):
    return Outbox(app.config["OUTBOX_DIR"])


@pytest.fixture
def rate_limit_clock(monkeypatch):
    """The clock of the rate limits (their in-memory store, and the wait a 429 tells): move it on
    with rate_limit_clock.move(seconds) rather than sleep."""
    clock = MovedClock()
    monkeypatch.setattr("limits.storage.memory.time", clock)
    monkeypatch.setattr("app.web.throttle.time", clock)
    return clock


@pytest.fixture
def customer(seeded, client, auth):
    """The browser, logged in as the demo customer."""
    auth.login()
    return client


@pytest.fixture
def production(app, monkeypatch):
    """Make an app as production starts it (APP_ENV unset), on the test's database: production(**env)."""
    for name in PRODUCTION_SETTINGS:
        monkeypatch.delenv(name, raising=False)

    def make(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        close_pool()
        return create_app(
            {"DATABASE_URL": app.config["DATABASE_URL"], "OUTBOX_DIR": app.config["OUTBOX_DIR"]}
        )

    return make


@pytest.fixture(scope="session")
def stripe_api():
    """The local Stripe-compatible server (tests/fakes/stripe_server.py), for the whole run."""
    fake, url, server = stripe_server.start()
    yield fake, url
    server.shutdown()


@pytest.fixture
def fake_stripe(seeded, stripe_api):
    """The app paying through Stripe at the local server, with a webhook secret."""
    fake, url = stripe_api
    fake.__init__()
    seeded.config.update(STRIPE_SECRET_KEY="sk_test_local", STRIPE_API_BASE=url, STRIPE_WEBHOOK_SECRET=SECRET)
    return fake


@pytest.fixture(scope="session")
def bakong_api():
    """The local stand-in for Bakong's Open API (tests/fakes/bakong_server.py), for the whole run."""
    fake, url, server = bakong_server.start()
    yield fake, url
    server.shutdown()


@pytest.fixture
def fake_bakong(bakong_api):
    fake, _url = bakong_api
    fake.reset()
    return fake


MERCHANT = {
    "BAKONG_ACCOUNT": "angkor_esim@aclb",
    "BAKONG_MERCHANT_NAME": "Angkor eSIM",
    "BAKONG_MERCHANT_CITY": "Siem Reap",
}


@pytest.fixture
def bakong(seeded, bakong_api, fake_bakong):
    """The app with a merchant's Bakong account, asking the local stand-in."""
    seeded.config.update(
        MERCHANT, BAKONG_API_BASE=bakong_api[1], BAKONG_TOKEN=bakong_server.TOKEN, BAKONG_TIMEOUT=0.5
    )
    return fake_bakong


@pytest.fixture(scope="session")
def airalo_api():
    """The local stand-in for Airalo's Partner API (tests/fakes/airalo_server.py), for the whole run."""
    fake, url, server = airalo_server.start()
    yield fake, url
    server.shutdown()


@pytest.fixture
def fake_airalo(seeded, airalo_api):
    """The app with OPERATOR=airalo at the local server, a short timeout and no grace period."""
    fake, url = airalo_api
    fake.reset()
    seeded.config.update(
        OPERATOR="airalo",
        AIRALO_API_BASE=url + "/v2",
        AIRALO_CLIENT_ID=airalo_server.CLIENT_ID,
        AIRALO_CLIENT_SECRET=airalo_server.CLIENT_SECRET,
        AIRALO_MARKUP_PERCENT=25,
        AIRALO_TIMEOUT=1.5,  # long enough for a loaded CI machine, short beside test_airalo's 3.5 s stalls
        AIRALO_RECONCILE_GRACE=0,
    )
    return fake


@pytest.fixture(scope="session")
def telegram_api():
    """The Bot API stand-in (app/messengers/standin.py, tests/fakes/telegram_server.py), for the whole run."""
    fake, url, server = telegram_server.start()
    yield fake, url
    server.shutdown()


@pytest.fixture
def fake_telegram(seeded, telegram_api):
    """The app's bot at the local stand-in, with the three Telegram settings."""
    fake, url = telegram_api
    fake.token = TELEGRAM_SETTINGS["TELEGRAM_BOT_TOKEN"]
    fake.reset()
    seeded.config.update(TELEGRAM_SETTINGS, TELEGRAM_API_BASE=url)
    return fake
