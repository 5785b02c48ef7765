"""Helpers the tests share: CSRF tokens, logging in, the outbox, translations, test data."""

import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.config import PROJECT_ROOT
from app.extensions import db
from app.services import demo

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
HTMX = {"HX-Request": "true"}
CHEAP_PASSWORD_HASH = "pbkdf2:sha256:1000"
# What production is started with, unset before a test starts an app as production does.
PRODUCTION_SETTINGS = (
    "APP_ENV",
    "STRIPE_SECRET_KEY",
    "PAYMENTS",
    "OPERATOR",
    "PUBLIC_URL",
    "TRUSTED_HOSTS",
    "PROXY_COUNT",
    "PASSWORD_HASH_METHOD",
)


def csrf_token(client, url):
    """The CSRF token of the form on `url`, as a browser would read it."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF field on {url}"
    return match.group(1) or match.group(2)


def post_form(client, url, fields, page=None, **options):
    """Send `fields` to `url` as the form on `page` (by default `url`) would, with that page's CSRF token."""
    data = {**fields, "csrf_token": csrf_token(client, page or url)}
    return client.post(url, data=data, **options)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email=demo.DEMO_CUSTOMER[0], password=demo.DEMO_CUSTOMER[1], next_url=None):
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return post_form(self.client, url, {"email": email, "password": password}, page="/login")

    def logout(self):
        return post_form(self.client, "/logout", {}, page="/profile")


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


def close_pool():
    """Close every pooled connection, so tests leave no connection open behind them."""
    db.close()
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()


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


def time_passes_for_the_worker(app):
    """Every order's next step falls due and the worker's sweep runs (tasks run inline in tests)."""
    from datetime import timedelta

    from app.models import Order
    from app.models import OutgoingMail
    from app.models import Refund
    from app.models import utcnow
    from app.services import fulfilment
    from app.services import mail
    from app.services import refunds

    def run():
        past = utcnow() - timedelta(seconds=1)
        Order.update(next_attempt_at=past).where(Order.status.in_(["paid", "applying"])).execute()
        OutgoingMail.update(next_try_at=past).where(OutgoingMail.sent_at.is_null()).execute()
        Refund.update(next_try_at=past).where(Refund.status == "queued").execute()
        fulfilment.sweep()
        mail.retry_due()
        refunds.retry_due()

    in_app(app, run)


# The worker, with what a test asks of it: a sweep that, once it holds its lock, touches a file and
# hangs (a worker caught inside a periodic task, to be killed there); an operator slow to answer
# after it took a request (a worker killed while it waits holds a claimed order).
_WORKER = """
import os, sys, time
from pathlib import Path

if os.environ.get("TEST_SWEEP_MARKER"):
    from app.services import fulfilment

    marker = Path(os.environ["TEST_SWEEP_MARKER"])

    def hang(*args, **kwargs):
        marker.touch()
        time.sleep(600)

    fulfilment.sweep = hang

if os.environ.get("TEST_OPERATOR_PAUSE"):
    from app.operators.simulated import SimulatedOperator

    pause = float(os.environ["TEST_OPERATOR_PAUSE"])
    apply_plan = SimulatedOperator.apply_plan

    def slow_apply_plan(self, iccid, plan):
        reference = apply_plan(self, iccid, plan)
        time.sleep(pause)
        return reference

    SimulatedOperator.apply_plan = slow_apply_plan

from flask.cli import main
sys.argv = ["flask", "--app", "wsgi", "worker", "--workers", "2"]
main()
"""


class WorkerProcess:
    """`flask --app wsgi worker` in a process of its own, on the test's database and queue.

    `env`: more settings (another queue, a short lock lifetime). `hanging_sweep`: a file that the
    worker's sweep touches once it holds the sweep's lock, after which it never finishes.
    `operator_pause`: seconds the operator takes to answer after it took a request.
    """

    def __init__(self, app, log_path, env=None, hanging_sweep=None, operator_pause=None):
        env = dict(
            os.environ,
            DATABASE_URL=app.config["DATABASE_URL"],
            OUTBOX_DIR=app.config["OUTBOX_DIR"],
            PUBLIC_URL=app.config["PUBLIC_URL"],
            PAYMENTS="test",
            OPERATOR_APPLY_DELAY="1",
            **(env or {}),
        )
        env.pop("APP_ENV", None)
        if hanging_sweep:
            env["TEST_SWEEP_MARKER"] = str(hanging_sweep)
        if operator_pause:
            env["TEST_OPERATOR_PAUSE"] = str(operator_pause)
        command = [sys.executable, "-c", _WORKER]
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def kill(self):
        """SIGKILL: the worker dies where it stands, with no chance to let go of anything."""
        self.process.kill()
        self.process.wait()


def decode_qr(html):
    """The text of the first QR code in a page, read from its inline SVG as a phone's camera would.

    The SVG draws each dark module as a 1×1 square at "Mx,y"; it is painted into an image
    with a quiet zone and read by zxing-cpp, a barcode reader of its own.
    """
    import numpy as np
    import zxingcpp

    svg = re.search(r"<svg[^>]*viewBox=\"0 0 (\d+) \d+\".*?</svg>", html, re.S)
    assert svg, "no QR code in the page"
    size = int(svg.group(1))
    grid = np.full((size, size), 255, dtype=np.uint8)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg.group(0)):
        grid[int(y), int(x)] = 0
    image = np.pad(np.kron(grid, np.ones((8, 8), dtype=np.uint8)), 32, constant_values=255)
    found = zxingcpp.read_barcode(image)
    assert found is not None, "the QR code does not read"
    return found.text


def browser(app, address=None):
    """Another browser (another device): same-origin Referer, and its own network address if given."""
    other = app.test_client()
    other.environ_base["HTTP_REFERER"] = "https://localhost/"
    if address:
        other.environ_base["REMOTE_ADDR"] = address
    return other


def staff_client(app, email, password, admin=False):
    """A browser logged in as a support agent (made an admin first with `admin`)."""
    if admin:
        result = app.test_cli_runner().invoke(args=["create-agent", email, "--admin", "--password", password])
        assert "is now an admin" in result.output
    staff = browser(app)
    Auth(staff).login(email, password)
    return staff


def deliver_async_order(client, fake):
    """Airalo makes the accepted async order and POSTs it to our webhook, signed."""
    [request_id] = list(fake.pending)
    fake.process(request_id)
    raw, signature, url = fake.webhook(request_id)
    assert url.endswith("/webhooks/airalo")
    headers = {"Content-Type": "application/json", "airalo-signature": signature}
    response = client.post("/webhooks/airalo", data=raw, headers=headers)
    assert response.status_code == 200
    return response


def tool_missing(message):
    """Skip a test whose tool (Java, an npm package) is absent here; fail instead where CI requires it."""
    import os

    import pytest

    if os.environ.get("REQUIRE_TEST_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)


class MovedClock:
    """Stands in for the `time` module where a test moves time on instead of waiting: time() is the
    real time plus every move; the rest is the real module's."""

    def __init__(self):
        self.moved = 0.0

    def move(self, seconds):
        self.moved += seconds

    def time(self):
        return time.time() + self.moved

    def __getattr__(self, name):
        return getattr(time, name)
