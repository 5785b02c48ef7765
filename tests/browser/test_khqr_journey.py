"""Renewing by KHQR on a phone, as the demo runs it: the code, its countdown, a simulated bank
payment, and the worker beside the web applying the renewal once; with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import translated

from app.models import Esim
from app.models import Order
from app.services.demo import DEMO_ICCID


def _expiry(app):
    return in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).expires_at)


def _to_the_code(app, page, lang, javascript=True):
    log_in(page, app.base_url, lang)
    esim_id = in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).id)
    page.goto(f"{app.base_url}/esims/{esim_id}/renew")
    page.check("input[value='month-30gb']")
    if javascript:
        # The price comes in place first, as a customer waits to read it before paying.
        expect(page.locator("#summary")).to_contain_text(translated(app, lang, "New expiry date"))
    page.locator("form.renew button[value=khqr]").click()
    page.wait_for_url(re.compile(r".*/checkout/khqr/[0-9a-f]{32}$"), timeout=20000)
    expect(page.locator("h1")).to_have_text(translated(app, lang, "Pay with your bank app"))
    expect(page.locator(".khqr svg")).to_be_visible()
    box = page.locator(".khqr svg").bounding_box()
    assert box["width"] >= 240, "the code is too small for another phone's camera"


def _fulfilled(app):
    return in_app(app, lambda: Order.select().order_by(Order.id.desc()).get().status) == "fulfilled"


@pytest.mark.parametrize("lang", ["km", "zh", "en"])
def test_with_javascript_the_page_counts_down_and_moves_to_the_order_once_paid(live_server, phone, lang):
    app, page = live_server, phone()
    before = _expiry(app)
    _to_the_code(app, page, lang)
    countdown = page.locator("[data-countdown]")
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks
    screenshot(page, f"khqr-{lang}")
    page.locator("button", has_text=translated(app, lang, "Simulate bank payment (test)")).click()
    # The worker finds the payment; the status poll then sends the page to the order.
    page.wait_for_url("**/orders/*", timeout=20000)
    expect(page.locator(".status")).to_contain_text(
        translated(app, lang, "Done: your plan is active"), timeout=20000
    )
    screenshot(page, f"khqr-paid-{lang}")
    assert _expiry(app) > before
    assert _fulfilled(app)


def test_without_javascript_check_again_reaches_the_paid_order(live_server, phone):
    app, page = live_server, phone(javascript=False)
    before = _expiry(app)
    _to_the_code(app, page, "en", javascript=False)
    assert page.locator("noscript").count() >= 1
    screenshot(page, "khqr-nojs-en")
    page.locator("button", has_text="Simulate bank payment (test)").click()
    for _ in range(40):
        if "/orders/" in page.url:
            break
        page.wait_for_timeout(500)
        page.locator("a", has_text="Check again").click()
    assert "/orders/" in page.url
    for _ in range(40):
        if _fulfilled(app):
            break
        page.wait_for_timeout(500)
    assert _expiry(app) > before
    page.reload()
    expect(page.locator(".status")).to_contain_text("Done: your plan is active")
