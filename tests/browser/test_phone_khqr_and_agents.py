"""An agent on a phone sells an eSIM; the customer pays the agent's link by KHQR on their own phone
(#28, points 5, 6 and 9): at 360×740 in km, zh and en, and in en without JavaScript."""

import re

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import translated

from app.models import Order
from app.services import demo

# Each word (a run without spaces) of the table's cells sits on one line: its pieces share one top.
BROKEN_WORDS = """(table) => {
  const broken = [];
  const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""

IN_VIEW = """(el) => {
  const box = el.getBoundingClientRect();
  return box.top >= 0 && box.top < window.innerHeight - 40;
}"""


def _status_in_view(page):
    status = page.locator("#khqr-status")
    expect(status).to_be_visible()
    assert status.evaluate(IN_VIEW), (page.url, status.bounding_box(), page.evaluate("scrollY"))


def _agent_sells(app, agent, lang, email):
    log_in(agent, app.base_url, lang, *demo.DEMO_AGENT[:2], landing="**/support")
    # The search table: every customer readable at 360 px, no word cut in two.
    agent.fill("#q", "demo")
    agent.locator("#q").press("Enter")
    table = agent.locator("#results table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Demo Traveller")
    assert table.evaluate(BROKEN_WORDS) == []
    assert agent.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(agent, f"phone2-agent-search-{lang}")
    agent.goto(f"{app.base_url}/support/counter")
    agent.fill("#email", email)
    agent.select_option("#language", lang)
    agent.check("input[value='day-3gb']")
    agent.locator("form.stack > button").click()
    agent.wait_for_url(re.compile(r".*/support/orders/\d+$"))
    return agent.locator("#pay-link").inner_text()


@pytest.mark.parametrize(
    ("lang", "javascript"), [("km", True), ("zh", True), ("en", True), ("en", False)], ids=str
)
def test_an_agents_link_paid_by_khqr_on_a_phone(live_server, phone, lang, javascript):
    app = live_server
    name = f"{lang}{'' if javascript else '-nojs'}"
    agent = phone(javascript=javascript)
    link = _agent_sells(app, agent, lang, f"walkin-{lang}@example.com")

    customer = phone(javascript=javascript)
    customer.goto(link)
    customer.wait_for_url("**/pay")
    khqr = customer.locator("button[value=khqr]")
    expect(khqr).to_have_text(translated(app, lang, "Pay with a bank app (KHQR)"))
    expect(customer.locator("button[value=card]")).to_be_visible()
    screenshot(customer, f"phone2-pay-link-{name}")
    khqr.click()
    customer.wait_for_url(re.compile(r".*/checkout/khqr/[0-9a-f]{32}$"))
    expect(customer.locator("#khqr-code svg")).to_be_visible()
    # The status starts under the code, below the fold of a phone.
    assert not customer.locator("#khqr-status").evaluate(IN_VIEW)

    customer.locator("a", has_text=translated(app, lang, "Check again")).click()
    if not javascript:
        customer.wait_for_url(re.compile(r".*/checkout/khqr/[0-9a-f]{32}\?at=status#khqr-status$"))
    expect(customer.locator("#khqr-status")).to_contain_text(
        translated(
            app, lang, "Waiting for your payment. This page updates by itself once your bank has paid."
        )
    )
    _status_in_view(customer)
    screenshot(customer, f"phone2-check-again-{name}")

    customer.locator("button", has_text=translated(app, lang, "Simulate bank payment (test)")).click()
    # The answer is in view while the bank's payment is checked; then the link's page says all set.
    customer.wait_for_url(
        re.compile(r".*/(checkout/khqr/[0-9a-f]{32}\?at=status#khqr-status|pay(#khqr-status)?)$")
    )
    if "/checkout/khqr/" in customer.url:
        _status_in_view(customer)
        screenshot(customer, f"phone2-simulated-{name}")
    # Without JavaScript the pages refresh themselves (a named address: a reload, not a scroll);
    # a redirect keeps the fragment.
    customer.wait_for_url(re.compile(r".*/pay(#khqr-status)?$"), timeout=20000)
    expect(customer.locator(".status")).to_contain_text(
        translated(app, lang, "You are all set: the eSIM is paid for and ready."), timeout=20000
    )
    screenshot(customer, f"phone2-paid-{name}")

    # The agent's page, paid: worded for the agent, not as the customer's own page.
    order_id = in_app(app, lambda: Order.select().order_by(Order.id.desc()).get().id)
    agent.goto(f"{app.base_url}/support/orders/{order_id}")
    badge = agent.locator(f"#support-order-{order_id} .badge")
    expect(badge).to_have_text(translated(app, lang, "Done: the plan is active"), timeout=20000)
    assert translated(app, lang, "Done: your plan is active") not in agent.content()
    screenshot(agent, f"phone2-agent-order-{name}")
