"""What the operator POSTs to us: an async order's eSIM, or a low-data or expiry notice."""

import json

from app.models import Esim
from app.models import Order
from app.models import OrderStatus
from app.operators import get_operator
from app.services import fulfilment
from app.services import jobs
from app.services import reminders
from app.services import renewal_cycles


def receive(payload, signature):
    """Act on a signed notification; None when the signature is wrong, else what was done."""
    operator = get_operator()
    if not operator.verify_webhook(payload, signature):
        return None
    try:
        body = json.loads(payload or b"{}")
    except ValueError:
        return {"ignored": True}
    notice = operator.read_notice(body) if isinstance(body, dict) else None
    if notice is None:
        return {"ignored": True}
    if notice.delivery:
        order = (
            Order.get_or_none(Order.operator_ref == notice.reference, Order.status == OrderStatus.APPLYING)
            if notice.reference
            else None
        )
        if order is not None:
            # The worker attaches the eSIM and finishes it.
            jobs.enqueue(fulfilment.follow_order, order.id, True)
        return {"order": order.number if order else None}
    if notice.data_used_percent is not None:
        esim = Esim.get_or_none(Esim.iccid == notice.iccid)
        if esim is not None:
            jobs.enqueue(renewal_cycles.auto_renew_esim, esim.id)  # renewed now if its auto-renew is due
    return {"reminders": reminders.operator_notice(notice)}
