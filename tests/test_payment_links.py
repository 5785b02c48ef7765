"""Activation codes only to their owner: payment links only for agents' orders, a paid link that
never leads to the code, and no payment link emailed for an order that is not waiting for payment."""

import re

from support.helpers import Auth
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import translated

from app.models import AuditLog
from app.models import Esim
from app.models import Order
from app.models import User
from app.services import orders
from app.services import renewal
from app.services import support
from app.services.demo import DEMO_AGENT
from app.services.demo import DEMO_CUSTOMER
from app.services.demo import DEMO_ICCID


def _latest_order(app):
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())


def _counter_sale(agent, **fields):
    response = post_form(agent, "/support/counter", {"plan": "day-3gb", "language": "en", **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location


def _pay_cash(agent, order_url, amount):
    post_form(agent, f"{order_url}/cash", {"amount": amount}, page=order_url)


def _audit_actions(app, action):
    return in_app(app, lambda: AuditLog.select().where(AuditLog.action == action).count())


def test_support_shows_a_payment_link_only_for_an_order_an_agent_placed(seeded):
    def online_order():
        customer = User.by_email(DEMO_CUSTOMER[0])
        esim = Esim.get(Esim.iccid == DEMO_ICCID)
        return orders.place_order(customer, renewal.find_plan("month-10gb"), esim=esim)

    online = in_app(seeded, online_order)
    agent = staff_client(seeded, *DEMO_AGENT)
    page = agent.get(f"/support/orders/{online.id}").get_data(as_text=True)
    assert "/pay/" not in page and 'id="pay-link"' not in page and "QR code of the payment link" not in page
    assert "The customer placed this order online" in page
    assert "Email the link to the customer" in page  # to the customer's own address
    assert "Record cash payment" in page
    mine = _counter_sale(agent, email="walkin@example.com")
    page = agent.get(mine).get_data(as_text=True)
    assert re.search(r'<code id="pay-link">https?://[^<]+/pay/[^<]+</code>', page)
    assert "QR code of the payment link" in page


def test_a_paid_link_says_all_set_and_never_leads_to_the_activation_code(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, email=DEMO_CUSTOMER[0])
    order = _latest_order(seeded)
    token = in_app(seeded, support.payment_token, order)
    phone = browser(seeded)  # the customer's phone, logged in nowhere: it opens the link, then pays
    assert phone.get(f"/pay/{token}").status_code == 303
    _pay_cash(agent, order_url, "2.00")
    paid = _latest_order(seeded)
    assert (paid.status, paid.kind) == ("fulfilled", "new_esim")
    for opened in (phone, browser(seeded)):  # the phone that paid, and anyone else with the link
        page = opened.get(f"/pay/{token}", follow_redirects=True)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "You are all set: the eSIM is paid for and ready." in html
        assert "LPA:1$" not in html and "install?token=" not in html and "Install the eSIM now" not in html
        # The install page itself asks for the owner's login.
        install = opened.get(f"/esims/{paid.esim_id}/install")
        assert install.status_code == 302 and "/login" in install.location
        assert "LPA:1$" not in opened.get(f"/esims/{paid.esim_id}/install?token=forged").get_data(
            as_text=True
        )
    # The owner logs in from the page's own button and installs.
    login = re.search(r'href="(/login\?next=[^"]+)"', html).group(1).replace("&amp;", "&")
    response = post_form(phone, login, {"email": DEMO_CUSTOMER[0], "password": DEMO_CUSTOMER[1]}, page=login)
    assert response.location == f"/esims/{paid.esim_id}/install"
    assert "LPA:1$" in phone.get(response.location).get_data(as_text=True)


def test_a_paid_link_of_a_customer_with_no_email_sends_them_to_the_agent(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, phone="097 111 2222", name="Dara")
    token = in_app(seeded, support.payment_token, _latest_order(seeded))
    _pay_cash(agent, order_url, "2.00")
    html = browser(seeded).get(f"/pay/{token}", follow_redirects=True).get_data(as_text=True)
    assert "ask the agent who served you to show you its install QR code" in html
    assert "LPA:1$" not in html and "/login" not in html.split('id="order-status-', 1)[1]


def test_the_payment_link_is_emailed_only_while_the_order_waits_for_payment(seeded, outbox):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, email=DEMO_CUSTOMER[0])
    emailed = post_form(agent, f"{order_url}/email-link", {}, page=order_url, follow_redirects=True)
    assert "The payment link was emailed" in emailed.get_data(as_text=True)
    assert len(outbox.messages()) == 1 and _audit_actions(seeded, "email_payment_link") == 1
    _pay_cash(agent, order_url, "2.00")
    assert _latest_order(seeded).status == "fulfilled"
    page = agent.get(order_url).get_data(as_text=True)
    assert "Email the link to the customer" not in page and "/email-link" not in page
    agent.get(f"{order_url}?lang=km")
    refused = agent.post(
        f"{order_url}/email-link", data={"csrf_token": csrf_token(agent, order_url)}, follow_redirects=True
    )
    assert translated(seeded, "km", "This order is not waiting for payment.") in refused.get_data(
        as_text=True
    )
    sent = [m for m in outbox.messages() if "LPA" in str(m) or "/pay/" in str(m)]
    assert len(sent) == 1  # the first one only
    assert _audit_actions(seeded, "email_payment_link") == 1


def test_no_payment_link_is_emailed_to_a_customer_with_no_email(seeded, outbox):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, phone="097 111 2222")
    assert "Email the link to the customer" not in agent.get(order_url).get_data(as_text=True)
    refused = post_form(agent, f"{order_url}/email-link", {}, page=order_url, follow_redirects=True)
    assert "This customer has no email address: show them the QR code instead." in refused.get_data(
        as_text=True
    )
    assert _audit_actions(seeded, "email_payment_link") == 0


def test_a_customer_still_installs_from_their_own_account(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    order_url = _counter_sale(agent, email=DEMO_CUSTOMER[0])
    _pay_cash(agent, order_url, "2.00")
    paid = _latest_order(seeded)
    owner = browser(seeded)
    Auth(owner).login()
    html = owner.get(f"/orders/{paid.id}").get_data(as_text=True)
    assert "Install the eSIM now" in html
    assert "LPA:1$" in owner.get(f"/esims/{paid.esim_id}/install").get_data(as_text=True)
