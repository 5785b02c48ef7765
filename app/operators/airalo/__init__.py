"""Airalo (Partner API v2) as the operator behind the eSIMs: orders, top-ups, usage, the catalogue.

`client` speaks HTTP (token, timeouts, safe retries); `attempts` writes every paid
request down before it is sent and settles those left unanswered; `replies` reads
Airalo's answers and notifications into the portal's terms.
"""

import json
from datetime import timedelta

from app.models import OperatorReading
from app.models import utcnow
from app.operators.airalo import attempts
from app.operators.airalo import replies
from app.operators.airalo.client import AiraloClient
from app.operators.base import Notice
from app.operators.base import Operator
from app.operators.base import OperatorError
from app.operators.base import OperatorTimeout
from app.operators.base import Provisioned

COUNTRY = "KH"
# "Refund request": Airalo's reason for each of our customers' reasons (its documented list).
REFUND_REASONS = {
    "wrong_purchase": "WRONG_PURCHASE",
    "plans_changed": "TRIP_CANCELLATION",
    "installation_failed": "INSTALLATION_FAILURE",
    "not_working": "OTHERS",
    "deleted_esim": "DELETED_ESIM",
}


class AiraloOperator(Operator):
    # A top-up is a package of its own ("Get eSIM package history" lists each with its own
    # expiry and data), and unused data ends with its package (Airalo's help centre).
    renewal_carries_over = False
    # Airalo's low-data and expiry notifications (75 % and 90 %, 3 days and 1 day) reach our webhook.
    sends_usage_notices = True

    def __init__(self, config):
        self.client = AiraloClient(config)
        self.grace = timedelta(seconds=float(config.get("AIRALO_RECONCILE_GRACE", 1200)))
        self.usage_interval = timedelta(seconds=float(config.get("AIRALO_USAGE_INTERVAL", 60)))
        # An unanswered request is looked for, and a top-up retried, within the grace period; an
        # async order is given at least an hour to arrive.
        self.apply_window_seconds = max(3 * self.grace.total_seconds(), 3600)
        # Async orders are delivered to our webhook; after this long we look in the order list too.
        self.async_wait = timedelta(seconds=float(config.get("AIRALO_ASYNC_WAIT", 60)))
        self.webhook_url = (config.get("PUBLIC_URL") or "").rstrip("/") + "/webhooks/airalo"
        self.webhook_secret = config.get("AIRALO_WEBHOOK_SECRET") or config.get("AIRALO_CLIENT_SECRET")

    # --- paid requests -------------------------------------------------------
    def provision(self, plan):
        """A new eSIM with its package in one async order ("Submit order async").

        Airalo accepts it at once (202, a request_id) and delivers the eSIM to our
        webhook; the returned Provisioned has no ICCID yet, and its reference is
        followed until the eSIM is delivered (`read_notice`) or found in the order list.
        """
        earlier = attempts.earlier(attempts.key("order", plan))
        if earlier is not None:
            return replies.provisioned(json.loads(earlier.result), earlier.reference)
        attempt = attempts.record("order", plan.package_id, request_key=attempts.key("order", plan))
        form = {
            "quantity": 1,
            "package_id": plan.package_id,
            "type": "sim",
            "description": attempts.description(attempt),
            "webhook_url": self.webhook_url,
        }
        data = attempts.send(self.client, attempt, "/orders-async", form).get("data") or {}
        request_id = str(data.get("request_id") or "")
        if not request_id:
            attempts.mark(attempt, "unknown", note="async order answered without a request_id")
            raise OperatorTimeout(
                "Airalo accepted the order without a request_id", reference=attempt.reference
            )
        attempts.mark(attempt, "accepted", operator_order=request_id)
        return Provisioned(iccid="", smdp_address="", matching_id="", reference=attempt.reference)

    def apply_plan(self, iccid, plan):
        """A top-up of `plan`'s package onto the eSIM, if Airalo offers it for that eSIM."""
        earlier = attempts.earlier(attempts.key("topup", plan))
        if earlier is not None:
            return earlier.reference
        package_id = self._topup_package(iccid, plan)
        attempt = attempts.record("topup", package_id, iccid=iccid, request_key=attempts.key("topup", plan))
        form = {"package_id": package_id, "iccid": iccid, "description": attempts.description(attempt)}
        data = attempts.send(self.client, attempt, "/orders/topups", form).get("data") or {}
        attempts.mark(attempt, "done", operator_order=str(data.get("id", "")))
        return attempt.reference

    def _topup_package(self, iccid, plan):
        offered = self.client.get(f"/sims/{iccid}/topups").get("data") or []
        wanted = {plan.package_id, plan.package_id + "-topup"}
        for package in offered:
            if package.get("id") in wanted:
                return package["id"]
        # Airalo's top-ups have their own ids; the same days and data is the same plan.
        for package in offered:
            if int(package.get("day") or 0) == plan.days and int(package.get("amount") or 0) == plan.data_mb:
                return package["id"]
        raise OperatorError(f"Airalo offers no top-up {plan.package_id!r} for this eSIM")

    def application_status(self, reference):
        return attempts.status(reference)

    # --- settling what went unanswered (reconcile) ---------------------------
    def settle(self, reference, now=None):
        return attempts.settle(self.client, reference, now or utcnow(), self.async_wait, self.grace)

    def recovered(self, reference):
        attempt = attempts.found(reference)
        return replies.provisioned(json.loads(attempt.result), reference) if attempt else None

    def confirm(self, reference):
        attempts.confirm(reference)

    # --- notifications -----------------------------------------------------------
    def verify_webhook(self, payload, signature):
        return replies.verify_signature(payload, signature, self.webhook_secret)

    def read_notice(self, notice):
        """An async order's eSIM (kept for the portal), or a low-data or expiry notification."""
        if replies.is_delivery(notice):
            return Notice(delivery=True, reference=attempts.deliver(*replies.delivery(notice)))
        return replies.level_notice(notice)

    # --- refunds ---------------------------------------------------------------
    def request_refund(self, iccid, notes, reason=""):
        """ "Refund request": Airalo reviews it and credits the wholesale price back to our account."""
        body = {"iccids": [iccid], "reason": REFUND_REASONS.get(reason, "OTHERS"), "notes": notes[:255]}
        data = self.client.post("/refund", body, as_json=True).get("data") or {}
        return str(data.get("refund_id") or "")

    # --- usage -----------------------------------------------------------------
    def read_usage(self, iccids):
        """One request per ICCID, at most once per AIRALO_USAGE_INTERVAL (Airalo's limit); else the last."""
        now = utcnow()
        kept = {r.iccid: r for r in OperatorReading.select().where(OperatorReading.iccid.in_(list(iccids)))}
        result, errors = {}, []
        for iccid in iccids:
            row = kept.get(iccid)
            if row is not None and now - row.read_at < self.usage_interval:
                result[iccid] = replies.usage(json.loads(row.payload))
                continue
            try:
                data = self.client.get(f"/sims/{iccid}/usage").get("data") or {}
            except OperatorError as exc:
                errors.append(exc)
                if row is not None:
                    result[iccid] = replies.usage(json.loads(row.payload))
                continue
            (
                OperatorReading.insert(iccid=iccid, payload=json.dumps(data), read_at=now)
                .on_conflict(
                    conflict_target=[OperatorReading.iccid],
                    update={OperatorReading.payload: json.dumps(data), OperatorReading.read_at: now},
                )
                .execute()
            )
            result[iccid] = replies.usage(data)
        if errors and not result:
            raise errors[0]
        return result

    # --- the catalogue -----------------------------------------------------------
    def packages(self, country=COUNTRY):
        """Every local package Airalo sells for `country`, over all pages, in our terms."""
        page = 1
        while True:
            params = {"filter[country]": country, "filter[type]": "local", "limit": 100, "page": page}
            body = self.client.get("/packages", params=params)
            yield from replies.packages(body, country)
            if page >= int((body.get("meta") or {}).get("last_page") or 1):
                return
            page += 1
