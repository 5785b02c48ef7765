"""axe-core at a phone's width: no serious or critical violations, and landmarks around all content."""

import pytest
from conftest import PHONE
from support.browser import log_in
from support.helpers import in_app
from support.helpers import tool_missing

from app.config import PROJECT_ROOT
from app.models import Esim
from app.models import Order
from app.models import User
from app.services import demo
from app.services import fulfilment
from app.services import orders
from app.services import renewal

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def _problems(page):
    # axe is a test tool, not part of the site: injected past the page's script-src 'self'.
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    # "region" is moderate in axe, but content outside landmarks is what we promise not to have.
    return [v for v in found if v["impact"] in ("serious", "critical") or v["id"] == "region"]


def _paid_order(app):
    def make():
        customer = User.by_email(demo.DEMO_CUSTOMER[0])
        esim = Esim.get(Esim.user == customer)
        order = orders.place_order(customer, renewal.find_plan("month-10gb"), esim=esim)
        fulfilment.fulfil(order, "agent")
        return order.id, esim.id, customer.id

    return in_app(app, make)


@pytest.fixture
def phone_for_axe(browser):
    if not AXE.exists():
        tool_missing("axe-core is not installed: scripts/test installs it with npm (node_modules/axe-core)")
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    context.set_default_timeout(10000)
    yield context.new_page()
    context.close()


def test_pages_have_no_serious_accessibility_problems_at_phone_width(live_server, phone_for_axe):
    page, base = phone_for_axe, live_server.base_url
    order_id, esim_id, customer_id = _paid_order(live_server)
    problems = {}

    def check(path):
        page.goto(base + path)
        found = _problems(page)
        if found:
            problems[path] = found

    for path in ["/", "/?lang=km", "/?lang=zh", "/login?lang=en", "/register", "/buy?plan=month-10gb"]:
        check(path)
    for path in ["/compatibility?q=pixel", "/help", "/forgot-password"]:
        check(path)
    log_in(page, base, "en")
    for path in ["/dashboard", f"/esims/{esim_id}/renew?plan=month-30gb", f"/esims/{esim_id}", "/orders"]:
        check(path)
    for path in [
        f"/orders/{order_id}",
        f"/orders/{order_id}/receipt",
        f"/esims/{esim_id}/install",
        "/profile",
    ]:
        check(path)
    check("/dashboard?lang=km")
    page.goto(f"{base}/esims/{esim_id}/renew?plan=day-1gb")
    page.locator("form.renew button[value=khqr]").click()
    page.wait_for_url("**/checkout/khqr/*")
    check(page.url.removeprefix(base))
    page.context.clear_cookies()
    log_in(page, base, "en", *demo.DEMO_AGENT, landing="**/support*")
    for path in ["/support?q=demo", f"/support/customers/{customer_id}", f"/support/orders/{order_id}"]:
        check(path)
    for path in ["/support/refunds", "/support/counter"]:
        check(path)
    assert in_app(live_server, Order.select().count) >= 1
    assert not problems, "\n".join(f"{path}: {v}" for path, found in problems.items() for v in found)
