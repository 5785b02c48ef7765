"""Production never takes test payments by itself: without Stripe keys it refuses to start."""

import os
import subprocess
import sys

import pytest

from app import create_app
from app.config import PROJECT_ROOT
from app.config import ConfigError

BANNER = "Test mode: payments are simulated and no money is taken."


@pytest.fixture
def production(monkeypatch, tmp_path):
    for name in ("APP_ENV", "STRIPE_SECRET_KEY", "PAYMENTS", "OPERATOR", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLIC_URL", "https://localhost")
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}


def test_production_without_stripe_keys_refuses_to_start(production):
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY is not set"):
        create_app(production)


def test_the_command_line_says_why_in_one_line(production, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("APP_ENV", "STRIPE_SECRET_KEY", "PAYMENTS")}
    env["DATABASE_URL"] = production["DATABASE_URL"]
    env["PUBLIC_URL"] = "https://localhost"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "STRIPE_SECRET_KEY is not set" in lines[0] and "PAYMENTS=test" in lines[0]


def test_test_payments_on_purpose_start_and_say_so_on_every_page(production, monkeypatch):
    monkeypatch.setenv("PAYMENTS", "test")
    app = create_app({**production, "SESSION_COOKIE_SECURE": False})
    from app.database import migrate

    with app.app_context():
        migrate()
    client = app.test_client()
    for url in ("/", "/login", "/buy", "/compatibility"):
        assert BANNER in client.get(url, base_url="https://localhost").get_data(as_text=True), url


def test_stripe_keys_start_without_the_banner(production, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_local")
    app = create_app(production)
    from app.database import migrate

    with app.app_context():
        migrate()
    page = app.test_client().get("/login", base_url="https://localhost").get_data(as_text=True)
    assert BANNER not in page
