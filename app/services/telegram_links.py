"""Linking a customer's Telegram chat by deep link (t.me/<bot>?start=<token>), and unlinking it.

The token is random (not the account id), kept only as its SHA-256, lasts LINK_TTL and works
once: the compare-and-set on `used_at` lets one /start take it, however many arrive together.
"""

import hashlib
import secrets
from datetime import timedelta

from peewee import IntegrityError

from app.messengers import telegram_configured
from app.models import CHANNELS
from app.models import NoticeChoice
from app.models import OutgoingTelegram
from app.models import TelegramChat
from app.models import TelegramLinkToken
from app.models import utcnow
from app.services import jobs

LINK_TTL = timedelta(minutes=10)
LINKED, EXPIRED, UNKNOWN = "linked", "expired", "unknown"


def configured():
    """The bot's three settings are there: without them nothing about Telegram shows."""
    return telegram_configured()


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user, now=None):
    """A fresh one-time token for `user`'s deep link (only its hash is kept) and when it expires."""
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    TelegramLinkToken.create(token_hash=_hash(token), user=user, created_at=now, expires_at=now + LINK_TTL)
    return token, now + LINK_TTL


def deep_link(username, token):
    """Telegram's documented deep link: opening it and pressing Start sends `/start <token>`."""
    return f"https://t.me/{username}?start={token}"


def token_usable(user, token, now=None):
    """The token is `user`'s, unused and unexpired (what the profile shows it by)."""
    now = now or utcnow()
    row = TelegramLinkToken.get_or_none(TelegramLinkToken.token_hash == _hash(token or ""))
    return row is not None and row.user_id == user.id and row.used_at is None and row.expires_at > now


def link(chat_id, token, now=None):
    """`/start <token>` from `chat_id`: (LINKED, user), or (EXPIRED | UNKNOWN, None) for a token
    that is too old, was used already, or never existed."""
    now = now or utcnow()
    row = TelegramLinkToken.get_or_none(TelegramLinkToken.token_hash == _hash(token or ""))
    if row is None:
        return UNKNOWN, None
    taken = (
        TelegramLinkToken.update(used_at=now)
        .where(
            TelegramLinkToken.id == row.id,
            TelegramLinkToken.used_at.is_null(),
            TelegramLinkToken.expires_at > now,
        )
        .execute()
    )
    if not taken:
        return EXPIRED, None
    user = row.user
    try:
        with jobs.transaction():
            # The chat leaves any account it was linked to; the account leaves its old chat.
            TelegramChat.delete().where(
                (TelegramChat.chat_id == chat_id) | (TelegramChat.user == user)
            ).execute()
            TelegramChat.create(user=user, chat_id=chat_id, linked_at=now)
    except IntegrityError:
        return EXPIRED, None  # the same chat linked by another token at the same moment
    return LINKED, user


def owner_of_token(token):
    """Whoever asked for this token (used, expired or not), or None: a refusal speaks their language."""
    row = TelegramLinkToken.get_or_none(TelegramLinkToken.token_hash == _hash(token or ""))
    return row.user if row else None


def chat_of(user):
    """The chat id `user` linked, or None."""
    row = TelegramChat.get_or_none(TelegramChat.user == user)
    return row.chat_id if row else None


def user_of_chat(chat_id):
    row = TelegramChat.get_or_none(TelegramChat.chat_id == chat_id)
    return row.user if row else None


def unlink(user):
    """The profile's Unlink: nothing more goes to that chat. True if a chat was linked."""
    return TelegramChat.delete().where(TelegramChat.user == user).execute() > 0


def unlink_chat(chat_id):
    """/stop, or the bot blocked (403): the chat is no one's any more. The user it was linked to, or None."""
    user = user_of_chat(chat_id)
    TelegramChat.delete().where(TelegramChat.chat_id == chat_id).execute()
    return user


def channels_of(user):
    row = NoticeChoice.get_or_none(NoticeChoice.user == user)
    return row.channels if row else "email"


def choose_channels(user, channels):
    """Where `user` wants notices: one of CHANNELS; False for anything else (nothing changed)."""
    if channels not in CHANNELS:
        return False
    updated = NoticeChoice.update(channels=channels).where(NoticeChoice.user == user).execute()
    if not updated:
        try:
            NoticeChoice.create(user=user, channels=channels)
        except IntegrityError:
            NoticeChoice.update(channels=channels).where(NoticeChoice.user == user).execute()
    return True


def hand_over(other, kept):
    """Two customer records merged: the merged-away record's chat, with its notice choice, goes to
    the kept one when that has no chat of its own, else it is unlinked; its pending messages follow.
    'moved', 'unlinked' or None (the merged-away record had no chat)."""
    TelegramLinkToken.delete().where(TelegramLinkToken.user == other).execute()
    OutgoingTelegram.update(user=kept).where(OutgoingTelegram.user == other).execute()
    outcome = None
    if TelegramChat.select().where(TelegramChat.user == other).exists():
        outcome = "unlinked" if TelegramChat.select().where(TelegramChat.user == kept).exists() else "moved"
    if outcome == "moved":
        TelegramChat.update(user=kept).where(TelegramChat.user == other).execute()
        if not NoticeChoice.select().where(NoticeChoice.user == kept).exists():
            NoticeChoice.update(user=kept).where(NoticeChoice.user == other).execute()
    TelegramChat.delete().where(TelegramChat.user == other).execute()
    NoticeChoice.delete().where(NoticeChoice.user == other).execute()
    return outcome
