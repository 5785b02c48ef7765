"""The renewal journey as a customer on a phone sees it, in three languages, with and without JS."""

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import translated

LANGS = ["en", "km", "zh"]


def _usd(app, cents, lang):
    from babel.numbers import format_currency

    return format_currency(cents / 100, "USD", locale={"zh": "zh_Hans"}.get(lang, lang))


def _expiry(app):
    from support.helpers import in_app

    from app.models import Esim
    from app.services.demo import DEMO_ICCID

    return in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).expires_at)


def _long_date(moment, lang):
    from babel.dates import format_date

    from app.text import DATE_PATTERNS
    from app.text import to_local

    return format_date(to_local(moment), format=DATE_PATTERNS[lang], locale={"zh": "zh_Hans"}.get(lang, lang))


@pytest.mark.parametrize("lang", LANGS)
def test_renewal_journey_updates_in_place(live_server, phone, lang):
    app, page = live_server, phone()
    log_in(page, app.base_url, lang)
    usage = page.locator(".usage").first
    expect(usage).to_contain_text(translated(app, lang, "Data left"))
    expect(page.locator("html")).to_have_attribute("lang", {"zh": "zh-Hans"}.get(lang, lang))
    screenshot(page, f"dashboard-{lang}")

    # Refreshing the usage swaps the widget without loading the page.
    page.evaluate("window.stillHere = true")
    with page.expect_response(lambda r: "/usage" in r.url and r.request.headers.get("hx-request") == "true"):
        usage.locator("a", has_text=translated(app, lang, "Refresh")).click()
    expect(page.locator(".usage").first).to_contain_text(translated(app, lang, "Updated just now"))
    assert page.evaluate("window.stillHere") is True

    page.locator("a.button", has_text=translated(app, lang, "Renew")).first.click()
    page.wait_for_url("**/renew")
    summary = page.locator("#summary")
    expect(summary).to_contain_text(
        translated(app, lang, "Choose a plan to see the price and your new expiry date.")
    )
    page.evaluate("window.stillHere = true")
    page.check("input[value='month-30gb']")
    expect(summary).to_contain_text(_usd(app, 1000, lang))
    expect(summary).to_contain_text(translated(app, lang, "New expiry date"))
    page.check("input[value='day-1gb']")
    expect(summary).to_contain_text(_usd(app, 100, lang))
    page.fill("#promo", "WELCOME10")
    expect(summary).to_contain_text(_usd(app, 90, lang))
    assert page.evaluate("window.stillHere") is True, "choosing a plan reloaded the page"
    expect(page.locator("button[name=preview]")).to_be_hidden()
    screenshot(page, f"renew-{lang}")

    page.locator("form.renew button[value=card]").click()
    page.wait_for_url("**/checkout/test/*")
    expect(page.locator(".testmode")).to_be_visible()
    expect(page.locator("dl")).to_contain_text(_usd(app, 90, lang))
    screenshot(page, f"test-checkout-{lang}")
    page.locator("button[value=pay]").click()

    # Back from checkout, the status widget waits for the operator in place.
    page.wait_for_url("**/orders/*")
    status = page.locator(".status")
    expect(status).to_contain_text(translated(app, lang, "Done: your plan is active"), timeout=15000)
    screenshot(page, f"order-{lang}")
    new_expiry = _expiry(app)
    status.locator("a.button").click()
    page.wait_for_url("**/dashboard")
    expect(page.locator(".usage").first).to_contain_text(_long_date(new_expiry, lang))


@pytest.mark.parametrize("lang", LANGS)
def test_renewal_journey_without_javascript(live_server, phone, lang):
    app, page = live_server, phone(javascript=False)
    log_in(page, app.base_url, lang)
    expect(page.locator(".usage").first).to_contain_text(translated(app, lang, "Call minutes left"))

    page.locator(".usage a", has_text=translated(app, lang, "Refresh")).first.click()
    page.wait_for_url("**/usage")
    expect(page.locator(".usage")).to_contain_text(translated(app, lang, "Updated just now"))

    page.locator("a.button", has_text=translated(app, lang, "Renew")).first.click()
    page.wait_for_url("**/renew")
    page.check("input[value='year-150gb']")
    page.click("button[name=preview]")
    expect(page.locator("#summary")).to_contain_text(_usd(app, 6000, lang))
    assert "csrf_token" not in page.url
    expect(page.locator("input[value='year-150gb']")).to_be_checked()
    screenshot(page, f"renew-nojs-{lang}")

    page.locator("form.renew button[value=card]").click()
    page.wait_for_url("**/checkout/test/*")
    page.locator("button[value=pay]").click()
    page.wait_for_url("**/orders/*")
    # Nobody taps "Refresh": the page reloads itself until the plan is applied, then stops.
    expect(page.locator(".status")).to_contain_text(
        translated(app, lang, "Done: your plan is active"), timeout=20000
    )
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)
