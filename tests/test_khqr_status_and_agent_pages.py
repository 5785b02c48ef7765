"""The phone journey's second pass (#28): a KHQR's answer comes back in view and the code leaves the
screen once paid, an agent's payment link offers a bank app too, and agent pages speak of the customer."""

import re

import pytest
from support.helpers import HTMX
from support.helpers import Auth
from support.helpers import browser
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import translated
from support.khqr import code_fields
from support.khqr import renew_by_khqr

from app.models import KhqrCode
from app.models import Order
from app.services import support
from app.services.demo import DEMO_AGENT
from app.services.demo import DEMO_CUSTOMER

STATUS_FRAGMENT = {**HTMX, "HX-Target": "khqr-status"}


def _latest_order(app):
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())


def _bank_paid_but_not_yet_confirmed(app, md5):
    """The bank took the money; the worker has not settled the order yet."""
    in_app(app, lambda: KhqrCode.update(status="paid").where(KhqrCode.md5 == md5).execute())


def _counter_sale(agent, language="en", **fields):
    response = post_form(agent, "/support/counter", {"plan": "day-3gb", "language": language, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response.location


def _agent_khqr(app, agent, order_url):
    order = _latest_order(app)
    shown = post_form(agent, f"/support/orders/{order.id}/khqr", {}, page=order_url)
    assert shown.status_code == 303
    return order, shown.location


def test_check_again_and_the_simulated_payment_come_back_to_the_status(customer, seeded):
    order, md5, html = renew_by_khqr(customer, seeded)
    page = f"/checkout/khqr/{md5}"
    assert f'<a href="{page}/check"' in html  # a new request every time, never a mere scroll
    assert 'id="khqr-status" tabindex="-1"' in html
    checked = customer.get(f"{page}/check")
    assert checked.status_code == 303 and checked.location == f"{page}?at=status#khqr-status"
    # Opened so, its refresh without JavaScript comes back the same way: a reload, not a scroll.
    again = customer.get(checked.location).get_data(as_text=True)
    assert f'<noscript><meta http-equiv="refresh" content="15; url={page}/check"></noscript>' in again
    paid = post_form(customer, f"{page}/simulate", {}, page=page)
    assert paid.status_code == 303 and paid.location == f"{page}?at=status#khqr-status"
    # Someone else's browser learns nothing from the check.
    assert browser(seeded).get(f"{page}/check").status_code == 302  # to the login page
    assert _latest_order(seeded).status == "fulfilled"
    assert customer.get(f"{page}/check", follow_redirects=True).request.path == f"/orders/{order.id}"


def test_a_code_paid_before_the_page_shows_is_not_shown_and_the_page_waits_for_the_order(customer, seeded):
    order, md5, html = renew_by_khqr(customer, seeded)
    assert 'id="khqr-code"' in html and code_fields(html)["62"]["01"] == order.number
    _bank_paid_but_not_yet_confirmed(seeded, md5)
    html = customer.get(f"/checkout/khqr/{md5}").get_data(as_text=True)
    assert "Payment received." in html
    assert 'id="khqr-code"' not in html and "<svg" not in html and "Save the code as an image" not in html
    assert 'data-hx-trigger="every 2s, refresh"' in html  # still asking, to move on once settled
    assert f'<noscript><meta http-equiv="refresh" content="4; url=/checkout/khqr/{md5}"></noscript>' in html
    # A poll that finds the code paid takes the code and its help off the screen too.
    poll = customer.get(f"/checkout/khqr/{md5}", headers=STATUS_FRAGMENT).get_data(as_text=True)
    assert '<div id="khqr-code" data-hx-swap-oob="true" hidden></div>' in poll
    assert '<div id="khqr-help" data-hx-swap-oob="true" hidden></div>' in poll
    assert "<html" not in poll
    # While the code is open, a poll sends the status only, not the code again.
    in_app(seeded, lambda: KhqrCode.update(status="open").where(KhqrCode.md5 == md5).execute())
    poll = customer.get(f"/checkout/khqr/{md5}", headers=STATUS_FRAGMENT).get_data(as_text=True)
    assert "khqr-code" not in poll and "<svg" not in poll


def test_the_agents_code_leaves_the_screen_once_paid_and_check_again_comes_back_to_the_status(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, phone="097 222 3333", name="Dara")
    order, code_url = _agent_khqr(seeded, agent, order_url)
    md5 = code_url.rsplit("/", 1)[1]
    html = agent.get(code_url).get_data(as_text=True)
    assert f'<a href="{code_url}/check"' in html and 'id="khqr-code"' in html
    checked = agent.get(f"{code_url}/check")
    assert checked.status_code == 303 and checked.location == f"{code_url}?at=status#khqr-status"
    _bank_paid_but_not_yet_confirmed(seeded, md5)
    html = agent.get(code_url).get_data(as_text=True)
    assert "Payment received." in html and "The order moves on as soon as it is confirmed." in html
    assert 'id="khqr-code"' not in html and "<svg" not in html
    assert 'data-hx-trigger="every 2s, refresh"' in html
    assert f'<noscript><meta http-equiv="refresh" content="4; url={code_url}"></noscript>' in html
    poll = agent.get(code_url, headers=STATUS_FRAGMENT).get_data(as_text=True)
    assert 'id="khqr-code" data-hx-swap-oob="true"' in poll
    # Once the order is settled the poll moves the whole page on to the order.
    in_app(seeded, lambda: KhqrCode.update(status="open").where(KhqrCode.md5 == md5).execute())
    paid = post_form(agent, f"{code_url}/simulate", {}, page=code_url)
    assert paid.location == f"{code_url}?at=status#khqr-status"
    assert _latest_order(seeded).status == "fulfilled"
    assert (
        agent.get(code_url, headers=STATUS_FRAGMENT).headers["HX-Redirect"] == f"/support/orders/{order.id}"
    )


@pytest.mark.parametrize("lang", ["en", "km"])
def test_an_agents_payment_link_offers_a_bank_app_beside_a_card(seeded, lang):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, language=lang, email="walkin@example.com")
    token = in_app(seeded, support.payment_token, _latest_order(seeded))
    phone = browser(seeded)  # the customer's own phone, logged in nowhere
    page = phone.get(f"/pay/{token}?lang={lang}", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.request.path == "/pay"
    assert 'name="pay_with" value="khqr"' in html and 'name="pay_with" value="card"' in html
    assert translated(seeded, lang, "Pay with a bank app (KHQR)") in html
    assert translated(seeded, lang, "Pay by card or wallet") in html
    to_code = post_form(phone, "/pay", {"pay_with": "khqr"}, page="/pay")
    assert to_code.status_code == 303 and re.search(r"^/checkout/khqr/[0-9a-f]{32}$", to_code.location)
    code_page = phone.get(to_code.location).get_data(as_text=True)
    assert code_fields(code_page)["62"]["01"] == _latest_order(seeded).number
    post_form(phone, f"{to_code.location}/simulate", {}, page=to_code.location)
    paid = _latest_order(seeded)
    assert (paid.status, paid.kind) == ("fulfilled", "new_esim")
    # Paid: the code's page leads back to the link's page, which says "all set", never the code.
    done = phone.get(to_code.location, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.request.path == "/pay"
    assert translated(seeded, lang, "You are all set: the eSIM is paid for and ready.") in text
    assert "LPA:1$" not in text and "Install the eSIM now" not in text
    # Pressing a pay button again after paying only shows the status.
    again = post_form(phone, "/pay", {"pay_with": "khqr"}, page="/pay")
    assert again.status_code == 303 and again.location == "/pay"
    assert agent.get(order_url).status_code == 200


def test_a_link_holder_whose_code_expired_gets_a_new_one_or_a_card(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    _counter_sale(agent, email="walkin@example.com")
    token = in_app(seeded, support.payment_token, _latest_order(seeded))
    phone = browser(seeded)
    phone.get(f"/pay/{token}")
    to_code = post_form(phone, "/pay", {"pay_with": "khqr"}, page="/pay")
    md5 = to_code.location.rsplit("/", 1)[1]
    in_app(seeded, lambda: KhqrCode.update(status="expired").where(KhqrCode.md5 == md5).execute())
    html = phone.get(to_code.location).get_data(as_text=True)
    assert "This code has expired. No money was taken." in html and "<svg" not in html
    assert '<form method="post" action="/pay"' in html
    assert 'value="khqr">Get a new code' in html and 'value="card">Pay by card or wallet instead' in html
    card = post_form(phone, "/pay", {"pay_with": "card"}, page=to_code.location)
    assert card.status_code == 303 and card.location.startswith("/checkout/test/")


def test_agent_pages_speak_of_the_customer_and_the_customers_pages_of_you(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, email=DEMO_CUSTOMER[0])
    post_form(agent, f"{order_url}/cash", {"amount": "2.00"}, page=order_url)
    order = _latest_order(seeded)
    assert order.status == "fulfilled"
    for lang in ("en", "km", "zh"):
        agent.get(f"/support?lang={lang}")
        for url in (order_url, f"/support/customers/{order.user_id}"):
            html = agent.get(url).get_data(as_text=True)
            assert translated(seeded, lang, "Done: the plan is active") in html, (lang, url)
            assert translated(seeded, lang, "Done: your plan is active") not in html, (lang, url)
    owner = browser(seeded)
    Auth(owner).login()
    assert "Done: your plan is active" in owner.get(f"/orders/{order.id}").get_data(as_text=True)
    # A customer's own cancellation reads as theirs on the agent's page.
    from app.models import Esim
    from app.services.demo import DEMO_ICCID

    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    post_form(owner, f"/esims/{esim.id}/renew", {"plan": "day-1gb", "promo": ""})
    mine = _latest_order(seeded)
    post_form(owner, f"/orders/{mine.id}/cancel", {}, page=f"/orders/{mine.id}")
    agent.get("/support?lang=en")
    html = agent.get(f"/support/orders/{mine.id}").get_data(as_text=True)
    assert "The customer cancelled the order" in html and "You cancelled the order" not in html
    assert "You cancelled the order" in owner.get(f"/orders/{mine.id}").get_data(as_text=True)


def test_the_agents_order_page_refreshes_itself_without_javascript_until_the_order_is_done(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, email="walkin@example.com")
    order = _latest_order(seeded)
    refresh = f'<noscript><meta http-equiv="refresh" content="%d; url={order_url}"></noscript>'
    assert refresh % 10 in agent.get(order_url).get_data(as_text=True)
    for status in ("paid", "applying"):
        in_app(seeded, lambda s=status: Order.update(status=s).where(Order.id == order.id).execute())
        html = agent.get(order_url).get_data(as_text=True)
        assert refresh % 4 in html, status
    in_app(seeded, lambda: Order.update(status="fulfilled").where(Order.id == order.id).execute())
    assert 'http-equiv="refresh"' not in agent.get(order_url).get_data(as_text=True)


def test_the_search_results_carry_their_labels_for_a_phone(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    agent.get("/support?lang=km")
    html = agent.get("/support?q=demo").get_data(as_text=True)
    table = html.split('<table class="table people">', 1)[1].split("</table>", 1)[0]
    for label in ("Customer", "Email", "Phone number", "Language"):
        assert f'data-label="{translated(seeded, "km", label)}"' in table
