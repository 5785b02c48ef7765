"""Helpers of the Telegram tests: the settings, linking a customer's chat as they would, the bot's turn."""

import re

from app.services import telegram_updates
from support.helpers import in_app
from support.helpers import post_form

SETTINGS = {
    "TELEGRAM_BOT_TOKEN": "123456:test-token",
    "TELEGRAM_BOT_USERNAME": "esim_test_bot",
    "TELEGRAM_WEBHOOK_SECRET": "webhook-secret-1234",
}
LINK_RE = re.compile(r"https://t\.me/esim_test_bot\?start=([A-Za-z0-9_-]+)")


def offered_token(client):
    """Press "Link Telegram" on the profile; the token of the deep link it then shows."""
    answer = post_form(client, "/profile/telegram/link", {}, page="/profile")
    assert answer.status_code == 303
    html = client.get("/profile").get_data(as_text=True)
    match = LINK_RE.search(html)
    assert match, "no deep link on the profile"
    return match.group(1)


def bot_turn(app):
    """The worker's poll: the bot answers what was typed (its answers are sent inline in tests)."""
    return in_app(app, telegram_updates.poll_once, 0)


def link_chat(app, client, fake, chat_id):
    """The logged-in customer links `chat_id`: the deep link, then Start in Telegram."""
    token = offered_token(client)
    fake.type(chat_id, f"/start {token}")
    bot_turn(app)
    return token


def texts(fake, chat_id):
    return [message["text"] for message in fake.received(chat_id)]
