"""The agent console: who may use it, finding customers, acting for them, and the audit trail."""

import re

import pytest
from support.helpers import Auth
from support.helpers import body
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import translated

from app.models import AuditLog
from app.models import Esim
from app.models import Order
from app.models import User
from app.services import orders
from app.services import renewal
from app.services import support
from app.services.demo import DEMO_ICCID

AGENT = ("agent@example.com", "agent-pass-1234")
ADMIN = ("admin@example.com", "lotus-temple-4821")


@pytest.fixture
def console(seeded):
    result = seeded.test_cli_runner().invoke(
        args=["create-agent", ADMIN[0], "--admin", "--password", ADMIN[1]]
    )
    assert "is now an admin" in result.output
    demo = in_app(seeded, User.by_email, "demo@example.com")
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    plan = in_app(seeded, renewal.find_plan, "month-10gb")
    failed = in_app(seeded, orders.place_order, demo, plan, esim)
    in_app(seeded, lambda: Order.update(status="failed").where(Order.id == failed.id).execute())
    order = in_app(seeded, orders.place_order, demo, plan, esim)
    return {"demo": demo, "esim": esim, "order": order, "failed": failed}


def _routes(c):
    ids = {"customer": c["demo"].id, "esim": c["esim"].id, "order": c["order"].id, "failed": c["failed"].id}
    return [
        ("GET", "/support", {}, "agent"),
        ("GET", "/support?q=demo", {}, "agent"),
        ("GET", "/support/customers/{customer}", {}, "agent"),
        ("GET", "/support/esims/{esim}/usage", {}, "agent"),
        ("GET", "/support/counter", {}, "agent"),
        ("GET", "/support/orders/{order}", {}, "agent"),
        ("POST", "/support/customers/{customer}/notes", {"note": "Called about roaming"}, "agent"),
        ("POST", "/support/customers/{customer}/renewals", {"esim": "{esim}", "plan": "day-1gb"}, "agent"),
        (
            "POST",
            "/support/counter",
            {"email": "walkin@example.com", "plan": "day-1gb", "language": "zh"},
            "agent",
        ),
        ("POST", "/support/orders/{order}/email-link", {}, "agent"),
        ("POST", "/support/orders/{order}/cash", {"amount": "5.00"}, "agent"),
        ("POST", "/support/orders/{order}/receipt", {}, "agent"),
        ("POST", "/support/esims/{esim}/install-email", {}, "agent"),
        ("POST", "/support/orders/{failed}/refund", {}, "admin"),
    ], ids


def _call(client, method, url, data):
    if method == "GET":
        return client.get(url)
    token = csrf_token(client, "/help")
    return client.post(url, data={**data, "csrf_token": token})


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent", "admin"])
def test_every_support_route_keeps_to_its_roles(seeded, console, who):
    routes, ids = _routes(console)
    rank = {"anonymous": 0, "customer": 1, "agent": 2, "admin": 3}
    client = seeded.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    if who != "anonymous":
        login = {"customer": ("demo@example.com", "demo-pass-1234"), "agent": AGENT, "admin": ADMIN}[who]
        assert Auth(client).login(*login).status_code == 302
    for method, path, data, needs in routes:
        url = path.format(**ids)
        response = _call(client, method, url, {k: v.format(**ids) for k, v in data.items()})
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.location, (who, method, url)
        elif rank[who] < rank[needs]:
            assert response.status_code == 403, (who, method, url, response.status_code)
        else:
            assert response.status_code in (200, 303), (
                who,
                method,
                url,
                response.status_code,
                response.location,
            )


def _agent(client):
    Auth(client).login(*AGENT)


@pytest.mark.parametrize(
    "query",
    ["demo@example.com", "demo@exa", "+855 12 345 678", "12345678", DEMO_ICCID, DEMO_ICCID[-4:], "{number}"],
)
def test_agents_find_customers_by_each_key(client, seeded, console, query):
    _agent(client)
    query = query.format(number=console["order"].number)
    html = client.get(
        "/support", query_string={"q": query}, headers={"HX-Request": "true", "HX-Target": "results"}
    ).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results"')
    assert "demo@example.com" in html and f"/support/customers/{console['demo'].id}" in html


def test_a_search_that_matches_nobody_says_so(client, seeded, console):
    _agent(client)
    assert "No customer matches" in client.get("/support?q=nobody-here").get_data(as_text=True)


def test_the_customer_page_shows_language_esims_orders_and_refunds_owed(client, seeded, console):
    in_app(seeded, lambda: User.update(language="km").where(User.id == console["demo"].id).execute())
    _agent(client)
    client.get("/support?lang=en")
    html = client.get(f"/support/customers/{console['demo'].id}").get_data(as_text=True)
    assert '<strong lang="km">ភាសាខ្មែរ</strong>' in html
    assert DEMO_ICCID in html and "6.71 GB of 10 GB" in html
    assert console["order"].number in html and "Refund owed" in html
    assert 'lang="en"' in html.split("<html", 1)[1][:20]  # the agent reads the console in English


def test_an_assisted_renewal_makes_a_payment_link_in_the_customers_language(client, seeded, console, outbox):
    in_app(seeded, lambda: User.update(language="zh").where(User.id == console["demo"].id).execute())
    _agent(client)
    token = csrf_token(client, "/support")
    response = client.post(
        f"/support/customers/{console['demo'].id}/renewals",
        data={"esim": console["esim"].id, "plan": "month-30gb", "csrf_token": token},
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    assert response.location == f"/support/orders/{order.id}"
    assert order.assisted_by_id == in_app(seeded, User.by_email, AGENT[0]).id
    page = client.get(response.location).get_data(as_text=True)
    link = re.search(r'<code id="pay-link">([^<]+)</code>', page).group(1)
    assert "/pay/" in link and link.endswith("lang=zh")
    assert "<svg" in page
    client.post(f"/support/orders/{order.id}/email-link", data={"csrf_token": token})
    message = outbox.last()
    assert message["To"] == "demo@example.com"
    assert message["Subject"] == translated(
        seeded, "zh", "Pay for your eSIM order %(number)s", number=order.number
    )
    # The emailed link is signed when it is sent, so it may carry a later timestamp than the page's.
    emailed = re.search(r"https?://\S+/pay/([^?\s]+)\?lang=zh", body(message))
    assert emailed, body(message)
    assert in_app(seeded, support.order_for_payment_token, emailed.group(1)).id == order.id


def test_a_counter_sale_with_cash_ends_with_the_install_qr(client, seeded, console):
    _agent(client)
    token = csrf_token(client, "/support/counter")
    response = client.post(
        "/support/counter",
        data={
            "phone": "+855 97 111 2222",
            "name": "Dara",
            "language": "km",
            "plan": "day-3gb",
            "csrf_token": token,
        },
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    assert response.location == f"/support/orders/{order.id}"
    customer = in_app(seeded, User.get_by_id, order.user_id)
    assert (customer.phone, customer.language, customer.role) == ("+855971112222", "km", "customer")
    wrong = client.post(
        f"/support/orders/{order.id}/cash",
        data={"amount": "1.00", "csrf_token": token},
        follow_redirects=True,
    )
    assert "must be the order&#39;s amount" in wrong.get_data(as_text=True)
    client.post(f"/support/orders/{order.id}/cash", data={"amount": "2.00", "csrf_token": token})
    paid = in_app(seeded, Order.get_by_id, order.id)
    assert (paid.status, paid.provider, paid.payment_method) == ("fulfilled", "cash", "cash")
    page = client.get(f"/support/orders/{order.id}").get_data(as_text=True)
    assert "Install QR code" in page and "LPA:1$" not in page  # shown only when the agent asks
    page = client.post(f"/support/orders/{order.id}/activation-code", data={"csrf_token": token})
    page = page.get_data(as_text=True)
    assert "LPA:1$" in page and "<svg" in page


def test_only_admins_mark_failed_orders_refunded(client, seeded, console):
    _agent(client)
    failed_page = f"/support/orders/{console['failed'].id}"
    assert "Mark refunded" not in client.get(failed_page).get_data(as_text=True)
    token = csrf_token(client, "/support")
    assert (
        client.post(f"/support/orders/{console['failed'].id}/refund", data={"csrf_token": token}).status_code
        == 403
    )
    admin = seeded.test_client()
    admin.environ_base["HTTP_REFERER"] = "https://localhost/"
    Auth(admin).login(*ADMIN)
    assert "Mark refunded" in admin.get(failed_page).get_data(as_text=True)
    assert "Mark refunded" not in admin.get(f"/support/orders/{console['order'].id}").get_data(as_text=True)
    token = csrf_token(admin, "/support")
    admin.post(f"/support/orders/{console['failed'].id}/refund", data={"csrf_token": token})
    assert in_app(seeded, Order.get_by_id, console["failed"].id).status == "refunded"
    # A pending order cannot be "refunded".
    admin.post(f"/support/orders/{console['order'].id}/refund", data={"csrf_token": token})
    assert in_app(seeded, Order.get_by_id, console["order"].id).status == "pending"


def test_each_agent_action_writes_the_audit_log_shown_on_the_customer_page(client, seeded, console):
    _agent(client)
    token = csrf_token(client, "/support")
    demo_id = console["demo"].id
    client.post(f"/support/customers/{demo_id}/notes", data={"note": "Prefers WeChat", "csrf_token": token})
    client.post(
        f"/support/customers/{demo_id}/renewals",
        data={"esim": console["esim"].id, "plan": "day-1gb", "csrf_token": token},
    )
    client.post(f"/support/orders/{console['order'].id}/email-link", data={"csrf_token": token})
    client.post(f"/support/esims/{console['esim'].id}/install-email", data={"csrf_token": token})
    client.post(f"/support/orders/{console['order'].id}/cash", data={"amount": "5.00", "csrf_token": token})
    client.post(f"/support/orders/{console['order'].id}/receipt", data={"csrf_token": token})
    entries = in_app(
        seeded,
        lambda: [(e.actor.email, e.customer_id, e.action) for e in AuditLog.select().order_by(AuditLog.id)],
    )
    assert entries == [
        (AGENT[0], demo_id, "note"),
        (AGENT[0], demo_id, "assisted_renewal"),
        (AGENT[0], demo_id, "email_payment_link"),
        (AGENT[0], demo_id, "resend_install"),
        (AGENT[0], demo_id, "cash_payment"),
        (AGENT[0], demo_id, "resend_receipt"),
    ]
    html = client.get(f"/support/customers/{demo_id}").get_data(as_text=True)
    for label in (
        "Note",
        "Renewal made for the customer",
        "Payment link emailed",
        "Install email sent again",
        "Cash payment recorded",
        "Receipt sent again",
    ):
        assert label in html
    assert "Prefers WeChat" in html


def test_agents_land_on_the_console_after_login(client, seeded):
    response = Auth(client).login(*AGENT)
    assert response.location == "/support"


def test_the_help_page_answers_in_three_languages(client, seeded):
    for lang in ("en", "km", "zh"):
        html = client.get(f"/help?lang={lang}").get_data(as_text=True)
        assert translated(seeded, lang, "How do I renew my eSIM?") in html
        assert seeded.config["SUPPORT_EMAIL"] in html
    assert 'href="/help"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("query", ["012 345 678", "+85512345678", "Demo Trav", "demo traveller"])
def test_agents_find_customers_as_they_write_numbers_and_names(client, seeded, console, query):
    _agent(client)
    html = client.get("/support", query_string={"q": query}).get_data(as_text=True)
    assert f"/support/customers/{console['demo'].id}" in html


def test_a_partial_order_number_finds_its_customer(client, seeded, console):
    _agent(client)
    html = client.get("/support", query_string={"q": console["order"].number[1:6].lower()}).get_data(
        as_text=True
    )
    assert f"/support/customers/{console['demo'].id}" in html


def test_the_agent_order_page_refreshes_only_its_status_section(client, seeded, console):
    _agent(client)
    order = console["order"]
    headers = {"HX-Request": "true", "HX-Target": f"support-order-{order.id}"}
    html = client.get(f"/support/orders/{order.id}", headers=headers).get_data(as_text=True)
    assert html.lstrip().startswith(f'<section id="support-order-{order.id}"')
    assert "<html" not in html and "<header" not in html


def test_agents_print_the_receipt_of_a_counter_sale(client, seeded, console):
    _agent(client)
    order = console["order"]
    assert client.get(f"/support/orders/{order.id}/receipt").status_code == 404  # not paid yet
    post_form(client, f"/support/orders/{order.id}/cash", {"amount": "5.00"}, page="/support")
    receipt = client.get(f"/support/orders/{order.id}/receipt").get_data(as_text=True)
    assert order.number in receipt and "Cash" in receipt


def test_the_console_formats_money_and_plans_and_translates_sources_for_the_agent(client, seeded, console):
    from flask_babel import force_locale

    from app.models import Plan
    from app.text import money
    from app.text import plan_name

    _agent(client)
    post_form(client, "/support/counter", {"email": "lin@example.com", "language": "zh", "plan": "day-3gb"})
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    post_form(
        client, f"/support/orders/{order.id}/cash", {"amount": "2.00"}, page=f"/support/orders/{order.id}"
    )
    page = client.get(f"/support/customers/{order.user_id}?lang=zh").get_data(as_text=True)
    with seeded.test_request_context(), force_locale("zh"):
        two_dollars = money(200, "USD")
        day_plan = plan_name(Plan.get(Plan.code == "day-3gb"))
    audit_log = page.split(translated(seeded, "zh", "Audit log"), 1)[1]
    assert two_dollars in audit_log and "200 USD" not in audit_log  # cash as money, not cents
    assert day_plan in audit_log and "day-3gb" not in audit_log  # the plan by its name, not its code
    assert "(agent)" not in page and translated(seeded, "zh", "an agent") in page
    order_page = client.get(f"/support/orders/{order.id}?lang=en").get_data(as_text=True)
    assert "The customer's eSIM is valid until" in order_page or "Install QR code" in order_page
    assert "Your eSIM is valid until" not in order_page


@pytest.mark.parametrize("part", ["1234", "12345678", "abcd", "ABCDEF"])
def test_an_order_number_part_of_one_kind_of_character_finds_its_customer(client, seeded, console, part):
    in_app(
        seeded,
        Order.update(number="R" + part.upper().ljust(8, "0")).where(Order.id == console["order"].id).execute,
    )
    _agent(client)
    html = client.get("/support", query_string={"q": part}).get_data(as_text=True)
    assert f"/support/customers/{console['demo'].id}" in html
