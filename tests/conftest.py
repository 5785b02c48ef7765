"""Fixtures: one fresh database per test, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL."""

import email
import email.policy
import os
import re
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app  # noqa: E402
from app.database import migrate  # noqa: E402
from app.database import open_database  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import ALL_MODELS  # noqa: E402
from app.services import demo  # noqa: E402

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _settings(url, tmp_path):
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SERVER_NAME": "localhost",
    }


def _migrated(url, tmp_path):
    app = create_app(_settings(url, tmp_path))
    with app.app_context():
        migrate()
    db.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    _migrated(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    url = os.environ["TEST_DATABASE_URL"]
    database = open_database(url)
    database.execute_sql("DROP SCHEMA public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    database.close()
    _migrated(url, tmp_path_factory.mktemp("pg"))
    return url


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
        database.close()
    app = create_app(_settings(url, tmp_path))
    app.backend = request.param
    yield app
    db.close()


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


def csrf_token(client, url):
    """The CSRF token of the form on `url`, as a browser would read it."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF field on {url}"
    return match.group(1) or match.group(2)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email=demo.DEMO_CUSTOMER[0], password=demo.DEMO_CUSTOMER[1], next_url=None):
        url = "/login" + (f"?next={next_url}" if next_url else "")
        token = csrf_token(self.client, "/login")
        return self.client.post(url, data={"email": email, "password": password, "csrf_token": token})

    def logout(self):
        token = csrf_token(self.client, "/profile")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


class Outbox:
    def __init__(self, folder):
        self.folder = Path(folder)

    def messages(self):
        if not self.folder.exists():
            return []
        files = sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]

    def last(self):
        messages = self.messages()
        assert messages, "no email was sent"
        return messages[-1]


@pytest.fixture
def outbox(app):
    return Outbox(app.config["OUTBOX_DIR"])


def body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def translated(app, lang, message, **variables):
    """`message` as the app renders it in `lang`; for km and zh it must differ from English."""
    from flask_babel import force_locale
    from flask_babel import gettext

    with app.test_request_context():
        with force_locale("en"):
            english = gettext(message, **variables)
        with force_locale(lang):
            text = gettext(message, **variables)
    if lang != "en":
        assert text != english, f"not translated into {lang}: {message}"
    return text


def in_app(app, fn, *args, **kwargs):
    """Run `fn` inside an app context with a database connection, as a view would."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            return fn(*args, **kwargs)
        finally:
            db.close()


def make_customer(app, email="other@example.com", password="other-pass-1234", language="en"):
    from app.services import accounts

    return in_app(app, accounts.register, email, password, language)


def make_esim(app, user, iccid, **kwargs):
    """An eSIM for `user` that the simulated operator knows (see demo.add_esim)."""
    from app.models import Plan

    def create():
        plan = kwargs.pop("plan", None) or Plan.get(Plan.code == "month-10gb")
        return demo.add_esim(user, iccid, plan=plan, **kwargs)

    return in_app(app, create)


HTMX = {"HX-Request": "true"}
