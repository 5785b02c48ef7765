"""A customer's refund request, answered at once where the rules allow, else decided by support.

The rule: a new eSIM never installed (as the operator reports it now), asked for within
REFUND_WINDOW of its purchase, is refunded in full at once. Everything else, a renewal above all
(its days have started), waits in support's queue, where an agent approves all or part of what is
left to refund, or declines with a message. One request per order: a second press, or two at the
same moment, find the first (a unique index), so one refund is made. The money moves through
services/refunds.py; the request's own state through refund_request_states.py.
"""

from datetime import timedelta

from flask_babel import gettext as _
from peewee import IntegrityError

from app.models import REFUND_REQUEST_REASONS
from app.models import Esim
from app.models import Order
from app.models import OrderStatus
from app.models import RefundRequest
from app.models import RefundRequestEvent
from app.models import User
from app.models import utcnow
from app.services import jobs
from app.services import mail
from app.services import refund_request_states
from app.services import refunds
from app.services import support
from app.services import usage
from app.services.links import public_url

REASONS = REFUND_REQUEST_REASONS
REFUND_WINDOW = timedelta(days=14)
# Where the money may go, the customer's choice: back the way it was paid (the card, or the bank
# transfer list for KHQR), or to the prepaid balance at once (services/refunds.py credits it).
DESTINATIONS = ("original", "balance")
QUEUE_SIZE = 100


class RefundRequestError(Exception):
    """A request or a decision that cannot be made; `reason` says why: unknown_reason, bad_destination,
    not_refundable, bad_decision, no_answer, bad_amount, decided."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def destinations():
    return DESTINATIONS


def of_order(order):
    """The order's refund request, or None."""
    return RefundRequest.get_or_none(RefundRequest.order == order.id)


def can_ask(order):
    """Whether a refund may be asked for this order: paid, its plan applied, something left to refund."""
    if order.status != OrderStatus.FULFILLED or order.esim_id is None:
        return False
    payment = refunds.order_payment(order)
    return payment is not None and refunds.refundable_cents(payment) > 0


def ask(user, order, reason, note="", destination="original", now=None):
    """The customer asks for their money back: (the request, whether this call made it).

    Raises RefundRequestError for an unknown reason or destination, or an order that cannot be
    refunded. The operator is asked first whether the eSIM is installed; if it cannot say, the
    request waits for support.
    """
    if reason not in REFUND_REQUEST_REASONS:
        raise RefundRequestError("unknown_reason")
    if destination not in destinations():
        raise RefundRequestError("bad_destination")
    if order.user_id != user.id:
        raise RefundRequestError("not_refundable")
    existing = of_order(order)
    if existing is not None:
        return existing, False
    if not can_ask(order):
        raise RefundRequestError("not_refundable")
    now = now or utcnow()
    esim = Esim.get_by_id(order.esim_id)
    known = usage.refresh([esim], force=True)
    at_once = (
        known
        and order.kind == "new_esim"
        and esim.installed_at is None
        and order.paid_at is not None
        and now - order.paid_at <= REFUND_WINDOW
    )
    try:
        with jobs.transaction():
            request = RefundRequest.create(
                order=order.id,
                user=user.id,
                reason=reason,
                note=note.strip()[:1000],
                destination=destination,
                installed=esim.installed_at is not None,
                data_used_mb=esim.data_used_mb,
            )
            RefundRequestEvent.create(request=request.id, to_state="requested", actor=user.id, note=reason)
            if at_once:
                _approve(request, _amount(request, None), actor=None, destination=destination)
            else:
                _tell_customer(request)
    except IntegrityError:  # the same request, made at the same moment by a second press
        return of_order(order), False
    return request, True


def decide(agent, request, decision, amount_cents=None, destination="original", answer=""):
    """An agent approves (all that is left, or `amount_cents` of it) or declines (with `answer`)."""
    answer = (answer or "").strip()
    if decision not in ("approve", "decline"):
        raise RefundRequestError("bad_decision")
    if destination not in destinations():
        raise RefundRequestError("bad_destination")
    if request.state != "requested":
        raise RefundRequestError("decided")
    if decision == "decline" and not answer:
        raise RefundRequestError("no_answer")
    amount = _amount(request, amount_cents) if decision == "approve" else None
    customer = request.user
    # Read before the transaction: on SQLite it starts with its first write (the state's
    # compare-and-set), taking the write lock in turn instead of failing to upgrade a read.
    with jobs.transaction():
        if decision == "decline":
            if not refund_request_states.move(
                request, "declined", agent, answer, decided_by=agent, answer=answer
            ):
                raise RefundRequestError("decided")
            _tell_customer(request)
        else:
            _approve(request, amount, actor=agent, destination=destination, answer=answer)
        support.audit(
            agent,
            customer,
            f"refund_request_{decision}d",
            answer,
            order=request.order.number,
            amount_cents=request.amount_cents if decision == "approve" else None,
            currency=request.order.currency,
        )
    return request


def _amount(request, amount_cents):
    """All that is left to refund (None), or `amount_cents` if it is within that; else bad_amount."""
    left = left_to_refund(request)
    amount = left if amount_cents is None else amount_cents
    if amount <= 0 or amount > left:
        raise RefundRequestError("bad_amount")
    return amount


def _approve(request, amount, actor, destination, answer=""):
    """Approve and make the refund, in the caller's transaction: requested → approved comes first (a
    compare-and-set: of two deciding at once one wins), then the refund takes its amount (a
    compare-and-set too: nothing beyond what is left, whatever was read before)."""
    order = request.order
    if not refund_request_states.move(
        request, "approved", actor, answer, decided_by=actor, answer=answer, amount_cents=amount
    ):
        raise RefundRequestError("decided")
    try:
        row = refunds.refund(order, amount, "customer_request", actor=actor, note=answer, **_to(destination))
    except refunds.RefundError as exc:
        raise RefundRequestError("bad_amount") from exc
    RefundRequest.update(refund=row.id).where(RefundRequest.id == request.id).execute()
    request.refund = row
    refund_request_states.settle(order.id)  # a refund done at once (to the balance) is refunded now
    _tell_customer(request)
    return row


def _to(destination):
    """refunds.refund's argument for a destination other than the way it was paid."""
    return {} if destination == "original" else {"destination": destination}


def _tell_customer(request):
    """An email in the customer's language: the request received, or the decision; and the link to
    the order's page."""
    user = request.user
    order = request.order
    subjects = {
        "requested": lambda: _("We received your refund request for order %(number)s", number=order.number),
        "approved": lambda: _("Your refund for order %(number)s is on its way", number=order.number),
        "declined": lambda: _("About your refund request for order %(number)s", number=order.number),
    }
    mail.send_template(
        user,
        "refund_request",
        subjects[request.state],
        request=request,
        order=order,
        link=public_url("orders.detail", order_id=order.id, lang=user.language),
    )


def refunded_before_install(esim):
    """Whether the eSIM's own purchase was refunded in full on request before it was installed: it is
    not to be installed any more (its install page says so)."""
    if esim.installed_at is not None:
        return False
    return (
        RefundRequest.select()
        .join(Order, on=(RefundRequest.order == Order.id))
        .where(
            Order.esim == esim.id,
            Order.kind == "new_esim",
            RefundRequest.state.in_(("approved", "refunded")),
            RefundRequest.amount_cents >= Order.amount_cents,
        )
        .exists()
    )


def queue(limit=QUEUE_SIZE):
    """Requests waiting for support, oldest first, with their order, customer and eSIM."""
    return list(
        RefundRequest.select(RefundRequest, User)
        .join(User, on=(RefundRequest.user == User.id))
        .where(RefundRequest.state == "requested")
        .order_by(RefundRequest.created_at, RefundRequest.id)
        .limit(limit)
    )


def recently_decided(limit=20):
    return list(
        RefundRequest.select()
        .where(RefundRequest.state != "requested")
        .order_by(RefundRequest.updated_at.desc(), RefundRequest.id.desc())
        .limit(limit)
    )


def for_staff(request_id):
    """A request by id, if a customer made it; None otherwise."""
    request = RefundRequest.get_or_none(RefundRequest.id == request_id)
    return request if request is not None and request.user.role == "customer" else None


def left_to_refund(request):
    payment = refunds.order_payment(request.order)
    return refunds.refundable_cents(payment) if payment else 0
