"""The life of an order: made pending, paid exactly once, then applied, or closed unpaid.

Every move is a compare-and-set on the order's status (`move`), so of two callers
racing to make the same move exactly one wins, and each move that happens writes
its OrderEvent. The moves allowed are TRANSITIONS; nothing outside this module writes
an order's status (tests/test_layers.py checks). How an order is priced and what a renewal will give is
renewal.py's; what the worker does with a paid order is fulfilment.py's.
"""

import secrets
from collections import Counter
from datetime import timedelta

from peewee import IntegrityError

from app.extensions import db
from app.models import Order
from app.models import OrderEvent
from app.models import OrderStatus
from app.models import utcnow
from app.services import allowance
from app.services import jobs
from app.services import promotions

# A paid order that no worker has picked up by then is found by the sweep.
PAID_GRACE = timedelta(seconds=60)

# Every move an order can make; `move` refuses any other pair.
TRANSITIONS = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
    OrderStatus.PAID: {OrderStatus.APPLYING, OrderStatus.FAILED},
    OrderStatus.APPLYING: {OrderStatus.FULFILLED, OrderStatus.FAILED},
    OrderStatus.FAILED: {OrderStatus.REFUNDED},
}


def allowed(from_status, to_status):
    """Whether the transition table has this move."""
    return to_status in TRANSITIONS.get(from_status, ())


def _new_number():
    return "R" + secrets.token_hex(4).upper()


def record(order, from_status, to_status, source, note=""):
    """Write one event of the order's history (a move, or a note on the order as it stands)."""
    OrderEvent.create(order=order, from_status=from_status, to_status=to_status, source=source, note=note)


def create_order(user, esim, plan, promo_code="", source="customer", assisted_by=None):
    """A pending renewal order priced on the server; raises PromoError for an unusable code."""
    return place_order(user, plan, esim=esim, promo_code=promo_code, source=source, assisted_by=assisted_by)


def place_order(user, plan, esim=None, promo_code="", source="customer", assisted_by=None):
    """A pending order: a renewal of `esim`, or a new eSIM when `esim` is None.

    The price comes from the plan and the promo code, never from the customer;
    a code with a redemption limit holds one redemption until the order is paid
    or given up. A renewal also keeps the expiry its summary promised, to be held
    against what the operator reports once it is applied. Raises PromoError for an
    unusable code.

    One intention, one order: while the customer has an unpaid order for the same
    eSIM (or new eSIM) and plan, that order is given back instead of a second one
    (a double tap, or a second try at paying). With another promo code the old one
    is cancelled and a new one made, unless its payment is already processing. A customer holds
    one redemption of a limited code at a time: their other unpaid orders holding it are cancelled.
    """
    discount = promotions.evaluate(promo_code, plan, user=user)
    promo_id = discount.promo.id if discount.promo else None
    promised = allowance.promised(esim, plan, discount.bonus_data_mb) if esim else None
    for _attempt in range(5):
        existing = open_order(user, esim, plan)
        if existing is not None:
            if existing.promo_id == promo_id or existing.payment_note == "processing":
                return existing
            close_unpaid(existing, OrderStatus.CANCELLED, source, note="replaced_by_new_order")
            continue
        try:
            with db.atomic():
                if discount.promo and promotions.limited(discount.promo):
                    _one_hold_per_customer(user, esim, plan, discount.promo, source)
                order = Order.create(
                    number=_new_number(),
                    user=user,
                    esim=esim,
                    plan=plan,
                    kind="renewal" if esim else "new_esim",
                    status=OrderStatus.PENDING,
                    price_cents=plan.price_cents,
                    discount_cents=discount.discount_cents,
                    amount_cents=plan.price_cents - discount.discount_cents,
                    currency=plan.currency,
                    promo=discount.promo,
                    bonus_data_mb=discount.bonus_data_mb,
                    promised_expires_at=promised.expires_at if promised else None,
                    assisted_by=assisted_by,
                )
                if discount.promo and not promotions.hold(discount.promo):
                    raise promotions.PromoError("used_up")
                record(order, "", OrderStatus.PENDING, source)
                return order
        except IntegrityError:
            continue  # the same order made at the same moment (then found above), or a number collided
    raise RuntimeError("could not allocate an order number")


def place_top_up(user, amount_cents, currency, source="customer", assisted_by=None):
    """A pending order that buys no plan but tops the customer's balance up (services/balance.py).

    While the customer has an unpaid top-up of the same amount, that order is given back.
    """
    existing = Order.get_or_none(
        Order.user == user,
        Order.kind == "top_up",
        Order.amount_cents == amount_cents,
        Order.status == OrderStatus.PENDING,
        Order.payment_note == "",
    )
    if existing is not None:
        return existing
    with db.atomic():
        order = Order.create(
            number=_new_number(),
            user=user,
            plan=None,
            kind="top_up",
            status=OrderStatus.PENDING,
            price_cents=amount_cents,
            amount_cents=amount_cents,
            currency=currency,
            assisted_by=assisted_by,
        )
        record(order, "", OrderStatus.PENDING, source)
    return order


def _one_hold_per_customer(user, esim, plan, promo, source):
    """The customer's other unpaid orders holding `promo` are cancelled (their holds given back).

    The customer's row is locked first, so two orders with the code made at the same moment come
    one after the other: the second sees the first and replaces it (or, for the same eSIM and plan,
    hits the unique index on open orders and is given the first).
    """
    promotions.one_customer_at_a_time(user)
    if promo.per_customer is not None and promotions.times_used(promo, user) >= promo.per_customer:
        raise promotions.PromoError("already_used")
    intention = (esim.id if esim else None, plan.id)
    for holder in promotions.other_holds(user, promo):
        if (holder.esim_id, holder.plan_id) != intention:
            close_unpaid(holder, OrderStatus.CANCELLED, source, note="replaced_by_new_order")


def open_order(user, esim, plan):
    """The customer's unpaid order for this eSIM (None: a new eSIM) and plan, if there is one."""
    return Order.get_or_none(
        Order.user == user,
        Order.esim.is_null() if esim is None else Order.esim == esim,
        Order.plan == plan,
        Order.status == OrderStatus.PENDING,
    )


def move(order, from_status, to_status, source, note="", **fields):
    """Compare-and-set one transition; True for the one caller whose update changed the row.

    A pair outside TRANSITIONS is refused (False) without touching the row.
    """
    if not allowed(from_status, to_status):
        return False
    now = utcnow()
    changed = (
        Order.update(status=to_status, updated_at=now, **fields)
        .where(Order.id == order.id, Order.status == from_status)
        .execute()
    )
    if changed:
        record(order, from_status, to_status, source, note)
    return changed == 1


def pay(order, source, payment_method=""):
    """Take a confirmed payment for `order`: pending → paid, exactly once; whether this call took it.

    Called from the checkout return, the webhook and agents, in any order and
    concurrently; the conditional pending → paid update lets only the first
    through. No operator is called here: the same transaction records that the
    order is due for the worker (`next_attempt_at`); `fulfilment.fulfil` tells it.
    """
    now = utcnow()
    fields = dict(paid_at=now, payment_note="", attempts=0, next_attempt_at=now + PAID_GRACE)
    if payment_method:
        fields["payment_method"] = payment_method
    with jobs.transaction():
        if not move(order, OrderStatus.PENDING, OrderStatus.PAID, source, **fields):
            return False
        if order.promo_id:
            promotions.redeem(order.promo_id)
    # The caller's copy now says what the row says, without reading it again.
    order.status = OrderStatus.PAID
    for name, value in fields.items():
        setattr(order, name, value)
    return True


def close_unpaid(order, to_status, source, note=""):
    """Expire or cancel a pending order; its held promo redemption is given back."""
    with jobs.transaction():
        if not move(order, OrderStatus.PENDING, to_status, source, note=note):
            return False
        if order.promo_id:
            promotions.release(order.promo_id)
    return True


def cancel(order, source, note=""):
    """The customer (or a failed payment) gave up a pending order."""
    return close_unpaid(order, OrderStatus.CANCELLED, source, note=note)


def expire(order, source):
    """A pending order's payment page ran out."""
    return close_unpaid(order, OrderStatus.EXPIRED, source)


def mark_refunded(order, source, note=""):
    """A failed order whose money has all gone back: failed → refunded, once."""
    return move(order, OrderStatus.FAILED, OrderStatus.REFUNDED, source, note=note)


def expire_many(order_ids):
    """pending → expired for these orders in one compare-and-set UPDATE, each moved row with its event;
    their promo holds are given back. Returns how many moved (a payment that came first left its order paid).
    """
    if not order_ids:
        return 0
    now = _stamp()
    with jobs.transaction():
        Order.update(status=OrderStatus.EXPIRED, updated_at=now).where(
            Order.id.in_(order_ids), Order.status == OrderStatus.PENDING
        ).execute()
        # The rows this UPDATE changed: no other batch is given the same stamp.
        changed = list(
            Order.select(Order.id, Order.promo)
            .where(Order.id.in_(order_ids), Order.status == OrderStatus.EXPIRED, Order.updated_at == now)
            .tuples()
        )
        if changed:
            OrderEvent.insert_many(
                [
                    {
                        "order": order_id,
                        "from_status": OrderStatus.PENDING,
                        "to_status": OrderStatus.EXPIRED,
                        "source": "system",
                        "created_at": now,
                    }
                    for order_id, _promo in changed
                ]
            ).execute()
            promotions.release_many(Counter(promo for _id, promo in changed if promo))
    return len(changed)


_last_stamp = [utcnow()]


def _stamp():
    """A time not given to any earlier batch of this process: it tells which rows a batch changed."""
    _last_stamp[0] = max(utcnow(), _last_stamp[0] + timedelta(microseconds=1))
    return _last_stamp[0]


def flag_shortfall(order, shortfall, reported_expires_at):
    """Keep, for support, that the operator applied the renewal short of what its summary promised."""
    Order.update(operator_shortfall=shortfall, reported_expires_at=reported_expires_at).where(
        Order.id == order.id
    ).execute()
    order.operator_shortfall, order.reported_expires_at = shortfall, reported_expires_at


def owned(user_id, order_id):
    """The order with this id if it is this user's; None otherwise, whoever's it is."""
    return Order.get_or_none(Order.id == order_id, Order.user == user_id)


def of_a_customer(order_id):
    """The order with this id if a customer placed it (staff accounts' orders are not support's business)."""
    order = Order.get_or_none(Order.id == order_id)
    return order if order is not None and order.user.role == "customer" else None


def timeline(order):
    """The order's events, oldest first, as its history shows them."""
    return list(order.events.order_by(OrderEvent.created_at, OrderEvent.id))
