"""The profile's Telegram section on a phone (360 px) in Khmer and Chinese: the link, its QR code,
"check again" without JavaScript, and the channel choice; screenshots in test-artifacts/."""

import pytest
from fakes import telegram_server
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import translated
from support.telegram import SETTINGS


@pytest.fixture
def telegram_live(live_server):
    fake, url, server = telegram_server.start()
    fake.token = SETTINGS["TELEGRAM_BOT_TOKEN"]
    live_server.config.update(SETTINGS, TELEGRAM_API_BASE=url)
    yield live_server
    server.shutdown()


@pytest.mark.parametrize("lang, javascript", [("km", True), ("zh", False)])
def test_the_telegram_section_at_phone_width(telegram_live, phone, lang, javascript):
    app, page = telegram_live, phone(javascript=javascript)
    log_in(page, app.base_url, lang)
    page.goto(f"{app.base_url}/profile#telegram")
    section = page.locator("#telegram")
    screenshot(page, f"telegram-profile-{lang}-unlinked")
    page.get_by_role("button", name=translated(app, lang, "Link Telegram")).click()
    page.wait_for_url("**/profile#telegram")
    expect(section.locator("a[href^='https://t.me/esim_test_bot?start=']")).to_be_visible()
    expect(section.locator(".qr svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    section.scroll_into_view_if_needed()
    screenshot(page, f"telegram-profile-{lang}-link")
    section.screenshot(path=str(screenshot_path(f"telegram-section-{lang}")))
    # "Check again" is a plain link: a reload that still shows the same link until it is used.
    link = section.locator("a[href^='https://t.me/']").get_attribute("href")
    section.get_by_role("link", name=translated(app, lang, "I pressed Start: check again")).click()
    expect(section.locator(f"a[href='{link}']")).to_be_visible()


def screenshot_path(name):
    from support.browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
