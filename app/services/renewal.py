"""Renewing an eSIM: the price summary, the pending order, and taking its payment exactly once."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from peewee import IntegrityError

from app.extensions import db
from app.models import Order
from app.models import OrderEvent
from app.models import Plan
from app.models import utcnow
from app.operators import get_operator
from app.services import jobs
from app.services import promotions
from app.services import usage
from app.services.allowance import Allowance
from app.services.allowance import after_renewal


@dataclass(frozen=True)
class Quote:
    plan: Plan
    discount: promotions.Discount
    # What the eSIM will have after renewing; None for a new eSIM, whose days start afresh.
    allowance: Allowance | None
    # The operator's rule: True when renewing extends the current package (the allowance holds);
    # False when the renewal is a package of its own, with its own days and data.
    carries_over: bool = True

    @property
    def new_esim(self):
        return self.allowance is None

    @property
    def days_start_on_first_use(self):
        return self.plan.activation_policy == "first-usage"

    @property
    def price_cents(self):
        return self.plan.price_cents

    @property
    def amount_cents(self):
        return self.plan.price_cents - self.discount.discount_cents


def find_plan(code):
    """An active plan by its code, or None."""
    return Plan.get_or_none(Plan.code == (code or ""), Plan.active == True)  # noqa: E712


def quote(esim, plan, promo_code="", now=None):
    """Price, discount, new expiry and allowances; raises PromoError for an unusable code."""
    now = now or utcnow()
    discount = promotions.evaluate(promo_code, plan, now)
    status = usage.status(esim, now)
    allowance = after_renewal(
        esim.expires_at,
        status.data_left_mb,
        status.minutes_left,
        plan.days,
        plan.data_mb + discount.bonus_data_mb,
        plan.minutes,
        now,
    )
    return Quote(plan=plan, discount=discount, allowance=allowance, carries_over=carries_over())


def quote_new(plan, promo_code="", now=None):
    """Price and discount of a new eSIM on `plan`; raises PromoError for an unusable code."""
    discount = promotions.evaluate(promo_code, plan, now or utcnow())
    return Quote(plan=plan, discount=discount, allowance=None, carries_over=False)


def carries_over():
    """Whether renewing early keeps the days and data left (the operator's own rule)."""
    return get_operator().renewal_carries_over


def can_renew(esim):
    """Only a package the operator can top up is renewed on the same eSIM."""
    return esim.plan_id is None or esim.plan.rechargeable


# A paid order that no worker has picked up by then is found by the sweep.
PAID_GRACE = timedelta(seconds=60)


def _new_number():
    return "R" + secrets.token_hex(4).upper()


def record(order, from_status, to_status, source, note=""):
    OrderEvent.create(order=order, from_status=from_status, to_status=to_status, source=source, note=note)


def create_order(user, esim, plan, promo_code="", source="customer", assisted_by=None):
    """A pending renewal order priced on the server; raises PromoError for an unusable code."""
    return place_order(user, plan, esim=esim, promo_code=promo_code, source=source, assisted_by=assisted_by)


def place_order(user, plan, esim=None, promo_code="", source="customer", assisted_by=None):
    """A pending order: a renewal of `esim`, or a new eSIM when `esim` is None.

    The price comes from the plan and the promo code, never from the customer;
    a code with a redemption limit holds one redemption until the order is paid
    or given up. Raises PromoError for an unusable code.

    One intention, one order: while the customer has an unpaid order for the same
    eSIM (or new eSIM) and plan, that order is given back instead of a second one
    (a double tap, or a second try at paying). With another promo code the old one
    is cancelled and a new one made, unless its payment is already processing.
    """
    discount = promotions.evaluate(promo_code, plan)
    promo_id = discount.promo.id if discount.promo else None
    for _attempt in range(5):
        existing = open_order(user, esim, plan)
        if existing is not None:
            if existing.promo_id == promo_id or existing.payment_note == "processing":
                return existing
            close_unpaid(existing, "cancelled", source, note="replaced_by_new_order")
            continue
        try:
            with db.atomic():
                order = Order.create(
                    number=_new_number(),
                    user=user,
                    esim=esim,
                    plan=plan,
                    kind="renewal" if esim else "new_esim",
                    status="pending",
                    price_cents=plan.price_cents,
                    discount_cents=discount.discount_cents,
                    amount_cents=plan.price_cents - discount.discount_cents,
                    currency=plan.currency,
                    promo=discount.promo,
                    bonus_data_mb=discount.bonus_data_mb,
                    assisted_by=assisted_by,
                )
                if discount.promo and not promotions.hold(discount.promo):
                    raise promotions.PromoError("used_up")
                record(order, "", "pending", source)
                return order
        except IntegrityError:
            continue  # the same order made at the same moment (then found above), or a number collided
    raise RuntimeError("could not allocate an order number")


def open_order(user, esim, plan):
    """The customer's unpaid order for this eSIM (None: a new eSIM) and plan, if there is one."""
    return Order.get_or_none(
        Order.user == user,
        Order.esim.is_null() if esim is None else Order.esim == esim,
        Order.plan == plan,
        Order.status == "pending",
    )


def move(order, from_status, to_status, source, note="", **fields):
    """Compare-and-set one transition; True for the one caller whose update changed the row."""
    now = utcnow()
    changed = (
        Order.update(status=to_status, updated_at=now, **fields)
        .where(Order.id == order.id, Order.status == from_status)
        .execute()
    )
    if changed:
        record(order, from_status, to_status, source, note)
    return changed == 1


def fulfil(order, source, payment_method=""):
    """Take a confirmed payment for `order`: exactly once, and hand it to the worker.

    Called from the checkout return, the webhook and agents, in any order and
    concurrently; the conditional pending → paid update lets only the first
    through. No operator is called here: the same transaction records that the
    order is due for the worker (`next_attempt_at`), which is told after the commit.
    """
    now = utcnow()
    fields = dict(paid_at=now, payment_note="", attempts=0, next_attempt_at=now + PAID_GRACE)
    if payment_method:
        fields["payment_method"] = payment_method
    with jobs.transaction():
        if not move(order, "pending", "paid", source, **fields):
            return False
        if order.promo_id:
            promotions.redeem(order.promo_id)
        jobs.enqueue("apply_order", order.id)
    # The caller's copy now says what the row says, without reading it again.
    order.status = "paid"
    for name, value in fields.items():
        setattr(order, name, value)
    return True


def close_unpaid(order, to_status, source, note=""):
    """Expire or cancel a pending order; its held promo redemption is given back."""
    with jobs.transaction():
        if not move(order, "pending", to_status, source, note=note):
            return False
        if order.promo_id:
            promotions.release(order.promo_id)
    return True
