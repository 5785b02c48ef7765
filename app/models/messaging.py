"""Telegram: the chat a customer linked, the one-time tokens that link it, the messages written to
it (an outbox, like outgoing_mail), how each customer wants notices, and the long poll's place."""

from peewee import BigIntegerField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from app.models.accounts import User
from app.models.base import BaseModel
from app.models.base import utcnow

CHANNELS = ("email", "telegram", "both")


class TelegramChat(BaseModel):
    """A customer's linked Telegram chat: one each, and a chat links one customer."""

    user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
    chat_id = BigIntegerField(unique=True)
    linked_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "telegram_chats"


class TelegramLinkToken(BaseModel):
    """The token of a deep link, kept as its SHA-256 only; it works once, before expires_at."""

    token_hash = CharField(unique=True, max_length=64)
    user = ForeignKeyField(User, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "telegram_link_tokens"


class NoticeChoice(BaseModel):
    """Where a customer wants notices: email (everyone without a row), telegram, or both."""

    user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
    channels = CharField(default="email", max_length=10)

    class Meta:
        table_name = "notice_choices"


class OutgoingTelegram(BaseModel):
    """One message to a chat, recorded first and sent by the worker (claimed, sent, marked).

    A notice carries its email (subject and body) for when the chat is gone (the bot blocked).
    """

    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    chat_id = BigIntegerField()
    kind = CharField(max_length=40)
    text = TextField()
    buttons = TextField(default="[]")  # JSON [[text, url], ...]
    fallback_to = CharField(default="", max_length=255)
    fallback_subject = CharField(default="", max_length=500)
    fallback_body = TextField(default="")
    fallback_lang = CharField(default="en", max_length=5)
    created_at = DateTimeField(default=utcnow)
    next_try_at = DateTimeField(default=utcnow, index=True)
    locked_until = DateTimeField(null=True)
    claimed_by = CharField(default="", max_length=32)
    attempts = IntegerField(default=0)
    sent_at = DateTimeField(null=True, index=True)
    dropped_at = DateTimeField(null=True)  # the chat went away before it could be sent
    last_error = CharField(default="", max_length=500)

    class Meta:
        table_name = "outgoing_telegram"


class TelegramPoll(BaseModel):
    """The next update to ask getUpdates for (one row): updates below it were handled."""

    offset = BigIntegerField(default=0)

    class Meta:
        table_name = "telegram_poll"
