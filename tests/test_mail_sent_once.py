"""An email claimed is an email sent once, however slow the mail server is."""

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from support.helpers import in_app

from app.extensions import db
from app.models import OutgoingMail
from app.services import mail

EMAILS = 20
SECONDS_PER_MESSAGE = 0.1
CLAIM_SECONDS = 1  # ten messages' time: a claim on a whole batch lapses halfway through it


class SlowInbox:
    """An aiosmtpd handler that takes its time over each message and counts them by Message-ID."""

    def __init__(self, delay):
        self.delay = delay
        self.message_ids = Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.message_ids[message["Message-ID"]] += 1
        return "250 OK"

    def received(self):
        return sum(self.message_ids.values())


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def slow_smtp(app):
    port = _free_port()
    inbox = SlowInbox(SECONDS_PER_MESSAGE)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_CLAIM_SECONDS=CLAIM_SECONDS
    )
    yield inbox
    controller.stop()


def _wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def _in_thread(app, fn, *args):
    def run():
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                fn(*args)
            finally:
                db.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _unsent(app):
    return in_app(app, lambda: OutgoingMail.select().where(OutgoingMail.sent_at.is_null()).count())


def _sweep_until_all_sent(app):
    """The other worker: its sweep hands it every email not claimed at this moment, until none is left."""
    while OutgoingMail.select().where(OutgoingMail.sent_at.is_null()).exists():
        mail.retry_due()
        time.sleep(0.05)


def test_a_batch_slower_than_its_claim_sends_each_email_once_while_the_other_worker_sweeps(app, slow_smtp):
    letters = [(f"traveller{n}@example.com", f"Your eSIM {n}", "Scan the code.", "en") for n in range(EMAILS)]
    ids = in_app(app, mail.record_many, letters)
    message_ids = set(in_app(app, lambda: [row.message_id for row in OutgoingMail.select()]))

    first = _in_thread(app, mail.deliver_batch, ids)
    # The first worker's batch has outlasted a claim's lifetime: what a batch-wide claim held is free again.
    _wait_until(lambda: slow_smtp.received() > CLAIM_SECONDS / SECONDS_PER_MESSAGE + 1)
    second = _in_thread(app, _sweep_until_all_sent, app)
    first.join(timeout=60)
    second.join(timeout=60)

    assert not first.is_alive() and not second.is_alive()
    assert set(slow_smtp.message_ids) == message_ids  # every email arrived ...
    assert max(slow_smtp.message_ids.values()) == 1  # ... and each once, by its Message-ID
    assert _unsent(app) == 0


def test_two_workers_given_the_same_batch_at_once_send_each_email_once(app, slow_smtp):
    letters = [(f"traveller{n}@example.com", f"Your eSIM {n}", "Scan the code.", "km") for n in range(EMAILS)]
    ids = in_app(app, mail.record_many, letters)

    workers = [_in_thread(app, mail.deliver_batch, ids) for _ in range(2)]
    for worker in workers:
        worker.join(timeout=60)

    assert slow_smtp.received() == EMAILS
    assert len(slow_smtp.message_ids) == EMAILS
    assert _unsent(app) == 0
    attempts = in_app(app, lambda: [row.attempts for row in OutgoingMail.select()])
    assert attempts == [1] * EMAILS  # one claim each: neither worker took one the other held
