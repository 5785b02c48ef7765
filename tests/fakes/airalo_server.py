"""A small Airalo-compatible HTTP server (Partner API v2) for the endpoints the portal calls.

Every request and response follows the examples of Airalo's Partner API
documentation (developers.partners.airalo.com, the same Apidog project as
share.apidog.com/e776ed42-a7e7-4c52-9ea2-b65d4758fea2); each shape below names
the page it comes from. Where versions of the docs disagree, the stricter rule
is kept (the package history: once per 15 minutes per eSIM).

It keeps the eSIMs it sold, their package history and its orders, and lets a
test script what the next request to a path meets: a slow answer (the client
times out, with or without the order going through), a 4xx or 5xx, a 429 with
Retry-After; `expire_tokens()` makes the next call a 401, `recycle()` recycles
an eSIM, and `sign()` signs a webhook body as Airalo does.
"""

import hashlib
import hmac
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
HISTORY_WINDOW = 15 * 60  # "Get eSIM package history": once every 15 minutes per eSIM
USAGE_PER_MINUTE = 10  # "Rate limits": /sims/:iccid/usage, 10 requests per minute for the same iccid
# "Refund request": the reasons Airalo accepts.
REFUND_REASONS = {
    "INSTALLATION_FAILURE", "NO_COVERAGE", "APN_FAILURE", "TRIP_CANCELLATION", "INTERMITTENT_CONNECTION",
    "BLOCKED_NETWORK", "CHANGE_OF_PLAN", "DELETED_ESIM", "EARLY_EXPIRY", "HOTSPOT_NOT_WORKING", "IMSI_CHANGE",
    "INCOMPATIBLE_DEVICE", "LOCKED_DEVICE", "NO_VOICE_TEXT_SERVICES", "OVERCHARGED", "SLOW_SPEED",
    "TOP_UP_PACKAGE_FAILURE", "UNKNOWN_CHARGES", "WRONG_PURCHASE", "UNABLE_TO_ACCESS_APPS",
    "SERVICE_DEGRADATION", "QR_ISSUE_PARTNERS", "OTHERS",
}  # fmt: skip


def package(pid, day, amount, net_price, price, voice=None, unlimited=False):
    # "Get packages": operators[].packages[] (prices and HTML installation notes left out)
    return {
        "id": pid,
        "type": "sim",
        "price": price,
        "amount": amount,
        "day": day,
        "is_unlimited": unlimited,
        "title": f"Unlimited - {day} Days" if unlimited else f"{amount // 1024} GB - {day} Days",
        "short_info": "This eSIM doesn't come with a phone number.",
        "data": "Unlimited" if unlimited else f"{amount // 1024} GB",
        "voice": voice,
        "text": None,
        "net_price": net_price,
    }


def operator(oid, title, apn_type="automatic", apn_value=None, rechargeable=True, policy="first-usage"):
    # "Get packages": data[].operators[] (style, image, coverages, info left out)
    return {
        "id": oid,
        "type": "local",
        "is_prepaid": False,
        "title": title,
        "esim_type": "Prepaid",
        "warning": None,
        "apn_type": apn_type,
        "apn_value": apn_value,
        "is_roaming": True,
        "plan_type": "data",
        "activation_policy": policy,
        "is_kyc_verify": False,
        "rechargeability": rechargeable,
        "install_window_days": None,
        "topup_grace_window_days": None,
        "apn": {
            "ios": {"apn_type": apn_type, "apn_value": apn_value},
            "android": {"apn_type": apn_type, "apn_value": apn_value},
        },
        "packages": [],
        "countries": [{"country_code": "KH", "title": "Cambodia"}],
    }


OPERATORS = {
    "Khmer Connect": operator(901, "Khmer Connect"),
    "Angkor Mobile": operator(
        902, "Angkor Mobile", apn_type="manual", apn_value="angkornet", rechargeable=False
    ),
}
CATALOGUE = [
    ("Khmer Connect", package("kh-connect-1day-1gb", 1, 1024, 0.9, 1.5)),
    ("Khmer Connect", package("kh-connect-7days-3gb", 7, 3072, 3.1, 5)),
    ("Khmer Connect", package("kh-connect-30days-10gb", 30, 10240, 8.05, 12, voice=100)),
    ("Angkor Mobile", package("angkor-365days-50gb", 365, 51200, 40, 60)),
    ("Angkor Mobile", package("angkor-30days-unlimited", 30, 0, 20, 30, unlimited=True)),
]


def _stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")  # Airalo's usual "2023-02-27 14:09:55"


def _when(days):
    return _stamp(datetime.now(UTC) + timedelta(days=days))


def compact(body):
    """JSON as Airalo's PHP sends it: no spaces, slashes escaped."""
    return json.dumps(body, separators=(",", ":")).replace("/", "\\/").encode()


def sign(raw, secret=CLIENT_SECRET):
    """The airalo-signature header of a webhook: hex HMAC-SHA512 of the body, keyed with the API secret
    ("Webhook definition"; Airalo's SDKs key it with the partner's client secret)."""
    return hmac.new(secret.encode(), raw, hashlib.sha512).hexdigest()


def _invalid(field, message):
    # "Error handling": a validation error
    return 422, {"data": {field: message}, "meta": {"message": "the parameter is invalid"}}


def _recycled(iccid):
    # "Error handling": business error 73
    return 422, {
        "code": 73,
        "reason": f"The eSIM with iccid {iccid} has been recycled. It can no longer be used or topped up.",
    }


NOT_FOUND = (404, {"data": [], "meta": {"message": "messages.resource_not_found"}})
TOO_MANY = {"message": "Too Many Attempts."}  # "Rate limits": the 429 body


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
        self.refunds = []
        self.pending = {}  # async orders accepted and not yet made: request_id -> form
        self.deliveries = {}  # request_id -> the body Airalo POSTs to the webhook_url
        self.read_at = {}  # (iccid, what) -> times asked, for the rate limits
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
            "package": pid,
            "history": [self._entry(pkg)],
            # "Get usage (data, text & voice)"
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

    def recycle(self, iccid):
        # "Get usage": the recycled eSIM's figures
        self.sims[iccid]["recycled"] = True
        self.sims[iccid]["usage"].update(
            status="RECYCLED", remaining=0, total=0, expired_at=None, is_unlimited=None
        )

    def seen(self, method, path):
        return [r for r in self.requests if r[0] == method and r[1] == path]

    # --- what the API does ------------------------------------------------------
    def _entry(self, pkg):
        # "Get eSIM package history": one entry (times in ISO 8601 there)
        return {
            "id": secrets.randbelow(10**6),
            "status": "ACTIVE",
            "remaining": pkg["amount"],
            "activated_at": None,
            "expired_at": None,
            "finished_at": None,
            "package": {
                **{k: pkg[k] for k in ("id", "type", "price", "net_price", "amount", "day", "is_unlimited")},
                **{k: pkg[k] for k in ("title", "data", "short_info")},
            },
        }

    def _scripted(self, method, path):
        with self.lock:
            for i, (m, p, behaviour) in enumerate(self.scripted):
                if m == method and p == path:
                    del self.scripted[i]
                    return behaviour
        return None

    def _limited(self, iccid, what, per, window):
        """True (and the seconds to wait) when `iccid` asked `what` more than `per` times in `window`."""
        now = time.monotonic()
        with self.lock:
            asked = [t for t in self.read_at.get((iccid, what), []) if now - t < window]
            if len(asked) >= per:
                return True, int(window - (now - asked[0])) + 1
            self.read_at[(iccid, what)] = [*asked, now]
        return False, 0

    def packages(self, query):
        """ "Get packages": countries with their operators and packages, paged.

        The page says that from page 2 on, `data` is "an object representing the
        country's index in the list of packages" instead of a list.
        """
        page = int(query.get("page", 1))
        # Pages no longer than page_size, so that a test sees several of them.
        limit = min(int(query.get("limit", self.page_size)), self.page_size)
        local_kh = query.get("filter[country]") == "KH" and query.get("filter[type]") == "local"
        rows = CATALOGUE if local_kh else []
        last = max(1, -(-len(rows) // limit))
        country = {"slug": "cambodia", "country_code": "KH", "title": "Cambodia", "operators": []}
        for name, pkg in rows[(page - 1) * limit : page * limit]:
            entry = next((o for o in country["operators"] if o["title"] == name), None)
            if entry is None:
                entry = {**OPERATORS[name], "packages": []}
                country["operators"].append(entry)
            entry["packages"].append(pkg)
        countries = [country] if country["operators"] else []
        data = countries if page == 1 else {str(page - 1 + i): c for i, c in enumerate(countries)}
        base = "http://airalo.local/v2/packages"
        links = {
            "first": f"{base}?page=1",
            "last": f"{base}?page={last}",
            "prev": f"{base}?page={page - 1}" if page > 1 else None,
            "next": f"{base}?page={page + 1}" if page < last else None,
        }
        meta = {
            "message": "success",
            "current_page": page,
            "from": (page - 1) * limit + 1,
            "last_page": last,
            "path": base,
            "per_page": str(limit),
            "to": min(page * limit, len(rows)),
            "total": len(rows),
        }
        return 200, {"data": data, "links": links, "meta": meta}

    def _sim(self, iccid, name):
        # "Submit order": data.sims[]
        matching = "-".join(secrets.token_hex(3).upper() for _ in range(4))
        op = OPERATORS[name]
        return {
            "id": secrets.randbelow(10**6),
            "created_at": _when(0),
            "iccid": iccid,
            "lpa": SMDP,
            "imsis": None,
            "matching_id": matching,
            "qrcode": f"LPA:1${SMDP}${matching}",
            "qrcode_url": f"https://sandbox.airalo.example/qr?id={secrets.token_hex(4)}",
            "direct_apple_installation_url": (
                f"https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1${SMDP}${matching}"
            ),
            "airalo_code": None,
            "apn_type": op["apn_type"],
            "apn_value": op["apn_value"],
            "is_roaming": True,
            "confirmation_code": None,
        }

    def order(self, form):
        """ "Submit order": quantity, package_id, type (default "sim"), description."""
        found = next(((op, p) for op, p in CATALOGUE if p["id"] == form.get("package_id")), None)
        if found is None:
            return _invalid("package_id", "The selected package is invalid.")
        if int(form.get("quantity") or 0) != 1:
            return _invalid("quantity", "The quantity may not be greater than 50.")
        name, pkg = found
        iccid = "8937204017" + "".join(secrets.choice("0123456789") for _ in range(9))
        self.add_sim(iccid, pkg["id"], status="NOT_ACTIVE")
        number = 9000 + len(self.orders)
        order = {
            "package_id": pkg["id"],
            "quantity": "1",
            "type": form.get("type") or "sim",
            "description": form.get("description", ""),
            "esim_type": "Prepaid",
            "validity": pkg["day"],
            "package": f"{name}-{pkg['title']}",
            "data": pkg["data"],
            "price": pkg["price"],
            "created_at": _when(0),
            "id": number,
            "code": f"20261201-{number:06d}",
            "currency": "USD",
            "manual_installation": "<p>...</p>",
            "qrcode_installation": "<p>...</p>",
            "installation_guides": {"en": "https://sandbox.airalo.example/installation-guide"},
            "net_price": pkg["net_price"],
            "sims": [self._sim(iccid, name)],
        }
        self.orders.append(order)
        return 200, {"data": order, "meta": {"message": "success"}}

    def order_async(self, form):
        """ "Submit order async": 202 with a request_id; the order is made later (`process`)."""
        if not any(p["id"] == form.get("package_id") for _op, p in CATALOGUE):
            return _invalid("package_id", "The selected package is invalid.")
        request_id = "".join(
            secrets.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
            for _ in range(25)
        )
        self.pending[request_id] = form
        return 202, {
            "data": {"request_id": request_id, "accepted_at": _when(0)},
            "meta": {"message": "success"},
        }

    def process(self, request_id):
        """Airalo makes an accepted async order: it is in the order list, and its webhook body ready.

        The docs say the body is the regular order's answer with one more field, request_id.
        """
        form = self.pending.pop(request_id)
        status, body = self.order(form)
        self.deliveries[request_id] = {
            **body,
            "request_id": request_id,
            "_webhook_url": form.get("webhook_url"),
        }
        return self.deliveries[request_id]

    def webhook(self, request_id):
        """The delivery of a processed async order: (raw body, airalo-signature, webhook_url)."""
        body = dict(self.deliveries[request_id])
        url = body.pop("_webhook_url")
        raw = compact(body)
        return raw, sign(raw), url

    def topup_offers(self, iccid):
        """ "Get top-up package list": the packages of the eSIM's own operator, as top-ups."""
        name = next(op for op, p in CATALOGUE if p["id"] == self.sims[iccid]["package"])
        if not OPERATORS[name]["rechargeability"]:
            return []
        return [
            {
                **{k: p[k] for k in ("price", "net_price", "amount", "day", "is_unlimited", "title")},
                **{k: p[k] for k in ("data", "short_info")},
                **{"id": p["id"] + "-topup", "type": "topup", "voice": p["voice"], "text": p["text"]},
            }
            for op, p in CATALOGUE
            if op == name and not p["is_unlimited"]
        ]

    def topup(self, form):
        """ "Submit top-up order": package_id, iccid, description."""
        iccid, pid = form.get("iccid", ""), form.get("package_id", "")
        if iccid not in self.sims:
            return _invalid("iccid", "The selected iccid is invalid.")
        if self.sims[iccid].get("recycled"):
            return _recycled(iccid)
        offer = next((p for p in self.topup_offers(iccid) if p["id"] == pid), None)
        if offer is None:
            return _invalid("package_id", "invalid topup package")
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
        usage["expired_at"] = _stamp(start + timedelta(days=offer["day"]))
        number = 9500 + len(self.topups)
        order = {
            "package_id": pid,
            "quantity": "1",
            "type": "topup",
            "description": form.get("description") or f"Topup ({iccid})",
            "esim_type": "Prepaid",
            "validity": offer["day"],
            "package": offer["title"],
            "data": offer["data"],
            "price": offer["price"],
            "created_at": _when(0),
            "id": number,
            "code": f"20261201-{number:06d}",
            "currency": "USD",
            "manual_installation": "",
            "qrcode_installation": "",
            "installation_guides": {"en": "https://sandbox.airalo.example/installation-guide"},
        }
        self.topups.append({"iccid": iccid, "package_id": pid, "description": order["description"]})
        self.orders.append({**order, "sims": [], "_iccid": iccid})
        return 200, {"data": order, "meta": {"message": "success"}}

    def order_list(self, query):
        """ "Get order list": filter[description] is a like search; include=sims adds the sims."""
        wanted = query.get("filter[description]", "")
        found = [o for o in self.orders if wanted in o["description"]]
        rows = []
        for order in found:
            row = {k: v for k, v in order.items() if not k.startswith("_")}
            row.update(quantity=1, validity=str(order["validity"]), price=f"{order['price']:.2f}")
            if "sims" in (query.get("include") or ""):
                # In the list the sims carry no direct_apple_installation_url.
                row["sims"] = [
                    {k: v for k, v in s.items() if k != "direct_apple_installation_url"}
                    for s in order["sims"]
                ]
            else:
                row.pop("sims", None)
            rows.append(row)
        meta = {"message": "success", "current_page": 1, "from": 1, "last_page": 1, "per_page": "50"}
        return 200, {"data": rows, "meta": {**meta, "to": len(rows), "total": len(rows)}}

    def refund(self, body):
        """ "Refund request": iccids (max 5), reason from the documented list, notes."""
        iccids = body.get("iccids") or []
        foreign = [i for i in iccids if i not in self.sims]
        if foreign:
            message = "The following ICCIDs do not belong to your company: " + ", ".join(foreign)
            return 422, {"data": [], "meta": {"message": message}}
        if body.get("reason") not in REFUND_REASONS:
            return _invalid("reason", "The selected reason is invalid.")
        refund = {"refund_id": str(70000 + len(self.refunds)), "created_at": _when(0)[:16]}
        self.refunds.append({**body, **refund})
        return 202, {"data": refund, "meta": {"message": "success"}}

    def route(self, method, path, query, form):
        if method == "GET" and path == "/packages":
            return self.packages(query)
        if method == "POST" and path == "/orders":
            return self.order(form)
        if method == "POST" and path == "/orders-async":
            return self.order_async(form)
        if method == "POST" and path == "/orders/topups":
            return self.topup(form)
        if method == "GET" and path == "/orders":
            return self.order_list(query)
        if method == "POST" and path == "/refund":
            return self.refund(form)
        match = re.fullmatch(r"/sims/(\d+)/(topups|packages|usage)", path)
        if method != "GET" or not match or match.group(1) not in self.sims:
            return NOT_FOUND
        iccid, what = match.groups()
        if what == "topups":
            if self.sims[iccid].get("recycled"):
                return _recycled(iccid)
            return 200, {"data": self.topup_offers(iccid)}
        if what == "packages":
            limited, wait = self._limited(iccid, what, 1, HISTORY_WINDOW)
            if limited:
                return 429, TOO_MANY, [("Retry-After", str(wait))]
            return 200, {"data": self.sims[iccid]["history"]}
        limited, wait = self._limited(iccid, what, USAGE_PER_MINUTE, 60)
        if limited:
            return 429, TOO_MANY, [("Retry-After", str(wait))]
        return 200, {"data": dict(self.sims[iccid]["usage"]), "meta": {"message": "api.succes"}}


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

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if (self.headers.get("Content-Type") or "").startswith("application/json") or raw.startswith("{"):
                return json.loads(raw or "{}")  # "Refund request" sends a JSON body
            pairs = parse_qsl(raw, keep_blank_values=True)
            form = dict(pairs)
            lists = {k[:-2]: [v for kk, v in pairs if kk == k] for k, _v in pairs if k.endswith("[]")}
            return {**form, **lists}

        def _handle(self, method):
            url = urlsplit(self.path)
            path = url.path.removeprefix("/v2")
            query = dict(parse_qsl(url.query))
            form = self._body() if method == "POST" else {}
            if method == "POST" and path == "/token":
                # "Request access token"
                if (form.get("client_id"), form.get("client_secret"), form.get("grant_type")) != (
                    CLIENT_ID,
                    CLIENT_SECRET,
                    "client_credentials",
                ):
                    return self._send(*_invalid("client_id", "The selected client id is invalid."))
                token = "tok-" + secrets.token_hex(16)
                with fake.lock:
                    fake.tokens.append(token)
                    fake.valid.add(token)
                body = {"token_type": "Bearer", "expires_in": 31622400, "access_token": token}
                return self._send(200, {"data": body, "meta": {"message": "success"}})
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            fake.requests.append((method, path, {**query, **form}))
            if token not in fake.valid:
                return self._send(401, {"data": [], "meta": {"message": "This action is unauthorized."}})
            behaviour = fake._scripted(method, path) or {}
            if "sleep" in behaviour:
                answer = fake.route(method, path, query, form) if behaviour.get("process") else (500, {})
                time.sleep(behaviour["sleep"])
                return self._send(*answer)
            if "status" in behaviour:
                headers = (
                    [("Retry-After", str(behaviour["retry_after"]))] if "retry_after" in behaviour else []
                )
                body = behaviour.get("body") or (TOO_MANY if behaviour["status"] == 429 else {"data": []})
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
