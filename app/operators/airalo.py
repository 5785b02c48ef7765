"""Airalo (Partner API v2) as the operator behind the eSIMs: orders, top-ups, usage, the catalogue.

Airalo orders take no idempotency key, so every paid request is first written
down as an OperatorAttempt, with our reference in the order's description; an
attempt left without an answer is settled later by finding that reference in
Airalo's order list ("Get order list", filter[description]), never by sending it
again blindly. The rate-limited package history is not needed for that.
"""

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

from app.models import OperatorAttempt
from app.models import OperatorReading
from app.models import utcnow
from app.operators.airalo_client import AiraloClient
from app.operators.base import APPLIED
from app.operators.base import FAILED
from app.operators.base import PENDING
from app.operators.base import Operator
from app.operators.base import OperatorError
from app.operators.base import OperatorTimeout
from app.operators.base import Package
from app.operators.base import Provisioned
from app.operators.base import Usage

COUNTRY = "KH"
# "Get usage": NOT_ACTIVE, ACTIVE, FINISHED, UNKNOWN, EXPIRED, and RECYCLED for an eSIM that is gone.
NOT_INSTALLED = ("NOT_ACTIVE", "UNKNOWN", "RECYCLED")
RETRIES = 1  # a top-up that did not go through is sent once more, then the order fails


def _parse_time(value):
    """Airalo's times are UTC, as "2026-12-01 10:00:00" or ISO 8601 with an offset."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace(" ", "T"))
    return moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta(0))


def _usage(data):
    total = int(data.get("total") or 0)
    voice = int(data.get("total_voice") or 0)
    return Usage(
        data_total_mb=total,
        data_used_mb=max(0, total - int(data.get("remaining") or 0)),
        minutes_total=voice,
        minutes_used=max(0, voice - int(data.get("remaining_voice") or 0)),
        expires_at=_parse_time(data.get("expired_at")),
        installed=(data.get("status") or "UNKNOWN") not in NOT_INSTALLED,
    )


def provisioned(sim, reference=""):
    """What a phone needs, from an order's sim ("Submit order": sims[]).

    `lpa` is the SM-DP+ address and `matching_id` the activation code; `qrcode` is
    the whole LPA:1$<lpa>$<matching id> string, and wins if the two disagree.
    """
    smdp, matching_id = sim.get("lpa") or "", sim.get("matching_id") or ""
    parts = (sim.get("qrcode") or "").split("$")
    if len(parts) == 3 and parts[0] == "LPA:1" and (parts[1], parts[2]) != (smdp, matching_id):
        smdp, matching_id = parts[1], parts[2]
    return Provisioned(
        iccid=sim["iccid"],
        smdp_address=smdp,
        matching_id=matching_id,
        reference=reference,
        apple_install_url=sim.get("direct_apple_installation_url") or "",
    )


def verify_signature(payload, signature, secret):
    """True when `signature` is the hex HMAC-SHA512 of the body keyed with `secret` ("Webhook definition").

    Airalo signs with the partner's API secret. Its SDKs sign the body as compact
    JSON with escaped slashes, so that form of the same JSON is accepted too.
    """
    if not (secret and signature and payload):
        return False
    given = signature.strip().lower()
    bodies = [payload]
    try:
        compact = json.dumps(json.loads(payload), separators=(",", ":"), ensure_ascii=False)
        bodies.append(compact.replace("/", "\\/").encode())
    except ValueError:
        pass
    return any(
        hmac.compare_digest(hmac.new(secret.encode(), body, hashlib.sha512).hexdigest(), given)
        for body in bodies
    )


def _description(attempt):
    # Our reference travels with the order, so an unanswered one can be found in Airalo's list.
    return f"esim-portal {attempt.reference}"


def _record(kind, package_id, iccid="", request_key=None):
    return OperatorAttempt.create(
        reference="AIR-" + secrets.token_hex(8).upper(),
        request_key=request_key,
        kind=kind,
        package_id=package_id,
        iccid=iccid,
    )


def _key(kind, plan):
    return f"{kind}:{plan.order_ref}" if plan.order_ref else None


def _earlier(key):
    """The attempt already made for this order, if it still counts; a refused one frees the key."""
    attempt = OperatorAttempt.get_or_none(OperatorAttempt.request_key == key) if key else None
    if attempt is None:
        return None
    if attempt.status == "failed":
        OperatorAttempt.update(request_key=None).where(OperatorAttempt.id == attempt.id).execute()
        return None
    if attempt.status != "done":
        # Sent, and not known to have gone through: wait on it rather than buy again.
        raise OperatorTimeout("an earlier request for this order is unsettled", reference=attempt.reference)
    return attempt


def _mark(attempt, status, **fields):
    OperatorAttempt.update(status=status, **fields).where(OperatorAttempt.id == attempt.id).execute()
    attempt.status = status


class AiraloOperator(Operator):
    def __init__(self, config):
        self.client = AiraloClient(config)
        self.markup = config.get("AIRALO_MARKUP_PERCENT") or 0
        self.grace = timedelta(seconds=float(config.get("AIRALO_RECONCILE_GRACE", 1200)))
        self.usage_interval = timedelta(seconds=float(config.get("AIRALO_USAGE_INTERVAL", 60)))
        # An unanswered request is looked for, and a top-up retried, within the grace period; an
        # async order is given at least an hour to arrive.
        self.apply_window_seconds = max(3 * self.grace.total_seconds(), 3600)
        # Async orders are delivered to our webhook; after this long we look in the order list too.
        self.async_wait = timedelta(seconds=float(config.get("AIRALO_ASYNC_WAIT", 60)))
        self.webhook_url = (config.get("PUBLIC_URL") or "").rstrip("/") + "/webhooks/airalo"
        self.webhook_secret = config.get("AIRALO_WEBHOOK_SECRET") or config.get("AIRALO_CLIENT_SECRET")
        # A top-up is a package of its own ("Get eSIM package history" lists each with its own
        # expiry and data), and unused data ends with its package (Airalo's help centre).
        self.renewal_carries_over = False
        # Airalo's low-data notification (75 % and 90 %) reaches operator_webhooks.
        self.sends_usage_notices = True

    # --- paid requests -------------------------------------------------------
    def _send(self, attempt, path, form):
        try:
            return self.client.post(path, form)
        except OperatorTimeout as exc:
            _mark(attempt, "unknown", note=str(exc)[:250])
            raise OperatorTimeout(str(exc), reference=attempt.reference) from exc
        except OperatorError as exc:
            _mark(attempt, "failed", note=str(exc)[:250])
            raise

    def provision(self, plan):
        """A new eSIM with its package in one async order ("Submit order async").

        Airalo accepts it at once (202, a request_id) and delivers the eSIM to our
        webhook; the returned Provisioned has no ICCID yet, and its reference is
        followed until the eSIM is delivered (`deliver`) or found in the order list.
        """
        earlier = _earlier(_key("order", plan))
        if earlier is not None:
            return provisioned(json.loads(earlier.result), earlier.reference)
        attempt = _record("order", plan.package_id, request_key=_key("order", plan))
        form = {
            "quantity": 1,
            "package_id": plan.package_id,
            "type": "sim",
            "description": _description(attempt),
            "webhook_url": self.webhook_url,
        }
        data = self._send(attempt, "/orders-async", form).get("data") or {}
        request_id = str(data.get("request_id") or "")
        if not request_id:
            _mark(attempt, "unknown", note="async order answered without a request_id")
            raise OperatorTimeout(
                "Airalo accepted the order without a request_id", reference=attempt.reference
            )
        _mark(attempt, "accepted", operator_order=request_id)
        return Provisioned(iccid="", smdp_address="", matching_id="", reference=attempt.reference)

    def deliver(self, notice):
        """An async order's result, POSTed to our webhook: the eSIM it made, kept for the portal.

        Returns the attempt's reference, or "" for a delivery we do not know. The docs
        say it is the order's usual answer plus `request_id`; it is looked for at the
        top and inside `data`.
        """
        body = notice.get("data") if isinstance(notice.get("data"), dict) else notice
        request_id = str(notice.get("request_id") or body.get("request_id") or "")
        attempt = OperatorAttempt.get_or_none(
            OperatorAttempt.kind == "order", OperatorAttempt.operator_order == request_id
        )
        if not request_id or attempt is None:
            return ""
        sims = body.get("sims") or []
        if sims and attempt.status in ("accepted", "sending", "unknown"):
            sim = sims[0]
            _mark(attempt, "found", iccid=sim["iccid"], result=json.dumps(sim), note=str(body.get("id", "")))
        elif not sims and attempt.status == "accepted":
            _mark(attempt, "failed", note=str(notice.get("reason") or body.get("reason") or "no sim")[:250])
        return attempt.reference

    def apply_plan(self, iccid, plan):
        """A top-up of `plan`'s package onto the eSIM, if Airalo offers it for that eSIM."""
        earlier = _earlier(_key("topup", plan))
        if earlier is not None:
            return earlier.reference
        package_id = self._topup_package(iccid, plan)
        attempt = _record("topup", package_id, iccid=iccid, request_key=_key("topup", plan))
        form = {"package_id": package_id, "iccid": iccid, "description": _description(attempt)}
        data = self._send(attempt, "/orders/topups", form).get("data") or {}
        _mark(attempt, "done", operator_order=str(data.get("id", "")))
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
        attempt = OperatorAttempt.get_or_none(OperatorAttempt.reference == reference)
        if attempt is None:
            return FAILED
        return {"done": APPLIED, "failed": FAILED}.get(attempt.status, PENDING)

    # --- settling what went unanswered (reconcile) ---------------------------
    def settle(self, reference, now=None):
        """Find out what became of an unanswered attempt; retry a top-up once after the grace period.

        Returns PENDING, APPLIED or FAILED. A new eSIM found at Airalo is left
        "found" (PENDING) until the portal has attached it (`recovered`, `confirm`).
        """
        now = now or utcnow()
        attempt = OperatorAttempt.get_or_none(OperatorAttempt.reference == reference)
        if attempt is None or attempt.status not in ("sending", "unknown", "accepted"):
            return self.application_status(reference)
        if attempt.status == "accepted" and now - attempt.sent_at < self.async_wait:
            return PENDING  # the webhook usually brings it within seconds
        try:
            if self._went_through(attempt):
                return self.application_status(reference)
        except OperatorError:
            return PENDING  # Airalo cannot tell us now; the next run asks again
        if now - attempt.sent_at < self.grace:
            return PENDING
        if attempt.kind == "topup" and attempt.tries <= RETRIES:
            return self._retry(attempt, now)
        _mark(attempt, "failed", note="not found at Airalo after the grace period")
        return FAILED

    def _went_through(self, attempt):
        """Look for the attempt's order in Airalo's order list, by our reference in its description."""
        params = {"filter[description]": _description(attempt), "include": "sims"}
        for order in self.client.get("/orders", params=params).get("data") or []:
            if order.get("description") != _description(attempt):
                continue  # the filter is a like search: another reference may contain ours
            if attempt.kind == "topup":
                if order.get("type") == "topup":
                    _mark(
                        attempt,
                        "done",
                        operator_order=str(order.get("id", "")),
                        note="found in the order list",
                    )
                    return True
                continue
            sims = order.get("sims") or []
            if sims:
                sim = sims[0]
                _mark(
                    attempt,
                    "found",
                    iccid=sim["iccid"],
                    operator_order=str(order.get("id", "")),
                    result=json.dumps(sim),
                )
                return True
        return False

    def _retry(self, attempt, now):
        # Written before sending, like the first try (a crash leaves it "sending", to be checked
        # again), and only by the one reconcile run whose update claims this try.
        claimed = (
            OperatorAttempt.update(tries=attempt.tries + 1, status="sending", sent_at=now)
            .where(
                OperatorAttempt.id == attempt.id,
                OperatorAttempt.status == attempt.status,
                OperatorAttempt.tries == attempt.tries,
            )
            .execute()
        )
        if not claimed:
            return PENDING
        form = {
            "package_id": attempt.package_id,
            "iccid": attempt.iccid,
            "description": _description(attempt),
        }
        try:
            data = self._send(attempt, "/orders/topups", form).get("data") or {}
        except OperatorTimeout:
            return PENDING
        except OperatorError:
            return FAILED
        _mark(attempt, "done", operator_order=str(data.get("id", "")))
        return APPLIED

    def verify_webhook(self, payload, signature):
        return verify_signature(payload, signature, self.webhook_secret)

    def recovered(self, reference):
        """The eSIM an unanswered order turned out to have made, or None."""
        attempt = OperatorAttempt.get_or_none(OperatorAttempt.reference == reference)
        if attempt is None or attempt.status != "found":
            return None
        return provisioned(json.loads(attempt.result), reference)

    def confirm(self, reference):
        """The portal has attached the recovered eSIM: the order counts as applied."""
        OperatorAttempt.update(status="done").where(
            OperatorAttempt.reference == reference, OperatorAttempt.status == "found"
        ).execute()

    # --- refunds ---------------------------------------------------------------
    def request_refund(self, iccid, notes):
        """ "Refund request": Airalo reviews it and credits the wholesale price back to our account."""
        body = {"iccids": [iccid], "reason": "OTHERS", "notes": notes[:255]}
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
                result[iccid] = _usage(json.loads(row.payload))
                continue
            try:
                data = self.client.get(f"/sims/{iccid}/usage").get("data") or {}
            except OperatorError as exc:
                errors.append(exc)
                if row is not None:
                    result[iccid] = _usage(json.loads(row.payload))
                continue
            (
                OperatorReading.insert(iccid=iccid, payload=json.dumps(data), read_at=now)
                .on_conflict(
                    conflict_target=[OperatorReading.iccid],
                    update={OperatorReading.payload: json.dumps(data), OperatorReading.read_at: now},
                )
                .execute()
            )
            result[iccid] = _usage(data)
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
            data = body.get("data") or []
            # From page 2 on, Airalo sends the countries keyed by their index, not as a list.
            for entry in data.values() if isinstance(data, dict) else data:
                if (entry.get("country_code") or country) != country:
                    continue
                for operator in entry.get("operators") or []:
                    # "Get packages": activation_policy, rechargeability and apn_type/apn_value
                    # belong to the operator, and hold for each of its packages.
                    manual = (operator.get("apn_type") or "") == "manual"
                    for package in operator.get("packages") or []:
                        yield Package(
                            package_id=package["id"],
                            days=int(package["day"]),
                            data_mb=int(package.get("amount") or 0),
                            minutes=int(package.get("voice") or 0),
                            net_price=Decimal(str(package["net_price"])),
                            unlimited=bool(package.get("is_unlimited")),
                            activation_policy=operator.get("activation_policy") or "",
                            rechargeable=operator.get("rechargeability") is not False,
                            apn=(operator.get("apn_value") or "") if manual else "",
                        )
            if page >= int((body.get("meta") or {}).get("last_page") or 1):
                return
            page += 1
