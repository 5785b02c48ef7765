"""Reminders a week and a day before expiry and at 80 % of data: each sent exactly once."""

from datetime import timedelta

from helpers import body
from helpers import in_app
from helpers import make_customer
from helpers import make_esim
from helpers import translated

from app.models import Esim
from app.models import Reminder
from app.models import User
from app.models import utcnow
from app.services import reminders


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
