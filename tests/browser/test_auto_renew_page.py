"""Turning auto-renew on at a phone's width: the terms follow the choices, and are what is kept."""

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app

from app.models import AutoRenew
from app.models import Esim
from app.services.demo import DEMO_ICCID


@pytest.mark.parametrize("javascript", [True, False])
def test_the_terms_follow_the_choices_and_are_kept_when_turned_on(live_server, phone, javascript):
    app, page = live_server, phone(javascript=javascript)
    log_in(page, app.base_url, "en")
    esim_id = in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).id)
    page.goto(f"{app.base_url}/esims/{esim_id}")
    terms = page.locator("#auto-renew-terms")
    expect(terms).to_contain_text("charge $5.00 to your card Visa •••• 4242")
    page.select_option("#plan", "month-30gb")
    if not javascript:
        page.get_by_role("button", name="Show the terms for these choices").click()
    expect(page.locator("#auto-renew-terms")).to_contain_text("charge $10.00")
    page.get_by_label("I agree to these terms.").check()
    page.get_by_role("button", name="Turn automatic renewal on").click()
    expect(page.get_by_text("Automatic renewal is on.")).to_be_visible()
    screenshot(page, f"auto-renew-on-{'js' if javascript else 'nojs'}")
    kept = in_app(app, lambda: AutoRenew.get(AutoRenew.esim == esim_id))
    assert "charge $10.00" in kept.consent_text and kept.plan.code == "month-30gb"


@pytest.mark.parametrize("javascript", [True, False])
def test_choosing_the_balance_shows_its_terms_and_keeps_them(live_server, phone, javascript):
    app, page = live_server, phone(javascript=javascript)
    log_in(page, app.base_url, "en")
    esim_id = in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).id)
    page.goto(f"{app.base_url}/esims/{esim_id}")
    page.select_option("#funding", "balance")
    if not javascript:
        page.get_by_role("button", name="Show the terms for these choices").click()
    expect(page.locator("#auto-renew-terms")).to_contain_text("pay $5.00 from your balance")
    page.get_by_label("I agree to these terms.").check()
    page.get_by_role("button", name="Turn automatic renewal on").click()
    expect(page.get_by_text("Automatic renewal is on.")).to_be_visible()
    kept = in_app(app, lambda: AutoRenew.get(AutoRenew.esim == esim_id))
    assert kept.funding == "balance" and "from your balance" in kept.consent_text
