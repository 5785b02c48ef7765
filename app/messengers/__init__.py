"""Chat apps the portal writes to (Telegram), behind the contract in base.py."""

from flask import current_app

from app.messengers.base import Messenger

SETTINGS = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_USERNAME", "TELEGRAM_WEBHOOK_SECRET")


def telegram_configured(config=None):
    """All three settings are there; without them nothing about Telegram shows or runs."""
    config = config if config is not None else current_app.config
    return all(config.get(name) for name in SETTINGS)


def get_messenger() -> Messenger:
    """The app's Telegram bot, kept per app and settings (its HTTP connections are reused)."""
    from app.messengers.telegram import Telegram

    config = current_app.config
    key = (config["TELEGRAM_BOT_TOKEN"], config["TELEGRAM_BOT_USERNAME"], config["TELEGRAM_API_BASE"])
    kept = current_app.extensions.setdefault("telegram_bot", {})
    if key not in kept:
        kept.clear()
        kept[key] = Telegram(*key)
    return kept[key]
