"""A new visitor buys an eSIM on a phone and reaches its install page, in three languages."""

import pytest
from playwright.sync_api import expect
from support.browser import screenshot
from support.helpers import translated


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_a_visitor_buys_and_installs(live_server, phone, lang):
    app, page = live_server, phone()
    page.goto(f"{app.base_url}/buy?lang={lang}")
    page.check("input[value='month-10gb']")
    page.fill("#email", f"visitor-{lang}@example.com")
    page.fill("#password", "long-enough-pw")
    page.fill("#confirm", "long-enough-pw")
    page.locator("form.renew button[value=card]").click()
    page.wait_for_url("**/checkout/test/*")
    page.locator("button[value=pay]").click()
    page.wait_for_url("**/orders/*")
    install = page.locator(".status a.button")
    expect(install).to_have_text(translated(app, lang, "Install the eSIM now"), timeout=15000)
    install.click()
    page.wait_for_url("**/install")
    expect(page.locator("h1")).to_contain_text(translated(app, lang, "Install your eSIM"))
    expect(page.locator(".qr svg")).to_be_visible()
    assert page.locator("#lpa").inner_text().startswith("LPA:1$")
    expect(page.locator("[data-copy=lpa]")).to_be_visible()  # copy buttons come with JavaScript
    screenshot(page, f"install-{lang}")
