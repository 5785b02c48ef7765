"""Orders that will not be paid now: expired in batches, each with its event, promo holds given back."""

import time
from datetime import timedelta

from peewee import SQL
from peewee import fn

from app.models import Order
from app.models import OrderStatus
from app.models import RenewalCycle
from app.models import utcnow
from app.payments import KHQR
from app.payments import get_provider
from app.services import orders
from app.services import payments
from app.services import unreported_payments

BATCH = 1000
TIME_LIMIT_SECONDS = 60


def expire(older_than_seconds=payments.CHECKOUT_LIFETIME_SECONDS, batch=BATCH, time_limit=TIME_LIMIT_SECONDS):
    """Expire pending orders that will not be paid now; returns how many expired.

    Two kinds: orders past their payment window that never opened a checkout, and
    orders whose checkout ran out (Stripe also says so by webhook, and KHQR's checks
    do; this catches test payments and answers that never arrived). A checkout the provider
    says was completed is settled instead, as its lost webhook would have been: a paid order
    is never expired. Each batch is one UPDATE, with each
    order's event and its promo hold given back in the same transaction; no new batch
    starts after `time_limit` seconds (the next run takes the rest).
    """
    now = utcnow()
    started = time.monotonic()
    expired = 0
    while time.monotonic() - started < time_limit:
        unopened = Order.select(Order.id).where(
            Order.status == OrderStatus.PENDING,
            Order.provider_ref == "",
            Order.created_at < now - payments.PAYMENT_WINDOW,
            Order.payment_note != "processing",
            # A failed auto-renewal's order stays payable by its emailed link until the plan runs out.
            ~fn.EXISTS(
                RenewalCycle.select(SQL("1")).where(
                    RenewalCycle.order == Order.id,
                    RenewalCycle.status == "failed",
                    RenewalCycle.ends_at > now,
                )
            ),
        )
        ids = [order.id for order in unopened.order_by(Order.created_at, Order.id).limit(batch)]
        if not ids:
            break
        expired += orders.expire_many(ids)
    return expired + settle_unreported(older_than_seconds, batch, time_limit, now=now, started=started)


# A webhook or return this late is taken as lost: the provider is asked (the reconciler).
UNREPORTED_AFTER_SECONDS = 10 * 60


def settle_unreported(
    older_than_seconds=UNREPORTED_AFTER_SECONDS,
    batch=BATCH,
    time_limit=TIME_LIMIT_SECONDS,
    now=None,
    started=None,
):
    """Pending orders whose checkout is older than `older_than_seconds`, settled as their provider reports.

    Paid: fulfilled once, through the webhook's path; ran out unpaid: expired. Returns how many expired.
    """
    now = now or utcnow()
    started = started or time.monotonic()
    return sum(
        _expire_ran_out(provider, now, older_than_seconds, batch, started, time_limit)
        for provider in _providers()
    )


def _providers():
    return [get_provider(), get_provider(KHQR)] if payments.khqr_offered() else [get_provider()]


def _expire_ran_out(provider, now, older_than_seconds, batch, started, time_limit):
    """Pending orders of `provider` whose checkout it says ran out, in batches; returns how many.

    Those it says were completed are settled on the way.
    """
    expired = after = 0
    while time.monotonic() - started < time_limit:
        stale = list(
            Order.select(Order.id, Order.provider_ref)
            .where(
                Order.status == OrderStatus.PENDING,
                Order.provider == provider.name,
                Order.provider_ref != "",
                Order.updated_at < now - timedelta(seconds=older_than_seconds),
                Order.id > after,
            )
            .order_by(Order.id)
            .limit(batch)
        )
        if not stale:
            break
        after = stale[-1].id
        ran_out = unreported_payments.settle_reported(provider, [order.provider_ref for order in stale])
        expired += orders.expire_many([order.id for order in stale if order.provider_ref in ran_out])
    return expired
