"""Money back from the operator: an eSIM sold but never installed is returned when its order is refunded.

The customer's refund goes through the payment provider (services/refunds.py);
this asks the operator to credit the wholesale price back, once per order,
recorded in the order's history for support to see.
"""

from flask import current_app

from app.models import Esim
from app.models import OperatorAttempt
from app.models import Order
from app.models import RefundRequest
from app.operators import OperatorBusy
from app.operators import OperatorError
from app.operators import get_operator
from app.services import jobs
from app.services.orders import record
from app.worker import task

RETRY_PAUSE = 15 * 60  # "Rate limits": one refund request per 5 minutes; failures are asked again later


def due(order):
    """Whether the operator should be asked to take back the order's eSIM."""
    if order.kind != "new_esim" or not order.esim_id:
        return False
    esim = Esim.get_or_none(Esim.id == order.esim_id)
    return esim is not None and esim.installed_at is None


def request(order_id):
    """Ask the operator once for this order (the worker); asked again later when it cannot answer."""
    order = Order.get_or_none(Order.id == order_id)
    if order is None or not due(order):
        return None
    key = f"refund:{order.number}"
    if OperatorAttempt.select().where(OperatorAttempt.request_key == key).exists():
        return None  # asked already
    esim = order.esim
    try:
        reference = get_operator().request_refund(
            esim.iccid, f"Order {order.number} refunded to the customer", reason=_customer_reason(order)
        )
    except OperatorBusy as exc:
        jobs.enqueue(request_operator_refund, order.id, delay=max(60, int(exc.retry_after)) + 1)
        return None
    except OperatorError as exc:
        current_app.logger.warning("operator refund for %s not filed: %s", order.number, exc)
        jobs.enqueue(request_operator_refund, order.id, delay=RETRY_PAUSE)
        return None
    if not reference:
        return None  # this operator keeps no account to refund
    with jobs.transaction():
        OperatorAttempt.create(
            reference=f"REFUND-{reference}",
            request_key=key,
            kind="refund",
            iccid=esim.iccid,
            package_id=order.plan.operator_package or order.plan.code,
            status="done",
            operator_order=reference,
        )
        record(order, order.status, order.status, "system", note=f"operator_refund_requested: {reference}")
    return reference


def _customer_reason(order):
    """Why the customer asked for the refund, if they did (the operator maps it to its own code)."""
    asked = RefundRequest.get_or_none(RefundRequest.order == order.id)
    return asked.reason if asked is not None else ""


@task()
def request_operator_refund(order_id):
    """Ask the operator to take back the never-installed eSIM of a refunded order."""
    request(order_id)
