"""The deleted-eSIM page on a phone, in Khmer and Chinese: a fresh code, then the truth once none is left."""

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app

from app.models import Esim
from app.services.demo import DEMO_ICCID

WIDTH = 360


def _fits(page):
    return page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_a_deleted_esim_gets_a_new_code_then_the_choices_left(live_server, phone, lang):
    esim = in_app(live_server, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    page = phone()
    log_in(page, live_server.base_url, lang)
    page.goto(f"{live_server.base_url}/esims/{esim.id}/deleted")
    screenshot(page, f"phone-deleted-esim-{lang}")
    assert _fits(page)

    page.click("main form button")
    page.wait_for_url(f"**/esims/{esim.id}/install")
    new_code = in_app(live_server, lambda: Esim.get_by_id(esim.id).matching_id)
    assert new_code != esim.matching_id
    expect(page.locator("#matching-id")).to_have_text(new_code)
    expect(page.locator("main .flash.warning strong")).to_be_visible()
    screenshot(page, f"phone-deleted-esim-new-code-{lang}")
    assert _fits(page)

    page.click("form.demo button")  # the phone downloads the new profile
    live_server.config["SIM_MAX_DOWNLOADS"] = 2  # and the operator allows no more
    page.goto(f"{live_server.base_url}/esims/{esim.id}/deleted")
    expect(page.locator("main a[href*='/buy?plan=']")).to_be_visible()
    expect(page.locator("main form button")).to_have_count(0)
    screenshot(page, f"phone-deleted-esim-used-up-{lang}")
    assert _fits(page)


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_find_my_esim_fits_a_phone(live_server, phone, lang):
    page = phone()
    page.goto(f"{live_server.base_url}/find?lang={lang}")
    page.fill("#email", "demo@example.com")
    page.fill("#iccid_tail", DEMO_ICCID[-4:])
    page.click("main form button")
    page.wait_for_url("**/find")
    expect(page.locator(".flash.info")).to_be_visible()
    screenshot(page, f"phone-find-{lang}")
    assert _fits(page)
