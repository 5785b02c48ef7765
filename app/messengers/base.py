"""The messenger contract: everything the services call on a chat app (Telegram today)."""

from dataclasses import dataclass
from dataclasses import field


class MessengerError(Exception):
    """The messenger did not take the message (down, refused, or answered nonsense): try again later."""


class RetryAfter(MessengerError):
    """Too many messages: the messenger says how many seconds to wait before the next."""

    def __init__(self, seconds, description=""):
        super().__init__(description or f"retry after {seconds} s")
        self.seconds = seconds


class ChatGone(MessengerError):
    """The person blocked the bot or left the chat: nothing more can reach them there."""


@dataclass(frozen=True)
class Button:
    text: str
    url: str


@dataclass(frozen=True)
class Incoming:
    """One message a person typed to the bot."""

    update_id: int
    chat_id: int
    text: str
    language_code: str = ""  # the person's Telegram app's language (IETF tag), if it says


@dataclass(frozen=True)
class Updates:
    messages: list = field(default_factory=list)
    next_offset: int | None = None


class Messenger:
    """A chat app's bot, as the services see it."""

    name = "messenger"
    username = ""

    def send(self, chat_id, text, buttons=()):
        """Send `text` with link `buttons` (one a row); raises RetryAfter, ChatGone or MessengerError."""
        raise NotImplementedError

    def poll(self, offset, timeout):
        """The messages typed since `offset` (waiting up to `timeout` seconds for one), as Updates."""
        raise NotImplementedError

    def set_webhook(self, url, secret):
        """Have the messenger post updates to `url`, with `secret` in its header; "" stops it."""
        raise NotImplementedError

    def whoami(self):
        """The bot's own user name, as the messenger knows it."""
        raise NotImplementedError

    @staticmethod
    def read_update(update):
        """The typed message an update carries, or None (an edit, a join, a sticker...)."""
        raise NotImplementedError
