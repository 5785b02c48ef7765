"""KHQR payments as the portal follows them: codes shown for orders, and the worker's checks.

Bakong tells us nothing: the worker asks about each code by its MD5, every few seconds
while it is young, then less often until it expires, and a few more times afterwards,
since a bank app may still pay a code whose expiry it ignores. Every answer goes through
`settlement.settle`, like Stripe's: paid once fulfils the order exactly once, a late or
wrong payment is recorded and owed back by bank transfer, and an expired code expires
its order and gives back its promo hold.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.models import KhqrCode
from app.models import Order
from app.models import OrderStatus
from app.models import utcnow
from app.payments import KHQR
from app.payments import PaymentError
from app.payments import get_provider
from app.payments import local_payments
from app.payments import test_mode
from app.services import jobs
from app.services import qr_images
from app.services import settlement
from app.worker import task

FAST = timedelta(seconds=5)  # while the payer is most likely scanning
FAST_FOR = timedelta(minutes=3)
SLOW = timedelta(seconds=15)  # until the code expires
# After expiry: a payment may still arrive; then no more checks.
LATE_CHECKS = (timedelta(minutes=2), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
OVERDUE = timedelta(seconds=30)  # a check this late lost its task: the sweep queues it again
SWEEP_BATCH = 200


def next_check(row, now):
    """When to ask about this code next (None: no more)."""
    if now < row.created_at + FAST_FOR:
        return now + FAST
    if now < row.expires_at + SLOW:
        return now + SLOW
    for late in LATE_CHECKS:
        if now < row.expires_at + late:
            return row.expires_at + late
    return None


def check(md5, now=None):
    """One check of one code (the worker): what Bakong says is settled, and the next check planned.

    Returns the code's checkout status, or None when this check was not due (another worker
    took it, or the code is done). A check that Bakong cannot answer is tried at the next slot.
    """
    now = now or utcnow()
    row = KhqrCode.get_or_none(KhqrCode.md5 == md5)
    if row is None or row.next_check_at is None or row.next_check_at > now + timedelta(seconds=1):
        return None
    following = next_check(row, now)
    claimed = (
        KhqrCode.update(checks=KhqrCode.checks + 1, next_check_at=following)
        .where(KhqrCode.id == row.id, KhqrCode.next_check_at == row.next_check_at)
        .execute()
    )
    if not claimed:
        return None
    try:
        session = get_provider(KHQR).retrieve(md5)
    except PaymentError as exc:
        current_app.logger.warning("KHQR %s not checked: %s", md5, exc)
        _plan(md5, following, now)
        return None
    settlement.settle(session, "bank", provider_name=KHQR)
    if session.status == "complete":
        following = None
        KhqrCode.update(next_check_at=None).where(KhqrCode.id == row.id).execute()
    _plan(md5, following, now)
    return session.status


@task()
def check_khqr(md5):
    """Ask Bakong whether a KHQR code was paid; settle what it says and plan the next check."""
    check(md5)


def _plan(md5, when, now):
    if when is not None:
        jobs.enqueue(check_khqr, md5, delay=max(1, int((when - now).total_seconds())))


def check_overdue(now=None):
    """Queue every code whose check is overdue (the sweep); returns how many."""
    now = now or utcnow()
    due = (
        KhqrCode.select(KhqrCode.md5)
        .where(KhqrCode.next_check_at.is_null(False), KhqrCode.next_check_at < now - OVERDUE)
        .order_by(KhqrCode.next_check_at)
        .limit(SWEEP_BATCH)
    )
    md5s = [row.md5 for row in due]
    for md5 in md5s:
        jobs.enqueue(check_khqr, md5)
    return len(md5s)


@dataclass(frozen=True)
class ShownCode:
    """A code as its page shows it."""

    row: KhqrCode
    order: Order
    merchant: str  # the name the payer's bank app shows
    seconds_left: int
    simulated: bool  # test mode: a button pays it

    @property
    def open(self):
        return self.row.status == "open" and self.seconds_left > 0

    @property
    def paid(self):
        """The bank paid this code (the right amount or not)."""
        return self.row.status == "paid"

    @property
    def mismatch(self):
        """The bank paid an amount that is not the order's: it is owed back, and a new code is needed."""
        return self.order.payment_note == "amount_mismatch"

    @property
    def waiting(self):
        """The code can still be paid and the order waits for it: the page asks again now and then."""
        return self.open and self.order.status == OrderStatus.PENDING and not self.mismatch

    @property
    def settling(self):
        """The bank paid and the order is about to move on: the page asks again soon."""
        return self.paid and self.order.status == OrderStatus.PENDING and not self.mismatch

    @property
    def can_pay_again(self):
        """The order still waits for a payment this code will not bring: a new code may be asked for."""
        return self.order.status == OrderStatus.PENDING and not (self.waiting or self.settling)

    @property
    def can_pay_otherwise(self):
        """The order can still be paid another way (nothing paid yet is settling)."""
        return self.order.status == OrderStatus.PENDING and not self.settling

    @property
    def expires_at(self):
        return self.row.expires_at

    @property
    def countdown(self):
        """Time left as m:ss."""
        return f"{self.seconds_left // 60}:{self.seconds_left % 60:02d}"

    @property
    def svg(self):
        return qr_images.svg(self.row.qr)

    @property
    def png(self):
        """The code as a PNG image, to save and load in a bank app."""
        return qr_images.png(self.row.qr)


def shown(md5):
    """The code with this MD5 for its page, or None."""
    row = KhqrCode.get_or_none(KhqrCode.md5 == md5)
    if row is None:
        return None
    left = int((row.expires_at - utcnow()).total_seconds())
    return ShownCode(
        row=row,
        order=row.order,
        merchant=get_provider(KHQR).merchant_name,
        seconds_left=max(0, left),
        simulated=test_mode(),
    )


def simulate_payment(md5):
    """Test mode's "Simulate bank payment": the test bank pays the code, and it is checked now."""
    local_payments(KHQR).simulate_payment(md5)
    with jobs.transaction():
        KhqrCode.update(next_check_at=utcnow()).where(KhqrCode.md5 == md5).execute()
        jobs.enqueue(check_khqr, md5)
