"""The chart of data used per day on a phone, in Khmer and Chinese: drawn, fitting, its figures and CSV."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from support.browser import log_in
from support.browser import screenshot
from support.helpers import in_app
from support.helpers import make_esim

from app.models import Esim
from app.models import User
from app.models import utcnow
from app.services import demo
from app.services import usage_history

WIDTH = 360


def _thirty_days_of_readings(app):
    """An eSIM read every six hours for thirty days, more in the evenings and at weekends."""
    user = in_app(app, User.by_email, demo.DEMO_CUSTOMER[0])
    esim = make_esim(app, user, "8985500000000000555", label="Trip")

    def read():
        now = utcnow()
        Esim.update(installed_at=now - timedelta(days=30, hours=1)).where(Esim.id == esim.id).execute()
        line = Esim.get_by_id(esim.id)
        used = 0
        for k in range(30 * 4, -1, -1):
            used += 20 + (k % 4) * 25 + (k // 4 % 7 == 0) * 150
            line.data_used_mb, line.minutes_used = used, (30 * 4 - k) // 10
            usage_history.record([line], now - timedelta(hours=6 * k))

    in_app(app, read)
    return esim.id


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_the_usage_chart_fits_a_phone_and_reads_in_its_language(live_server, phone, lang):
    esim_id = _thirty_days_of_readings(live_server)
    page = phone()
    log_in(page, live_server.base_url, lang)
    page.goto(f"{live_server.base_url}/esims/{esim_id}")
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() == 30
    assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label")
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    page.locator(".usage-history summary").click()
    expect(page.locator(".usage-history table tbody tr")).to_have_count(30)
    page.locator(".usage-history").scroll_into_view_if_needed()
    screenshot(page, f"usage-chart-{lang}")
    with page.expect_download() as download:
        page.locator(".usage-history a[download]").click()
    assert download.value.suggested_filename == "usage-0555.csv"
    assert open(download.value.path(), "rb").read().startswith(b"\xef\xbb\xbf")
