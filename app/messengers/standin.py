"""A stand-in for the Telegram Bot API, for the tests and the demo (no real bot, no network).

It answers the methods the portal calls, at `<base>/bot<token>/<method>`, with the shapes of
the Bot API documentation (core.telegram.org/bots/api), and keeps what the bot sent and what
"the customer" typed. `/_standin/...` lets a test or the demo's test chat play the customer:
type a message (queued for getUpdates), read what a chat received, make the next sends fail
with 429 or 403. `flask --app wsgi telegram-standin` runs it beside scripts/dev's server.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

BOT_ID = 7000000001


class FakeTelegram:
    def __init__(self, token="123456:standin", username="esim_cambodia_demo_bot"):
        self.token = token
        self.username = username
        self.lock = threading.Condition()
        self.reset()

    def reset(self):
        with self.lock:
            self.sent = []  # every accepted sendMessage, as the Message the API returned
            self.calls = []  # (method, params) of every call, accepted or not
            self.updates = []
            self.next_update_id = 1
            self.next_message_id = 1
            self.webhook = {"url": "", "secret_token": None}
            self.failures = []  # (error_code, retry_after) answered to the next sendMessages

    # --- what the customer (a test, or the demo's test chat) does ------------------
    def type(self, chat_id, text, first_name="Customer", language_code=None):
        """The customer sends `text` to the bot: an Update for getUpdates (or the webhook)."""
        with self.lock:
            # Update and Message: core.telegram.org/bots/api#update, #message, #chat, #user
            update = {
                "update_id": self.next_update_id,
                "message": {
                    "message_id": self._message_id(),
                    "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
                    "chat": {"id": chat_id, "type": "private", "first_name": first_name},
                    "date": int(time.time()),
                    "text": text,
                },
            }
            if language_code:
                update["message"]["from"]["language_code"] = language_code  # User.language_code, optional
            self.next_update_id += 1
            self.updates.append(update)
            self.lock.notify_all()
            return update

    def received(self, chat_id):
        with self.lock:
            return [m for m in self.sent if m["chat"]["id"] == int(chat_id)]

    def fail_next(self, error_code, retry_after=None):
        with self.lock:
            self.failures.append((error_code, retry_after))

    # --- the Bot API -----------------------------------------------------------------
    def _message_id(self):
        self.next_message_id += 1
        return self.next_message_id - 1

    def call(self, method, params):
        """(HTTP status, body) for one Bot API call."""
        with self.lock:
            self.calls.append((method, params))
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        return handler(params)

    def _getMe(self, _params):
        # getMe returns a User: core.telegram.org/bots/api#getme, #user
        return _ok({"id": BOT_ID, "is_bot": True, "first_name": "eSIM Cambodia", "username": self.username})

    def _setWebhook(self, params):
        # setWebhook: core.telegram.org/bots/api#setwebhook (returns True)
        with self.lock:
            self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return _ok(True)

    def _deleteWebhook(self, _params):
        with self.lock:
            self.webhook = {"url": "", "secret_token": None}
        return _ok(True)

    def _getUpdates(self, params):
        # getUpdates: core.telegram.org/bots/api#getupdates. An offset confirms every update
        # below it; `timeout` is the long poll's wait. While a webhook is set it answers 409.
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 50)
        with self.lock:
            if self.webhook["url"]:
                return _error(409, "Conflict: can't use getUpdates method while webhook is active")
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout:
                self.lock.wait(timeout)
            limit = int(params.get("limit") or 100)
            return _ok(self.updates[:limit])

    def _sendMessage(self, params):
        # sendMessage: core.telegram.org/bots/api#sendmessage; reply_markup an InlineKeyboardMarkup
        # (#inlinekeyboardmarkup, #inlinekeyboardbutton); returns the sent Message.
        with self.lock:
            if self.failures:
                code, retry_after = self.failures.pop(0)
                if code == 429:
                    # core.telegram.org/bots/api#responseparameters: retry_after, seconds to wait
                    return _error(
                        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                    )
                if code == 403:
                    return _error(403, "Forbidden: bot was blocked by the user")
                return _error(code, "Internal Server Error")
            if not params.get("text") or params.get("chat_id") in (None, ""):
                return _error(400, "Bad Request: message text is empty")
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            chat_id = int(params["chat_id"])
            message = {
                "message_id": self._message_id(),
                "from": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "eSIM Cambodia",
                    "username": self.username,
                },
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": params["text"],
            }
            if markup:
                message["reply_markup"] = markup
            self.sent.append(message)
            return _ok(message)


def _ok(result):
    # Every answer is a JSON object with "ok"; "result" on success: core.telegram.org/bots/api#making-requests
    return 200, {"ok": True, "result": result}


def _error(code, description, parameters=None):
    # An unsuccessful request: ok false, error_code, description, and optional ResponseParameters
    # (core.telegram.org/bots/api#making-requests, #responseparameters).
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _params(self, url):
            params = dict(parse_qsl(url.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if raw and self.headers.get("Content-Type", "").startswith("application/json"):
                params.update(json.loads(raw))
            elif raw:
                params.update(parse_qsl(raw.decode()))
            return params

        def _answer(self):
            url = urlsplit(self.path)
            params = self._params(url)
            parts = url.path.strip("/").split("/")
            if parts[0] == "_standin":
                return self._send(*self._standin(parts[1:], params))
            if len(parts) != 2 or parts[0] != f"bot{fake.token}":
                return self._send(*_error(401, "Unauthorized"))
            return self._send(*fake.call(parts[1], params))

        def _standin(self, parts, params):
            if parts == ["type"]:
                return 200, fake.type(
                    int(params["chat_id"]), params["text"], params.get("first_name", "Customer")
                )
            if parts == ["received"]:
                return 200, fake.received(params["chat_id"])
            if parts == ["fail"]:
                fake.fail_next(int(params["error_code"]), params.get("retry_after"))
                return 200, {}
            return 404, {}

        do_GET = do_POST = _answer

    return Handler


def start(host="127.0.0.1", port=0, fake=None):
    """Serve a stand-in in a thread; returns (fake, base_url, server)."""
    fake = fake or FakeTelegram()
    server = ThreadingHTTPServer((host, port), make_handler(fake))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, f"http://{host}:{server.server_port}", server
