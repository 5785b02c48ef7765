"""A refund request on a phone, in Khmer and Chinese (issue 31): the form and its errors, the state the
customer sees while support looks at it, the agent's queue and decision, and the answer."""

import re

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import translated

from app.models import RefundRequest
from app.services import demo

WIDTH = 360


def _fits(page, name):
    screenshot(page, name)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, (name, width)


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_a_refund_request_on_a_phone(live_server, phone, lang):
    app, page = live_server, phone()
    page.goto(f"{app.base_url}/buy?lang={lang}")
    page.check("input[value='month-10gb']")
    page.fill("#email", f"traveller-{lang}@example.com")
    page.fill("#password", "long-enough-pw")
    page.fill("#confirm", "long-enough-pw")
    page.locator("form.renew button[value=card]").click()
    page.wait_for_url("**/checkout/test/*")
    page.locator("button[value=pay]").click()
    page.wait_for_url("**/orders/*")
    order_url = page.url.split("?")[0]
    install = page.locator(".status a.button")
    expect(install).to_have_text(translated(app, lang, "Install the eSIM now"), timeout=15000)
    install.click()
    page.wait_for_url("**/install")
    page.locator("form.demo button").click()  # the phone downloads the eSIM: no refund at once now

    page.goto(order_url)
    page.get_by_role("link", name=translated(app, lang, "Ask for a refund")).click()
    page.wait_for_url("**/refund-request")
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Ask for a refund"))
    _fits(page, f"refund-request-form-{lang}")
    page.locator("form.stack button").click()  # no reason chosen
    expect(page.locator("#errors")).to_contain_text(
        translated(app, lang, "Please choose why you want a refund.")
    )
    _fits(page, f"refund-request-error-{lang}")
    page.check("input[value='installation_failed']")
    page.fill("#note", "QR 扫描后显示错误" if lang == "zh" else "ស្កេន QR ហើយមានកំហុស")
    page.locator("form.stack button").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    state = page.locator("#refund-request .badge")
    expect(state).to_have_text(translated(app, lang, "Refund requested: our support team is looking at it"))
    _fits(page, f"refund-request-waiting-{lang}")

    agent = phone()
    log_in(agent, app.base_url, lang, *demo.DEMO_AGENT, landing="**/support*")
    agent.goto(f"{app.base_url}/support/refund-requests")
    asked_id = in_app(app, lambda: RefundRequest.select().order_by(RefundRequest.id.desc()).get().id)
    card = agent.locator(f"#refund-request-{asked_id}")
    expect(card).to_contain_text(translated(app, lang, "The eSIM would not install"))
    _fits(agent, f"refund-request-queue-{lang}")
    card.locator("input[value=part]").check()
    card.locator("input[name=amount]").fill("2.50")
    card.locator("textarea[name=answer]").fill("已退还一部分" if lang == "zh" else "បានបង្វិលប្រាក់សងមួយផ្នែក")
    card.locator("button").click()
    expect(agent.locator(".flash")).to_contain_text(
        translated(app, lang, "The refund is on its way to the customer, who is told by email.")
    )

    page.goto(order_url)
    refunded = translated(app, lang, "Refunded")
    approved = translated(app, lang, "Refund approved: the money is on its way")
    expect(state).to_have_text(re.compile(f"^({re.escape(refunded)}|{re.escape(approved)})$"))
    expect(page.locator("#refund-request")).to_contain_text("US$2.50" if lang == "zh" else "2.50")
    _fits(page, f"refund-request-answered-{lang}")
