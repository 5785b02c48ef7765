"""What the operator POSTs to us: an async order's eSIM, or a low-data or expiry notice."""

import json

from app.models import Order
from app.operators import get_operator
from app.services import jobs
from app.services import reminders


def receive(payload, signature):
    """Act on a signed notification; None when the signature is wrong, else what was done."""
    operator = get_operator()
    if not operator.verify_webhook(payload, signature):
        return None
    try:
        notice = json.loads(payload or b"{}")
    except ValueError:
        return {"ignored": True}
    if not isinstance(notice, dict):
        return {"ignored": True}
    if "request_id" in notice or isinstance(notice.get("data"), dict):
        reference = operator.deliver(notice)
        order = (
            Order.get_or_none(Order.operator_ref == reference, Order.status == "applying")
            if reference
            else None
        )
        if order is not None:
            jobs.enqueue("follow_order", order.id, True)  # the worker attaches the eSIM and finishes it
        return {"order": order.number if order else None}
    return {"reminders": reminders.operator_notice(notice.get("iccid"), notice.get("level"))}
