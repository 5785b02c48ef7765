"""The Telegram Bot API stand-in (app/messengers/standin.py, which the demo runs too), for the tests.

Its shapes follow core.telegram.org/bots/api; see the comments there for each.
"""

from app.messengers.standin import FakeTelegram
from app.messengers.standin import start

__all__ = ["FakeTelegram", "start"]
