"""One customer, one record: phones in E.164 whatever digits were typed, and the counter finding
the customer it already knows by email or phone before it makes anyone new."""

import importlib.util
import threading
from pathlib import Path

import pytest
from support.helpers import Auth
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import translated

from app.extensions import db
from app.models import AuditLog
from app.models import Order
from app.models import User
from app.services import accounts
from app.services.demo import DEMO_AGENT
from app.services.demo import DEMO_CUSTOMER

KHMER = "០១២ ៣៤៥ ៦៧៨"
NOT_A_PHONE = "This is not a phone number we can use."


def _counter_sale(agent, **fields):
    data = {"plan": "day-3gb", "language": "en", **fields}
    return post_form(agent, "/support/counter", data)


def _users(app):
    return in_app(app, lambda: User.select().count())


def _demo(app):
    return in_app(app, User.by_email, DEMO_CUSTOMER[0])


@pytest.mark.parametrize("typed", ["+855 12 345 678", "012 345 678", KHMER, "855-12-345-678"])
def test_a_counter_sale_to_the_demo_customers_phone_finds_them(seeded, typed):
    agent = staff_client(seeded, *DEMO_AGENT)
    users = _users(seeded)
    response = _counter_sale(agent, phone=typed)
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    assert response.status_code == 303 and response.location == f"/support/orders/{order.id}"
    assert order.user_id == _demo(seeded).id  # the order is the demo customer's
    assert _users(seeded) == users  # and nobody new was registered
    page = agent.get(response.location).get_data(as_text=True)
    assert "← Demo Traveller" in page and "counter.invalid" not in page


def test_a_counter_sale_by_email_finds_the_customer_whatever_the_phone(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    users = _users(seeded)
    response = _counter_sale(agent, email="Demo@Example.com", phone="097 111 2222")
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    assert response.status_code == 303 and order.user_id == _demo(seeded).id
    assert _users(seeded) == users


def test_a_new_phone_at_the_counter_is_one_customer_shown_by_name_and_phone(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    first = _counter_sale(agent, phone="097 111 2222", name="Dara", language="km")
    # The same person again, typed another way (Khmer digits, international form): the same record.
    second = _counter_sale(agent, phone="+855 97 111 2222", plan="month-10gb")
    third = _counter_sale(agent, phone="០៩៧ ១១១ ២២២២", plan="year-150gb")
    dara = in_app(seeded, lambda: User.get(User.phone == "+855971112222"))
    assert in_app(seeded, lambda: Order.select().where(Order.user == dara.id).count()) == 3
    assert (dara.name, dara.phone_digits, dara.language) == ("Dara", "855971112222", "km")
    # Shown by name and phone everywhere, never by the placeholder address.
    pages = {
        "search": agent.get("/support?q=097 111 2222"),
        "search in Khmer digits": agent.get("/support?q=០៩៧១១១២២២២"),
        "customer": agent.get(f"/support/customers/{dara.id}"),
        "order": agent.get(first.location),
        "another order": agent.get(second.location),
        "third order": agent.get(third.location),
    }
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "Dara · +855 97 111 2222" in html, name
        assert "counter.invalid" not in html and "phone-" not in html, name


def test_a_phone_on_two_records_is_refused_at_the_counter_until_merged(seeded):
    def second_record():
        User.create(email="demo.second@example.com", password_hash="x", phone="012345678", name="Demo again")

    in_app(seeded, second_record)
    agent = staff_client(seeded, *DEMO_AGENT)
    before = (_users(seeded), in_app(seeded, lambda: Order.select().count()))
    response = _counter_sale(agent, phone=KHMER, follow_redirects=True)
    assert "Two customers have this phone number. Search for it and merge their records first." in (
        response.get_data(as_text=True)
    )
    assert (_users(seeded), in_app(seeded, lambda: Order.select().count())) == before


def test_a_new_email_with_another_customers_phone_is_refused(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    before = (_users(seeded), in_app(seeded, lambda: AuditLog.select().count()))
    response = _counter_sale(agent, email="someone.new@example.com", phone="012 345 678")
    assert response.status_code == 200
    assert "This phone number is on another customer&#39;s record." in response.get_data(as_text=True)
    assert (_users(seeded), in_app(seeded, lambda: AuditLog.select().count())) == before


@pytest.mark.parametrize("typed", ["call me", "012 345", "+855 12", "1" * 30])
def test_a_counter_sale_to_no_phone_number_is_refused(seeded, typed):
    agent = staff_client(seeded, *DEMO_AGENT)
    users = _users(seeded)
    response = _counter_sale(agent, phone=typed)
    assert response.status_code == 200 and NOT_A_PHONE in response.get_data(as_text=True)
    assert _users(seeded) == users


def test_the_profile_keeps_a_khmer_typed_phone_in_e164_and_shows_it_readably(client, auth, seeded):
    auth.login()
    response = post_form(client, "/profile", {"name": "Sokha", "phone": "០១៧ ៥៥៥ ០១០", "language": "km"})
    assert response.status_code == 302
    user = in_app(seeded, User.by_email, DEMO_CUSTOMER[0])
    assert (user.phone, user.phone_digits) == ("+85517555010", "85517555010")
    assert 'value="+855 17 555 010"' in client.get("/profile").get_data(as_text=True)


def test_a_profile_phone_that_is_no_number_is_refused_in_the_readers_language(client, auth, seeded):
    auth.login()
    response = post_form(
        client, "/profile", {"name": "X", "phone": "012 34", "language": "km"}, page="/profile?lang=km"
    )
    message = translated(
        seeded,
        "km",
        "This is not a phone number we can use. Please check it, for example 012 345 678 or +855 12 345 678.",
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert in_app(seeded, User.by_email, DEMO_CUSTOMER[0]).phone == "+85512345678"


def test_support_search_finds_a_customer_by_phone_typed_in_any_digits(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    for query in ("+855 12 345 678", "012 345 678", KHMER, "០១២៣៤៥", "85512345678"):
        html = agent.get("/support", query_string={"q": query}).get_data(as_text=True)
        assert "Demo Traveller" in html and "+855 12 345 678" in html, query


def _migration():
    path = Path(__file__).resolve().parent.parent / "migrations" / "018_phones_e164.py"
    spec = importlib.util.spec_from_file_location("migration_018", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_keeps_existing_phones_in_e164_and_leaves_the_rest(seeded):
    written = {
        "a@example.com": "០១២ ៣៤៥ ៦៧៩",
        "b@example.com": "(012) 345-670",
        "c@example.com": "ask reception",
    }

    def as_before():
        for email, phone in written.items():
            user = accounts.register(email, "long-enough-password-1")
            # Written as the app wrote phones before: as typed, the search key from the old rule.
            User.update(phone=phone, phone_digits="old").where(User.id == user.id).execute()
        _migration()._normalise(db)
        return {
            u.email: (u.phone, u.phone_digits) for u in User.select().where(User.email.in_(list(written)))
        }

    assert in_app(seeded, as_before) == {
        "a@example.com": ("+85512345679", "85512345679"),
        "b@example.com": ("+85512345670", "85512345670"),
        "c@example.com": ("ask reception", "old"),
    }


def test_a_customer_who_logs_in_sees_the_counters_order(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    _counter_sale(agent, phone="012 345 678")
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    customer = seeded.test_client()
    customer.environ_base["HTTP_REFERER"] = "https://localhost/"
    Auth(customer).login()
    assert order.number in customer.get("/orders").get_data(as_text=True)


def test_a_counter_sale_sent_several_times_at_once_makes_one_customer_and_one_order(seeded):
    agents = [staff_client(seeded, *DEMO_AGENT) for _ in range(6)]
    tokens = [csrf_token(agent, "/support/counter") for agent in agents]
    before = (_users(seeded), in_app(seeded, lambda: Order.select().count()))
    barrier = threading.Barrier(len(agents))
    statuses, errors = [], []

    def sell(agent, token, phone):
        try:
            barrier.wait()
            data = {"plan": "day-3gb", "language": "en", "phone": phone, "csrf_token": token}
            statuses.append(agent.post("/support/counter", data=data).status_code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    phones = ["097 111 2222", "+855 97 111 2222", "០៩៧ ១១១ ២២២២"] * 2
    threads = [threading.Thread(target=sell, args=args) for args in zip(agents, tokens, phones, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and statuses == [303] * len(agents), (errors, statuses)
    after = (_users(seeded), in_app(seeded, lambda: Order.select().count()))
    assert after == (before[0] + 1, before[1] + 1)
