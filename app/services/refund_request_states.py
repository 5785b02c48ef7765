"""A refund request's state, changed only here: a compare-and-set per move, each move recorded.

requested → approved | declined (support, or the rules at once), approved → refunded once the
refund it made has reached the customer (`settle`, called by services/refunds.py whenever a refund
of the order is done). Kept apart from refund_requests.py so refunds.py can call `settle` without
importing the rules that call refunds.py.
"""

from app.models import OrderStatus
from app.models import Refund
from app.models import RefundRequest
from app.models import RefundRequestEvent
from app.models import utcnow
from app.services import jobs
from app.services import orders

MOVES = {"requested": {"approved", "declined"}, "approved": {"refunded"}}


def move(request, to_state, actor=None, note="", **fields):
    """Compare-and-set the request from the state it was read in to `to_state`, with its event;
    True for the one caller that moved it."""
    from_state = request.state
    if to_state not in MOVES.get(from_state, ()):
        return False
    with jobs.transaction():
        changed = (
            RefundRequest.update(state=to_state, updated_at=utcnow(), **fields)
            .where(RefundRequest.id == request.id, RefundRequest.state == from_state)
            .execute()
        )
        if changed:
            RefundRequestEvent.create(
                request=request.id, from_state=from_state, to_state=to_state, actor=actor, note=note[:1000]
            )
    if changed:
        request.state = to_state
        for name, value in fields.items():
            setattr(request, name, value)
    return changed == 1


def settle(order_id):
    """The order's approved request whose refund has reached the customer is refunded; an order
    whose payment has all gone back that way is marked refunded."""
    request = RefundRequest.get_or_none(RefundRequest.order == order_id, RefundRequest.state == "approved")
    if request is None or request.refund_id is None:
        return
    refund = Refund.get_by_id(request.refund_id)
    if refund.status != "succeeded" or not move(request, "refunded"):
        return
    order = request.order
    payment = refund.payment
    back = sum(r.amount_cents for r in payment.refunds if r.status == "succeeded")
    if back >= payment.amount_cents and order.status == OrderStatus.FULFILLED:
        orders.mark_refunded(order, "system", note="refund_request", from_status=OrderStatus.FULFILLED)
