"""Usage over time: readings kept one per eSIM and hour, the chart of data used per day, its CSV."""

import csv
import io
import re
import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from support.helpers import HTMX
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import translated

from app import tasks
from app.models import Esim
from app.models import Plan
from app.models import UsageReading
from app.models import User
from app.models import utcnow
from app.services import usage_history
from app.services import usage_report
from app.services.demo import DEMO_CUSTOMER
from app.text import data_amount
from app.text import local_date

CAMBODIA = ZoneInfo("Asia/Phnom_Penh")
ICCID = "8985500000000000444"


def _at(day, hour, minute=0):
    """A Cambodian day and time as stored (naive UTC)."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=CAMBODIA)
    return local.astimezone(UTC).replace(tzinfo=None)


def _record(app, esim_id, read_at, data, minutes, plan_code):
    def write():
        plan = Plan.get(Plan.code == plan_code)
        reading = SimpleNamespace(
            id=esim_id,
            plan_id=plan.id,
            data_used_mb=data,
            data_total_mb=plan.data_mb,
            minutes_used=minutes,
            minutes_total=plan.minutes,
        )
        usage_history.record([reading], read_at)

    in_app(app, write)


@pytest.fixture
def thirty_days(seeded):
    """An eSIM installed 30 days ago and read twice a day since (08:00 and 20:00 in Cambodia), and
    once now. Ten days ago a renewal started its counters again (and changed its plan); five days
    ago another package began between two readings of one hour. Returns (eSIM id, {day: (MB,
    minutes, plan code)}) of what was really used each day."""
    now = utcnow()
    today = now.replace(tzinfo=UTC).astimezone(CAMBODIA).date()
    esim = _another_esim(seeded)
    first = today - timedelta(days=30)
    in_app(seeded, lambda: Esim.update(installed_at=_at(first, 7)).where(Esim.id == esim.id).execute())
    used, data, minutes, plan = {}, 0, 0, "month-10gb"
    for n in range(30, 0, -1):
        day = today - timedelta(days=n)
        morning, evening = 40 + n * 3, 25 + (n % 7) * 11  # MB used up to each reading
        if n == 10:  # a renewal: the new package counts from zero, on the new plan
            data, minutes, plan = 0, 0, "month-30gb"
        data += morning
        minutes += n % 3
        _record(seeded, esim.id, _at(day, 8), data, minutes, plan)
        if n == 5:  # 20:10 on the old package; at 20:40, a new one has counted 9 MB
            _record(seeded, esim.id, _at(day, 20, 10), data + evening, minutes + 1, plan)
            data, minutes = 9, 0
            _record(seeded, esim.id, _at(day, 20, 40), data, minutes, plan)
            used[day] = (morning + evening + 9, n % 3 + 1, plan)
            continue
        data += evening
        _record(seeded, esim.id, _at(day, 20), data, minutes, plan)
        used[day] = (morning + evening, n % 3, plan)
    _record(seeded, esim.id, now, data + 77, minutes + 2, plan)
    used[today] = (77, 2, plan)
    return esim.id, used


def _another_esim(app, **figures):
    return make_esim(app, in_app(app, User.by_email, DEMO_CUSTOMER[0]), ICCID, label="Trip", **figures)


def _figures(html):
    """(day, data, minutes) of each row of the table behind the disclosure."""
    table = html.split("<details>", 1)[1].split("</details>", 1)[0]
    return re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td><td>([^<]+)</td></tr>', table)


def test_thirty_days_of_readings_make_matching_bars_and_table(client, auth, seeded, thirty_days):
    esim_id, used = thirty_days
    auth.login()
    html = client.get(f"/esims/{esim_id}").get_data(as_text=True)
    days = sorted(used)[-30:]  # the chart shows the last 30 days
    svg = html.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg
    heights = [
        float(h) for h in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', svg)
    ]
    assert len(heights) == 30
    top = usage_report._round_up(max(used[day][0] for day in days))
    plot = usage_report.PLOT_BOTTOM - usage_report.PLOT_TOP
    assert heights == [round(plot * used[day][0] / top, 1) for day in days]
    total = in_app(seeded, _in_english, data_amount, sum(used[day][0] for day in days))
    assert f"{total} in all" in svg
    rows = _figures(html)
    assert [data for _, data, _ in rows] == [f"{used[day][0]} MB" for day in days]
    assert [minutes.split()[0] for _, _, minutes in rows] == [str(used[day][1]) for day in days]
    assert rows[-1][0] == in_app(seeded, _in_english, local_date, days[-1])
    assert "<script" not in html.split('<section class="usage-history"', 1)[1].split("</section>", 1)[0]


def _in_english(formatter, *args):
    from flask import current_app
    from flask_babel import force_locale

    with current_app.test_request_context(), force_locale("en"):
        return formatter(*args)


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_the_csv_opens_in_each_language_with_every_day_kept(client, auth, seeded, thirty_days, lang):
    esim_id, used = thirty_days
    auth.login()
    response = client.get(f"/esims/{esim_id}/usage.csv?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = [
        translated(seeded, lang, text)
        for text in ("Day", "Data used (MB)", "Call minutes used", "Plan in force")
    ]
    assert rows[0] == header
    plans = in_app(seeded, _plan_names, lang)
    expected = [
        [day.isoformat(), str(mb), str(minutes), plans[plan]]
        for day, (mb, minutes, plan) in sorted(used.items())
    ]
    assert rows[1:] == expected


def _plan_names(lang):
    from flask import current_app
    from flask_babel import force_locale

    from app.text import plan_name

    with current_app.test_request_context(), force_locale(lang):
        return {plan.code: plan_name(plan) for plan in Plan.select()}


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_the_chart_speaks_the_readers_language(client, auth, seeded, thirty_days, lang):
    esim_id, _ = thirty_days
    auth.login()
    html = client.get(f"/esims/{esim_id}?lang={lang}").get_data(as_text=True)
    for text in ("Data used per day", "Figures per day", "Download CSV", "Call minutes used"):
        assert translated(seeded, lang, text) in html


def test_one_reading_per_hour_is_kept_however_often_it_is_read(client, auth, seeded, monkeypatch):
    import app.operators.simulated as simulated
    import app.services.usage as usage

    esim = _another_esim(seeded, data_used_mb=500)  # read as it was made, at `made`
    made = utcnow()
    auth.login()

    def read_at(moment):
        monkeypatch.setattr(simulated, "utcnow", lambda: moment)
        monkeypatch.setattr(usage, "utcnow", lambda: moment)
        assert client.get(f"/esims/{esim.id}/usage", headers=HTMX).status_code == 200
        return in_app(
            seeded,
            lambda: list(
                UsageReading.select().where(UsageReading.esim == esim.id).order_by(UsageReading.hour)
            ),
        )

    hour = usage_history.hour_of(made) + timedelta(hours=1)
    for minutes in (5, 5, 6, 35, 50):  # the simulated operator counts 120 MB an hour
        kept = read_at(hour + timedelta(minutes=minutes))
    assert len(kept) == 1
    assert kept[0].hour == hour and kept[0].read_at == hour + timedelta(minutes=50)
    assert kept[0].data_used_mb == 500 + int((hour + timedelta(minutes=50) - made).total_seconds() / 30)

    for minutes in (70, 75):
        kept = read_at(hour + timedelta(minutes=minutes))
    assert [reading.hour for reading in kept] == [hour, hour + timedelta(hours=1)]
    assert kept[1].data_used_mb == 500 + int((hour + timedelta(minutes=75) - made).total_seconds() / 30)


def test_parallel_readings_of_one_hour_keep_one_row(seeded):
    esim = _another_esim(seeded)
    now = utcnow().replace(minute=30)
    errors = []

    def read(n):
        try:
            _record(seeded, esim.id, now + timedelta(seconds=n), 100 + n, 1, "month-10gb")
        except Exception as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    kept = in_app(seeded, lambda: list(UsageReading.select().where(UsageReading.esim == esim.id)))
    assert len(kept) == 1
    assert kept[0].data_used_mb == 107  # the latest reading of the hour, whatever the order of arrival


def test_readings_older_than_400_days_are_pruned(seeded):
    esim = _another_esim(seeded)
    now = utcnow()
    for days in (401, 400.5, 399, 1):
        _record(seeded, esim.id, now - timedelta(days=days), 10, 0, "month-10gb")
    in_app(seeded, tasks.prune_usage.call_local)
    left = in_app(
        seeded,
        lambda: sorted(
            (now - r.read_at).days for r in UsageReading.select().where(UsageReading.esim == esim.id)
        ),
    )
    assert left == [1, 399]


@pytest.mark.parametrize("path", ["/esims/{id}", "/esims/{id}/usage.csv"])
def test_another_customer_can_neither_see_nor_download_the_usage(client, auth, seeded, thirty_days, path):
    esim_id, _ = thirty_days
    other = make_customer(seeded)
    auth.login(other.email, "other-pass-1234")
    response = client.get(path.format(id=esim_id))
    assert response.status_code == 404
    assert b"MB" not in response.data


def test_an_esim_never_read_says_so_and_offers_no_chart(client, auth, seeded):
    esim = _another_esim(seeded)  # read as it is made: the page reads it no more
    auth.login()
    html = client.get(f"/esims/{esim.id}").get_data(as_text=True)
    assert "No usage recorded yet" in html and '<svg class="chart"' not in html


def test_the_demo_esim_shows_the_days_since_it_was_installed(client, auth, seeded):
    esim = in_app(seeded, lambda: Esim.get(Esim.user == User.by_email(DEMO_CUSTOMER[0])))
    auth.login()
    html = client.get(f"/esims/{esim.id}").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">[^<]+</th><td>([\d.,]+) (MB|GB)</td>', html)
    assert 10 <= len(rows) <= 11  # installed ten days ago (eleven Cambodian days when the hour has turned)
    assert sum(float(amount) * (1024 if unit == "GB" else 1) for amount, unit in rows) == pytest.approx(
        3372, abs=20
    )


def test_a_dashboard_reading_many_esims_keeps_a_row_for_each(client, auth, seeded):
    user = in_app(seeded, User.by_email, DEMO_CUSTOMER[0])
    for n in range(3):
        make_esim(seeded, user, f"898550000000000070{n}", label=f"Line {n}", data_used_mb=100 * n)
    two_hours_ago = utcnow() - timedelta(hours=2)
    in_app(seeded, lambda: Esim.update(usage_read_at=two_hours_ago).execute())
    auth.login()
    assert client.get("/dashboard").status_code == 200
    kept = in_app(seeded, lambda: {r.esim.label: r.data_used_mb for r in UsageReading.select().join(Esim)})
    assert {label: used for label, used in kept.items() if label.startswith("Line")} == {
        "Line 0": 0,
        "Line 1": 100,
        "Line 2": 200,
    }
    assert len(kept) == 4  # and the demo eSIM's


def test_an_esim_in_use_before_its_first_reading_counts_from_that_reading(client, auth, seeded):
    esim = _another_esim(seeded)  # installed ten days ago; the history begins two days ago
    today = utcnow().replace(tzinfo=UTC).astimezone(CAMBODIA).date()
    _record(seeded, esim.id, _at(today - timedelta(days=2), 12), 3000, 40, "month-10gb")
    _record(seeded, esim.id, _at(today - timedelta(days=1), 12), 3100, 45, "month-10gb")
    auth.login()
    rows = _figures(client.get(f"/esims/{esim.id}").get_data(as_text=True))
    assert [(data, minutes) for _, data, minutes in rows] == [
        ("0 MB", "0 minutes"),
        ("100 MB", "5 minutes"),
        ("0 MB", "0 minutes"),
    ]
