"""A small stand-in for the Bakong Open API: check a transaction by MD5, and generate a deep link.

Every request and answer follows "Bakong Open API Documentation" v1.0.2 (National Bank of
Cambodia, 2021; https://api-bakong.nbc.gov.kh/document); each shape below names its section.
No field appears here that the documentation does not show.

It keeps the payments a test makes (`pay`, `fail`) and lets a test script what the next
request to a path meets: a slow answer (the client times out), or an HTTP status with no body.
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

TOKEN = "bakong-test-token"
# Section 5.3, "Sample Response", Success: the accounts of the documented payment.
PAYER, BRIDGE = "rieu_dhqj_1984@devb", "bridge_account@devb"


def failure(error_code, message):
    # Section 5.3, "Failed" and "Not Found": the envelope of every refusal.
    return {"data": None, "errorCode": error_code, "responseCode": 1, "responseMessage": message}


# Section 5.3, "Not Found" and "Failed", word for word.
NOT_FOUND = failure(1, "Transaction could not be found. Please check and try again.")
FAILED = failure(3, "Transaction failed.")
# Part II: HTTP 401 "Unauthorized", with custom error code 6, "Unauthorized.", in the envelope above.
UNAUTHORIZED = failure(6, "Unauthorized.")
# Part II: custom error code 5; section 5.2 makes md5 mandatory (MinLen 1, MaxLen 255).
MISSING = failure(5, "Missing required fields.")
# Part II: custom error code 4.
NO_DEEPLINK = failure(4, "Error occurred on requesting deeplink from provider.")


class FakeBakong:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (path, headers, body)
        self.scripted = []  # (path, behaviour)
        self.paid = {}  # md5 -> the "data" of section 5.3
        self.failed = set()
        self.deeplink_fails = False

    reset = __init__

    # --- what a test arranges ---------------------------------------------------
    def next(self, path, **behaviour):
        """The next request to `path` meets `behaviour`: sleep=seconds (then the usual answer),
        or status=code (an HTTP error with no body, as a gateway in front of the API sends)."""
        with self.lock:
            self.scripted.append((path, behaviour))

    def pay(self, md5, amount, currency, payer=PAYER, description=""):
        """A customer's bank pays the code with this MD5; `amount` as Bakong writes it (1.0, 9800)."""
        with self.lock:
            # Section 5.3, "Sample Response", Success: data.
            self.paid[md5] = {
                "hash": secrets.token_hex(32),
                "fromAccountId": payer,
                "toAccountId": BRIDGE,
                "currency": currency,
                "amount": amount,
                "description": description,
            }
        return self.paid[md5]

    def fail(self, md5):
        """A bank's attempt to pay this code failed: Bakong answers "Transaction failed."."""
        with self.lock:
            self.failed.add(md5)

    def seen(self, path):
        return [r for r in self.requests if r[0] == path]

    # --- what the API does ------------------------------------------------------
    def _scripted(self, path):
        with self.lock:
            for i, (p, behaviour) in enumerate(self.scripted):
                if p == path:
                    del self.scripted[i]
                    return behaviour
        return {}

    def check_by_md5(self, headers, body):
        # Section 5.2: "Authorization: Bearer <access token>" is mandatory.
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, UNAUTHORIZED
        md5 = body.get("md5") if isinstance(body, dict) else None
        if not isinstance(md5, str) or not 1 <= len(md5) <= 255:
            return 400, MISSING
        with self.lock:
            if md5 in self.paid:
                # Section 5.3, "Sample Response", Success (it has no errorCode key).
                return 200, {
                    "responseCode": 0,
                    "responseMessage": "Getting transaction successfully.",
                    "data": dict(self.paid[md5]),
                }
            if md5 in self.failed:
                return 200, FAILED
        return 200, NOT_FOUND

    def deeplink(self, body):
        # Section 4.2: qr is mandatory; sourceInfo is optional, but all of its fields if given.
        # The section lists no Authorization header, so none is checked.
        if not isinstance(body, dict) or not body.get("qr"):
            return 400, MISSING
        source = body.get("sourceInfo")
        if source is not None and not all(
            source.get(k) for k in ("appIconUrl", "appName", "appDeepLinkCallback")
        ):
            return 400, MISSING
        if self.deeplink_fails:
            return 200, NO_DEEPLINK
        # Section 4.3, "Sample Response": the short link differs on every call.
        link = "https://bakongsit.page.link/" + secrets.token_urlsafe(12)
        return 200, {
            "data": {"shortLink": link},
            "errorCode": None,
            "responseCode": 0,
            "responseMessage": "Getting deep link successfully",
        }


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body=None):
            data = b"" if body is None else json.dumps(body).encode()
            try:
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as a timed-out client does

        def do_POST(self):
            path = urlsplit(self.path).path
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            fake.requests.append((path, dict(self.headers.items()), body))
            behaviour = fake._scripted(path)
            if "status" in behaviour:
                return self._send(behaviour["status"])
            time.sleep(behaviour.get("sleep", 0))
            if path == "/v1/check_transaction_by_md5":
                return self._send(*fake.check_by_md5(self.headers, body))
            if path == "/v1/generate_deeplink_by_qr":
                return self._send(*fake.deeplink(body))
            self._send(404)

    return Handler


def start():
    """Start a server on a free port; returns (fake, base_url, server); the API is under /v1."""
    fake = FakeBakong()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, f"http://127.0.0.1:{server.server_port}", server
