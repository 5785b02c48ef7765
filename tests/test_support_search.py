"""Support search over many customers: every kind of query finds its customer, exact hits first."""

import re

import pytest
from support.helpers import Auth
from support.helpers import in_app

from app.models import Esim
from app.models import Order
from app.models import Plan
from app.models import User

AGENT = ("agent@example.com", "agent-pass-1234")
NAMES = ["Sokha Chan", "Dara Kim", "Lin Wei", "Maly Sok", "Vanna Heng", "សុខា ចាន់", "王小明", "Ana Lopez"]
COUNT = 40


def _seed():
    """Customers whose phone numbers hold the digits of other customers' order numbers (the old trap)."""
    plan = Plan.get(Plan.code == "month-10gb")
    people = []
    for n in range(COUNT):
        phone = f"012 34{n:02d} 0{n % 10}7" if n % 2 else f"+855 96 12{n:02d} 3{n % 10}4"
        user = User.create(
            email=f"traveller{n}@example.com",
            password_hash="x",
            name=f"{NAMES[n % len(NAMES)]} {n}",
            phone=phone,
        )
        Esim.create(user=user, iccid=f"89855000000000{n:05d}", plan=plan)
        for k in range(3):
            # R1234 + the customer and order: the digits appear in other customers' phones.
            Order.create(
                number=f"R1234{n:02d}{k:02d}",
                user=user,
                plan=plan,
                status="fulfilled",
                price_cents=500,
                amount_cents=500,
            )
        people.append(user)
    return people


def _queries(n):
    """(kind, query, whether it names this one customer exactly) for customer n."""
    phone_local = f"012 34{n:02d} 0{n % 10}7" if n % 2 else f"096 12{n:02d} 3{n % 10}4"
    phone_intl = "+855 " + phone_local[1:]
    return [
        ("email", f"traveller{n}@example.com", True),
        ("email part", f"traveller{n}@", False),
        ("name part", f"{NAMES[n % len(NAMES)].split()[0].lower()}", False),
        ("phone local", phone_local, True),
        ("phone international", phone_intl, True),
        ("phone digits", re.sub(r"\D", "", phone_intl), True),
        ("ICCID", f"89855000000000{n:05d}", True),
        ("ICCID last 4", f"{n:05d}"[-4:], False),
        ("order number", f"R1234{n:02d}01", True),
        ("order number part", f"R1234{n:02d}", False),
    ]


@pytest.fixture
def agent(client, seeded):
    in_app(seeded, _seed)
    Auth(client).login(*AGENT)
    return client


def _found(client, query):
    html = client.get("/support", query_string={"q": query}, headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    return [int(i) for i in re.findall(r"/support/customers/(\d+)", html)]


def test_every_kind_of_query_finds_its_customer_and_exact_hits_come_first(agent, seeded):
    ids = in_app(seeded, lambda: {u.email: u.id for u in User.select()})
    for n in (0, 1, 7, 22, 39):
        wanted = ids[f"traveller{n}@example.com"]
        for kind, query, exact in _queries(n):
            found = _found(agent, query)
            assert wanted in found, f"{kind} {query!r} did not find customer {n}: {found}"
            if exact:
                assert found[0] == wanted, f"{kind} {query!r}: exact hit not first"


def test_an_order_number_never_matches_phone_numbers(agent, seeded):
    # Its digits are in other customers' phones (012 3403 037...): only the order's owner comes back.
    owner = in_app(seeded, lambda: Order.get(Order.number == "R12340301").user_id)
    assert _found(agent, "R12340301") == [owner]


def test_a_short_query_asks_for_more_characters(agent):
    html = agent.get("/support", query_string={"q": "ab"}).get_data(as_text=True)
    assert "Type at least 3 characters" in html
    assert 'minlength="3"' in html and "delay:" in html  # the live search waits for typing and length
