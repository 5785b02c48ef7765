"""Dates, data and validity as a traveller reads them: one rule each, the zone named once, one brand."""

from datetime import timedelta

import pytest
from support.helpers import Auth
from support.helpers import body
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import translated

from app.config import PROJECT_ROOT
from app.models import Order
from app.models import Plan
from app.services import demo
from app.services import fulfilment
from app.services import notifications
from app.services import orders
from app.services import renewal

ZONE = "Times are Cambodia time (UTC+7)."


def _day_plan(app):
    return in_app(app, lambda: Plan.get(Plan.code == "day-1gb"))


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_a_data_only_day_plan_shows_hours_left_and_no_call_minutes(client, seeded, lang):
    customer = make_customer(seeded, "day@example.com", "day-pass-12345")
    # A one-day plan bought 20 seconds ago.
    make_esim(seeded, customer, "8985500000000009001", plan=_day_plan(seeded), days_left=1 - 20 / 86400)
    Auth(client).login("day@example.com", "day-pass-12345")
    html = client.get(f"/dashboard?lang={lang}").get_data(as_text=True)
    assert translated(seeded, lang, "Call minutes left") not in html
    hours = {"en": "23 hours", "km": "23 ម៉ោង", "zh": "23 小时"}[lang]
    assert f"<dd>{hours} · " in html
    assert "less than a day" not in html


def test_a_plan_with_minutes_still_shows_them(client, auth, seeded):
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<dt>Call minutes left</dt><dd>88 minutes</dd>" in html


def _fulfilled_orders(app, count):
    def make():
        customer = demo.User.by_email(demo.DEMO_CUSTOMER[0])
        esim = demo.Esim.get(demo.Esim.user == customer)
        made = []
        for _ in range(count):
            order = orders.create_order(customer, esim, renewal.find_plan("month-10gb"))
            fulfilment.fulfil(order, "agent")
            made.append(order)
        return [(order.id, order.user_id) for order in made]

    return in_app(app, make)


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_an_orders_history_names_the_zone_once_and_no_time_carries_it(client, auth, seeded, lang):
    (order_id, _user_id), *_ = _fulfilled_orders(seeded, 1)
    auth.login()
    html = client.get(f"/orders/{order_id}?lang={lang}").get_data(as_text=True)
    zone = translated(seeded, lang, "Times are Cambodia time (%(offset)s).", offset="UTC+7")
    assert html.count(zone) == 1
    history = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert history.count("<time") >= 2
    for zone_word in ("Cambodia Time", "柬埔寨时间", "ម៉ោង​នៅ​ កម្ពុជា", "/26", " AM", " PM"):
        assert zone_word not in history
    # The zone stands under the list, not at the page's foot.
    assert html.index("</ol>") < html.index(zone) < html.index("</section>", html.index("</ol>"))


def test_a_page_of_several_histories_names_the_zone_once(client, seeded):
    (_order, customer_id), *_ = _fulfilled_orders(seeded, 3)
    Auth(client).login(*demo.DEMO_AGENT)
    html = client.get(f"/support/customers/{customer_id}").get_data(as_text=True)
    assert html.count('<ol class="timeline">') >= 3
    assert html.count(ZONE) == 1


def test_a_page_without_times_names_no_zone(client, auth, seeded):
    auth.login()
    assert ZONE not in client.get("/dashboard").get_data(as_text=True)


def test_dates_on_the_renewal_summary_read_one_way(client, auth, seeded):
    auth.login()
    esim_id = in_app(seeded, lambda: demo.Esim.get(demo.Esim.iccid == demo.DEMO_ICCID).id)
    html = client.get(f"/esims/{esim_id}/renew?plan=year-150gb").get_data(as_text=True)
    summary = html.split('id="summary"', 1)[1]
    # 6.71 GB left + 150 GB: the same hundredths as the data left above it.
    assert "156.71 GB" in summary and "6.71 GB" in html
    expiry = summary.split("<dt>New expiry date</dt><dd>", 1)[1].split("<", 1)[0]
    assert expiry.split()[1] in (
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    )


def test_emails_name_the_zone_of_their_time(client, seeded, outbox):
    customer = make_customer(seeded, "zone@example.com", "zone-pass-12345")
    esim = make_esim(seeded, customer, "8985500000000009002")
    order = in_app(seeded, orders.create_order, customer, esim, renewal.find_plan("month-10gb"))
    in_app(seeded, fulfilment.fulfil, order, "agent")
    in_app(seeded, notifications.send_receipt, in_app(seeded, Order.get_by_id, order.id))
    text = body(outbox.last())
    assert "Date paid:" in text and f"\n{ZONE}\n" in text and "Cambodia Time" not in text


def test_the_khmer_brand_is_spelled_one_way(seeded):
    from flask_babel import force_locale
    from flask_babel import gettext

    with seeded.test_request_context(), force_locale("km"):
        brand = gettext("eSIM Cambodia")
    assert brand == "eSIM កម្ពុជា"
    assert seeded.config["MAIL_SENDER_NAME_KM"] == brand
    assert brand in seeded.config["SELLER_NAME_KM"]
    # The spelled-out transliteration of "eSIM" appears nowhere.
    for path in [PROJECT_ROOT / "app" / "config.py", *PROJECT_ROOT.glob("translations/km/LC_MESSAGES/*.po")]:
        assert "អ៊ីស៊ីម" not in path.read_text(encoding="utf-8"), path


def test_a_validity_never_rounds_up(seeded):
    from datetime import datetime

    from flask_babel import force_locale

    from app.text import time_left

    now = datetime(2026, 12, 8)
    with seeded.test_request_context(), force_locale("en"):
        assert time_left(now + timedelta(days=2) - timedelta(seconds=1), now) == "47 hours"
        assert time_left(now + timedelta(days=2), now) == "2 days"
        assert time_left(now - timedelta(hours=1), now) == "0 days"
