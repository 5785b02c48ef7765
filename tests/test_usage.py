"""What is left on each eSIM: the dashboard and the usage widget."""

from datetime import timedelta

import brotli
import pytest
from support.helpers import HTMX
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import translated

from app.models import Esim
from app.models import User
from app.operators import OperatorError
from app.operators.simulated import SimulatedOperator
from app.services.demo import DEMO_ICCID


def _demo_esim(app):
    return in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID))


def test_dashboard_shows_what_is_left(client, auth, seeded):
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "iPhone" in html
    assert "•••• 0017" in html
    assert DEMO_ICCID not in html  # only the masked ICCID is shown
    assert "Active" in html
    assert "6.71 GB of 10 GB" in html  # 10 GB less 3,372 MB used
    assert "88 minutes" in html
    assert "19 days" in html  # 20 days from the moment it was made, less the seconds since
    assert f'href="/esims/{_demo_esim(seeded).id}/renew"' in html
    # The bar is as full as what is left (6.71 of 10 GB), and says so in words.
    esim_id = _demo_esim(seeded).id
    bar = html.split("<progress", 1)[1].split(">", 1)[0]
    assert 'value="671"' in bar and 'class="data-left"' in bar
    assert f'aria-labelledby="data-left-{esim_id} data-left-value-{esim_id}"' in bar
    assert (
        f'<dt id="data-left-{esim_id}">Data left</dt><dd id="data-left-value-{esim_id}">6.71 GB of 10 GB'
        in html
    )


def test_expiring_and_expired_esims_stand_out_and_come_first(client, auth, seeded):
    user = in_app(seeded, User.by_email, "demo@example.com")
    make_esim(seeded, user, "8985500000000000101", label="Later", days_left=200)
    make_esim(seeded, user, "8985500000000000102", label="Soon", days_left=3)
    make_esim(seeded, user, "8985500000000000103", label="Gone", days_left=-2)
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    order = [html.index(label) for label in (">Soon<", ">Gone<", ">iPhone<", ">Later<")]
    assert order == sorted(order)
    assert "state-expiring" in html and "Expiring soon" in html
    assert "state-expired" in html and "Expired" in html


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_dashboard_speaks_the_customers_language(client, auth, seeded, lang):
    auth.login()
    html = client.get(f"/dashboard?lang={lang}").get_data(as_text=True)
    for text in ("My eSIMs", "Data left", "Call minutes left", "Validity", "Renew", "Active"):
        assert translated(seeded, lang, text) in html


def test_usage_widget_is_a_fragment_for_htmx_and_a_page_otherwise(client, auth, seeded):
    auth.login()
    esim = _demo_esim(seeded)
    fragment = client.get(f"/esims/{esim.id}/usage", headers=HTMX)
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="usage"')
    assert "<html" not in text
    assert 'hx-trigger="every 60s, refresh"' in text

    page = client.get(f"/esims/{esim.id}/usage")
    assert "HX-Request" in page.headers["Vary"]
    assert "<html" in page.get_data(as_text=True)
    assert '<section class="usage"' in page.get_data(as_text=True)


def test_usage_fragment_stays_under_one_and_a_half_kilobytes_compressed(client, auth, seeded):
    auth.login()
    esim = _demo_esim(seeded)
    for lang in ("en", "km", "zh"):
        response = client.get(
            f"/esims/{esim.id}/usage?lang={lang}", headers={**HTMX, "Accept-Encoding": "br"}
        )
        assert response.headers["Content-Encoding"] == "br"
        assert len(response.data) <= 1536, (lang, len(response.data))
        assert brotli.decompress(response.data)


def test_refreshing_reads_the_operator_again(client, auth, seeded, monkeypatch):
    auth.login()
    esim = _demo_esim(seeded)
    before = client.get(f"/esims/{esim.id}/usage", headers=HTMX).get_data(as_text=True)
    assert "3.29 GB" in before  # data used
    from datetime import timedelta

    import app.operators.simulated as simulated

    later = simulated.utcnow() + timedelta(hours=6)
    monkeypatch.setattr(simulated, "utcnow", lambda: later)
    after = client.get(f"/esims/{esim.id}/usage", headers=HTMX).get_data(as_text=True)
    assert "3.29 GB" not in after
    assert "<dd>4 GB</dd>" in after  # 3,372 MB + 120 MB an hour for six hours = 4,092 MB: 4.00 GB
    assert "Updated just now" in after


def test_a_failing_operator_shows_the_last_figures_and_says_so(client, auth, seeded, monkeypatch):
    def down(self, iccids):
        raise OperatorError("timeout")

    monkeypatch.setattr(SimulatedOperator, "read_usage", down)
    from datetime import timedelta

    from app.models import utcnow

    in_app(seeded, lambda: Esim.update(usage_read_at=utcnow() - timedelta(minutes=10)).execute())
    auth.login()
    esim = _demo_esim(seeded)
    note = "We could not reach the operator just now, so these are the last known figures."
    for url in ("/dashboard?lang=km", f"/esims/{esim.id}/usage", f"/esims/{esim.id}/usage?refresh"):
        response = client.get(url, headers=HTMX if url.endswith("refresh") else {})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert translated(seeded, "km", note) in html
        assert "6.71" in html
        assert "10 minutes ago" in html or "10 នាទី" in html


@pytest.mark.parametrize("path", ["/esims/{id}", "/esims/{id}/usage", "/esims/{id}/renew"])
def test_another_customers_esim_is_not_found(client, auth, seeded, path):
    other = make_customer(seeded)
    theirs = make_esim(seeded, other, "8985500000000000999", label="Theirs")
    auth.login()
    assert client.get(path.format(id=theirs.id)).status_code == 404
    assert client.get(path.format(id=theirs.id), headers=HTMX).status_code == 404


def test_dashboard_needs_one_operator_call_however_many_esims(client, auth, seeded, monkeypatch):
    calls = []
    original = SimulatedOperator.read_usage

    def counting(self, iccids):
        calls.append(list(iccids))
        return original(self, iccids)

    monkeypatch.setattr(SimulatedOperator, "read_usage", counting)
    user = in_app(seeded, User.by_email, "demo@example.com")
    for n in range(4):
        make_esim(seeded, user, f"89855000000000002{n:02d}")
    in_app(seeded, lambda: Esim.update(usage_read_at=None).execute())
    auth.login()
    client.get("/dashboard")
    assert len(calls) == 1 and len(calls[0]) == 5


def test_an_unchanged_fragment_is_answered_304(client, auth, seeded):
    auth.login()
    esim = _demo_esim(seeded)
    url = f"/esims/{esim.id}/usage"
    for encoding in ("br", "identity"):
        first = client.get(url, headers={**HTMX, "Accept-Encoding": encoding})
        etag = first.headers["ETag"]
        again = client.get(url, headers={**HTMX, "Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == 304, encoding
        assert again.data == b""


def _queries_for(client, app, url):
    """How many SQL statements one request runs."""
    from app.extensions import db

    statements = []
    original = type(db.obj).execute_sql

    def counting(self, sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(self, sql, params, *args, **kwargs)

    type(db.obj).execute_sql = counting
    try:
        assert client.get(url).status_code == 200
    finally:
        type(db.obj).execute_sql = original
    return len(statements)


def test_dashboard_query_count_does_not_grow_with_the_number_of_esims(client, auth, seeded):
    auth.login()
    in_app(seeded, lambda: Esim.update(usage_read_at=None).execute())
    one = _queries_for(client, seeded, "/dashboard")
    user = in_app(seeded, User.by_email, "demo@example.com")
    for n in range(6):
        make_esim(seeded, user, f"89855000000000004{n:02d}")
    in_app(seeded, lambda: Esim.update(usage_read_at=None).execute())
    seven = _queries_for(client, seeded, "/dashboard")
    assert seven == one, (one, seven)
    # And when the readings are fresh, nothing is read from the operator at all.
    assert _queries_for(client, seeded, "/dashboard") < seven


@pytest.mark.parametrize(
    "left, shown",
    [
        (timedelta(days=5, minutes=37), "5 days"),
        (timedelta(days=2, minutes=1), "2 days"),
        (timedelta(days=1, hours=23, minutes=59), "47 hours"),
        (timedelta(hours=23, minutes=59, seconds=40), "23 hours"),  # a one-day plan bought 20 s ago
        (timedelta(minutes=59), "less than an hour"),
        (timedelta(days=30), "29 days"),
    ],
)
def test_validity_left_is_days_from_two_days_up_hours_below_never_rounded_up(
    client, auth, seeded, left, shown
):
    from app.models import Esim
    from app.models import SimLine
    from app.models import utcnow

    when = utcnow() + left
    in_app(seeded, lambda: Esim.update(expires_at=when).where(Esim.iccid == DEMO_ICCID).execute())
    in_app(seeded, lambda: SimLine.update(expires_at=when).where(SimLine.iccid == DEMO_ICCID).execute())
    auth.login()
    assert f"<dd>{shown} · expires on" in client.get("/dashboard").get_data(as_text=True)


def test_times_are_unambiguous_on_the_24_hour_clock_without_their_zone_in_every_language(seeded):
    from datetime import datetime

    from flask_babel import force_locale

    from app.text import local_date
    from app.text import local_datetime
    from app.text import zone_note

    moment = datetime(2026, 12, 7, 17, 59, 12)  # 00:59 on 8 December in Phnom Penh
    shown = {}
    with seeded.test_request_context():
        for lang in ("en", "km", "zh"):
            with force_locale(lang):
                shown[lang] = (local_datetime(moment), local_datetime(moment, "medium"), local_date(moment))
                shown[lang + " zone"] = zone_note()
    assert shown["en"] == ("8 Dec 2026, 00:59", "8 Dec 2026, 00:59:12", "8 Dec 2026")
    assert shown["zh"] == ("2026年12月8日 00:59", "2026年12月8日 00:59:12", "2026年12月8日")
    assert shown["km"] == ("8 ធ្នូ 2026, 00:59", "8 ធ្នូ 2026, 00:59:12", "8 ធ្នូ 2026")  # ធ្នូ: December
    assert shown["en zone"] == "Times are Cambodia time (UTC+7)."
    assert "UTC+7" in shown["km zone"] and "កម្ពុជា" in shown["km zone"]
    assert shown["zh zone"] == "以上时间均为柬埔寨时间（UTC+7）。"


def test_one_data_rounding_everywhere_and_validity_in_hours_under_two_days(seeded):
    from datetime import datetime

    from flask_babel import force_locale

    from app.text import data_amount
    from app.text import time_left

    now = datetime(2026, 12, 8)
    with seeded.test_request_context():
        with force_locale("en"):
            assert [data_amount(mb) for mb in (500, 1024, 10240, 154296, 190157)] == [
                "500 MB",
                "1 GB",
                "10 GB",
                "150.68 GB",
                "185.70 GB",
            ]
            assert time_left(now + timedelta(days=1) - timedelta(seconds=20), now) == "23 hours"
            assert time_left(now + timedelta(hours=1), now) == "1 hour"
        with force_locale("zh"):
            assert data_amount(190157) == "185.70 GB"
            assert time_left(now + timedelta(hours=23, minutes=59), now) == "23 小时"
            assert time_left(now + timedelta(days=3), now) == "3 天"
        with force_locale("km"):
            assert time_left(now + timedelta(hours=5), now) == "5 ម៉ោង"
            assert time_left(now + timedelta(minutes=5), now) == "តិចជាងមួយម៉ោង"


def test_one_dashboard_saves_the_readings_of_several_esims_none_of_them_installed(client, auth, seeded):
    # Several readings are written in one statement; with nothing installed, every new
    # installed_at is NULL, which PostgreSQL must still take as a timestamp.
    user = make_customer(seeded)
    for n in range(3):
        make_esim(seeded, user, f"89855000000000005{n:02d}", label=f"Line {n}", installed=False)
    stale = Esim.update(usage_read_at=None, data_used_mb=99).where(Esim.user == user)
    in_app(seeded, stale.execute)
    auth.login("other@example.com", "other-pass-1234")
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.count("Not installed yet") == 3
    saved = in_app(seeded, lambda: list(Esim.select().where(Esim.user == user)))
    assert [(e.installed_at, e.data_used_mb) for e in saved] == [(None, 0)] * 3
    assert all(e.usage_read_at is not None for e in saved)
