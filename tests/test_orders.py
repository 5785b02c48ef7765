"""The order page: waiting for the operator, in place."""

import re

import pytest
from support.helpers import HTMX
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import post_form
from support.helpers import time_passes_for_the_worker

from app.models import Esim
from app.models import Order
from app.models import User
from app.services import fulfilment
from app.services import orders
from app.services import renewal
from app.services import support
from app.services.demo import DEMO_CUSTOMER
from app.services.demo import DEMO_ICCID


def _pending_order(client, app, plan="month-10gb", iccid=DEMO_ICCID):
    esim = in_app(app, lambda: Esim.get(Esim.iccid == iccid))
    post_form(client, f"/esims/{esim.id}/renew", {"plan": plan})
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get())


def test_a_pending_order_waits_for_payment_and_does_not_poll(client, auth, seeded):
    auth.login()
    order = _pending_order(client, seeded)
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f"Order {order.number}" in html
    assert "Waiting for payment" in html
    assert "hx-trigger" not in html.split('id="order-status')[1].split(">")[0]
    assert 'http-equiv="refresh"' not in html


def test_a_paid_order_polls_until_the_operator_has_applied_it(client, auth, seeded):
    seeded.config["OPERATOR_APPLY_DELAY"] = 3600
    auth.login()
    order = _pending_order(client, seeded)
    old_expiry = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID).expires_at)
    assert in_app(seeded, fulfilment.fulfil, order, "webhook")

    widget = client.get(f"/orders/{order.id}", headers={**HTMX, "HX-Target": f"order-status-{order.id}"})
    html = widget.get_data(as_text=True)
    assert html.lstrip().startswith("<section")
    assert "the operator is applying your plan" in html
    assert 'hx-trigger="every 2s, refresh"' in html
    assert f'href="/orders/{order.id}"' in html  # the refresh link without JavaScript
    # Without JavaScript the whole page reloads itself while the plan is applied.
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    refresh = f'<noscript><meta http-equiv="refresh" content="4; url=/orders/{order.id}"></noscript>'
    assert refresh in page.split("</head>")[0]

    seeded.config["OPERATOR_APPLY_DELAY"] = 0
    import app.operators.simulated as simulated
    from app.models import SimApplication

    in_app(seeded, lambda: SimApplication.update(applies_at=simulated.utcnow()).execute())
    time_passes_for_the_worker(seeded)
    done = client.get(f"/orders/{order.id}", headers={**HTMX, "HX-Target": f"order-status-{order.id}"})
    html = done.get_data(as_text=True)
    assert "Done: your plan is active" in html
    assert "hx-trigger" not in html
    assert 'http-equiv="refresh"' not in client.get(f"/orders/{order.id}").get_data(as_text=True)
    new_expiry = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID).expires_at)
    assert (new_expiry - old_expiry).days == 30


def test_another_customers_order_is_not_found(client, auth, seeded):
    other = make_customer(seeded)
    make_esim(seeded, other, "8985500000000000888")
    auth.login("other@example.com", "other-pass-1234")
    order = _pending_order(client, seeded, iccid="8985500000000000888")
    auth.logout()
    auth.login()
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert order.number not in client.get("/orders").get_data(as_text=True)


def test_a_customer_cancels_an_unpaid_order_and_its_promo_hold_is_freed(client, auth, seeded):
    from app.models import PromoCode

    auth.login()
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    token = csrf_token(client, f"/esims/{esim.id}/renew")
    client.post(
        f"/esims/{esim.id}/renew", data={"plan": "month-10gb", "promo": "WELCOME10", "csrf_token": token}
    )
    order = in_app(seeded, Order.get)
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 1
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Cancel this order" in page and "Discount (WELCOME10)" in page
    response = client.post(f"/orders/{order.id}/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "The order is cancelled. Nothing was charged." in response.get_data(as_text=True)
    assert in_app(seeded, Order.get_by_id, order.id).status == "cancelled"
    assert in_app(seeded, lambda: PromoCode.get(PromoCode.code == "WELCOME10").held) == 0
    # A paid order cannot be cancelled this way.
    in_app(seeded, lambda: Order.update(status="paid").where(Order.id == order.id).execute())
    client.post(f"/orders/{order.id}/cancel", data={"csrf_token": token})
    assert in_app(seeded, Order.get_by_id, order.id).status == "paid"


def _timeline(html):
    return re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)


def test_the_payment_link_shows_the_same_history_as_the_order_page(app, client, auth, seeded):
    def paid_by_link():
        customer = User.by_email(DEMO_CUSTOMER[0])
        esim = Esim.get(Esim.iccid == DEMO_ICCID)
        order = orders.place_order(customer, renewal.find_plan("day-1gb"), esim=esim, source="agent")
        fulfilment.fulfil(order, "webhook")
        return order.id, support.payment_token(order)

    order_id, token = in_app(seeded, paid_by_link)
    time_passes_for_the_worker(seeded)
    phone = app.test_client()  # the phone that paid, logged in nowhere
    tracked = _timeline(phone.get(f"/pay/{token}", follow_redirects=True).get_data(as_text=True))
    auth.login()
    owned = _timeline(client.get(f"/orders/{order_id}").get_data(as_text=True))
    assert tracked == owned
    assert tracked.count("<li>") >= 3  # made, paid, applied


@pytest.mark.parametrize("kind", ["new_esim", "renewal"])
def test_a_phone_that_paid_by_an_agents_link_is_not_sent_to_a_login(client, seeded, kind):
    def paid_by_link():
        customer = User.by_email(DEMO_CUSTOMER[0])
        esim = Esim.get(Esim.iccid == DEMO_ICCID) if kind == "renewal" else None
        order = orders.place_order(customer, renewal.find_plan("day-1gb"), esim=esim, source="agent")
        fulfilment.fulfil(order, "webhook")
        return support.payment_token(order)

    token = in_app(seeded, paid_by_link)
    time_passes_for_the_worker(seeded)
    html = client.get(f"/pay/{token}", follow_redirects=True).get_data(
        as_text=True
    )  # nobody is logged in on this phone
    status = html.split('id="order-status-', 1)[1].split("</section>", 1)[0]
    assert "Done: your plan is active" in status
    assert "See my eSIMs" not in status and "/receipt" not in status
    if kind == "renewal":
        assert "You are all set: there is nothing more to do." in status and "/login" not in status
        return
    # A new eSIM: "all set", and the way to install it is the owner's (the emailed link, or a login).
    assert "You are all set: the eSIM is paid for and ready." in status
    assert "install?token=" not in status and "LPA:1$" not in status
