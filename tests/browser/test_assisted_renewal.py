"""An agent (in English) renews a customer's eSIM; the customer (in Khmer) pays on their own phone."""

from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import translated

from app.models import Esim
from app.models import User
from app.services.demo import DEMO_ICCID


def test_assisted_renewal_across_two_languages(live_server, browser):
    app = live_server
    in_app(app, lambda: User.update(language="km").where(User.email == "demo@example.com").execute())
    old_expiry = in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).expires_at)

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    agent = desk.new_page()
    log_in(agent, app.base_url, "en", "agent@example.com", "agent-pass-1234", landing="**/support")
    agent.fill("#q", "0017")
    agent.locator("#results a", has_text="Demo Traveller").click()
    expect(agent.locator(".preferred")).to_contain_text("ភាសាខ្មែរ")
    agent.select_option("select[name=plan]", "month-10gb")
    agent.locator("button", has_text="Start a renewal").click()
    agent.wait_for_url("**/support/orders/*")
    link = agent.locator("#pay-link").inner_text()
    assert "lang=km" in link
    expect(agent.locator(".qr svg")).to_be_visible()
    screenshot(agent, "agent-assisted-order")

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="km-KH")
    customer = phone.new_page()
    customer.goto(link)
    customer.wait_for_url("**/pay")  # a card or a bank app, as on every pay screen
    customer.locator("button[value=card]").click()
    customer.wait_for_url("**/checkout/test/*")
    expect(customer.locator("html")).to_have_attribute("lang", "km")
    customer.locator("button[value=pay]").click()
    customer.wait_for_url("**/pay")
    status = customer.locator(".status")
    expect(status).to_contain_text(translated(app, "km", "Done: your plan is active"), timeout=15000)
    new_expiry = in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).expires_at)
    assert (new_expiry - old_expiry).days == 30
    from babel.dates import format_date

    from app.text import to_local

    expect(status).to_contain_text(format_date(to_local(new_expiry), format="medium", locale="km"))
    screenshot(customer, "customer-paid-km")

    # The agent's page sees the payment without reloading.
    expect(agent.locator("#support-order-1, [id^=support-order-]")).to_contain_text(
        "Done: the plan is active", timeout=15000
    )
    desk.close()
    phone.close()
