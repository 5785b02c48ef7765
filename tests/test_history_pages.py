"""Long histories come 20 at a time, newest first, with an "Older" link that works without JavaScript."""

import re
from datetime import timedelta

import pytest
from support.helpers import HTMX
from support.helpers import Auth
from support.helpers import in_app

from app.models import AuditLog
from app.models import Order
from app.models import Plan
from app.models import User
from app.models import utcnow
from app.operators.simulated import SimulatedOperator

AGENT = ("agent@example.com", "agent-pass-1234")


def _orders(app, count, statuses=("fulfilled", "applying", "expired")):
    def make():
        user = User.by_email("demo@example.com")
        plan = Plan.get(Plan.code == "month-10gb")
        start = utcnow() - timedelta(days=count)
        for n in range(count):
            Order.create(
                number=f"RH{n:06d}",
                user=user,
                plan=plan,
                status=statuses[n % len(statuses)],
                price_cents=500,
                amount_cents=500,
                created_at=start + timedelta(hours=n // 2),  # two at a time: ties broken by id
            )
            AuditLog.create(customer=user, actor=User.by_email(AGENT[0]), action="note", detail=f"note {n}")
        return user

    return in_app(app, make)


@pytest.fixture
def no_operator(monkeypatch):
    """Any call to the operator fails the test: a list of orders must not ask it anything."""

    def called(*_args, **_kwargs):
        raise AssertionError("the operator was called")

    for name in ("read_usage", "apply_plan", "application_status"):
        monkeypatch.setattr(SimulatedOperator, name, called)


def _numbers(html):
    return re.findall(r"RH\d{6}", html)


def test_order_history_pages_through_every_order_once_without_javascript(client, auth, seeded, no_operator):
    _orders(seeded, 45)
    auth.login()
    seen, url, pages = [], "/orders", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        numbers = _numbers(html)
        assert len(numbers) <= 20
        seen += numbers
        older = re.search(r'href="(/orders\?before=\d+)"', html)
        url = older.group(1).replace("&amp;", "&") if older else None
        pages += 1
    assert pages == 3
    assert seen == [f"RH{n:06d}" for n in reversed(range(45))]  # newest first, each once


def test_older_orders_arrive_in_place_with_htmx(client, auth, seeded):
    _orders(seeded, 25)
    auth.login()
    first = client.get("/orders").get_data(as_text=True)
    link = re.search(r'hx-get="(/orders\?before=\d+)"', first).group(1)
    fragment = client.get(link, headers={**HTMX, "HX-Target": "orders-older"}).get_data(as_text=True)
    assert "<html" not in fragment
    assert _numbers(fragment) == [f"RH{n:06d}" for n in reversed(range(5))]
    assert "orders-older" not in fragment  # nothing older left


def test_the_support_customer_page_pages_orders_and_the_audit_log(client, seeded, no_operator, monkeypatch):
    user = _orders(seeded, 30)
    Auth(client).login(*AGENT)
    monkeypatch.undo()  # the page itself reads the eSIMs' usage; its order lists do not
    page = client.get(f"/support/customers/{user.id}").get_data(as_text=True)
    assert len(set(_numbers(page))) == 20
    assert page.count("note 29") == 2 and "note 9<" not in page  # newest 20 in notes and in the log
    older = re.search(rf'href="(/support/customers/{user.id}\?orders_before=\d+)#orders"', page).group(1)
    fragment = client.get(older, headers={**HTMX, "HX-Target": "orders-older"}).get_data(as_text=True)
    assert sorted(set(_numbers(fragment))) == [f"RH{n:06d}" for n in range(10)]
    log_older = re.search(rf'hx-get="(/support/customers/{user.id}\?log_before=\d+)"', page).group(1)
    rows = client.get(log_older, headers={**HTMX, "HX-Target": "log-older"}).get_data(as_text=True)
    assert rows.count("<tr>") == 10 and "note 0<" in rows
