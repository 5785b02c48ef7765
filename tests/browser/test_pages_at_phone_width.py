"""Customer and support pages at a phone's width, in Khmer and Chinese: nothing wider than the screen."""

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app

from app.models import Esim
from app.models import Order
from app.models import User
from app.services import balance
from app.services import demo
from app.services import fulfilment
from app.services import orders
from app.services import renewal

WIDTH = 360
# What sticks out past the screen's edge, for the failure message.
WIDEST = """[...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > 361)
  .slice(-3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"""


def _wider_than_the_screen(page):
    return page.evaluate("document.scrollingElement.scrollWidth") > WIDTH


def _paid_order(app):
    def make():
        customer = User.by_email(demo.DEMO_CUSTOMER[0])
        esim = Esim.get(Esim.user == customer)
        order = orders.create_order(customer, esim, renewal.find_plan("month-10gb"))
        fulfilment.fulfil(order, "agent")
        balance.credit(customer, 2500, "agent_credit", f"phone-{order.id}", order=order.id, note="Sorry")
        return Order.get_by_id(order.id)

    return in_app(app, make)


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_customer_pages_fit_a_phone(live_server, phone, lang):
    order = _paid_order(live_server)
    page = phone()
    log_in(page, live_server.base_url, lang)
    esim_id = in_app(live_server, lambda: Order.get_by_id(order.id).esim_id)
    for name, path in [
        ("dashboard", "/dashboard"),
        ("renewal", f"/esims/{esim_id}/renew?plan=month-10gb"),
        ("balance", "/balance"),
        ("esim-auto-renew", f"/esims/{esim_id}#auto-renew"),
        ("profile-saved-cards", "/profile#saved-cards"),
        ("receipt", f"/orders/{order.id}/receipt"),
    ]:
        page.goto(live_server.base_url + path)
        screenshot(page, f"phone-{name}-{lang}")
        assert not _wider_than_the_screen(page), (name, lang)
    # The receipt prints from its own button, which stays off the paper.
    print_button = page.locator("button[data-print]")
    expect(print_button).to_be_visible()
    page.emulate_media(media="print")
    expect(print_button).to_be_hidden()
    page.emulate_media(media="screen")


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_the_support_console_fits_a_phone(live_server, phone, lang):
    order = _paid_order(live_server)
    page = phone()
    log_in(page, live_server.base_url, lang, *demo.DEMO_AGENT, landing="**/support*")
    customer_id = in_app(live_server, lambda: Order.get_by_id(order.id).user_id)
    for name, path in [
        ("support-search", "/support?q=demo"),
        ("support-customer", f"/support/customers/{customer_id}"),
        ("support-order", f"/support/orders/{order.id}"),
        ("support-refunds", "/support/refunds"),
        ("support-counter", "/support/counter"),
        ("support-balance", f"/support/customers/{customer_id}/balance"),
    ]:
        page.goto(live_server.base_url + path)
        screenshot(page, f"phone-{name}-{lang}")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= WIDTH, (name, lang, width, page.evaluate(WIDEST))
