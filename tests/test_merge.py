"""Two records of one person merged by an admin: everything moves, the other record logs in no more."""

import json
import re
import subprocess
import threading

import pytest
from support.helpers import Auth
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import make_esim
from support.helpers import post_form
from support.helpers import staff_client

from app.models import AuditLog
from app.models import Order
from app.models import Reminder
from app.models import User
from app.models import UserSession
from app.models import utcnow
from app.services import accounts
from app.services import orders
from app.services import renewal
from app.services.demo import DEMO_AGENT
from app.services.demo import DEMO_CUSTOMER

ADMIN = ("admin@example.com", "lotus-temple-4821")
SECOND = ("dara.second@example.com", "second-pass-12345")
SECOND_ICCID = "8985500000000009991"


@pytest.fixture
def twins(seeded):
    """The demo customer, and a second record of the same person (same phone) with an eSIM, an
    order, a reminder and an audit entry, logged in on a phone of its own."""

    def second_record():
        user = accounts.register(*SECOND, name="", phone="012 345 678")
        return user

    second = in_app(seeded, second_record)
    esim = make_esim(seeded, second, SECOND_ICCID, days_left=3)

    def history():
        order = orders.place_order(second, renewal.find_plan("day-1gb"), esim=esim)
        Reminder.create(esim=esim, kind="expiry_7d", cycle="2026-12-10", sent_at=utcnow())
        agent = User.by_email(DEMO_AGENT[0])
        AuditLog.create(actor=agent, customer=second, action="note", detail="Called from the airport")
        return order

    order = in_app(seeded, history)
    phone = browser(seeded)
    Auth(phone).login(*SECOND)
    assert phone.get("/dashboard").status_code == 200
    demo = in_app(seeded, User.by_email, DEMO_CUSTOMER[0])
    return {"demo": demo, "second": second, "order": order, "phone": phone}


def _admin(app):
    return staff_client(app, *ADMIN, admin=True)


def _merge(client, kept, other, token=None):
    token = token or csrf_token(client, f"/support/customers/{kept.id}/merge?other={other.id}")
    return client.post(f"/support/customers/{kept.id}/merge", data={"other": other.id, "csrf_token": token})


def test_the_customer_page_offers_an_admin_the_other_record_with_the_same_phone(seeded, twins):
    admin = _admin(seeded)
    page = admin.get(f"/support/customers/{twins['demo'].id}").get_data(as_text=True)
    assert "Other records with this phone number" in page
    assert f'<option value="{twins["second"].id}">' in page
    # An agent is not offered it, and search lists both records until they are merged.
    agent = staff_client(seeded, *DEMO_AGENT)
    assert "Other records with this phone number" not in agent.get(
        f"/support/customers/{twins['demo'].id}"
    ).get_data(as_text=True)
    results = agent.get("/support?q=012345678").get_data(as_text=True)
    assert results.count("/support/customers/") == 2


def test_merging_asks_first_then_moves_everything_and_retires_the_other_record(seeded, twins):
    demo, second = twins["demo"], twins["second"]
    admin = _admin(seeded)
    confirm = admin.get(f"/support/customers/{demo.id}/merge?other={second.id}")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Merge two records of one customer" in html
    assert SECOND[0] in html and "This cannot be undone." in html
    assert in_app(seeded, lambda: Order.get_by_id(twins["order"].id).user_id) == second.id  # nothing yet

    response = _merge(admin, demo, second)
    assert response.status_code == 303 and response.location == f"/support/customers/{demo.id}"
    page = admin.get(response.location).get_data(as_text=True)
    assert "The two records are one now. The other record can no longer log in." in page
    assert SECOND_ICCID in page
    assert twins["order"].number in page
    assert "Called from the airport" in page
    assert "Another record of this customer merged into this one" in page
    reminders = page.split("Reminders sent", 1)[1].split("</ul>", 1)[0]
    assert SECOND_ICCID[-4:] in reminders
    assert "Other records with this phone number" not in page

    def moved():
        return (
            Order.get_by_id(twins["order"].id).user_id,
            AuditLog.select().where(AuditLog.customer == second.id).count(),
            UserSession.select().where(UserSession.user == second.id).count(),
            User.get_by_id(second.id).role,
            User.by_email(SECOND[0]),
        )

    order_owner, left_entries, sessions, role, by_address = in_app(seeded, moved)
    assert (order_owner, left_entries, sessions, role, by_address) == (demo.id, 0, 0, "merged", None)
    # The other record's phone is logged out and cannot log in again; its address is free.
    assert twins["phone"].get("/dashboard").status_code == 302
    again = browser(seeded)
    Auth(again).login(*SECOND)
    assert again.get("/dashboard").status_code == 302
    assert admin.get(f"/support/customers/{second.id}").status_code == 404
    assert admin.get("/support?q=012345678").get_data(as_text=True).count("/support/customers/") == 1
    new = browser(seeded)
    post_form(
        new, "/register", {"email": SECOND[0], "password": "a-new-pass-98765", "confirm": "a-new-pass-98765"}
    )
    assert in_app(seeded, User.by_email, SECOND[0]) is not None
    # The demo customer sees the moved eSIM and order.
    demo_phone = browser(seeded)
    Auth(demo_phone).login()
    assert SECOND_ICCID[-4:] in demo_phone.get("/dashboard").get_data(as_text=True)
    assert twins["order"].number in demo_phone.get("/orders").get_data(as_text=True)
    entry = in_app(seeded, lambda: AuditLog.get(AuditLog.action == "customers_merged"))
    assert entry.customer_id == demo.id and f"#{second.id}" in entry.detail and SECOND[0] in entry.detail


def test_a_record_with_no_email_takes_the_others_address_and_password(seeded, twins):
    agent = staff_client(seeded, *DEMO_AGENT)
    # A walk-in registered at the counter by phone only (another number), then the same person's
    # online account got that phone too: the counter's record is the one kept.
    post_form(agent, "/support/counter", {"phone": "097 111 2222", "name": "Dara", "plan": "day-1gb"})
    walk_in = in_app(seeded, lambda: User.get(User.phone == "+855971112222"))
    in_app(seeded, accounts.update_profile, twins["second"], "", "097 111 2222", "en")
    _merge(_admin(seeded), walk_in, twins["second"])
    kept = in_app(seeded, User.get_by_id, walk_in.id)
    assert (kept.email, kept.name, kept.phone) == (SECOND[0], "Dara", "+855971112222")
    phone = browser(seeded)
    Auth(phone).login(*SECOND)
    assert phone.get("/dashboard").status_code == 200
    assert twins["order"].number in phone.get("/orders").get_data(as_text=True)


def test_only_an_admin_merges_by_post_with_a_csrf_token_and_only_once(seeded, twins):
    demo, second = twins["demo"], twins["second"]
    agent = staff_client(seeded, *DEMO_AGENT)
    token = csrf_token(agent, "/support")
    assert agent.get(f"/support/customers/{demo.id}/merge?other={second.id}").status_code == 403
    assert _merge(agent, demo, second, token).status_code == 403
    admin = _admin(seeded)
    refused = admin.post(f"/support/customers/{demo.id}/merge", data={"other": second.id})
    assert refused.status_code == 400
    assert in_app(seeded, lambda: User.get_by_id(second.id).role) == "customer"  # nothing moved
    # Into itself, or a record that is not there: said, and nothing changes.
    for other in (demo.id, 999999, "x"):
        response = admin.post(
            f"/support/customers/{demo.id}/merge",
            data={"other": other, "csrf_token": csrf_token(admin, "/support")},
        )
        assert response.status_code == 303
        flashed = admin.get(response.location).get_data(as_text=True)
        assert re.search("cannot be merged|Please choose another record", flashed), other
    assert _merge(admin, demo, second).status_code == 303
    second_time = admin.post(
        f"/support/customers/{demo.id}/merge",
        data={"other": second.id, "csrf_token": csrf_token(admin, "/support")},
        follow_redirects=True,
    )
    assert "That record cannot be merged: it is no longer a separate customer." in second_time.get_data(
        as_text=True
    )
    assert in_app(seeded, lambda: AuditLog.select().where(AuditLog.action == "customers_merged").count()) == 1


def test_the_merge_pages_are_valid_html(seeded, twins, tmp_path):
    from test_valid_html import _checker

    if seeded.backend != "sqlite":
        pytest.skip("the pages are the same HTML on every database: checked once, on SQLite")
    command = _checker()
    admin = _admin(seeded)
    demo, second = twins["demo"], twins["second"]
    pages = {
        "customer-with-twin": f"/support/customers/{demo.id}",
        "confirm-merge": f"/support/customers/{demo.id}/merge?other={second.id}",
    }
    files = []
    for name, url in pages.items():
        response = admin.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"{name}.html"
        path.write_text(response.get_data(as_text=True), encoding="utf-8")
        files.append(str(path))
    run = subprocess.run([*command, *files], capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    errors = [f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert not errors, "\n".join(errors)


def test_two_admins_merging_one_pair_at_once_merge_it_once(seeded, twins):
    demo, second = twins["demo"], twins["second"]
    # Two merge one way round, two the other way round, all at the same moment.
    pairs = [(demo, second), (second, demo)] * 2
    forms = []
    for kept, other in pairs:
        admin = _admin(seeded)
        forms.append(
            (admin, kept, other, csrf_token(admin, f"/support/customers/{kept.id}/merge?other={other.id}"))
        )
    barrier = threading.Barrier(len(forms))
    statuses, errors = [], []

    def merge(client, kept, other, token):
        try:
            barrier.wait()
            statuses.append(_merge(client, kept, other, token).status_code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=merge, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each is answered (a record merged away meanwhile is no customer page any more: 404), none fails.
    assert not errors and len(statuses) == len(forms) and set(statuses) <= {303, 404}, (errors, statuses)

    def outcome():
        kept = User.get(User.id.in_([demo.id, second.id]), User.role == "customer")
        return (
            sorted(User.get_by_id(u.id).role for u in (demo, second)),
            AuditLog.select().where(AuditLog.action == "customers_merged").count(),
            Order.get_by_id(twins["order"].id).user_id == kept.id,
        )

    assert in_app(seeded, outcome) == (["customer", "merged"], 1, True)
