"""Test mode's own operations on the Bot API stand-in (standin.py): play the customer in a chat."""

import requests

from app.messengers.base import MessengerError


class StandinChat:
    def __init__(self, api_base):
        self._base = api_base.rstrip("/") + "/_standin/"

    def _call(self, what, **params):
        try:
            answer = requests.post(self._base + what, data=params, timeout=5)
            answer.raise_for_status()
            return answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise MessengerError(f"the Telegram stand-in did not answer: {exc.__class__.__name__}") from None

    def type(self, chat_id, text, first_name, language_code):
        return self._call(
            "type", chat_id=chat_id, text=text, first_name=first_name, language_code=language_code
        )

    def received(self, chat_id):
        return self._call("received", chat_id=chat_id)
