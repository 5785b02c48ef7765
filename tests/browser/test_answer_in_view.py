"""The renewal walked at 360×740 with the mistakes people make: after each step the answer is on screen."""

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import translated

from app.models import Esim
from app.services.demo import DEMO_ICCID

UNKNOWN_CODE = "We do not know this promo code. Please check the spelling."


def _open_renewal(app, page, lang):
    log_in(page, app.base_url, lang)
    esim_id = in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID).id)
    page.goto(f"{app.base_url}/esims/{esim_id}/renew")


# Resolves once the page has stopped scrolling (a smooth scroll takes a few hundred milliseconds).
STILL = """() => new Promise(done => {
  let last = -1;
  const look = () => (scrollY === last ? done() : ((last = scrollY), setTimeout(look, 100)));
  look();
})"""


def _errors_in_view(page, app, lang, message):
    errors = page.locator("#errors")
    expect(errors).to_contain_text(translated(app, lang, message))
    expect(errors).to_be_focused()
    expect(errors).to_be_in_viewport(ratio=1)
    return errors


@pytest.mark.parametrize("lang", ["en", "km"])
def test_without_javascript_each_answer_opens_in_view(live_server, phone, lang):
    app, page = live_server, phone(javascript=False)
    _open_renewal(app, page, lang)

    # Paying before choosing: the page opens on its error, which leads to the plans.
    page.locator("button.pay").first.click()
    errors = _errors_in_view(page, app, lang, "Please choose a plan.")
    errors.locator("a").click()
    expect(page.locator("#plan")).to_be_in_viewport()

    # A mistyped code: the error again, at the top, in view.
    page.check("input[value='year-150gb']")
    page.fill("#promo", "WELCOME1")
    page.click("button[name=preview]")
    _errors_in_view(page, app, lang, UNKNOWN_CODE)
    screenshot(page, f"answer-error-nojs-{lang}")

    # The right code: the page opens on the price.
    page.fill("#promo", "WELCOME10")
    page.click("button[name=preview]")
    assert page.url.endswith("#price")
    expect(page.locator("#errors")).to_have_count(0)
    expect(page.locator("#summary .total")).to_be_in_viewport(ratio=1)
    expect(page.locator("#summary h2")).to_be_in_viewport(ratio=1)
    screenshot(page, f"answer-summary-nojs-{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_with_javascript_the_summary_comes_into_view(live_server, phone, lang):
    app, page = live_server, phone()
    _open_renewal(app, page, lang)
    summary = page.locator("#summary")

    # A tap on a plan far up the page: its summary is brought into view.
    page.check("input[value='day-1gb']")
    expect(summary).to_contain_text(translated(app, lang, "To pay"))
    expect(summary.locator(".total")).to_be_in_viewport(ratio=1)
    page.evaluate("window.scrollTo(0, 0)")
    page.check("input[value='month-30gb']")
    expect(summary.locator(".total")).to_be_in_viewport(ratio=1)
    page.evaluate(STILL)

    # Typing a code under a summary already showing: its error appears there, and nothing jumps.
    page.evaluate("document.querySelector('#promo').scrollIntoView({block: 'center'})")
    assert page.evaluate("document.querySelector('#summary').getBoundingClientRect().top") < 740
    where = "document.querySelector('#promo').getBoundingClientRect().top"
    before = page.evaluate(where)
    page.fill("#promo", "WELCOME1")
    error = summary.locator(".error")
    expect(error).to_contain_text(translated(app, lang, UNKNOWN_CODE))
    expect(error).to_be_in_viewport(ratio=1)
    assert abs(page.evaluate(where) - before) <= 2  # the field stays where the thumb is

    # Paying with the wrong code anyway: the page that answers opens on its error.
    page.locator("button.pay").first.click()
    _errors_in_view(page, app, lang, UNKNOWN_CODE)
    screenshot(page, f"answer-error-js-{lang}")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_plan_card_opens_the_buy_page_on_its_price(live_server, phone, javascript):
    app, page = live_server, phone(javascript=javascript, locale="km")
    page.goto(f"{app.base_url}/?lang=km")
    page.locator("a.card", has_text="150 GB").click()
    page.wait_for_url("**/buy?plan=year-150gb#price")
    summary = page.locator("#summary")
    expect(summary.locator(".total")).to_be_in_viewport(ratio=1)
    expect(summary).to_contain_text(translated(app, "km", "Days start"))
    expect(page.locator("input[value='year-150gb']")).to_be_checked()

    # Another plan and a code: the same summary, in place or by "Show the price".
    page.evaluate("window.scrollTo(0, 0)")
    page.check("input[value='month-30gb']")
    page.fill("#promo", "WELCOME10")
    if not javascript:
        page.click("button[name=preview]")
    expect(summary).to_contain_text("9.00$")
    expect(summary.locator(".total")).to_be_in_viewport(ratio=1)
    screenshot(page, f"buy-summary-{'js' if javascript else 'nojs'}-km")
