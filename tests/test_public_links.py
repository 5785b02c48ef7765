"""Links sent away are built on PUBLIC_URL, whatever host a request names; other hosts can be refused."""

import importlib.util
import logging
import re
from datetime import timedelta

import pytest
from support.helpers import CSRF_RE
from support.helpers import Auth
from support.helpers import body
from support.helpers import close_pool
from support.helpers import in_app
from support.helpers import make_esim
from support.helpers import translated

from app import create_app
from app.config import PROJECT_ROOT
from app.models import Order
from app.web.access_log import RedactTokens
from app.web.access_log import redact

PUBLIC = "https://esim.example.com"
URL_RE = re.compile(r"https?://[^\s\"'<>]+")


def _ask_for_reset(client, **request):
    page = client.get("/forgot-password", **request).get_data(as_text=True)
    token = next(part for part in CSRF_RE.search(page).groups() if part)
    return client.post("/forgot-password", data={"email": "demo@example.com", "csrf_token": token}, **request)


@pytest.fixture
def behind_proxy(seeded):
    """The same database, served by an app that trusts one proxy's X-Forwarded-* headers."""
    settings = {
        key: seeded.config[key] for key in ("TESTING", "DATABASE_URL", "OUTBOX_DIR", "PASSWORD_HASH_METHOD")
    }
    close_pool()
    return create_app({**settings, "PUBLIC_URL": PUBLIC, "PROXY_COUNT": 1})


@pytest.mark.parametrize("how", ["host", "forwarded"])
def test_a_reset_asked_for_through_another_host_links_only_to_public_url(seeded, behind_proxy, outbox, how):
    if how == "host":
        seeded.config["PUBLIC_URL"] = PUBLIC
        # The attacker's own browser, at a host that reaches this server.
        evil = {"base_url": "https://evil.example", "headers": {"Referer": "https://evil.example/"}}
        answer = _ask_for_reset(seeded.test_client(), **evil)
    else:
        forwarded = {"X-Forwarded-Host": "evil.example", "Referer": "https://evil.example/"}
        answer = _ask_for_reset(behind_proxy.test_client(), headers=forwarded)
    assert answer.status_code == 302, answer.get_data(as_text=True)[-1500:]
    links = URL_RE.findall(body(outbox.last()))
    assert links and all(link.startswith(PUBLIC + "/") for link in links), links
    assert any("/reset-password/" in link for link in links)
    assert "evil.example" not in outbox.last().as_string()


@pytest.mark.parametrize("how", ["host", "forwarded"])
def test_trusted_hosts_refuse_another_host_with_a_translated_page_and_send_nothing(
    seeded, behind_proxy, outbox, how
):
    trusted = ["esim.example.com"]
    if how == "host":
        seeded.config.update(PUBLIC_URL=PUBLIC, TRUSTED_HOSTS=trusted)
        client, request = seeded.test_client(), {"base_url": "http://evil.example"}
    else:
        behind_proxy.config["TRUSTED_HOSTS"] = trusted
        client = behind_proxy.test_client()
        request = {"base_url": "http://esim.example.com", "headers": {"X-Forwarded-Host": "evil.example"}}
    refused = client.get("/forgot-password?lang=km", **request)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert translated(seeded, "km", "Something was wrong with that request") in page
    assert 'href="/static/app.css?v=' in page  # the whole layout, not a bare error
    posted = client.post("/forgot-password", data={"email": "demo@example.com"}, **request)
    assert posted.status_code == 400
    assert outbox.messages() == []

    allowed = client.get("/forgot-password", base_url="http://esim.example.com")
    assert allowed.status_code == 200


def test_the_agents_payment_link_and_its_email_are_on_public_url(client, seeded, outbox):
    from app.models import Esim
    from app.services.demo import DEMO_ICCID

    seeded.config["PUBLIC_URL"] = PUBLIC
    Auth(client).login("agent@example.com", "agent-pass-1234")
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    page = client.get(f"/support/customers/{esim.user_id}").get_data(as_text=True)
    token = next(part for part in CSRF_RE.search(page).groups() if part)
    made = client.post(
        f"/support/customers/{esim.user_id}/renewals",
        data={"esim": esim.id, "plan": "month-30gb", "csrf_token": token},
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    page = client.get(made.location).get_data(as_text=True)
    shown = re.search(r'<code id="pay-link">([^<]+)</code>', page).group(1)
    assert shown.startswith(PUBLIC + "/pay/")
    client.post(f"/support/orders/{order.id}/email-link", data={"csrf_token": token})
    links = URL_RE.findall(body(outbox.last()))
    assert links and all(link.startswith(PUBLIC + "/") for link in links), links


def test_emails_sent_outside_a_request_are_on_public_url_too(seeded, outbox):
    from app.models import User

    seeded.config["PUBLIC_URL"] = PUBLIC + "/shop"  # under a path prefix as well
    make_esim(seeded, in_app(seeded, User.by_email, "demo@example.com"), "8985500000000002001", days_left=5)
    sent = seeded.test_cli_runner().invoke(args=["send-reminders"])  # as cron or the worker would
    assert "Sent 1 reminder(s)." in sent.output
    links = URL_RE.findall(body(outbox.last()))
    assert links and all(link.startswith(PUBLIC + "/shop/") for link in links), links


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        ("/reset-password/Im1lIg.aZ3xK.9f-Q?lang=km", "/reset-password/…?lang=km"),
        ("/pay/eyJvIjo0Mn0.aZ3xK.Qx_1?lang=zh", "/pay/…?lang=zh"),
        ("/checkout/cancel/abc.def-ghi", "/checkout/cancel/…"),
        ("/esims/7/install?token=abc.def&lang=en", "/esims/7/install?token=…&lang=en"),
        ("/esims/7/install?lang=en&token=abc.def", "/esims/7/install?lang=en&token=…"),
        ('"GET /pay/abc.def HTTP/1.1" 303 -', '"GET /pay/… HTTP/1.1" 303 -'),
        (
            "https://esim.example.com/checkout/cancel/tok?x=1",
            "https://esim.example.com/checkout/cancel/…?x=1",
        ),
        ("/orders/12/receipt?lang=km", "/orders/12/receipt?lang=km"),
        ("/pay", "/pay"),
    ],
)
def test_tokens_are_cut_out_of_logged_addresses(logged, shown):
    assert redact(logged) == shown


def _gunicorn_logger():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", PROJECT_ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from gunicorn.config import Config

    config = Config()
    config.set("logger_class", module.logger_class)
    config.set("accesslog", "-")
    return config.logger_class(config)


def test_gunicorns_access_log_shows_no_token(capsys):
    from types import SimpleNamespace

    logger = _gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/reset-password/secret-token-1?lang=km",
        "PATH_INFO": "/reset-password/secret-token-1",
        "QUERY_STRING": "lang=km",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": "https://esim.example.com/checkout/cancel/secret-token-2",
    }
    response = SimpleNamespace(status="303 SEE OTHER", headers=[], sent=0)
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=4))
    logger.cfg.set("access_log_format", "%(U)s %(q)s %({raw_uri}e)s")
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=4))
    line = capsys.readouterr().out
    assert '"GET /reset-password/…?lang=km HTTP/1.1" 303' in line and "/checkout/cancel/…" in line
    assert "/reset-password/… lang=km /reset-password/…?lang=km" in line
    assert "secret-token" not in line


def test_the_development_servers_log_shows_no_token():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s %s',
        ("127.0.0.1", "GET /pay/tok1 HTTP/1.1", "303", "-"),
        None,
    )
    RedactTokens().filter(record)
    assert record.getMessage() == '127.0.0.1 - - "GET /pay/… HTTP/1.1" 303 -'
