"""Airalo's paid requests, each written down before it is sent, and settled when it went unanswered.

Airalo orders take no idempotency key, so every paid request is first written
down as an OperatorAttempt, with our reference in the order's description; an
attempt left without an answer is settled later by finding that reference in
Airalo's order list ("Get order list", filter[description]), never by sending it
again blindly. The rate-limited package history is not needed for that.
"""

import json
import secrets

from app.models import OperatorAttempt
from app.operators.base import APPLIED
from app.operators.base import FAILED
from app.operators.base import PENDING
from app.operators.base import OperatorError
from app.operators.base import OperatorTimeout

RETRIES = 1  # a top-up that did not go through is sent once more, then the order fails
UNSETTLED = ("sending", "unknown", "accepted")


def description(attempt):
    # Our reference travels with the order, so an unanswered one can be found in Airalo's list.
    return f"esim-portal {attempt.reference}"


def record(kind, package_id, iccid="", request_key=None):
    """Write a paid request down before it is sent."""
    return OperatorAttempt.create(
        reference="AIR-" + secrets.token_hex(8).upper(),
        request_key=request_key,
        kind=kind,
        package_id=package_id,
        iccid=iccid,
    )


def key(kind, plan):
    """The request key of the portal's order: one attempt of each kind per order."""
    return f"{kind}:{plan.order_ref}" if plan.order_ref else None


def earlier(request_key):
    """The attempt already made for this order, if it still counts; a refused one frees the key."""
    attempt = OperatorAttempt.get_or_none(OperatorAttempt.request_key == request_key) if request_key else None
    if attempt is None:
        return None
    if attempt.status == "failed":
        OperatorAttempt.update(request_key=None).where(OperatorAttempt.id == attempt.id).execute()
        return None
    if attempt.status != "done":
        # Sent, and not known to have gone through: wait on it rather than buy again.
        raise OperatorTimeout("an earlier request for this order is unsettled", reference=attempt.reference)
    return attempt


def mark(attempt, status, **fields):
    OperatorAttempt.update(status=status, **fields).where(OperatorAttempt.id == attempt.id).execute()
    attempt.status = status


def send(client, attempt, path, form):
    """POST a recorded paid request; the attempt is marked unknown (no answer) or failed (refused)."""
    try:
        return client.post(path, form)
    except OperatorTimeout as exc:
        mark(attempt, "unknown", note=str(exc)[:250])
        raise OperatorTimeout(str(exc), reference=attempt.reference) from exc
    except OperatorError as exc:
        mark(attempt, "failed", note=str(exc)[:250])
        raise


def status(reference):
    """PENDING, APPLIED or FAILED, as far as our record of the attempt tells."""
    attempt = OperatorAttempt.get_or_none(OperatorAttempt.reference == reference)
    if attempt is None:
        return FAILED
    return {"done": APPLIED, "failed": FAILED}.get(attempt.status, PENDING)


def settle(client, reference, now, async_wait, grace):
    """Find out what became of an unanswered attempt; retry a top-up once after the grace period.

    Returns PENDING, APPLIED or FAILED. A new eSIM found at Airalo is left "found"
    (PENDING) until the portal has attached it (`recovered`, `confirm`).
    """
    attempt = OperatorAttempt.get_or_none(OperatorAttempt.reference == reference)
    if attempt is None or attempt.status not in UNSETTLED:
        return status(reference)
    if attempt.status == "accepted" and now - attempt.sent_at < async_wait:
        return PENDING  # the webhook usually brings it within seconds
    try:
        if _went_through(client, attempt):
            return status(reference)
    except OperatorError:
        return PENDING  # Airalo cannot tell us now; the next run asks again
    if now - attempt.sent_at < grace:
        return PENDING
    if attempt.kind == "topup" and attempt.tries <= RETRIES:
        return _retry(client, attempt, now)
    mark(attempt, "failed", note="not found at Airalo after the grace period")
    return FAILED


def _went_through(client, attempt):
    """Look for the attempt's order in Airalo's order list, by our reference in its description."""
    params = {"filter[description]": description(attempt), "include": "sims"}
    for order in client.get("/orders", params=params).get("data") or []:
        if order.get("description") != description(attempt):
            continue  # the filter is a like search: another reference may contain ours
        if attempt.kind == "topup":
            if order.get("type") == "topup":
                mark(attempt, "done", operator_order=str(order.get("id", "")), note="found in the order list")
                return True
            continue
        sims = order.get("sims") or []
        if sims:
            sim = sims[0]
            mark(
                attempt,
                "found",
                iccid=sim["iccid"],
                operator_order=str(order.get("id", "")),
                result=json.dumps(sim),
            )
            return True
    return False


def _retry(client, attempt, now):
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
    form = {"package_id": attempt.package_id, "iccid": attempt.iccid, "description": description(attempt)}
    try:
        data = send(client, attempt, "/orders/topups", form).get("data") or {}
    except OperatorTimeout:
        return PENDING
    except OperatorError:
        return FAILED
    mark(attempt, "done", operator_order=str(data.get("id", "")))
    return APPLIED


def deliver(request_id, sims, order_id, reason):
    """An async order's result: the eSIM it made kept as found (or the attempt failed); its reference."""
    attempt = OperatorAttempt.get_or_none(
        OperatorAttempt.kind == "order", OperatorAttempt.operator_order == request_id
    )
    if not request_id or attempt is None:
        return ""
    if sims and attempt.status in ("accepted", "sending", "unknown"):
        sim = sims[0]
        mark(attempt, "found", iccid=sim["iccid"], result=json.dumps(sim), note=order_id)
    elif not sims and attempt.status == "accepted":
        mark(attempt, "failed", note=reason[:250])
    return attempt.reference


def found(reference):
    """The attempt of an unanswered order that turned out to have made an eSIM, or None."""
    attempt = OperatorAttempt.get_or_none(OperatorAttempt.reference == reference)
    return attempt if attempt is not None and attempt.status == "found" else None


def confirm(reference):
    """The portal has attached the found eSIM: the order counts as done."""
    OperatorAttempt.update(status="done").where(
        OperatorAttempt.reference == reference, OperatorAttempt.status == "found"
    ).execute()
