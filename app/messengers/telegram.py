"""Telegram's Bot API over plain HTTP (core.telegram.org/bots/api): four methods, JSON in and out."""

import requests

from app.messengers.base import ChatGone
from app.messengers.base import Incoming
from app.messengers.base import Messenger
from app.messengers.base import MessengerError
from app.messengers.base import RetryAfter
from app.messengers.base import Updates

DEFAULT_API_BASE = "https://api.telegram.org"
TIMEOUT_SECONDS = 15


class Telegram(Messenger):
    name = "telegram"

    def __init__(self, token, username, api_base=DEFAULT_API_BASE):
        self.username = username
        self._url = f"{api_base.rstrip('/')}/bot{token}/"
        self._http = requests.Session()

    def _call(self, method, wait=0, **params):
        try:
            answer = self._http.post(self._url + method, json=params, timeout=TIMEOUT_SECONDS + wait)
            body = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise MessengerError(f"{method}: {exc.__class__.__name__}") from None
        if body.get("ok"):
            return body.get("result")
        # core.telegram.org/bots/api#making-requests: error_code, description, parameters
        code, description = body.get("error_code"), body.get("description", "")
        retry_after = (body.get("parameters") or {}).get("retry_after")
        if code == 429 and retry_after is not None:
            raise RetryAfter(int(retry_after), description)
        if code == 403:
            raise ChatGone(description)
        raise MessengerError(f"{method}: {code} {description}")

    def send(self, chat_id, text, buttons=()):
        params = {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}
        if buttons:
            params["reply_markup"] = {"inline_keyboard": [[{"text": b.text, "url": b.url}] for b in buttons]}
        return self._call("sendMessage", **params)

    def poll(self, offset, timeout):
        params = {"timeout": int(timeout), "allowed_updates": ["message"]}
        if offset:
            params["offset"] = offset
        updates = self._call("getUpdates", wait=timeout, **params) or []
        messages = [m for m in map(self.read_update, updates) if m is not None]
        last = max((u["update_id"] for u in updates), default=None)
        return Updates(messages, None if last is None else last + 1)

    def set_webhook(self, url, secret):
        if not url:
            return self._call("deleteWebhook")
        return self._call("setWebhook", url=url, secret_token=secret, allowed_updates=["message"])

    def whoami(self):
        return self._call("getMe")["username"]

    @staticmethod
    def read_update(update):
        message = update.get("message") if isinstance(update, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            return None
        chat = message.get("chat") or {}
        if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
            return None  # the bot answers people, not groups
        sender = message.get("from") or {}
        language = sender.get("language_code") if isinstance(sender.get("language_code"), str) else ""
        return Incoming(update.get("update_id", 0), chat["id"], message["text"][:500], language)
