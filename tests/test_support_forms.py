"""The agent's forms check everything before they write: a refused form leaves no row behind."""

import pytest
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import staff_client

from app.models import AuditLog
from app.models import Esim
from app.models import Order
from app.models import User
from app.services.demo import DEMO_ICCID

AGENT = ("agent@example.com", "agent-pass-1234")


def _counts(app):
    return in_app(app, lambda: (User.select().count(), Order.select().count(), AuditLog.select().count()))


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"email": "no-at-sign.example.com"}, "Please enter a valid email address."),
        ({"email": "dara@example.com\r\nBcc: everyone@example.com"}, "Please enter a valid email address."),
        ({"email": "dara@example.com", "plan": "no-such-plan"}, "Not a valid choice."),
        ({"phone": "call me maybe"}, "This is not a phone number we can use."),
        ({"phone": "012 345"}, "This is not a phone number we can use."),
        ({}, "s email or phone number."),
        ({"email": "dara@example.com", "name": "N" * 500}, "Field cannot be longer than 100 characters."),
    ],
)
def test_a_refused_counter_sale_writes_nothing(seeded, fields, error):
    agent = staff_client(seeded, *AGENT)
    before = _counts(seeded)
    data = {
        "plan": "day-3gb",
        "language": "en",
        "csrf_token": csrf_token(agent, "/support/counter"),
        **fields,
    }
    response = agent.post("/support/counter", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error in page
    assert _counts(seeded) == before
    if "email" in fields:
        assert f'value="{fields["email"][:20]}' in page  # what the agent typed stays in the form


def test_a_counter_sale_with_a_valid_email_writes_the_customer_the_order_and_the_audit(seeded):
    agent = staff_client(seeded, *AGENT)
    users, orders, audits = _counts(seeded)
    response = agent.post(
        "/support/counter",
        data={
            "email": "Dara@Example.com",
            "plan": "day-3gb",
            "language": "km",
            "csrf_token": csrf_token(agent, "/support/counter"),
        },
    )
    assert response.status_code == 303
    assert _counts(seeded) == (users + 1, orders + 1, audits + 2)
    assert in_app(seeded, User.by_email, "dara@example.com").language == "km"


@pytest.mark.parametrize("esim", ["99999999999999999999999", "-1", "abc", ""])
def test_an_assisted_renewal_of_a_bad_esim_id_is_refused_plainly(seeded, esim):
    agent = staff_client(seeded, *AGENT)
    demo = in_app(seeded, User.by_email, "demo@example.com")
    before = _counts(seeded)
    response = agent.post(
        f"/support/customers/{demo.id}/renewals",
        data={"esim": esim, "plan": "month-10gb", "csrf_token": csrf_token(agent, "/support")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Please choose one of the customer" in response.get_data(as_text=True)
    assert _counts(seeded) == before


def test_a_note_too_long_is_refused(seeded):
    agent = staff_client(seeded, *AGENT)
    demo = in_app(seeded, User.by_email, "demo@example.com")
    before = _counts(seeded)
    response = agent.post(
        f"/support/customers/{demo.id}/notes",
        data={"note": "x" * 5000, "csrf_token": csrf_token(agent, "/support")},
        follow_redirects=True,
    )
    assert "Field cannot be longer than 2000 characters." in response.get_data(as_text=True)
    assert _counts(seeded) == before


def test_cash_that_is_not_a_number_is_refused(seeded):
    agent = staff_client(seeded, *AGENT)
    demo = in_app(seeded, User.by_email, "demo@example.com")
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    from app.services import orders
    from app.services import renewal

    order = in_app(seeded, orders.place_order, demo, in_app(seeded, renewal.find_plan, "month-10gb"), esim)
    for amount in ("five dollars", "1e400", "-3"):
        response = agent.post(
            f"/support/orders/{order.id}/cash",
            data={"amount": amount, "csrf_token": csrf_token(agent, "/support")},
            follow_redirects=True,
        )
        assert "Please enter the amount received, for example 5.00." in response.get_data(as_text=True)
    assert in_app(seeded, Order.get_by_id, order.id).status == "pending"
