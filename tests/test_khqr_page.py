"""The KHQR page as a customer meets it: with and without JavaScript, in the demo's test mode,
as an image to save, and only for the order's owner; and the same code at the counter."""

import re

import numpy as np
import png
import pytest
import zxingcpp
from support.helpers import HTMX
from support.helpers import Auth
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import translated
from support.khqr import code_fields
from support.khqr import renew_by_khqr
from support.khqr_reading import read_khqr
from support.payments import esim_of

from app.models import AuditLog
from app.models import Order
from app.services.demo import DEMO_AGENT


def _order(app, order):
    return in_app(app, lambda: Order.get_by_id(order.id))


def test_the_renewal_offers_a_bank_app_beside_a_card(customer, seeded):
    page = customer.get(f"/esims/{esim_of(seeded).id}/renew").get_data(as_text=True)
    assert 'name="pay_with" value="card"' in page
    assert 'name="pay_with" value="khqr"' in page


def test_without_javascript_the_page_refreshes_itself_while_the_code_is_open(customer, seeded):
    order, md5, html = renew_by_khqr(customer, seeded)
    assert f'<noscript><meta http-equiv="refresh" content="15; url=/checkout/khqr/{md5}"></noscript>' in html
    assert f'href="/checkout/khqr/{md5}/check"' in html and ">Check again</a>" in html
    countdown = re.search(r'data-countdown="(\d+)">(\d+):(\d\d)<', html)
    seconds = int(countdown.group(1))
    assert 880 <= seconds <= 900
    assert int(countdown.group(2)) * 60 + int(countdown.group(3)) == seconds
    assert code_fields(html)["62"]["01"] == order.number


def test_htmx_asks_only_for_the_status_and_is_sent_to_the_order_once_paid(customer, seeded):
    order, md5, _html = renew_by_khqr(customer, seeded)
    headers = {**HTMX, "HX-Target": "khqr-status"}
    fragment = customer.get(f"/checkout/khqr/{md5}", headers=headers)
    text = fragment.get_data(as_text=True)
    assert text.startswith("<section") and "<html" not in text
    assert 'data-hx-trigger="every 5s, refresh"' in text
    post_form(customer, f"/checkout/khqr/{md5}/simulate", {}, page=f"/checkout/khqr/{md5}")
    paid = customer.get(f"/checkout/khqr/{md5}", headers=headers)
    assert paid.headers["HX-Redirect"] == f"/orders/{order.id}"


def test_the_demo_pays_a_code_with_the_simulate_button_and_the_renewal_is_applied_once(customer, seeded):
    before = esim_of(seeded).expires_at
    order, md5, html = renew_by_khqr(customer, seeded)
    assert "Simulate bank payment (test)" in html
    assert "no money moves" in html
    response = post_form(customer, f"/checkout/khqr/{md5}/simulate", {}, page=f"/checkout/khqr/{md5}")
    assert response.status_code == 303
    assert _order(seeded, order).status == "fulfilled"
    after = esim_of(seeded).expires_at
    assert after > before
    again = post_form(customer, f"/checkout/khqr/{md5}/simulate", {}, page=f"/orders/{order.id}")
    assert again.status_code in (303, 404)
    assert esim_of(seeded).expires_at == after
    page = customer.get(f"/checkout/khqr/{md5}", follow_redirects=True).get_data(as_text=True)
    assert "KHQR (bank app)" in customer.get(f"/orders/{order.id}/receipt").get_data(as_text=True)
    assert order.number in page


def _png_text(data):
    _width, _height, rows, info = png.Reader(bytes=data).asDirect()
    top = 2 ** info["bitdepth"] - 1  # a pixel's value runs from 0 (black) to this (white)
    pixels = np.array([list(row)[:: info["planes"]] for row in rows], dtype=np.uint16) * 255 // top
    found = zxingcpp.read_barcode(pixels.astype(np.uint8))
    assert found is not None, "the saved image does not read as a QR code"
    return found.text


def test_the_code_can_be_saved_as_an_image_a_bank_app_reads(customer, seeded):
    order, md5, html = renew_by_khqr(customer, seeded)
    assert f'href="/checkout/khqr/{md5}/khqr.png" download="KHQR-{order.number}.png"' in html
    image = customer.get(f"/checkout/khqr/{md5}/khqr.png")
    assert image.mimetype == "image/png"
    assert image.headers["Content-Disposition"] == f'attachment; filename="KHQR-{order.number}.png"'
    assert read_khqr(_png_text(image.data))["62"]["01"] == order.number


def test_only_the_orders_owner_sees_its_code(customer, seeded):
    _order_, md5, _html = renew_by_khqr(customer, seeded)
    make_customer(seeded)
    other = browser(seeded)
    assert other.get(f"/checkout/khqr/{md5}").status_code == 302  # to the login page
    Auth(other).login("other@example.com", "other-pass-1234")
    for url in (f"/checkout/khqr/{md5}", f"/checkout/khqr/{md5}/khqr.png"):
        assert other.get(url).status_code == 404
    token = csrf_token(other, "/profile")
    assert other.post(f"/checkout/khqr/{md5}/simulate", data={"csrf_token": token}).status_code == 404
    assert _order(seeded, _order_).status == "pending"


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_the_page_speaks_the_customers_language(customer, seeded, lang):
    customer.get(f"/profile?lang={lang}")
    _order_, md5, html = renew_by_khqr(customer, seeded)
    assert translated(seeded, lang, "Pay with your bank app") in html
    assert translated(seeded, lang, "Save the code as an image") in html
    assert translated(seeded, lang, "Pay with your bank app") != "Pay with your bank app"


def test_an_agent_shows_a_khqr_at_the_counter_and_the_customers_app_pays_it(seeded):
    agent = staff_client(seeded, *DEMO_AGENT)
    response = post_form(
        agent,
        "/support/counter",
        {"phone": "+855 97 333 4444", "name": "Sokha", "language": "km", "plan": "day-3gb"},
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    page = agent.get(response.location).get_data(as_text=True)
    assert "Show a KHQR for a bank app" in page
    shown = post_form(agent, f"/support/orders/{order.id}/khqr", {}, page=response.location)
    assert shown.status_code == 303
    html = agent.get(shown.location).get_data(as_text=True)
    fields = code_fields(html)
    assert (fields["54"], fields["62"]["01"]) == (f"{order.amount_cents / 100:g}", order.number)
    md5 = shown.location.rsplit("/", 1)[1]
    post_form(agent, f"{shown.location}/simulate", {}, page=shown.location)
    assert _order(seeded, order).status == "fulfilled"
    assert agent.get(shown.location).location == f"/support/orders/{order.id}"
    log = in_app(
        seeded, lambda: [e.action for e in AuditLog.select().where(AuditLog.customer == order.user_id)]
    )
    assert "khqr_shown" in log
    # The customer's own browser never sees the agent's code.
    assert browser(seeded).get(f"/checkout/khqr/{md5}").status_code == 302


def test_a_visitor_buys_a_new_esim_by_khqr_and_is_led_to_install_it(client, seeded):
    fields = {"plan": "day-3gb", "email": "dara@example.com", "password": "long-enough-pw"}
    response = post_form(client, "/buy", {**fields, "confirm": fields["password"], "pay_with": "khqr"})
    assert response.status_code == 303 and "/checkout/khqr/" in response.location
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    html = client.get(response.location).get_data(as_text=True)
    assert code_fields(html)["62"]["01"] == order.number
    post_form(client, f"{response.location}/simulate", {}, page=response.location)
    paid = _order(seeded, order)
    assert (paid.kind, paid.status) == ("new_esim", "fulfilled")
    page = client.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "Install the eSIM now" in page


def test_an_assisted_renewal_can_be_paid_by_khqr_on_the_agents_screen(seeded):
    from app.models import Esim
    from app.services.demo import DEMO_ICCID

    agent = staff_client(seeded, *DEMO_AGENT)
    esim = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    response = post_form(
        agent,
        f"/support/customers/{esim.user_id}/renewals",
        {"esim": esim.id, "plan": "month-30gb"},
        page="/support",
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    assert response.location == f"/support/orders/{order.id}"
    shown = post_form(agent, f"/support/orders/{order.id}/khqr", {}, page=response.location)
    html = agent.get(shown.location).get_data(as_text=True)
    assert code_fields(html)["62"]["01"] == order.number
    post_form(agent, f"{shown.location}/simulate", {}, page=shown.location)
    assert _order(seeded, order).status == "fulfilled"
    assert in_app(seeded, lambda: Esim.get_by_id(esim.id).expires_at) > esim.expires_at
