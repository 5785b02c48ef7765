"""An order's history on a phone (360×740), for the customer and the agent, in Khmer, Chinese and English:
each step readable across the list's width, its time unambiguous, the zone named once on the page."""

import re

import pytest
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import translated

from app.models import Esim
from app.models import User
from app.services import demo
from app.services import fulfilment
from app.services import orders
from app.services import renewal

# Each box of the history (a time, or a step with its source) against the list's own width.
BOXES = """() => {
  const list = document.querySelector('.timeline').getBoundingClientRect().width;
  return [...document.querySelectorAll('.timeline li > *')].map(box => ({
    text: box.textContent.trim(), share: box.getBoundingClientRect().width / list}));
}"""
# A short date the reader must decode ("12/8/26"), or a zone on a time ("Cambodia Time").
AMBIGUOUS = re.compile(r"\d+/\d+/\d+|[AP]M|Time|时间|ម៉ោង")
UNAMBIGUOUS = {
    "en": re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d$"),
    "zh": re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$"),
    "km": re.compile(r"^\d{1,2} [\u1780-\u17ff]+ \d{4}, \d\d:\d\d$"),
}


def _fulfilled_order(app):
    def make():
        customer = User.by_email(demo.DEMO_CUSTOMER[0])
        esim = Esim.get(Esim.user == customer)
        order = orders.create_order(customer, esim, renewal.find_plan("month-10gb"))
        fulfilment.fulfil(order, "agent")
        return order.id

    return in_app(app, make)


def _assert_readable_history(page, app, lang, name):
    screenshot(page, f"phone-timeline-{name}-{lang}")
    boxes = page.evaluate(BOXES)
    assert len(boxes) >= 4, boxes  # at least two steps, each a time and its words
    narrow = [box for box in boxes if box["share"] < 0.4]
    assert not narrow, (name, lang, narrow)
    times = page.locator(".timeline time").all_inner_texts()
    for time in times:
        assert UNAMBIGUOUS[lang].match(time.strip()), (name, lang, time)
        assert not AMBIGUOUS.search(time), (name, lang, time)
    zone = translated(app, lang, "Times are Cambodia time (%(offset)s).", offset="UTC+7")
    assert page.locator(".zone").all_inner_texts() == [zone]


@pytest.mark.parametrize("lang", ["km", "zh", "en"])
def test_the_customers_order_history_reads_on_a_phone(live_server, phone, lang):
    order_id = _fulfilled_order(live_server)
    page = phone()
    log_in(page, live_server.base_url, lang)
    page.goto(f"{live_server.base_url}/orders/{order_id}")
    _assert_readable_history(page, live_server, lang, "customer")


@pytest.mark.parametrize("lang", ["km", "zh", "en"])
def test_the_agents_order_history_keeps_each_step_and_its_source_together(live_server, phone, lang):
    order_id = _fulfilled_order(live_server)
    page = phone()
    log_in(page, live_server.base_url, lang, *demo.DEMO_AGENT, landing="**/support*")
    page.goto(f"{live_server.base_url}/support/orders/{order_id}")
    _assert_readable_history(page, live_server, lang, "agent")
    # The source of a step ("(the customer)", "(an agent)") sits in the step's own box.
    assert page.locator(".timeline li > span > small").count() == page.locator(".timeline li").count()
