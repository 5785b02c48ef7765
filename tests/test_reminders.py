"""Reminders a week and a day before expiry and when data runs low: each sent exactly once."""

from datetime import timedelta

import pytest
from support.helpers import body
from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import translated

from app.models import Esim
from app.models import Plan
from app.models import Reminder
from app.models import User
from app.models import utcnow
from app.services import reminders
from app.services import usage


def _run(app):
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    return result.output


def _setup(app):
    demo = in_app(app, User.by_email, "demo@example.com")
    zh = make_customer(app, "lin@example.com", "lin-pass-12345", language="zh")
    make_esim(app, demo, "8985500000000001001", label="Week", days_left=5)
    make_esim(app, zh, "8985500000000001002", label="Day", days_left=0.5)
    make_esim(app, demo, "8985500000000001003", label="Heavy", days_left=25, data_used_mb=9 * 1024)
    make_esim(app, demo, "8985500000000001004", label="Calm", days_left=40)
    make_esim(app, demo, "8985500000000001005", label="Gone", days_left=-1)
    make_esim(app, demo, "8985500000000001006", label="Boxed", days_left=3, installed=False)


def test_reminders_go_out_once_per_threshold(seeded, outbox):
    _setup(seeded)
    assert "Sent 3 reminder(s)." in _run(seeded)
    kinds = in_app(seeded, lambda: sorted((r.esim.label, r.kind) for r in Reminder.select()))
    assert kinds == [("Day", "expiry_1d"), ("Heavy", "data_80"), ("Week", "expiry_7d")]
    assert sorted(m["To"] for m in outbox.messages()) == [
        "demo@example.com",
        "demo@example.com",
        "lin@example.com",
    ]
    assert "Sent 0 reminder(s)." in _run(seeded)  # running again sends nothing new
    assert len(outbox.messages()) == 3


def test_a_reminder_is_in_the_customers_language_with_a_renew_link(seeded, outbox):
    _setup(seeded)
    _run(seeded)
    message = next(m for m in outbox.messages() if m["To"] == "lin@example.com")
    assert message["Subject"] == translated(seeded, "zh", "Your eSIM expires within a day")
    esim = in_app(seeded, lambda: Esim.get(Esim.label == "Day"))
    assert f"/esims/{esim.id}/renew" in body(message)


def test_the_one_day_reminder_follows_the_week_reminder(seeded, outbox):
    demo = in_app(seeded, User.by_email, "demo@example.com")
    esim = make_esim(seeded, demo, "8985500000000001101", label="Soon", days_left=6)
    _run(seeded)
    later = utcnow() + timedelta(days=5, hours=12)
    in_app(seeded, reminders.send_due, later)
    kinds = in_app(seeded, lambda: sorted(r.kind for r in Reminder.select().where(Reminder.esim == esim.id)))
    assert kinds == ["expiry_1d", "expiry_7d"]


def test_a_renewal_starts_a_new_reminder_cycle(seeded, outbox):
    demo = in_app(seeded, User.by_email, "demo@example.com")
    esim = make_esim(seeded, demo, "8985500000000001201", label="Again", days_left=5)
    _run(seeded)
    new_expiry = utcnow() + timedelta(days=35)
    in_app(
        seeded,
        lambda: (
            Esim.update(expires_at=new_expiry, usage_read_at=utcnow()).where(Esim.id == esim.id).execute()
        ),
    )
    from app.models import SimLine

    in_app(seeded, lambda: SimLine.update(expires_at=new_expiry).where(SimLine.iccid == esim.iccid).execute())
    in_app(seeded, reminders.send_due, new_expiry - timedelta(days=3))
    cycles = in_app(seeded, lambda: [r.cycle for r in Reminder.select().where(Reminder.esim == esim.id)])
    assert len(cycles) == 2 and len(set(cycles)) == 2


def test_the_dashboard_shows_the_same_as_a_banner(client, auth, seeded):
    _setup(seeded)
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Your eSIM Week expires on" in html
    assert "Your eSIM Heavy has used 80% of its data" in html
    assert "Your eSIM Gone has expired." in html
    assert "Your eSIM Calm" not in html


@pytest.mark.parametrize("share", [0.8, 0.5])
def test_one_low_data_setting_moves_the_reminder_and_the_banner_together(
    client, auth, seeded, outbox, monkeypatch, share
):
    monkeypatch.setattr(usage, "LOW_DATA_SHARE", share)
    demo = in_app(seeded, User.by_email, "demo@example.com")
    make_esim(seeded, demo, "8985500000000001301", label="Half", days_left=25, data_used_mb=6 * 1024)
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    _run(seeded)
    sent = [m for m in outbox.messages() if "Half" in body(m)]
    if share == 0.8:  # 60 % used is not low yet
        assert "Your eSIM Half" not in html and 'class="data-left low"' not in html
        assert sent == []
        return
    assert "Your eSIM Half has used 50% of its data: 4 GB left." in html
    assert 'class="data-left low"' in html
    [message] = sent
    assert message["Subject"] == "You have used 50% of your eSIM data"
    assert "Your eSIM Half has used 50% of its data: 4 GB left." in body(message)


HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("plan", "days", "checks"),
    [
        ("day-1gb", 1, [(20 * HOUR, []), (2 * HOUR, ["expiry_hours"]), (HOUR, ["expiry_hours"])]),
        (
            "month-10gb",
            30,
            [
                (20 * DAY, []),
                (6 * DAY, ["expiry_7d"]),
                (3 * DAY, ["expiry_7d"]),
                (12 * HOUR, ["expiry_1d", "expiry_7d"]),
            ],
        ),
        (
            "year-150gb",
            365,
            [
                (200 * DAY, []),
                (8 * DAY, []),
                (6 * DAY, ["expiry_7d"]),
                (5 * HOUR, ["expiry_1d", "expiry_7d"]),
            ],
        ),
    ],
)
def test_expiry_reminders_follow_the_plans_length_once_each(seeded, outbox, plan, days, checks):
    demo = in_app(seeded, User.by_email, "demo@example.com")
    chosen = in_app(seeded, Plan.get, Plan.code == plan)
    esim = make_esim(seeded, demo, "8985500000000001301", label="Trip", plan=chosen, days_left=days)
    for left, expected in checks:
        in_app(seeded, reminders.send_due, esim.expires_at - left)
        kinds = in_app(seeded, lambda: sorted(r.kind for r in Reminder.select()))
        assert kinds == expected, f"{left} before the end of a {days}-day plan"
    assert len(outbox.messages()) == len(checks[-1][1])  # each reminder emailed once


def test_a_one_day_plan_is_not_expiring_soon_when_bought_and_its_reminder_says_hours(
    client, auth, seeded, outbox
):
    demo = in_app(seeded, User.by_email, "demo@example.com")
    daily = in_app(seeded, Plan.get, Plan.code == "day-1gb")
    make_esim(seeded, demo, "8985500000000001401", label="Daily", plan=daily, days_left=0.98)
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Your eSIM Daily expires on" not in html
    assert "Sent 0 reminder(s)." in _run(seeded)  # bought 30 minutes ago: no "expires within a day"
    esim = in_app(seeded, Esim.get, Esim.label == "Daily")
    in_app(seeded, reminders.send_due, esim.expires_at - 2 * HOUR)
    assert outbox.last()["Subject"] == "Your eSIM expires in a few hours"
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Your eSIM Daily expires on" not in html  # the dashboard's clock is now: 23 hours left


def test_the_data_reminder_goes_once_at_80_percent(seeded, outbox):
    demo = in_app(seeded, User.by_email, "demo@example.com")
    esim = make_esim(seeded, demo, "8985500000000001501", label="Data", days_left=20, data_used_mb=7 * 1024)
    assert "Sent 0 reminder(s)." in _run(seeded)  # 70 %
    from app.models import SimLine

    in_app(seeded, lambda: SimLine.update(data_used_mb=8 * 1024).where(SimLine.iccid == esim.iccid).execute())
    in_app(seeded, lambda: Esim.update(usage_read_at=None).where(Esim.id == esim.id).execute())
    assert "Sent 1 reminder(s)." in _run(seeded)  # 80 %, read from the operator
    in_app(seeded, lambda: SimLine.update(data_used_mb=9 * 1024).where(SimLine.iccid == esim.iccid).execute())
    in_app(seeded, lambda: Esim.update(usage_read_at=None).where(Esim.id == esim.id).execute())
    assert "Sent 0 reminder(s)." in _run(seeded)  # 90 %: still the one reminder this cycle
    assert [m["Subject"] for m in outbox.messages()] == ["You have used 80% of your eSIM data"]
