"""Emails go through the worker: a mail server that is down delays them, never loses or doubles them."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import time_passes_for_the_worker

from app.models import OutgoingMail
from app.services.demo import DEMO_CUSTOMER


class Inbox:
    """An aiosmtpd handler that keeps every message the server accepts."""

    def __init__(self):
        self.messages = []
        self.connections = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content.decode("utf8", "replace"))
        self.connections.add(id(session))  # aiosmtpd makes one session per connection
        return "250 OK"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_down(seeded):
    """The app's MAIL_SERVER is a port where nothing listens yet; `.start()` brings it up."""
    port = _free_port()
    seeded.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    started = []
    inbox.start = lambda: started.append(controller.start())
    yield inbox
    if started:
        controller.stop()


def _ask_for_reset(client):
    token = csrf_token(client, "/forgot-password")
    return client.post("/forgot-password", data={"email": DEMO_CUSTOMER[0], "csrf_token": token})


def test_a_reset_email_asked_for_while_smtp_is_down_arrives_once_when_it_is_back(client, seeded, smtp_down):
    response = _ask_for_reset(client)
    assert response.status_code == 302  # not a 500: the page says the email is on its way
    page = client.get(response.location).get_data(as_text=True)
    assert "we have emailed it a link" in page
    [row] = in_app(seeded, lambda: list(OutgoingMail.select()))
    assert row.sent_at is None and row.attempts == 1 and "refused" in row.last_error.lower()

    time_passes_for_the_worker(seeded)  # still down: tried again, noted again
    assert in_app(seeded, OutgoingMail.get_by_id, row.id).attempts == 2
    assert smtp_down.messages == []

    smtp_down.start()
    time_passes_for_the_worker(seeded)
    assert len(smtp_down.messages) == 1
    message = smtp_down.messages[0]
    assert "To: demo@example.com" in message and "/reset-password/" in message
    assert row.message_id in message  # the same Message-ID as every earlier try

    time_passes_for_the_worker(seeded)
    time_passes_for_the_worker(seeded)
    assert len(smtp_down.messages) == 1  # sent once: a delivered email is never sent again
    assert in_app(seeded, OutgoingMail.get_by_id, row.id).sent_at is not None


def test_a_cash_sale_while_smtp_is_down_shows_the_install_code_and_emails_later(client, seeded, smtp_down):
    from support.helpers import Auth

    from app.models import Order
    from app.services.demo import DEMO_AGENT

    Auth(client).login(*DEMO_AGENT)
    token = csrf_token(client, "/support/counter")
    client.post(
        "/support/counter",
        data={"email": "walkin@example.com", "language": "zh", "plan": "day-3gb", "csrf_token": token},
    )
    order = in_app(seeded, lambda: Order.select().order_by(Order.id.desc()).get())
    paid = client.post(f"/support/orders/{order.id}/cash", data={"amount": "2.00", "csrf_token": token})
    assert paid.status_code == 303
    page = client.post(f"/support/orders/{order.id}/activation-code", data={"csrf_token": token})
    assert page.status_code == 200 and "LPA:1$" in page.get_data(as_text=True)
    assert in_app(seeded, Order.get_by_id, order.id).status == "fulfilled"
    assert smtp_down.messages == []

    smtp_down.start()
    time_passes_for_the_worker(seeded)
    [raw] = smtp_down.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["To"] == "walkin@example.com"
    assert "/install" in message.get_content()


def test_a_run_of_reminders_goes_through_one_mail_server_connection(seeded, smtp_down):
    from support.helpers import make_esim

    from app.models import User
    from app.services import reminders

    smtp_down.start()
    demo = in_app(seeded, User.by_email, DEMO_CUSTOMER[0])
    for n in range(4):
        make_esim(seeded, demo, f"898550000000000170{n}", label=f"Trip {n}", days_left=5)
    assert in_app(seeded, reminders.send_due) == 4
    assert len(smtp_down.messages) == 4
    assert len(smtp_down.connections) == 1
