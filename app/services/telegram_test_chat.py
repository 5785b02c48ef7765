"""Test mode's chat (the demo runs without a real bot): what the stand-in received for a customer's
chat, and a message typed as that customer, answered by the bot at once."""

from flask import current_app

from app.messengers import telegram_configured
from app.messengers.base import MessengerError
from app.messengers.standin_client import StandinChat
from app.messengers.telegram import DEFAULT_API_BASE
from app.models import User
from app.services import payments
from app.services import telegram_links

# A customer with no linked chat plays this one in the test chat (the stand-in's "Telegram user").
TEST_CHAT_BASE = 880_000_000


class StandinDown(Exception):
    """The stand-in did not answer (not started, or gone)."""


def offered():
    """Only in test mode, with the bot on a stand-in rather than Telegram itself."""
    config = current_app.config
    return telegram_configured() and payments.test_mode() and config["TELEGRAM_API_BASE"] != DEFAULT_API_BASE


def chat_id(user):
    return telegram_links.chat_of(user) or TEST_CHAT_BASE + user.id


def _standin():
    return StandinChat(current_app.config["TELEGRAM_API_BASE"])


def customer(user_id):
    """The customer with this id (staff open a customer's test chat), or None."""
    return User.get_or_none(User.id == user_id, User.role == "customer")


def received(user):
    """The messages the bot sent to this customer's test chat, oldest first."""
    try:
        return _standin().received(chat_id(user))
    except MessengerError as exc:
        raise StandinDown(str(exc)) from None


def type_as(user, text):
    """`text` typed by the customer in their test chat; the worker's long poll hands it to the bot."""
    try:
        _standin().type(chat_id(user), text[:500], user.name or "Customer", user.language)
    except MessengerError as exc:
        raise StandinDown(str(exc)) from None
