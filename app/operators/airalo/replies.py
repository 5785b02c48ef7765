"""Reading what Airalo sends (answers, notifications) into the portal's terms, and checking its signature."""

import hashlib
import hmac
import json
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

from app.operators.base import Notice
from app.operators.base import Package
from app.operators.base import Provisioned
from app.operators.base import Usage

# "Get usage": NOT_ACTIVE, ACTIVE, FINISHED, UNKNOWN, EXPIRED, and RECYCLED for an eSIM that is gone.
NOT_INSTALLED = ("NOT_ACTIVE", "UNKNOWN", "RECYCLED")


def parse_time(value):
    """Airalo's times are UTC, as "2026-12-01 10:00:00" or ISO 8601 with an offset."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace(" ", "T"))
    return moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta(0))


def usage(data):
    """A "Get usage" answer's data."""
    total = int(data.get("total") or 0)
    voice = int(data.get("total_voice") or 0)
    return Usage(
        data_total_mb=total,
        data_used_mb=max(0, total - int(data.get("remaining") or 0)),
        minutes_total=voice,
        minutes_used=max(0, voice - int(data.get("remaining_voice") or 0)),
        expires_at=parse_time(data.get("expired_at")),
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


def packages(body, country):
    """The packages of one page of "Get packages" sold for `country`, in our terms."""
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


def is_delivery(notice):
    """An async order's result ("Submit order async"): its usual answer plus `request_id`."""
    return "request_id" in notice or isinstance(notice.get("data"), dict)


def delivery(notice):
    """(request_id, sims, order id, reason) of an async order's result, at the top or inside `data`."""
    body = notice.get("data") if isinstance(notice.get("data"), dict) else notice
    request_id = str(notice.get("request_id") or body.get("request_id") or "")
    reason = str(notice.get("reason") or body.get("reason") or "no sim")
    return request_id, body.get("sims") or [], str(body.get("id", "")), reason


def level_notice(notice):
    """A low-data or expiry notification ("Webhook definition": level "75%", "90%", "3days", "1days")."""
    level = str(notice.get("level") or "")
    number = level.removesuffix("%").removesuffix("days")
    percent = int(number) if level.endswith("%") and number.isdigit() else None
    days = int(number) if level.endswith("days") and number.isdigit() else None
    return Notice(iccid=str(notice.get("iccid") or ""), data_used_percent=percent, days_left=days)
