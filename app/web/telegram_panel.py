"""The profile's Telegram section: linked or not, the deep link being offered (kept in the session,
so a reload shows it again until it is used or expires), its QR code, and the notice channels."""

from flask import current_app
from flask import session

from app.services import qr_images
from app.services import telegram_links
from app.services import telegram_test_chat

PENDING_TOKEN = "telegram_link_token"


def offer_link(user):
    """A new one-time deep link for `user`, remembered for this browser."""
    token, _expires = telegram_links.new_token(user)
    session[PENDING_TOKEN] = token


def panel(user):
    """What _telegram.html shows, or None when Telegram is not set up."""
    if not telegram_links.configured():
        return None
    linked = telegram_links.chat_of(user) is not None
    link = None
    token = session.get(PENDING_TOKEN)
    if linked or (token and not telegram_links.token_usable(user, token)):
        session.pop(PENDING_TOKEN, None)
    elif token:
        link = telegram_links.deep_link(current_app.config["TELEGRAM_BOT_USERNAME"], token)
    return {
        "linked": linked,
        "link": link,
        "qr": qr_images.svg(link) if link else None,
        "channels": telegram_links.channels_of(user),
        "username": current_app.config["TELEGRAM_BOT_USERNAME"],
        "test_chat": telegram_test_chat.offered(),
    }
