"""After payment, with nobody watching: the worker applies each paid order and follows it to its end.

`fulfil` takes the payment (pending → paid, `orders.pay`) and queues `apply`. `apply`
asks the operator, keyed by the order number so that asking again never buys
twice; `follow` checks the operator's answer until the plan is applied (the order
is fulfilled, the eSIM updated, the emails queued) or refused (failed, refund
owed). `sweep` runs every minute and queues again any order whose next step is
overdue, so a lost job, a crash or an operator outage only delays an order.
"""

from datetime import timedelta

from flask import current_app

from app.models import Esim
from app.models import Order
from app.models import OrderStatus
from app.models import utcnow
from app.operators import OperatorBusy
from app.operators import OperatorError
from app.operators import OperatorRefused
from app.operators import OperatorTimeout
from app.operators import get_operator
from app.operators.base import APPLIED
from app.operators.base import FAILED
from app.operators.base import PlanRequest
from app.services import allowance
from app.services import balance_ledger
from app.services import jobs
from app.services import notices
from app.services import notifications
from app.services import orders
from app.services import provisioning
from app.services import refunds
from app.services import usage
from app.worker import task

# How long one try may hold a paid order before the sweep may try it again.
CLAIM = timedelta(minutes=5)
# Pauses between tries when the operator is down or refuses: about 68 minutes in all, then failed.
RETRY_PAUSES = (30, 60, 120, 300, 600, 1200, 1800)
# Pauses between checks on an order being applied; the last one repeats.
FOLLOW_PAUSES = (1, 2, 3, 5, 10, 20, 30, 60)
SWEEP_BATCH = 200


def plan_request(order):
    return PlanRequest(
        days=order.plan.days,
        data_mb=order.plan.data_mb + order.bonus_data_mb,
        minutes=order.plan.minutes,
        package_id=order.plan.operator_package or order.plan.code,
        order_ref=order.number,
    )


def _claim(order, now):
    """Take the next try of a paid order: only one worker gets each, and none before it is due."""
    due = Order.attempts == 0
    if order.attempts:
        due = Order.next_attempt_at.is_null() | (Order.next_attempt_at <= now)
    return (
        Order.update(attempts=Order.attempts + 1, next_attempt_at=now + CLAIM)
        .where(Order.id == order.id, Order.status == OrderStatus.PAID, Order.attempts == order.attempts, due)
        .execute()
        == 1
    )


def _ask_operator(order):
    """Start applying the order (making the eSIM first for a new one); returns the reference."""
    operator = get_operator()
    request = plan_request(order)
    if order.esim_id:
        return operator.apply_plan(order.esim.iccid, request)
    made = operator.provision(request)
    if not made.iccid:
        return made.reference  # the operator delivers the eSIM later (an async order): follow it
    esim = provisioning.attach(order, made)
    return made.reference or operator.apply_plan(esim.iccid, request)


def fulfil(order, source, payment_method=""):
    """Take a confirmed payment for `order` exactly once (`orders.pay`), and hand it to the worker.

    The worker is told after the commit; False when the order was not pending (paid already,
    or closed), and then nothing is queued.
    """
    with jobs.transaction():
        if not orders.pay(order, source, payment_method):
            return False
        notices.send(order.user, "payment_received", order=order)
        jobs.enqueue(apply_order, order.id)
    return True


def apply(order_id, now=None):
    """One try at having the operator apply a paid order."""
    now = now or utcnow()
    order = Order.get_or_none(Order.id == order_id)
    if order is None or order.status != OrderStatus.PAID:
        return
    if order.kind == "top_up":
        balance_ledger.settle_top_up(order.id, now)  # no operator: the balance is credited
        return
    if order.attempts > len(RETRY_PAUSES):
        fail(order, OrderStatus.PAID, "operator_gave_up")
        return
    if not _claim(order, now):
        return
    tried = order.attempts + 1
    try:
        reference = _ask_operator(order)
    except OperatorTimeout as exc:
        if exc.reference:
            # It may have gone through: wait on the recorded attempt, never send it again blindly.
            _start_following(order, exc.reference, now, note=str(exc)[:250])
        else:
            _retry_later(order, tried, now, str(exc))
        return
    except OperatorRefused as exc:
        fail(order, OrderStatus.PAID, str(exc))
        return
    except OperatorBusy as exc:
        # A rate limit bought nothing and is no failure: the try is given back, and made again later.
        pause = max(1, int(exc.retry_after))
        Order.update(attempts=Order.attempts - 1, next_attempt_at=now + timedelta(seconds=pause)).where(
            Order.id == order.id, Order.status == OrderStatus.PAID
        ).execute()
        jobs.enqueue(apply_order, order.id, delay=pause + 1)
        return
    except OperatorError as exc:
        _retry_later(order, tried, now, str(exc))
        return
    _start_following(order, reference, now)


@task()
def apply_order(order_id):
    """Ask the operator to apply a paid order."""
    apply(order_id)


def fail(order, from_status, note):
    """The operator will not apply the order: failed, and its payment refunded (queued at once)."""
    with jobs.transaction():
        if orders.move(
            order, from_status, OrderStatus.FAILED, "system", note=note[:250], failure_reason="operator"
        ):
            payment = refunds.order_payment(order)
            if payment is not None and refunds.refundable_cents(payment) > 0:
                refunds.refund(order, refunds.refundable_cents(payment), "operator_failed", payment=payment)


def _retry_later(order, tried, now, reason):
    current_app.logger.warning("order %s: operator try %s failed: %s", order.number, tried, reason)
    if tried > len(RETRY_PAUSES):
        fail(order, OrderStatus.PAID, reason)
        return
    pause = RETRY_PAUSES[tried - 1]
    Order.update(next_attempt_at=now + timedelta(seconds=pause)).where(
        Order.id == order.id, Order.status == OrderStatus.PAID
    ).execute()
    jobs.enqueue(apply_order, order.id, delay=pause + 1)


def _start_following(order, reference, now, note=""):
    with jobs.transaction():
        if orders.move(
            order,
            OrderStatus.PAID,
            OrderStatus.APPLYING,
            "system",
            note=note,
            operator_ref=reference,
            attempts=0,
            next_attempt_at=now,
        ):
            jobs.enqueue(follow_order, order.id)


def follow(order_id, now=None, force=False):
    """Check on an order the operator is applying; returns its status afterwards.

    `force` checks it even when the next check is not due yet (reconcile).
    """
    now = now or utcnow()
    order = Order.get_or_none(Order.id == order_id)
    if order is None or order.status != OrderStatus.APPLYING:
        return order.status if order else None
    if not force and order.next_attempt_at and order.next_attempt_at > now:
        return order.status
    operator = get_operator()
    try:
        state = operator.settle(order.operator_ref)
        if state != FAILED and order.esim_id is None:
            made = operator.recovered(order.operator_ref)
            if made is not None:
                # The unanswered new-eSIM order went through after all: attach its eSIM.
                with jobs.transaction():
                    provisioning.attach(order, made)
                    operator.confirm(order.operator_ref)
                state = operator.application_status(order.operator_ref)
    except OperatorError as exc:
        current_app.logger.warning("order %s: operator check failed: %s", order.number, exc)
        state = None
    order = Order.get_by_id(order.id)
    if state == APPLIED and order.esim_id:
        return _finish(order, now)
    if state == FAILED:
        fail(order, OrderStatus.APPLYING, "")
        return OrderStatus.FAILED
    if now - order.updated_at > timedelta(seconds=operator.apply_window_seconds):
        fail(order, OrderStatus.APPLYING, "not_applied_in_time")
        return OrderStatus.FAILED
    pause = FOLLOW_PAUSES[min(order.attempts, len(FOLLOW_PAUSES) - 1)]
    Order.update(attempts=Order.attempts + 1, next_attempt_at=now + timedelta(seconds=pause)).where(
        Order.id == order.id, Order.status == OrderStatus.APPLYING
    ).execute()
    jobs.enqueue(follow_order, order.id, delay=pause)
    return OrderStatus.APPLYING


@task()
def follow_order(order_id, now_please=False):
    """Check on an order the operator is applying; finish it once applied.

    `now_please`: the operator just said something about it, so it is checked even if not due.
    """
    follow(order_id, force=now_please)


def _finish(order, now):
    """The operator applied the plan: fulfilled, the eSIM's plan and reading updated, emails queued.

    The fresh reading is then held against what the renewal's summary promised.
    """
    with jobs.transaction():
        if not orders.move(
            order,
            OrderStatus.APPLYING,
            OrderStatus.FULFILLED,
            "system",
            fulfilled_at=now,
            next_attempt_at=None,
        ):
            return Order.get_by_id(order.id).status
        Esim.update(plan=order.plan_id).where(Esim.id == order.esim_id).execute()
        # The move above succeeds once per order, so each email is recorded once, however
        # often the order is retried, swept or reported by a replayed webhook.
        if order.kind == "new_esim":
            notifications.send_activation(Order.get_by_id(order.id))
            notices.send(order.user, "plan_applied", order=Order.get_by_id(order.id))
        else:
            notifications.send_renewal_confirmed(Order.get_by_id(order.id))
    esim = Esim.get_by_id(order.esim_id)
    if usage.refresh([esim], force=True):
        missed = allowance.shortfall(order, esim)
        if missed:
            current_app.logger.warning(
                "order %s: the operator reports %s short of the promise", order.number, missed
            )
            orders.flag_shortfall(order, missed, esim.expires_at)
    return OrderStatus.FULFILLED


def sweep(now=None):
    """Queue again every paid or applying order whose next step is overdue; returns how many."""
    now = now or utcnow()
    overdue = (
        Order.select(Order.id, Order.status)
        .where(
            Order.status.in_([OrderStatus.PAID, OrderStatus.APPLYING]),
            Order.next_attempt_at.is_null() | (Order.next_attempt_at <= now),
        )
        .order_by(Order.next_attempt_at)
        .limit(SWEEP_BATCH)
    )
    found = list(overdue)
    for order in found:
        jobs.enqueue(apply_order if order.status == OrderStatus.PAID else follow_order, order.id)
    return len(found)
