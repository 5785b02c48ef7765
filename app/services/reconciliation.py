"""Settling what nobody told us about: payments whose messages were lost, and orders an operator left
unanswered (did the paid request go through or not?)."""

import time

from app.models import Order
from app.models import OrderStatus
from app.services import abandoned_orders
from app.services import fulfilment

BATCH = 200
TIME_LIMIT_SECONDS = 60


def reconcile(batch=BATCH, time_limit=TIME_LIMIT_SECONDS):
    """Check the orders the operator is applying now, due or not (cron, and the worker).

    Oldest first, `batch` at a time, starting no new batch after `time_limit` seconds
    (the next run goes on from the start). Returns counts by the status each order ends in.
    Checkouts nobody reported on are settled first, as their provider says, so a payment whose
    webhook and return were both lost is fulfilled within minutes.
    """
    abandoned_orders.settle_unreported(time_limit=time_limit)
    outcome = {OrderStatus.FULFILLED: 0, OrderStatus.FAILED: 0, OrderStatus.APPLYING: 0}
    started = time.monotonic()
    after = 0
    while time.monotonic() - started < time_limit:
        waiting = list(
            Order.select(Order.id)
            .where(Order.status == OrderStatus.APPLYING, Order.id > after)
            .order_by(Order.id)
            .limit(batch)
        )
        if not waiting:
            break
        after = waiting[-1].id
        for order in waiting:
            status = fulfilment.follow(order.id, force=True)
            outcome[status if status in outcome else OrderStatus.FAILED] += 1
    return outcome
