"""A live server with demo data and a worker beside it, and headless Chromium at a phone's size."""

import shutil
import threading
from pathlib import Path

import pytest
from support.helpers import WorkerProcess
from support.helpers import close_pool
from werkzeug.serving import make_server

from app import create_app
from app import worker
from app.database import migrate
from app.services import demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture
def live_server(tmp_path):
    """The app on a free localhost port, with a fresh SQLite database and the demo data."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite3'}",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "OPERATOR_APPLY_DELAY": 1,
            "WORKER_IMMEDIATE": False,
        }
    )
    with app.app_context():
        migrate()
        demo.seed()
    close_pool()
    worker.huey.flush()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = app.base_url  # links sent away (and the worker's emails) lead here
    beside = WorkerProcess(app, tmp_path / "worker.log")  # as in production: a worker beside the web
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    beside.stop()
    worker.huey.flush()
    close_pool()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """Make a new phone-sized browser context: phone(javascript=True, locale="en-US")."""
    contexts = []

    def make(javascript=True, locale="en-US"):
        context = browser.new_context(viewport=PHONE, java_script_enabled=javascript, locale=locale)
        context.set_default_timeout(10000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
