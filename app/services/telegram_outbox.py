"""Telegram messages: written down first (outgoing_telegram), then sent by the worker, like emails.

A row is claimed by one worker right before it is sent and marked sent after. Telegram's 429
waits exactly its `retry_after`; other failures wait 30 s, 1, 2, 4 ... up to 30 minutes (the
sweep queues what is due). A 403 (the bot blocked) unlinks the chat and sends the notice's
email instead. A message to a customer's chat that was unlinked before it went is dropped.
"""

import json
import uuid
from datetime import timedelta

from flask import current_app

from app.messengers import get_messenger
from app.messengers.base import Button
from app.messengers.base import ChatGone
from app.messengers.base import MessengerError
from app.messengers.base import RetryAfter
from app.models import OutgoingTelegram
from app.models import TelegramChat
from app.models import utcnow
from app.services import jobs
from app.services import mail
from app.services import telegram_links
from app.worker import task

CLAIM_SECONDS = 60
FIRST_RETRY_SECONDS, LONGEST_PAUSE_SECONDS = 30, 30 * 60
RETRY_BATCH = 200


def record(chat_id, kind, text, buttons=(), user=None, fallback=None):
    """Record one message to `chat_id` and have the worker send it (after the commit).

    `buttons` are (label, url) pairs; `fallback` the (to, subject, body, lang) email sent
    instead if the chat turns out to be gone.
    """
    to, subject, body, lang = fallback or ("", "", "", "en")
    row = OutgoingTelegram.create(
        user=user,
        chat_id=chat_id,
        kind=kind,
        text=text[:4096],  # sendMessage's limit (core.telegram.org/bots/api#sendmessage)
        buttons=json.dumps([list(b) for b in buttons]),
        fallback_to=to,
        fallback_subject=str(subject)[:500],
        fallback_body=body,
        fallback_lang=lang,
    )
    jobs.enqueue(deliver_telegram, row.id)
    return row


def _pause(attempts):
    return timedelta(seconds=min(LONGEST_PAUSE_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)))


def _claim(message_id, holder, now):
    taken = (
        OutgoingTelegram.update(
            attempts=OutgoingTelegram.attempts + 1,
            locked_until=now + timedelta(seconds=CLAIM_SECONDS),
            claimed_by=holder,
        )
        .where(
            OutgoingTelegram.id == message_id,
            OutgoingTelegram.sent_at.is_null(),
            OutgoingTelegram.dropped_at.is_null(),
            OutgoingTelegram.next_try_at <= now,
            OutgoingTelegram.locked_until.is_null() | (OutgoingTelegram.locked_until < now),
        )
        .execute()
    )
    if not taken:
        return None
    return OutgoingTelegram.get_or_none(
        OutgoingTelegram.id == message_id, OutgoingTelegram.claimed_by == holder
    )


def _still_linked(row):
    """A customer's message goes only to the chat that customer still has linked."""
    if row.user_id is None:
        return True  # an answer to whoever typed to the bot (how to link)
    return (
        TelegramChat.select()
        .where(TelegramChat.user == row.user_id, TelegramChat.chat_id == row.chat_id)
        .exists()
    )


def deliver(message_id, now=None):
    """One try at sending a recorded message; "sent", "waiting", "dropped" or None (not due, or taken)."""
    now = now or utcnow()
    row = _claim(message_id, uuid.uuid4().hex, now)
    if row is None:
        return None
    if not _still_linked(row):
        _mark(row, dropped_at=now, last_error="unlinked")
        return "dropped"
    buttons = [Button(label, url) for label, url in json.loads(row.buttons)]
    try:
        get_messenger().send(row.chat_id, row.text, buttons)
    except RetryAfter as exc:
        return _later(row, now, timedelta(seconds=exc.seconds), str(exc))
    except ChatGone as exc:
        return _chat_gone(row, now, str(exc))
    except MessengerError as exc:
        return _later(row, now, _pause(row.attempts), str(exc))
    _mark(row, sent_at=now, last_error="")
    return "sent"


def _mark(row, **fields):
    OutgoingTelegram.update(locked_until=None, **fields).where(OutgoingTelegram.id == row.id).execute()


def _later(row, now, pause, reason):
    current_app.logger.warning(
        "telegram %s to %s not sent (try %s): %s", row.id, row.chat_id, row.attempts, reason
    )
    _mark(row, next_try_at=now + pause, last_error=reason[:500])
    jobs.enqueue(deliver_telegram, row.id, delay=pause.total_seconds())
    return "waiting"


def _chat_gone(row, now, reason):
    """The person blocked the bot: the chat is unlinked, and this notice (and every one waiting for
    that chat) goes by email instead."""
    telegram_links.unlink_chat(row.chat_id)
    waiting = OutgoingTelegram.select().where(
        OutgoingTelegram.chat_id == row.chat_id,
        OutgoingTelegram.sent_at.is_null(),
        OutgoingTelegram.dropped_at.is_null(),
        (OutgoingTelegram.id == row.id) | OutgoingTelegram.locked_until.is_null(),
    )
    for message in waiting:
        dropped = (
            OutgoingTelegram.update(dropped_at=now, locked_until=None, last_error=reason[:500])
            .where(OutgoingTelegram.id == message.id, OutgoingTelegram.dropped_at.is_null())
            .execute()
        )
        if dropped and message.fallback_to:
            mail.send(
                message.fallback_to,
                message.fallback_subject,
                message.fallback_body,
                lang=message.fallback_lang,
            )
    return "dropped"


@task()
def deliver_telegram(message_id):
    """Send one recorded Telegram message."""
    deliver(message_id)


def retry_due(now=None):
    """Queue every unsent message whose next try is due (the sweep); returns how many."""
    now = now or utcnow()
    due = (
        OutgoingTelegram.select(OutgoingTelegram.id)
        .where(
            OutgoingTelegram.sent_at.is_null(),
            OutgoingTelegram.dropped_at.is_null(),
            OutgoingTelegram.next_try_at <= now,
            OutgoingTelegram.locked_until.is_null() | (OutgoingTelegram.locked_until < now),
        )
        .order_by(OutgoingTelegram.next_try_at)
        .limit(RETRY_BATCH)
    )
    ids = [row.id for row in due]
    for message_id in ids:
        jobs.enqueue(deliver_telegram, message_id)
    return len(ids)
