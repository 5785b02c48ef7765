"""Email: written down first (outgoing_mail), then delivered by the worker, retried until it goes.

Delivery is SMTP when MAIL_SERVER is set, else a .eml file under instance/outbox/.
A mail server that is down delays an email and never loses it: each failed try
is noted and the next is due after a growing pause (the sweep queues it). A row
is claimed by one worker right before it is sent (its holder token), checked again
just before the send, and marked sent after, so it goes out once.
"""

import smtplib
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr
from email.utils import formatdate
from email.utils import make_msgid
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from flask import render_template
from flask_babel import force_locale

from app.labels import LANGUAGES
from app.models import OutgoingMail
from app.models import utcnow
from app.services import jobs
from app.worker import task

# How long one send may hold an email before another worker may try it (MAIL_CLAIM_SECONDS):
# well beyond SMTP_TIMEOUT_SECONDS, so a claim outlives the slowest send that does not fail.
CLAIM_SECONDS = 120
SMTP_TIMEOUT_SECONDS = 20
FIRST_RETRY_SECONDS, LONGEST_PAUSE_SECONDS = 30, 30 * 60
RETRY_BATCH = 200
DELIVERY_BATCH = 50  # emails sent through one mail server connection


def send(to, subject, text, lang="en", queue=True):
    """Record one email and have the worker deliver it; None for an address with no mailbox.

    With `queue=False` the caller hands the worker many at once (`deliver_later`).
    """
    if to.endswith(".invalid"):
        # A customer registered at a counter with a phone number only: no mailbox to write to.
        current_app.logger.info("mail to %s not sent (no real address): %s", to, subject)
        return None
    row = OutgoingMail.create(
        to=to,
        sender=_sender(lang),
        subject=str(subject)[:500],
        body=text,
        message_id=make_msgid(domain="esim.local"),
    )
    if queue:
        jobs.enqueue(deliver_mail, row.id)
    return row


def deliver_later(mail_ids):
    """Have the worker deliver these recorded emails, a batch per mail server connection."""
    for start in range(0, len(mail_ids), DELIVERY_BATCH):
        jobs.enqueue(deliver_mails, list(mail_ids[start : start + DELIVERY_BATCH]))


def send_template(user, name, subject, queue=True, **context):
    """Render email/<name>.txt in the user's own language and send it to them."""
    to, subject, text, lang = compose(user, name, subject, **context)
    return send(to, subject, text, lang=lang, queue=queue)


def compose(user, name, subject, **context):
    """(to, subject, text, language) of email/<name>.txt rendered in the user's own language."""
    lang = user.language if user.language in LANGUAGES else "en"
    with force_locale(lang):
        text = render_template(f"email/{name}.txt", user=user, **context)
        return user.email, str(subject() if callable(subject) else subject), text, lang


def record_many(letters):
    """Record many composed emails in one INSERT (for a batch of reminders); returns their ids.

    The caller has the worker deliver them (`deliver_later`). Addresses with no
    mailbox are left out, as `send` leaves them.
    """
    rows = [
        dict(
            to=to,
            sender=_sender(lang),
            subject=subject[:500],
            body=text,
            message_id=make_msgid(domain="esim.local"),
            created_at=utcnow(),
            next_try_at=utcnow(),
        )
        for to, subject, text, lang in letters
        if not to.endswith(".invalid")
    ]
    if not rows:
        return []
    OutgoingMail.insert_many(rows).execute()
    ids = [message["message_id"] for message in rows]
    return [row.id for row in OutgoingMail.select(OutgoingMail.id).where(OutgoingMail.message_id.in_(ids))]


def _sender(lang):
    """MAIL_FROM with the sender's name in the reader's language, when one is configured."""
    config = current_app.config
    name = config.get(f"MAIL_SENDER_NAME_{lang.upper()}") if lang != "en" else None
    if not name:
        return config["MAIL_FROM"]
    _old_name, address = parseaddr(config["MAIL_FROM"])
    return formataddr((name, address))


def _pause(attempts):
    return timedelta(seconds=min(LONGEST_PAUSE_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


def deliver(mail_id):
    """Try to deliver one recorded email now; True once it has gone (by this call)."""
    return deliver_batch([mail_id]) == 1


@task()
def deliver_mail(mail_id):
    """Hand one recorded email to the mail server (or the outbox folder)."""
    deliver(mail_id)


def deliver_batch(mail_ids):
    """Deliver these recorded emails through one mail server connection; returns how many went.

    Each email is claimed on its own right before it is sent, so a claim covers one send
    however slow the server is, and the rest of the batch stays free for another worker
    (a claim on the whole batch would lapse before its last emails went). One that fails
    waits for its next try; the rest still go.
    """
    holder = uuid.uuid4().hex
    delivered = 0
    with _Transport(current_app.config) as transport:
        for mail_id in sorted(set(mail_ids)):
            row = _claim(mail_id, holder)
            if row is not None:
                delivered += _deliver_one(row, holder, transport)
    return delivered


@task()
def deliver_mails(mail_ids):
    """Hand a batch of recorded emails to the mail server through one connection."""
    deliver_batch(mail_ids)


def _claim_time():
    return timedelta(seconds=current_app.config.get("MAIL_CLAIM_SECONDS", CLAIM_SECONDS))


def _claim(mail_id, holder):
    """The email, now `holder`'s for one send; None if it went, is not due, or another worker holds it."""
    now = utcnow()
    taken = (
        OutgoingMail.update(
            attempts=OutgoingMail.attempts + 1, locked_until=now + _claim_time(), claimed_by=holder
        )
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.sent_at.is_null(),
            OutgoingMail.next_try_at <= now,
            OutgoingMail.locked_until.is_null() | (OutgoingMail.locked_until < now),
        )
        .execute()
    )
    if not taken:
        return None
    return OutgoingMail.get_or_none(OutgoingMail.id == mail_id, OutgoingMail.claimed_by == holder)


def _still_ours(row, holder):
    """Renew the claim just before the send: False if the email went meanwhile or another worker took it."""
    renewed = OutgoingMail.update(locked_until=utcnow() + _claim_time()).where(_unsent_and_held(row, holder))
    return renewed.execute() == 1


def _unsent_and_held(row, holder):
    return (OutgoingMail.id == row.id) & (OutgoingMail.claimed_by == holder) & OutgoingMail.sent_at.is_null()


def _deliver_one(row, holder, transport):
    try:
        transport.connect()
        if not _still_ours(row, holder):
            current_app.logger.info("mail %s left alone: sent or claimed by another worker meanwhile", row.id)
            return 0
        transport.send(_message(row))
    except Exception as exc:  # noqa: BLE001 - any failure to hand it over is tried again later
        current_app.logger.warning(
            "mail %s to %s not delivered (try %s): %s", row.id, row.to, row.attempts, exc
        )
        OutgoingMail.update(
            locked_until=None, next_try_at=utcnow() + _pause(row.attempts), last_error=str(exc)[:500]
        ).where(_unsent_and_held(row, holder)).execute()
        return 0
    # Marked sent whoever holds the claim now: it went, so no one may send it again.
    OutgoingMail.update(sent_at=utcnow(), locked_until=None, last_error="").where(
        OutgoingMail.id == row.id, OutgoingMail.sent_at.is_null()
    ).execute()
    current_app.logger.info("mail to %s: %s", row.to, row.subject)
    return 1


def retry_due(now=None):
    """Queue every unsent email whose next try is due (the sweep); returns how many."""
    now = now or utcnow()
    due = (
        OutgoingMail.select(OutgoingMail.id)
        .where(
            OutgoingMail.sent_at.is_null(),
            OutgoingMail.next_try_at <= now,
            OutgoingMail.locked_until.is_null() | (OutgoingMail.locked_until < now),
        )
        .order_by(OutgoingMail.next_try_at)
        .limit(RETRY_BATCH)
    )
    ids = [row.id for row in due]
    deliver_later(ids)
    return len(ids)


def _message(row):
    msg = EmailMessage()
    msg["From"] = row.sender or current_app.config["MAIL_FROM"]
    msg["To"] = row.to
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = row.message_id
    msg.set_content(row.body)
    return msg


class _Transport:
    """SMTP when MAIL_SERVER is set, connected on the first email and kept for the batch; else the outbox."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self._close()

    def send(self, msg):
        config = self.config
        if not config.get("MAIL_SERVER"):
            outbox = Path(config["OUTBOX_DIR"])
            outbox.mkdir(parents=True, exist_ok=True)
            (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(msg))
            return
        self.connect()
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected:
            self.smtp = None  # the next email connects again
            raise

    def connect(self):
        """Connect to the mail server if not yet connected (nothing to do for the outbox)."""
        if self.smtp is None and self.config.get("MAIL_SERVER"):
            self.smtp = self._connect()

    def _connect(self):
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None
