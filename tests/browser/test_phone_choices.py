"""Choices a traveller makes on a phone stay made (issue 28): the language most recently chosen, the plan
across a login from /buy, and the reason a spent install link no longer opens the install page."""

import re

import pytest
from playwright.sync_api import expect
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import translated

from app.models import Esim
from app.models import User
from app.services import demo
from app.services import provisioning
from app.services.demo import DEMO_ICCID

WALKS = [("km", True), ("zh", True), ("en", True), ("en", False)]
HTML_LANG = {"en": "en", "km": "km", "zh": "zh-Hans"}


def _walk_id(walk):
    lang, javascript = walk
    return f"{lang}-{'js' if javascript else 'nojs'}"


def _set_profile_language(app, lang):
    in_app(app, User.update(language=lang).where(User.email == demo.DEMO_CUSTOMER[0]).execute)


def _shown_in(page, lang):
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])


def _fill_login(page):
    page.fill("#email", demo.DEMO_CUSTOMER[0])
    page.fill("#password", demo.DEMO_CUSTOMER[1])
    page.click("form.stack button")


@pytest.mark.parametrize("walk", WALKS, ids=_walk_id)
def test_the_most_recent_language_choice_is_in_force(live_server, phone, walk):
    lang, javascript = walk
    app, page = live_server, phone(javascript=javascript)
    other = "zh" if lang != "zh" else "km"
    _set_profile_language(app, other)

    # Picked on the login page, before logging in: it survives the login (the profile says `other`).
    page.goto(f"{app.base_url}/login?lang={lang}")
    _fill_login(page)
    page.wait_for_url("**/dashboard")
    _shown_in(page, lang)

    # A tap on the bar, then a save in the profile: the save is newer, so it wins.
    page.locator(f"nav.langs a[hreflang='{other}']").click()
    _shown_in(page, other)
    page.goto(f"{app.base_url}/profile")
    page.select_option("#language", lang)
    page.locator("form.stack button").first.click()
    page.wait_for_url("**/profile")
    _shown_in(page, lang)
    expect(page.locator(".flash")).to_contain_text(translated(app, lang, "Your profile has been saved."))
    screenshot(page, f"choices-profile-saved-{_walk_id(walk)}")
    page.goto(f"{app.base_url}/dashboard")
    _shown_in(page, lang)
    assert in_app(app, User.by_email, demo.DEMO_CUSTOMER[0]).language == lang

    # Log out everywhere: the login page it lands on keeps the profile's language.
    page.goto(f"{app.base_url}/profile")
    page.locator("form[action$='/profile/logout-everywhere'] button").click()
    page.wait_for_url("**/login")
    _shown_in(page, lang)
    expect(page.locator(".flash")).to_contain_text(
        translated(app, lang, "You are logged out on every device.")
    )
    screenshot(page, f"choices-logged-out-everywhere-{_walk_id(walk)}")
    page.goto(f"{app.base_url}/")
    _shown_in(page, lang)


@pytest.mark.parametrize("walk", WALKS, ids=_walk_id)
def test_log_in_from_buy_keeps_the_chosen_plan(live_server, phone, walk):
    lang, javascript = walk
    app, page = live_server, phone(javascript=javascript)
    page.goto(f"{app.base_url}/buy?lang={lang}")
    page.check("input[value='month-30gb']")
    page.fill("#email", demo.DEMO_CUSTOMER[0])
    page.fill("#password", "long-enough-pw")
    page.fill("#confirm", "long-enough-pw")
    page.locator("form.renew button.pay").first.click()
    offer = page.locator("#log-in-instead a")
    expect(offer).to_have_text(translated(app, lang, "Log in and keep this plan"))
    expect(page.locator(".error-summary")).to_contain_text(
        translated(app, lang, "An account with this email already exists. Log in to buy this plan.")
    )
    screenshot(page, f"choices-buy-email-taken-{_walk_id(walk)}")

    offer.click()
    page.wait_for_url(re.compile(r".*/login\?next="))
    _fill_login(page)
    page.wait_for_url(re.compile(r".*/buy\?plan=month-30gb"))
    _shown_in(page, lang)
    expect(page.locator("input[value='month-30gb']")).to_be_checked()
    expect(page.locator("#email")).to_have_count(0)  # logged in: the plan and the pay button only
    screenshot(page, f"choices-buy-after-login-{_walk_id(walk)}")


@pytest.mark.parametrize("walk", WALKS, ids=_walk_id)
def test_a_spent_install_link_says_why(live_server, phone, walk):
    lang, javascript = walk
    app, page = live_server, phone(javascript=javascript)
    _set_profile_language(app, lang)  # the email and its link are in the customer's language
    in_app(app, Esim.update(installed_at=None).where(Esim.iccid == DEMO_ICCID).execute)
    esim = in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID))
    # The link the install email carries (the worker, which sends it, may not have run yet).
    token = in_app(app, provisioning.new_install_link, esim)
    link = f"{app.base_url}/esims/{esim.id}/install?token={token}&lang={lang}"
    in_app(app, Esim.update(installed_at=esim.created_at).where(Esim.id == esim.id).execute)

    page.goto(link)
    page.wait_for_url(re.compile(r".*/login\?next="))
    _shown_in(page, lang)
    expect(page.locator(".flash.error")).to_have_text(
        translated(
            app,
            lang,
            "This eSIM is already installed, so its install link no longer opens. Log in to see it.",
        )
    )
    expect(page.locator("#email")).to_be_visible()
    screenshot(page, f"choices-spent-install-link-{_walk_id(walk)}")
