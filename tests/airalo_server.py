"""A small Airalo-compatible HTTP server (Partner API v2) for the endpoints the portal calls.

It answers with the shapes Airalo documents, keeps the eSIMs it sold and their
package history, and lets a test script what the next request to a path meets:
a slow answer (the client times out, with or without the order going through),
a 4xx or 5xx, a 429 with Retry-After; `expire_tokens()` makes the next call a 401.
"""

import json
import re
import secrets
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
SMDP = "lpa.airalo.example"


def package(pid, day, amount, net_price, price, voice=None, unlimited=False):
    return {
        "id": pid,
        "type": "sim",
        "title": f"{amount // 1024} GB - {day} Days",
        "data": f"{amount // 1024} GB",
        "amount": amount,
        "day": day,
        "is_unlimited": unlimited,
        "price": price,
        "net_price": net_price,
        "voice": voice,
        "text": None,
    }


CATALOGUE = [
    ("Khmer Connect", package("kh-connect-1day-1gb", 1, 1024, 0.9, 1.5)),
    ("Khmer Connect", package("kh-connect-7days-3gb", 7, 3072, 3.1, 5)),
    ("Khmer Connect", package("kh-connect-30days-10gb", 30, 10240, 8.05, 12, voice=100)),
    ("Angkor Mobile", package("angkor-365days-50gb", 365, 51200, 40, 60)),
    ("Angkor Mobile", package("angkor-30days-unlimited", 30, 0, 20, 30, unlimited=True)),
]


def _when(days):
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")


class FakeAiralo:
    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = []  # every token issued
        self.valid = set()
        self.requests = []  # (method, path, params)
        self.scripted = []  # (method, path, behaviour)
        self.sims = {}
        self.orders = []
        self.topups = []
        self.page_size = 2

    reset = __init__

    # --- what a test arranges ---------------------------------------------------
    def next(self, method, path, **behaviour):
        """The next `method` request to `path` (without /v2) meets `behaviour`:
        sleep=seconds (process=True: the order goes through before the answer is late),
        status=code with body=..., retry_after=seconds (for a 429)."""
        self.scripted.append((method, path, behaviour))

    def expire_tokens(self):
        self.valid.clear()

    def add_sim(self, iccid, pid, status="ACTIVE", remaining=None, days=20):
        pkg = next(p for _op, p in CATALOGUE if p["id"] == pid)
        self.sims[iccid] = {
            "history": [self._entry(pkg)],
            "usage": {
                "remaining": pkg["amount"] if remaining is None else remaining,
                "total": pkg["amount"],
                "expired_at": _when(days) if status != "NOT_ACTIVE" else None,
                "is_unlimited": False,
                "status": status,
                "remaining_voice": pkg["voice"] or 0,
                "remaining_text": 0,
                "total_voice": pkg["voice"] or 0,
                "total_text": 0,
            },
        }
        return self.sims[iccid]

    def seen(self, method, path):
        return [r for r in self.requests if r[0] == method and r[1] == path]

    # --- what the API does ------------------------------------------------------
    def _entry(self, pkg):
        return {
            "id": secrets.randbelow(10**6),
            "status": "ACTIVE",
            "remaining": pkg["amount"],
            "activated_at": None,
            "expired_at": None,
            "finished_at": None,
            "package": {k: pkg[k] for k in ("id", "type", "price", "net_price", "amount", "day", "title")},
        }

    def _scripted(self, method, path):
        with self.lock:
            for i, (m, p, behaviour) in enumerate(self.scripted):
                if m == method and p == path:
                    del self.scripted[i]
                    return behaviour
        return None

    def packages(self, query):
        page = int(query.get("page", 1))
        rows = CATALOGUE if query.get("filter[country]") == "KH" else []
        last = max(1, -(-len(rows) // self.page_size))
        data = []
        for operator, pkg in rows[(page - 1) * self.page_size : page * self.page_size]:
            entry = next((e for e in data if e["operators"][0]["title"] == operator), None)
            if entry is None:
                entry = {
                    "slug": "cambodia",
                    "country_code": "KH",
                    "operators": [{"title": operator, "packages": []}],
                }
                data.append(entry)
            entry["operators"][0]["packages"].append(pkg)
        return 200, {"data": data, "links": {}, "meta": {"current_page": page, "last_page": last}}

    def order(self, form):
        pkg = next((p for _op, p in CATALOGUE if p["id"] == form.get("package_id")), None)
        if pkg is None or form.get("type") != "sim":
            return 422, {
                "data": {"package_id": "The selected package is invalid."},
                "meta": {"message": "invalid"},
            }
        iccid = "8937204017" + "".join(secrets.choice("0123456789") for _ in range(9))
        matching = "AIR-" + secrets.token_hex(4).upper()
        self.add_sim(iccid, pkg["id"], status="NOT_ACTIVE")
        sim = {
            "id": len(self.orders) + 1,
            "iccid": iccid,
            "lpa": SMDP,
            "matching_id": matching,
            "lac": f"LPA:1${SMDP}${matching}",
            "qrcode": f"LPA:1${SMDP}${matching}",
            "qrcode_url": "https://example.com/qr.png",
            "direct_apple_installation_url": f"https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1${SMDP}${matching}",
            "apn_type": "automatic",
            "is_roaming": True,
        }
        order = {
            "id": 1000 + len(self.orders),
            "code": "20260101-" + secrets.token_hex(3),
            "package_id": pkg["id"],
            "quantity": 1,
            "type": "sim",
            "description": form.get("description", ""),
            "net_price": pkg["net_price"],
            "sims": [sim],
        }
        self.orders.append(order)
        return 200, {"data": order, "meta": {"message": "success"}}

    def topup_offers(self, iccid):
        return [
            {**p, "id": p["id"] + "-topup", "type": "topup"} for _op, p in CATALOGUE if not p["is_unlimited"]
        ]

    def topup(self, form):
        iccid, pid = form.get("iccid", ""), form.get("package_id", "")
        offer = next((p for p in self.topup_offers(iccid) if p["id"] == pid), None)
        if iccid not in self.sims or offer is None:
            return 422, {"data": {"iccid": "The eSIM cannot be topped up."}, "meta": {"message": "invalid"}}
        sim = self.sims[iccid]
        sim["history"].append(self._entry(offer))
        usage = sim["usage"]
        usage["total"] += offer["amount"]
        usage["remaining"] += offer["amount"]
        # A top-up stacks on the package in use: its days count from the later of now and the expiry.
        current = usage.get("expired_at")
        start = (
            max(datetime.now(UTC), datetime.strptime(current, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC))
            if current
            else datetime.now(UTC)
        )
        usage["expired_at"] = (start + timedelta(days=offer["day"])).strftime("%Y-%m-%d %H:%M:%S")
        self.topups.append({"iccid": iccid, "package_id": pid, "description": form.get("description", "")})
        return 200, {"data": {"id": 5000 + len(self.topups), "package_id": pid, "iccid": iccid}, "meta": {}}

    def route(self, method, path, query, form):
        if method == "GET" and path == "/packages":
            return self.packages(query)
        if method == "POST" and path == "/orders":
            return self.order(form)
        if method == "POST" and path == "/orders/topups":
            return self.topup(form)
        if method == "GET" and path == "/orders":
            found = [o for o in self.orders if o["description"] == query.get("filter[description]")]
            return 200, {"data": found, "meta": {"message": "success"}}
        match = re.fullmatch(r"/sims/(\d+)/(topups|packages|usage)", path)
        if method == "GET" and match and match.group(1) in self.sims:
            iccid, what = match.groups()
            if what == "topups":
                return 200, {"data": self.topup_offers(iccid), "meta": {"message": "success"}}
            if what == "packages":
                return 200, {"data": self.sims[iccid]["history"]}
            return 200, {"data": dict(self.sims[iccid]["usage"]), "meta": {"message": "success"}}
        return 404, {"data": [], "meta": {"message": "Not found"}}


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body, headers=()):
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as a timed-out client does

        def _handle(self, method):
            url = urlsplit(self.path)
            path = url.path.removeprefix("/v2")
            query = dict(parse_qsl(url.query))
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            if method == "POST" and path == "/token":
                if (form.get("client_id"), form.get("client_secret"), form.get("grant_type")) != (
                    CLIENT_ID,
                    CLIENT_SECRET,
                    "client_credentials",
                ):
                    return self._send(401, {"data": [], "meta": {"message": "Invalid credentials"}})
                token = "tok-" + secrets.token_hex(16)
                with fake.lock:
                    fake.tokens.append(token)
                    fake.valid.add(token)
                body = {"token_type": "Bearer", "expires_in": 31622400, "access_token": token}
                return self._send(200, {"data": body, "meta": {"message": "success"}})
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            fake.requests.append((method, path, {**query, **form}))
            if token not in fake.valid:
                return self._send(401, {"data": [], "meta": {"message": "Unauthenticated."}})
            behaviour = fake._scripted(method, path) or {}
            if "sleep" in behaviour:
                status, body = (
                    fake.route(method, path, query, form) if behaviour.get("process") else (500, {})
                )
                time.sleep(behaviour["sleep"])
                return self._send(status, body)
            if "status" in behaviour:
                headers = (
                    [("Retry-After", str(behaviour["retry_after"]))] if "retry_after" in behaviour else []
                )
                body = behaviour.get("body") or {"data": [], "meta": {"message": "scripted"}}
                return self._send(behaviour["status"], body, headers)
            self._send(*fake.route(method, path, query, form))

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

    return Handler


def start():
    """Start a server on a free port; returns (fake, base_url, server); the API is under /v2."""
    fake = FakeAiralo()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, f"http://127.0.0.1:{server.server_port}", server
