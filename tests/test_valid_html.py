"""Every main page, as the server renders it, passes the Nu HTML checker (vnu) with zero errors."""

import json
import shutil
import subprocess

import pytest
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import tool_missing

from app.config import PROJECT_ROOT
from app.models import Esim
from app.models import Order
from app.models import User
from app.services import balance
from app.services import fulfilment
from app.services import orders
from app.services import provisioning
from app.services import renewal
from app.services import support
from app.services.demo import DEMO_AGENT
from app.services.demo import DEMO_CUSTOMER
from app.services.demo import DEMO_ICCID

VNU = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _checker():
    """The command that runs vnu; skips only where Java or the npm tools are truly absent."""
    java = shutil.which("java")
    if java is None or not VNU.exists():
        tool_missing(
            "the Nu HTML checker needs Java and node_modules/vnu-jar (scripts/test installs the npm "
            "tools when npm is there; Debian: apt-get install default-jre-headless npm)"
        )
    return [java, "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json"]


def _orders(app):
    """A fulfilled renewal (order page, receipt), one being applied (the page reloads itself), and a
    fulfilled new eSIM (its pay link's page)."""

    def make():
        customer = User.by_email(DEMO_CUSTOMER[0])
        esim = Esim.get(Esim.iccid == DEMO_ICCID)
        renewed = orders.place_order(customer, renewal.find_plan("month-10gb"), esim=esim)
        fulfilment.fulfil(renewed, "webhook")
        new = orders.place_order(customer, renewal.find_plan("day-1gb"), source="agent")
        fulfilment.fulfil(new, "webhook")
        applying = orders.place_order(customer, renewal.find_plan("day-3gb"), esim=esim)
        Order.update(status="applying").where(Order.id == applying.id).execute()
        ids = (renewed.id, applying.id, esim.id, customer.id)
        return ids, support.payment_token(new), provisioning.install_token(esim)

    return in_app(app, make)


def _pages(app, client):
    (order_id, applying_id, esim_id, customer_id), pay_token, install_token = _orders(app)
    visitor = app.test_client()
    visitor.environ_base["HTTP_REFERER"] = "https://localhost/"
    pages = {
        "landing": visitor.get("/"),
        "landing-km": visitor.get("/?lang=km"),
        "landing-zh": visitor.get("/?lang=zh"),
        "login": visitor.get("/login?lang=en"),
        "register": visitor.get("/register"),
        "forgot-password": visitor.get("/forgot-password"),
        "buy-visitor": visitor.get("/buy?plan=month-10gb"),
        "compatibility": visitor.get("/compatibility?q=pixel"),
        "help": visitor.get("/help"),
        "install-by-link": visitor.get(
            f"/esims/{esim_id}/install?token={install_token}", follow_redirects=True
        ),
        "paid-by-link": visitor.get(f"/pay/{pay_token}", follow_redirects=True),
        "not-found": visitor.get("/no-such-page"),
    }
    token = csrf_token(visitor, "/login")
    pages["login-errors"] = visitor.post("/login", data={"email": "x", "password": "", "csrf_token": token})
    post_form(client, "/login", {"email": DEMO_CUSTOMER[0], "password": DEMO_CUSTOMER[1]})
    renew = f"/esims/{esim_id}/renew"
    pages.update(
        {
            "dashboard": client.get("/dashboard"),
            "dashboard-km": client.get("/dashboard?lang=km"),
            "renewal": client.get(f"{renew}?plan=month-30gb&promo=WELCOME10&lang=en"),
            "renewal-errors": client.post(
                renew, data={"promo": "NOPE", "csrf_token": csrf_token(client, renew)}
            ),
            "buy": client.get("/buy?plan=year-150gb"),
            "esim": client.get(f"/esims/{esim_id}"),
            "orders": client.get("/orders"),
            "order": client.get(f"/orders/{order_id}"),
            "order-applying": client.get(f"/orders/{applying_id}"),
            "receipt": client.get(f"/orders/{order_id}/receipt"),
            "install": client.get(f"/esims/{esim_id}/install"),
            "profile": client.get("/profile"),
        }
    )
    customer = in_app(app, User.by_email, DEMO_CUSTOMER[0])
    in_app(app, balance.credit, customer, 700, "agent_credit", "valid-html")
    pages["balance"] = client.get("/balance")
    pages["renewal-with-balance"] = client.get(f"{renew}?plan=month-10gb")
    pages["balance-errors"] = client.post(
        "/balance/top-up", data={"other": "x", "csrf_token": csrf_token(client, "/balance")}
    )
    khqr = post_form(client, renew, {"plan": "day-1gb", "pay_with": "khqr"})
    pages["khqr"] = client.get(khqr.location)
    pages["khqr-checked"] = client.get(f"{khqr.location}/check", follow_redirects=True)

    def waiting_link():
        customer = User.by_email(DEMO_CUSTOMER[0])
        return support.payment_token(
            orders.place_order(customer, renewal.find_plan("day-3gb"), source="agent")
        )

    pages["pay-link-choice"] = visitor.get(f"/pay/{in_app(app, waiting_link)}", follow_redirects=True)
    staff = staff_client(app, *DEMO_AGENT)
    pages.update(
        {
            "support-search": staff.get("/support?q=demo"),
            "support-customer": staff.get(f"/support/customers/{customer_id}"),
            "support-order": staff.get(f"/support/orders/{order_id}"),
            "support-refunds": staff.get("/support/refunds"),
            "support-counter": staff.get("/support/counter"),
            "support-balance": staff.get(f"/support/customers/{customer_id}/balance"),
        }
    )
    for name, response in pages.items():
        assert response.status_code in (200, 404), (name, response.status_code)
    assert 'http-equiv="refresh"' in pages["order-applying"].get_data(as_text=True)
    assert 'name="pay_with" value="khqr"' in pages["pay-link-choice"].get_data(as_text=True)
    return {name: response.get_data(as_text=True) for name, response in pages.items()}


def test_every_main_page_is_valid_html(client, seeded, tmp_path):
    if seeded.backend != "sqlite":
        pytest.skip("the pages are the same HTML on every database: checked once, on SQLite")
    command = _checker()
    files = []
    for name, html in _pages(seeded, client).items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    run = subprocess.run([*command, *files], capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert not errors, "\n".join(errors)
    assert len(files) >= 25
