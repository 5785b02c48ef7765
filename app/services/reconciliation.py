"""Settling orders an operator left unanswered: did the paid request go through or not?"""

from app.extensions import db
from app.models import OperatorAttempt
from app.models import Order
from app.operators import get_operator
from app.services import provisioning
from app.services import renewal


def reconcile():
    """Settle each applying order waiting on an operator attempt (for cron).

    Returns counts by the status each order ends in, or None when the configured
    operator answers every request at once and so leaves nothing to reconcile.
    """
    operator = get_operator()
    if not hasattr(operator, "settle"):
        return None
    outcome = {"fulfilled": 0, "failed": 0, "applying": 0}
    waiting = Order.select().where(
        Order.status == "applying", Order.operator_ref.in_(OperatorAttempt.select(OperatorAttempt.reference))
    )
    for order in list(waiting):
        operator.settle(order.operator_ref)
        made = operator.recovered(order.operator_ref) if order.esim_id is None else None
        if made is not None:
            # The unanswered new-eSIM order went through after all: attach its eSIM.
            with db.atomic():
                provisioning.attach(order, made)
                operator.confirm(order.operator_ref)
            order = Order.get_by_id(order.id)
        order = renewal.advance(order)
        outcome[order.status if order.status in outcome else "failed"] += 1
    return outcome
