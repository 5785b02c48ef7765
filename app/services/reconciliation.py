"""Settling orders an operator left unanswered: did the paid request go through or not?"""

from app.models import Order
from app.services import fulfilment


def reconcile():
    """Check every order the operator is applying now, due or not (cron, and the worker).

    Returns counts by the status each order ends in.
    """
    outcome = {"fulfilled": 0, "failed": 0, "applying": 0}
    waiting = Order.select(Order.id).where(Order.status == "applying").order_by(Order.id)
    for order in list(waiting):
        status = fulfilment.follow(order.id, force=True)
        outcome[status if status in outcome else "failed"] += 1
    return outcome
