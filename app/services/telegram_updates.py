"""What people type to the bot, as it arrives: by webhook in production (Telegram posts each update,
with our secret in a header), or by getUpdates long polling from the worker where the site has no
public HTTPS address (development, the demo). The poll's offset is kept in the database, so an
update is handled once however the worker restarts.
"""

import hmac
import time

from flask import current_app

from app.messengers import get_messenger
from app.messengers import telegram_configured
from app.messengers.base import MessengerError
from app.models import TelegramPoll
from app.services import jobs
from app.services import telegram_bot
from app.services.links import public_url

POLL_SECONDS = 20  # each getUpdates waits this long for a message
POLL_FOR_SECONDS = 50  # one periodic run polls this long, so the next minute's run takes over


def uses_webhook(config=None):
    """Updates come by webhook when the site has a public HTTPS address (Telegram posts only to https)."""
    config = config or current_app.config
    return (config.get("PUBLIC_URL") or "").startswith("https://")


def secret_matches(header_value):
    """The X-Telegram-Bot-Api-Secret-Token header is our TELEGRAM_WEBHOOK_SECRET (constant time)."""
    expected = current_app.config.get("TELEGRAM_WEBHOOK_SECRET") or ""
    return bool(expected) and hmac.compare_digest((header_value or "").encode(), expected.encode())


def receive(update):
    """One update posted to the webhook (its secret already checked)."""
    message = get_messenger().read_update(update)
    if message is not None:
        telegram_bot.handle(message)


def _offset():
    row = TelegramPoll.select().order_by(TelegramPoll.id).first()
    return row or TelegramPoll.create(offset=0)


def poll_once(timeout=0):
    """Ask getUpdates once and answer what came; returns how many messages were handled."""
    state = _offset()
    updates = get_messenger().poll(state.offset, timeout)
    for message in updates.messages:
        with jobs.transaction():
            telegram_bot.handle(message)
            TelegramPoll.update(offset=message.update_id + 1).where(TelegramPoll.id == state.id).execute()
    if updates.next_offset is not None:
        TelegramPoll.update(offset=updates.next_offset).where(TelegramPoll.id == state.id).execute()
    return len(updates.messages)


def poll(for_seconds=POLL_FOR_SECONDS):
    """The worker's long poll (no webhook): getUpdates again and again for about `for_seconds`."""
    if not telegram_configured() or uses_webhook():
        return 0
    handled, until = 0, time.monotonic() + for_seconds
    while time.monotonic() < until:
        try:
            handled += poll_once(timeout=min(POLL_SECONDS, max(1, until - time.monotonic())))
        except MessengerError as exc:
            current_app.logger.warning("telegram getUpdates failed: %s", exc)
            break
    return handled


def set_webhook():
    """Point Telegram at /webhooks/telegram on PUBLIC_URL with our secret; the address it was set to."""
    url = public_url("telegram.webhook")
    get_messenger().set_webhook(url, current_app.config["TELEGRAM_WEBHOOK_SECRET"])
    return url
