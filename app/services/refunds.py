"""Money back: each refund is recorded first, then sent through the payment provider by the worker.

A refund row carries its own idempotency key, so a retried job (or two workers)
never refunds twice. Refunds are made automatically when the operator fails an
order, for every extra payment on an order and for a payment that does not match
it; admins make the others. Cash, and KHQR (Bakong has no refund call), cannot go
back through a provider: such a refund stays owed until an admin records that the
cash was handed back, or the bank transfer sent.

What each refund takes from its payment is a compare-and-set (refund_ledger.py), so parallel
refunds of one payment never add up to more than was paid.
"""

import secrets
from datetime import timedelta

from flask import current_app
from peewee import IntegrityError

from app.models import Order
from app.models import OrderStatus
from app.models import Payment
from app.models import Refund
from app.models import utcnow
from app.payments import PaymentError
from app.payments import get_provider
from app.services import balance_ledger
from app.services import jobs
from app.services import operator_refunds
from app.services import refund_ledger
from app.services.orders import mark_refunded
from app.services.orders import record
from app.services.refund_transfers import transfer_details  # noqa: F401 - support names it here
from app.worker import task

CLAIM = timedelta(minutes=2)
# Pauses between tries when the provider cannot be reached; then the refund is failed (owed).
RETRY_PAUSES = (30, 60, 300, 900, 3600)
COUNTS = refund_ledger.COUNTS
PROVIDER_STATUS = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}
RETRY_BATCH = 100
BY_HAND = ("manual", "transfer")


class RefundError(Exception):
    """A refund that cannot be made; `reason` says why (nothing_paid, bad_amount)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def order_payment(order):
    """The payment that paid `order`, or None."""
    return (
        Payment.select()
        .where(Payment.order == order.id, Payment.kind == "order")
        .order_by(Payment.id.desc())
        .first()
    )


def refundable_cents(payment):
    """What is left to refund of `payment`, as the database has it now."""
    left = Payment.select(Payment.amount_cents - Payment.refunded_cents).where(Payment.id == payment.id)
    return left.scalar() or 0


def refund(order, amount_cents, reason, actor=None, payment=None, note="", destination="original"):
    """Record a refund of part or all of a payment (the order's own by default) and queue it, or credit it
    at once to the `destination` "balance" (always, for an order paid from it). RefundError: "bad_amount"
    (not positive, or more than is left), "bad_destination" or "balance_spent" (for a top-up)."""
    payment = payment or order_payment(order)
    if payment is None:
        raise RefundError("nothing_paid")
    if amount_cents <= 0:
        raise RefundError("bad_amount")
    to_balance = destination == "balance" or payment.provider == "balance"
    if to_balance and order.kind == "top_up":
        raise RefundError("bad_destination")
    # The compare-and-set comes first: on SQLite the transaction then starts by taking the write
    # lock (waiting its turn), instead of reading first and failing to upgrade ("database is locked").
    with jobs.transaction():
        if not refund_ledger.take(payment.id, amount_cents):
            raise RefundError("bad_amount")
        key = f"refund-{order.number}-{secrets.token_hex(8)}"
        if not balance_ledger.take_back_top_up(order, payment, amount_cents, key):
            raise RefundError("balance_spent")
        row = Refund.create(
            order=order.id,
            payment=payment,
            amount_cents=amount_cents,
            currency=payment.currency,
            reason=reason,
            note=note[:500],
            actor=actor,
            status="succeeded" if to_balance else _first_status(payment),
            idempotency_key=key,
        )
        record(order, order.status, order.status, "agent" if actor else "system", note=f"refund_{reason}")
        if to_balance:
            balance_ledger.credit(order.user_id, amount_cents, "refund", key, order=order.id, refund=row)
        if row.status == "queued":
            jobs.enqueue(send_refund, row.id)
    _close_order(order.id)  # a refund to the balance is done already
    return row


def _first_status(payment):
    """queued (the worker sends it), or owed by hand: manual (cash) or transfer (a bank transfer)."""
    if payment.provider == "cash":
        return "manual"
    try:
        return "queued" if get_provider(payment.provider).can_refund else "transfer"
    except PaymentError:
        return "transfer"  # a provider no longer set up: the money can only go back by hand


def send(refund_id, now=None):
    """One try at sending a recorded refund to the provider (the worker)."""
    now = now or utcnow()
    claimed = (
        Refund.update(attempts=Refund.attempts + 1, locked_until=now + CLAIM, updated_at=now)
        .where(
            Refund.id == refund_id,
            Refund.status == "queued",
            Refund.next_try_at <= now,
            Refund.locked_until.is_null() | (Refund.locked_until < now),
        )
        .execute()
    )
    if not claimed:
        return None
    row = Refund.get_by_id(refund_id)
    payment = row.payment
    try:
        provider = get_provider(payment.provider)
        if provider.name != payment.provider:
            raise PaymentError(f"the payment was taken by {payment.provider}, not {provider.name}")
        info = provider.refund(payment.intent_ref, row.amount_cents, row.reason, row.idempotency_key)
    except PaymentError as exc:
        return _retry_later(row, now, str(exc))
    status = PROVIDER_STATUS.get(info.status, "pending")
    refund_ledger.move(row, status, provider_ref=info.id, locked_until=None, last_error="")
    _close_order(row.order_id)
    return status


@task()
def send_refund(refund_id):
    """Send one recorded refund through the payment provider."""
    send(refund_id)


def _retry_later(row, now, reason):
    current_app.logger.warning("refund %s (try %s) not sent: %s", row.id, row.attempts, reason)
    if row.attempts > len(RETRY_PAUSES):
        refund_ledger.move(row, "failed", locked_until=None, last_error=reason[:500])
        return "failed"
    pause = RETRY_PAUSES[row.attempts - 1]
    Refund.update(
        next_try_at=now + timedelta(seconds=pause), locked_until=None, last_error=reason[:500], updated_at=now
    ).where(Refund.id == row.id).execute()
    jobs.enqueue(send_refund, row.id, delay=pause + 1)
    return "queued"


def retry(refund_row, admin):
    """An admin sends a failed refund again (a new key: the failed one is over)."""
    if refund_row.status != "failed":
        raise RefundError("not_failed")
    with jobs.transaction():
        sent_again = (
            Refund.update(
                status="queued",
                attempts=0,
                next_try_at=utcnow(),
                updated_at=utcnow(),
                idempotency_key=f"refund-{refund_row.order.number}-{secrets.token_hex(8)}",
                note=(refund_row.note + f" (sent again by {admin.email})")[:500],
            )
            .where(Refund.id == refund_row.id, Refund.status == "failed")
            .execute()
        )
        if not sent_again:
            raise RefundError("not_failed")
        # It takes its amount again, if what it gave back has not been refunded otherwise since.
        if not refund_ledger.take(refund_row.payment_id, refund_row.amount_cents):
            raise RefundError("bad_amount")
        jobs.enqueue(send_refund, refund_row.id)


def handed_back(refund_row, admin):
    """Cash was given back at the counter, or the bank transfer sent: that refund is done."""
    changed = (
        Refund.update(status="succeeded", actor=admin, updated_at=utcnow())
        .where(Refund.id == refund_row.id, Refund.status.in_(BY_HAND))
        .execute()
    )
    if not changed:
        raise RefundError("not_manual")
    _close_order(refund_row.order_id)


def _close_order(order_id):
    """A failed order whose payment has all gone back is refunded; a new eSIM refunded in full and
    never installed is also handed back to the operator."""
    order = Order.get_by_id(order_id)
    payment = order_payment(order)
    if payment is None:
        return
    back = sum(r.amount_cents for r in payment.refunds if r.status == "succeeded")
    if back < payment.amount_cents:
        return
    if order.status == OrderStatus.FAILED:
        mark_refunded(order, "system", note="refunded_in_full")
    if operator_refunds.due(order):
        jobs.enqueue(operator_refunds.request_operator_refund, order.id)


def provider_update(info):
    """The provider says what became of a refund (refund.updated, refund.failed)."""
    status = PROVIDER_STATUS.get(info.status, "pending")
    row = Refund.get_or_none(Refund.provider_ref == info.id)
    if row is None:
        return _made_elsewhere(info.payment_intent, info.amount, info.id, status)
    if row.status != status:
        note = {"last_error": "refused by the provider or the bank"} if status == "failed" else {}
        refund_ledger.move(row, status, **note)
        _close_order(row.order_id)
    return row


def charge_refunded(charge):
    """charge.refunded: refunds we are waiting on are done; any made in the dashboard are recorded."""
    payment = Payment.get_or_none(Payment.intent_ref == charge.payment_intent, Payment.intent_ref != "")
    if payment is None:
        return None
    ours = [r for r in payment.refunds if r.status in ("queued", "pending", "succeeded")]
    if sum(r.amount_cents for r in ours) <= charge.amount_refunded:
        for row in ours:
            if row.status == "pending":
                Refund.update(status="succeeded", updated_at=utcnow()).where(Refund.id == row.id).execute()
    missing = charge.amount_refunded - sum(r.amount_cents for r in ours)
    if missing > 0:
        _made_elsewhere(charge.payment_intent, missing, f"{charge.id}-{charge.amount_refunded}", "succeeded")
    _close_order(payment.order_id)
    return payment


def _made_elsewhere(intent, amount, ref, status):
    """A refund someone made in the provider's dashboard: recorded, so what is shown adds up."""
    payment = Payment.get_or_none(Payment.intent_ref == intent, Payment.intent_ref != "")
    if payment is None or amount <= 0:
        return None
    key = f"provider-{ref}"
    row = Refund.get_or_none(Refund.idempotency_key == key)
    if row is not None:
        return row
    try:
        with jobs.transaction():
            if status in COUNTS:
                refund_ledger.take(payment.id, amount, within=False)  # the money has gone, whatever was left
            return Refund.create(
                idempotency_key=key,
                order=payment.order_id,
                payment=payment,
                amount_cents=amount,
                currency=payment.currency,
                reason="staff",
                note="made at the payment provider",
                status=status,
                provider_ref=ref,
            )
    except IntegrityError:  # the same event, recorded at the same moment by another delivery
        return Refund.get(Refund.idempotency_key == key)


def retry_due(now=None):
    """Queue every refund whose next try is due (the sweep); returns how many."""
    now = now or utcnow()
    due = (
        Refund.select(Refund.id)
        .where(
            Refund.status == "queued",
            Refund.next_try_at <= now,
            Refund.locked_until.is_null() | (Refund.locked_until < now),
        )
        .limit(RETRY_BATCH)
    )
    ids = [row.id for row in due]
    for refund_id in ids:
        jobs.enqueue(send_refund, refund_id)
    return len(ids)


def of_a_customer(refund_id):
    """The refund with this id if it is a customer's, else None."""
    row = Refund.get_or_none(Refund.id == refund_id)
    return row if row is not None and row.order.user.role == "customer" else None
