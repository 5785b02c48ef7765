"""The saved-card side of the local Stripe stand-in (tests/fakes/stripe_server.py): Customers,
PaymentMethods, Checkout in setup mode with its SetupIntent, and off-session PaymentIntents with
the answers Stripe documents for a decline. Each shape names the docs.stripe.com page it follows."""

import secrets
import time


class SavedCards:
    """Mixed into FakeStripe, which holds the locks, sessions, charges and idempotent answers."""

    def _setup_session(self, params):
        """Checkout in setup mode (docs.stripe.com/payments/checkout/save-and-reuse): no amount, a
        SetupIntent (docs.stripe.com/api/setup_intents/object) that gets the card once completed."""
        sid = "cs_test_" + secrets.token_hex(12)
        seti = "seti_" + secrets.token_hex(12)
        self.setup_intents[seti] = {
            "id": seti,
            "object": "setup_intent",
            "customer": params.get("customer"),
            "metadata": (params.get("setup_intent_data") or {}).get("metadata", {}),
            "payment_method": None,
            "status": "requires_payment_method",
            "usage": "off_session",
        }
        session = {
            "id": sid,
            "object": "checkout.session",
            "mode": "setup",
            "url": f"https://checkout.stripe.com/c/pay/{sid}",
            "status": "open",
            "payment_status": "no_payment_required",
            "amount_total": None,
            "currency": params.get("currency"),
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "locale": params.get("locale"),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "payment_intent": None,
            "setup_intent": seti,
            "created": int(time.time()),
            "livemode": False,
        }
        self.sessions[sid] = session
        return session

    def complete_setup(self, sid, outcome="succeeded", brand="visa", last4="4242"):
        """The customer saves a card on the setup page; `outcome` is what charging it later answers:
        succeeded, card_declined, authentication_required or requires_action."""
        session = self.sessions[sid]
        method = self.add_method(session["customer"], outcome, brand, last4)
        self.setup_intents[session["setup_intent"]].update(payment_method=method["id"], status="succeeded")
        session.update(status="complete")
        return method

    def add_method(self, customer, outcome="succeeded", brand="visa", last4="4242"):
        """A card PaymentMethod attached to `customer` (docs.stripe.com/api/payment_methods/object)."""
        pm = "pm_" + secrets.token_hex(12)
        self.methods[pm] = {
            "id": pm,
            "object": "payment_method",
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "card": {"brand": brand, "exp_month": 12, "exp_year": 2030, "funding": "credit", "last4": last4},
            "created": int(time.time()),
            "customer": customer,
            "livemode": False,
            "metadata": {},
            "type": "card",
            "_outcome": outcome,
        }
        return self.methods[pm]

    def create_customer(self, params, key):
        """docs.stripe.com/api/customers/create: the customer object."""
        with self.lock:
            if key and key in self.idempotent:
                return self.idempotent[key]
            customer = {
                "id": "cus_" + secrets.token_hex(7),
                "object": "customer",
                "created": int(time.time()),
                "email": params.get("email"),
                "livemode": False,
                "metadata": params.get("metadata", {}),
            }
            self.customers[customer["id"]] = customer
            if key:
                self.idempotent[key] = customer
            return customer

    def list_methods(self, customer):
        """docs.stripe.com/api/payment_methods/customer_list: a list object of the attached cards."""
        data = [self.public(m) for m in self.methods.values() if m["customer"] == customer]
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "url": f"/v1/customers/{customer}/payment_methods",
        }

    def detach(self, pm):
        """docs.stripe.com/api/payment_methods/detach: the PaymentMethod, its customer now null."""
        self.methods[pm]["customer"] = None
        return self.public(self.methods[pm])

    @staticmethod
    def public(obj):
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def create_intent(self, params, key):
        """POST /v1/payment_intents with off_session=true, confirm=true; returns (HTTP status, body).

        Succeeded: 200 and the PaymentIntent (docs.stripe.com/api/payment_intents/object). A decline
        or a bank asking for authentication: 402 with an error (docs.stripe.com/api/errors, and
        docs.stripe.com/payments/save-and-reuse "charge the saved payment method later") whose
        `code` is card_declined or authentication_required and whose `payment_intent` is left
        requires_payment_method. requires_action: 200 and a PaymentIntent that needs the customer
        (docs.stripe.com/payments/paymentintents/lifecycle).
        """
        with self.lock:
            if key and key in self.idempotent:
                return self.idempotent[key]
            method = self.methods.get(params.get("payment_method"))
            if method is None or method["customer"] != params.get("customer"):
                answer = (
                    400,
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "resource_missing",
                            "message": f"No such PaymentMethod: '{params.get('payment_method')}'",
                            "param": "payment_method",
                        }
                    },
                )
                return self._keep(key, answer)
            outcome = method["_outcome"]
            pi = "pi_" + secrets.token_hex(12)
            status = {"succeeded": "succeeded", "requires_action": "requires_action"}.get(
                outcome, "requires_payment_method"
            )
            intent = {
                "id": pi,
                "object": "payment_intent",
                "amount": int(params["amount"]),
                "amount_received": int(params["amount"]) if status == "succeeded" else 0,
                "currency": params["currency"],
                "customer": params.get("customer"),
                "description": params.get("description"),
                "metadata": params.get("metadata", {}),
                "payment_method": self.public(method)
                if "payment_method" in (params.get("expand") or [])
                else method["id"],
                "status": status,
                "next_action": {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
                if status == "requires_action"
                else None,
                "last_payment_error": None,
                "created": int(time.time()),
                "livemode": False,
            }
            self.intents[pi] = intent
            if status == "succeeded":
                self.charges[pi] = {
                    "id": "ch_" + secrets.token_hex(8),
                    "amount": intent["amount"],
                    "currency": intent["currency"],
                    "refunded": 0,
                }
                return self._keep(key, (200, intent))
            if status == "requires_action":
                return self._keep(key, (200, intent))
            messages = {
                "card_declined": "Your card was declined.",
                "authentication_required": (
                    "Your card was declined. This transaction requires authentication."
                ),
            }
            error = {
                "type": "card_error",
                "code": outcome,
                "decline_code": "generic_decline"
                if outcome == "card_declined"
                else "authentication_required",
                "message": messages.get(outcome, "Your card was declined."),
                "payment_method": self.public(method),
            }
            intent["last_payment_error"] = dict(error)
            error["payment_intent"] = dict(intent, payment_method=method["id"])
            return self._keep(key, (402, {"error": error}))

    def _keep(self, key, answer):
        if key:
            self.idempotent[key] = answer
        return answer

    def intent_charges(self):
        """Every off-session PaymentIntent that took money."""
        return [i for i in self.intents.values() if i["status"] == "succeeded"]

    def intent_event(self, event_type, pi):
        """payment_intent.succeeded or payment_intent.payment_failed about an off-session PaymentIntent
        (docs.stripe.com/api/events/types: data.object is the PaymentIntent)."""
        return self.event_about(event_type, self.public(self.intents[pi]))
