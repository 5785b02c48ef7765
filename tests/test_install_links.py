"""Install links: a day long, the newest only, until the eSIM is installed, and out of the address bar."""

import re

from itsdangerous.timed import TimestampSigner
from support.helpers import body
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client

from app.models import AuditLog
from app.models import Esim
from app.models import User
from app.services import notifications
from app.services.demo import DEMO_ICCID
from app.services.provisioning import INSTALL_LINK_MAX_AGE


def _demo_esim(app):
    return in_app(app, lambda: Esim.get(Esim.iccid == DEMO_ICCID))


def _not_installed(app):
    in_app(app, Esim.update(installed_at=None).where(Esim.iccid == DEMO_ICCID).execute)
    return _demo_esim(app)


def _email_link(app, outbox):
    in_app(app, notifications.send_install_link, _demo_esim(app))
    link = re.search(r"https?://\S+/install\?token=\S+", body(outbox.last())).group(0)
    return "/" + link.split("/", 3)[3]


def _opens(app, path):
    page = browser(app).get(path, follow_redirects=True)
    return page.status_code == 200 and "Install your eSIM" in page.get_data(as_text=True)


def test_the_link_opens_the_page_without_login_and_leaves_a_clean_address(seeded, outbox):
    esim = _not_installed(seeded)
    phone = browser(seeded)
    arrival = phone.get(_email_link(seeded, outbox))
    assert arrival.status_code == 303
    assert arrival.location == f"/esims/{esim.id}/install"
    page = phone.get(arrival.location)
    assert page.status_code == 200 and "LPA:1$" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_used_install_link_is_refused(seeded, outbox):
    esim = _not_installed(seeded)
    path = _email_link(seeded, outbox)
    assert _opens(seeded, path)
    in_app(seeded, Esim.update(installed_at=esim.created_at).where(Esim.id == esim.id).execute)
    refused = browser(seeded).get(path, follow_redirects=True)
    assert refused.request.path == "/login"  # the link no longer opens it; the owner can log in


def test_a_resend_makes_the_older_links_stop_working(seeded, outbox):
    _not_installed(seeded)
    first = _email_link(seeded, outbox)
    second = _email_link(seeded, outbox)
    assert not _opens(seeded, first)
    assert _opens(seeded, second)


def test_a_link_older_than_a_day_is_refused(seeded, outbox, monkeypatch):
    _not_installed(seeded)
    path = _email_link(seeded, outbox)
    issued = TimestampSigner.get_timestamp
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: issued(self) + INSTALL_LINK_MAX_AGE + 5
    )
    assert not _opens(seeded, path)


def test_a_password_reset_ends_the_links_sent_before_it(seeded, outbox):
    from app.services import accounts

    _not_installed(seeded)
    path = _email_link(seeded, outbox)
    demo = in_app(seeded, User.by_email, "demo@example.com")
    in_app(seeded, accounts.set_password, demo, "brand-new-pass-99")
    assert not _opens(seeded, path)


def test_an_agent_revealing_an_activation_code_is_audited(seeded, outbox):
    from app.models import Order

    agent = staff_client(seeded, "agent@example.com", "agent-pass-1234")
    made = post_form(
        agent, "/support/counter", {"email": "dara@example.com", "plan": "day-3gb", "language": "en"}
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    assert made.location == f"/support/orders/{order.id}"
    agent.post(
        f"/support/orders/{order.id}/cash",
        data={"amount": f"{order.amount_cents / 100:.2f}", "csrf_token": csrf_token(agent, made.location)},
    )
    page = agent.get(made.location).get_data(as_text=True)
    assert "Show the install QR code" in page and "LPA:1$" not in page  # hidden until asked for

    shown = agent.post(
        f"/support/orders/{order.id}/activation-code", data={"csrf_token": csrf_token(agent, made.location)}
    )
    assert shown.status_code == 200 and "LPA:1$" in shown.get_data(as_text=True)
    entry = in_app(seeded, lambda: AuditLog.select().order_by(AuditLog.id.desc()).get())
    assert entry.action == "revealed_activation_code"
    assert entry.actor_id == in_app(seeded, User.by_email, "agent@example.com").id
