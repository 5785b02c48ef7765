"""A small Stripe-compatible HTTP server for the endpoints the portal calls.

It answers POST /v1/checkout/sessions (payment and setup mode), GET /v1/checkout/sessions/<id>,
POST /v1/refunds, GET /v1/refunds/<id>, POST /v1/customers, GET /v1/customers/<id>/payment_methods,
POST /v1/payment_methods/<id>/detach and POST /v1/payment_intents (off-session, confirmed at once,
with the documented declines) with the shapes Stripe documents, honours
Idempotency-Key, and lets a test play the customer (complete, expire, dispute)
and build signed webhook events the way Stripe does. The shapes follow
docs.stripe.com/api: checkout/sessions/object, refunds/object, refunds/create,
charges/object, disputes/object, events/object and errors.
"""

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from fakes.stripe_saved_cards import SavedCards


def unflatten(pairs):
    """Stripe's form encoding (a[b][0][c]=1) back into nested dicts and lists."""
    root = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append({} if not nxt or not nxt.isdigit() else [])
                if last:
                    node[index] = value
                else:
                    node = node[index]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt.isdigit() else {})
    return root


class FakeStripe(SavedCards):
    def __init__(self):
        self.sessions = {}
        self.requests = []
        self.idempotent = {}
        self.fail_next = 0
        self.fail_next_get = 0  # GETs answered 500 with Stripe-Should-Retry: false (a lookup lost for good)
        self.lock = threading.Lock()
        self.charges = {}  # by PaymentIntent id: the charge a completed session made
        self.refunds = {}
        self.refund_status = "succeeded"  # what a new refund says (Stripe: pending for some methods)
        self.customers = {}
        self.methods = {}  # PaymentMethods, with "_outcome": what charging them off-session answers
        self.setup_intents = {}
        self.intents = {}  # off-session PaymentIntents

    # --- what the API does ---------------------------------------------------
    def create_session(self, params, key):
        with self.lock:
            if key and key in self.idempotent:
                return self.idempotent[key]
            if params.get("mode") == "setup":
                return self._setup_session(params)
            item = params["line_items"][0]
            amount = int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
            sid = "cs_test_" + secrets.token_hex(12)
            session = {
                "id": sid,
                "object": "checkout.session",
                "mode": params.get("mode"),
                "url": f"https://checkout.stripe.com/c/pay/{sid}",
                "status": "open",
                "payment_status": "unpaid",
                "amount_subtotal": amount,
                "amount_total": amount,
                "currency": item["price_data"]["currency"],
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "customer_email": params.get("customer_email"),
                "locale": params.get("locale"),
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "expires_at": int(params["expires_at"]) if "expires_at" in params else None,
                "payment_intent": None,
                "payment_method_types": ["card", "alipay", "wechat_pay"],
                "created": int(time.time()),
                "livemode": False,
            }
            self.sessions[sid] = session
            if key:
                self.idempotent[key] = session
            return session

    def session_view(self, sid, expand):
        session = dict(self.sessions[sid])
        if session.get("setup_intent") and "setup_intent" in expand:
            session["setup_intent"] = dict(self.setup_intents[session["setup_intent"]])
        intent = session["payment_intent"]
        if intent and "payment_intent.payment_method" in expand:
            session["payment_intent"] = {
                "id": intent,
                "object": "payment_intent",
                "payment_method": {
                    "id": "pm_" + intent[3:],
                    "object": "payment_method",
                    "type": session.get("_method", "card"),
                    "card": {"brand": "visa", "last4": "4242"}
                    if session.get("_method", "card") == "card"
                    else None,
                },
            }
        return {k: v for k, v in session.items() if not k.startswith("_")}

    # --- what the customer does ---------------------------------------------
    def complete(self, sid, paid=True, method="card", amount=None, currency=None):
        session = self.sessions[sid]
        session.update(status="complete", payment_status="paid" if paid else "unpaid", _method=method)
        session["payment_intent"] = "pi_" + secrets.token_hex(8)
        if amount is not None:
            session["amount_total"] = amount
        if currency is not None:
            session["currency"] = currency
        if paid:
            self.charges[session["payment_intent"]] = {
                "id": "ch_" + secrets.token_hex(8),
                "amount": session["amount_total"],
                "currency": session["currency"],
                "refunded": 0,
            }
        return session

    # --- refunds (docs.stripe.com/api/refunds/create, refunds/object) ---------
    def create_refund(self, params, key):
        """A refund object, or (status, error body) as Stripe answers a refund it will not make."""
        with self.lock:
            if key and key in self.idempotent:
                return self.idempotent[key]
            intent = params.get("payment_intent")
            charge = self.charges.get(intent)
            if charge is None:
                message = f"No such payment_intent: '{intent}'"
                return 400, {
                    "error": {"type": "invalid_request_error", "code": "resource_missing", "message": message}
                }
            amount = int(params.get("amount") or charge["amount"] - charge["refunded"])
            if amount > charge["amount"] - charge["refunded"]:
                message = f"Refund amount ({amount}) is greater than unrefunded amount on charge"
                return 400, {
                    "error": {"type": "invalid_request_error", "code": "amount_too_large", "message": message}
                }
            charge["refunded"] += amount
            refund = {
                "id": "re_" + secrets.token_hex(12),
                "object": "refund",
                "amount": amount,
                "balance_transaction": "txn_" + secrets.token_hex(8),
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "metadata": params.get("metadata", {}),
                "payment_intent": intent,
                "reason": params.get("reason"),
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": self.refund_status,
                "transfer_reversal": None,
            }
            self.refunds[refund["id"]] = refund
            if key:
                self.idempotent[key] = refund
            return refund

    def charge_view(self, intent):
        """The charge behind a PaymentIntent (docs.stripe.com/api/charges/object, in part)."""
        charge = self.charges[intent]
        return {
            "id": charge["id"],
            "object": "charge",
            "amount": charge["amount"],
            "amount_captured": charge["amount"],
            "amount_refunded": charge["refunded"],
            "captured": True,
            "created": int(time.time()),
            "currency": charge["currency"],
            "disputed": False,
            "livemode": False,
            "metadata": {},
            "paid": True,
            "payment_intent": intent,
            "refunded": charge["refunded"] >= charge["amount"],
            "status": "succeeded",
        }

    def dispute_view(self, intent, status="warning_needs_response", reason="general"):
        """A dispute of that charge (docs.stripe.com/api/disputes/object, in part)."""
        charge = self.charges[intent]
        return {
            "id": "du_" + charge["id"][3:],
            "object": "dispute",
            "amount": charge["amount"],
            "balance_transactions": [],
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "evidence_details": {"due_by": int(time.time()) + 7 * 86400, "has_evidence": False},
            "is_charge_refundable": True,
            "livemode": False,
            "metadata": {},
            "payment_intent": intent,
            "reason": reason,
            "status": status,
        }

    def settle_async(self, sid, paid=True):
        self.sessions[sid]["payment_status"] = "paid" if paid else "unpaid"

    def expire(self, sid):
        self.sessions[sid].update(status="expired")

    # --- webhooks --------------------------------------------------------------
    def event(self, event_type, sid, event_id=None):
        return self.event_about(event_type, self.session_view(sid, ()), event_id)

    @staticmethod
    def event_about(event_type, obj, event_id=None):
        """An event (docs.stripe.com/api/events/object) whose data.object is `obj`."""
        return {
            "id": event_id or "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "data": {"object": obj},
        }

    @staticmethod
    def sign(payload, secret, timestamp=None):
        """The Stripe-Signature header for `payload` (bytes), as Stripe computes it."""
        ts = int(timestamp if timestamp is not None else time.time())
        mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
        return f"t={ts},v1={mac}"


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as api.stripe.com allows: the client reuses its connection. Each answer
        # leaves in one write, without Nagle, so it is not held back by delayed ACKs.
        protocol_version = "HTTP/1.1"
        wbufsize = -1
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def _send(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", "req_" + secrets.token_hex(6))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self):
            if not (self.headers.get("Authorization") or "").startswith("Bearer sk_test_"):
                self._send(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}})
                return False
            return True

        def do_POST(self):
            if not self._authorised():
                return
            length = int(self.headers.get("Content-Length") or 0)
            params = unflatten(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            fake.requests.append(("POST", self.path, params))
            if fake.fail_next:
                fake.fail_next -= 1
                return self._send(500, {"error": {"type": "api_error", "message": "boom"}})
            if self.path == "/v1/checkout/sessions":
                return self._send(200, fake.create_session(params, self.headers.get("Idempotency-Key")))
            key = self.headers.get("Idempotency-Key")
            if self.path == "/v1/customers":
                return self._send(200, fake.create_customer(params, key))
            if self.path == "/v1/payment_intents":
                return self._send(*fake.create_intent(params, key))
            match = re.fullmatch(r"/v1/payment_methods/(\w+)/detach", self.path)
            if match and match.group(1) in fake.methods:
                return self._send(200, fake.detach(match.group(1)))
            if self.path == "/v1/refunds":
                answer = fake.create_refund(params, self.headers.get("Idempotency-Key"))
                return self._send(*answer) if isinstance(answer, tuple) else self._send(200, answer)
            self._send(
                404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}
            )

        def do_GET(self):
            if not self._authorised():
                return
            url = urlsplit(self.path)
            expand = [v for k, v in parse_qsl(url.query) if k.startswith("expand")]
            fake.requests.append(("GET", url.path, expand))
            if fake.fail_next_get:
                fake.fail_next_get -= 1
                # docs.stripe.com/error-low-level: Stripe-Should-Retry tells the library not to retry.
                error = {"error": {"type": "api_error", "message": "boom"}}
                return self._send(500, error, headers=[("Stripe-Should-Retry", "false")])
            match = re.fullmatch(r"/v1/checkout/sessions/([\w]+)", url.path)
            if match and match.group(1) in fake.sessions:
                return self._send(200, fake.session_view(match.group(1), expand))
            match = re.fullmatch(r"/v1/customers/(\w+)/payment_methods", url.path)
            if match and match.group(1) in fake.customers:
                return self._send(200, fake.list_methods(match.group(1)))
            match = re.fullmatch(r"/v1/refunds/([\w]+)", url.path)
            if match and match.group(1) in fake.refunds:
                return self._send(200, fake.refunds[match.group(1)])
            self._send(
                404,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": "No such checkout.session",
                    }
                },
            )

    return Handler


def start():
    """Start a server on a free port; returns (fake, base_url, server)."""
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, f"http://127.0.0.1:{server.server_port}", server
