"""Promo codes: percent or fixed amount off, or bonus data, within their limits.

A code may be limited in all (`max_redemptions`) and per customer (`per_customer`). A customer has
used a code once an order of theirs with it is paid (or its payment is processing); renewals count
like any order, and an order that failed (refunded) gives the use back. While an order is unpaid it
holds one redemption of a limited code, and a customer holds at most one: a new order with the code
replaces their other unpaid order holding it (orders.place_order). An unpaid order ends with its
payment window (the worker's expire-orders, or the provider saying its checkout ran out), and its
hold with it.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import Case

from app.models import Order
from app.models import OrderStatus
from app.models import PromoCode
from app.models import User
from app.models import utcnow

ERRORS = {
    "unknown": _l("We do not know this promo code. Please check the spelling."),
    "expired": _l("This promo code has expired."),
    "not_yet": _l("This promo code is not valid yet."),
    "used_up": _l("This promo code has been used up."),
    "wrong_plan": _l("This promo code cannot be used with this plan."),
    "already_used": _l("You have already used this promo code."),
}

# Orders on which a customer has used their code: paid, or paid by a method that is still processing.
USED = (OrderStatus.PAID, OrderStatus.APPLYING, OrderStatus.FULFILLED)


class PromoError(Exception):
    """A code that cannot be used; `reason` is a key of ERRORS."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self):
        return ERRORS[self.reason]


@dataclass(frozen=True)
class Discount:
    promo: PromoCode | None
    discount_cents: int = 0
    bonus_data_mb: int = 0


NO_DISCOUNT = Discount(promo=None)


def normalise(code):
    return (code or "").strip().upper()


def evaluate(code, plan, now=None, user=None):
    """What `code` takes off `plan` for `user` (anyone when None); raises PromoError when it cannot
    be used."""
    code = normalise(code)
    if not code:
        return NO_DISCOUNT
    now = now or utcnow()
    promo = PromoCode.get_or_none(PromoCode.code == code)
    if promo is None or not promo.active:
        raise PromoError("unknown")
    if promo.valid_from and now < promo.valid_from:
        raise PromoError("not_yet")
    if promo.valid_until and now >= promo.valid_until:
        raise PromoError("expired")
    if promo.max_redemptions is not None and promo.redemptions + promo.held >= promo.max_redemptions:
        raise PromoError("used_up")
    if user is not None and promo.per_customer is not None and times_used(promo, user) >= promo.per_customer:
        raise PromoError("already_used")
    kinds = [k for k in promo.plan_kinds.split(",") if k]
    if kinds and plan.kind not in kinds:
        raise PromoError("wrong_plan")
    if promo.kind == "percent":
        return Discount(promo, discount_cents=plan.price_cents * promo.value // 100)
    if promo.kind == "amount":
        return Discount(promo, discount_cents=min(promo.value, plan.price_cents))
    return Discount(promo, bonus_data_mb=promo.value)


def times_used(promo, user):
    """How many of `user`'s orders have used `promo`."""
    return (
        Order.select()
        .where(
            Order.user == user,
            Order.promo == promo.id,
            Order.status.in_(USED)
            | ((Order.status == OrderStatus.PENDING) & (Order.payment_note == "processing")),
        )
        .count()
    )


def limited(promo):
    """True when a redemption of `promo` is worth holding for an unpaid order."""
    return promo.max_redemptions is not None or promo.per_customer is not None


def other_holds(user, promo):
    """`user`'s unpaid orders holding `promo`, not yet being paid."""
    return list(
        Order.select().where(
            Order.user == user,
            Order.promo == promo.id,
            Order.status == OrderStatus.PENDING,
            Order.payment_note != "processing",
        )
    )


def one_customer_at_a_time(user):
    """Lock the customer's row until the transaction ends (a no-op UPDATE: a row lock on PostgreSQL,
    the write lock on SQLite), so their orders with a limited code are made one after another."""
    User.update(role=User.role).where(User.id == user.id).execute()


def hold(promo):
    """Hold one redemption for an order going to checkout; False if none is left.

    One conditional UPDATE, so two customers racing for the last redemption
    cannot both get it: the second is told the code is used up before paying.
    """
    query = PromoCode.update(held=PromoCode.held + 1).where(PromoCode.id == promo.id)
    if promo.max_redemptions is not None:
        query = query.where(PromoCode.redemptions + PromoCode.held < PromoCode.max_redemptions)
    return query.execute() == 1


def release(promo_id):
    """An order that will not be paid gives its held redemption back."""
    PromoCode.update(held=PromoCode.held - 1).where(PromoCode.id == promo_id, PromoCode.held > 0).execute()


def release_many(counts):
    """Orders that will not be paid give their holds back: `counts` maps a promo id to how many."""
    for promo_id, count in counts.items():
        PromoCode.update(held=Case(None, [(PromoCode.held > count, PromoCode.held - count)], 0)).where(
            PromoCode.id == promo_id
        ).execute()


def redeem(promo_id):
    """A paid order turns its hold into a redemption."""
    PromoCode.update(
        redemptions=PromoCode.redemptions + 1,
        held=Case(None, [(PromoCode.held > 0, PromoCode.held - 1)], 0),
    ).where(PromoCode.id == promo_id).execute()
