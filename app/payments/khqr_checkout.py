"""KHQR as a payment provider: a code shown on our page, paid from any Cambodian bank app.

The portal's checkout interface over the KHQR connector. Each code is kept in the
khqr_codes table with what it asks and what it pays of its order; `retrieve` asks
Bakong (by the code's MD5) and answers as a checkout session would: open, complete and
paid, or expired. Bakong has no refund call, so `can_refund` is False, and it sends
nothing to us, so the worker polls (`polls`).
"""

from datetime import UTC
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal

from app.models import KhqrCode
from app.models import utcnow
from app.payments.base import CheckoutSession
from app.payments.base import CodeProvider
from app.payments.base import LocalPayments
from app.payments.base import PaymentError
from app.payments.base import PresentedCode
from app.payments.khqr import KhqrConnector
from app.payments.local_bank import LocalBank

PAYMENT_METHOD = "khqr"
# A bank app refuses a code past its expiry; a minute more allows for a phone's clock.
EXPIRY_GRACE = timedelta(minutes=1)
# Riel are asked in whole hundreds: no smaller note is in use.
RIEL_STEP = 100
NO_PAGE = "a KHQR code is paid from a bank app, not on a test checkout page"
TEST_SETTINGS = {
    "BAKONG_ACCOUNT": "esim_demo@test",
    "BAKONG_MERCHANT_NAME": "eSIM Cambodia (test)",
    "BAKONG_MERCHANT_CITY": "Phnom Penh",
}


def to_riel(cents, khr_per_usd):
    """A price in US cents as whole riel at `khr_per_usd`, to the nearest hundred riel."""
    riel = Decimal(cents) * khr_per_usd / 100 / RIEL_STEP
    return int(riel.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * RIEL_STEP


def _epoch(moment):
    return int(moment.replace(tzinfo=UTC).timestamp())


def to_session(row):
    paid = row.status == "paid"
    amount, currency = row.order_amount_cents, row.order_currency
    if paid and (row.paid_amount, row.paid_currency) != (row.amount, row.currency):
        amount, currency = row.paid_amount or 0, row.paid_currency or row.currency
    return CheckoutSession(
        id=row.md5,
        url=None,
        order_id=str(row.order_id),
        metadata_order_id=str(row.order_id),
        status={"paid": "complete", "expired": "expired"}.get(row.status, "open"),
        payment_status="paid" if paid else "unpaid",
        amount_total=amount,
        currency=currency.lower(),
        payment_method=PAYMENT_METHOD if paid else "",
        payment_intent=row.bakong_hash,
        code=PresentedCode(qr=row.qr, expires_at=_epoch(row.expires_at), deep_link=row.deep_link),
    )


class KhqrCheckout(CodeProvider, LocalPayments):
    name = "khqr"
    can_refund = False
    polls = True

    def __init__(self, config, test=False):
        self.test = test
        settings = {**config, **TEST_SETTINGS} if test else config
        self.bank = LocalBank() if test else None
        self.connector = KhqrConnector(settings, client=self.bank)
        self.currency = (config.get("KHQR_CURRENCY") or "USD").upper()
        self.khr_per_usd = int(config.get("KHQR_KHR_PER_USD") or 0)
        self.deep_links = bool(config.get("BAKONG_DEEPLINKS"))

    def _asked(self, amount_cents, currency):
        """What the code asks: the order's amount, or riel at the configured rate."""
        if self.currency == "KHR" and currency.upper() == "USD":
            if self.khr_per_usd <= 0:
                raise PaymentError("KHQR_KHR_PER_USD is not set")
            return to_riel(amount_cents, self.khr_per_usd), "KHR", self.khr_per_usd
        return amount_cents, currency.upper(), 0

    def create_checkout(self, request):
        amount, currency, rate = self._asked(request.amount_cents, request.currency)
        try:
            code = self.connector.create_code(amount, currency, request.order_number[:25])
        except ValueError as exc:
            raise PaymentError(str(exc)) from exc
        link = (self.connector.deep_link(code.qr) or "") if self.deep_links else ""
        row = KhqrCode.create(
            md5=code.md5,
            order=request.order_id,
            qr=code.qr,
            amount=code.amount,
            currency=code.currency,
            order_amount_cents=request.amount_cents,
            order_currency=request.currency.upper(),
            khr_per_usd=rate,
            deep_link=link[:500],
            created_at=code.created_at.replace(tzinfo=None),
            expires_at=code.expires_at.replace(tzinfo=None),
            next_check_at=utcnow(),
        )
        return to_session(row)

    @property
    def merchant_name(self):
        return self.connector.merchant_name

    def _code(self, md5):
        """The stored code with this MD5, or None."""
        return KhqrCode.get_or_none(KhqrCode.md5 == md5)

    def last_known(self, session_id):
        row = self._code(session_id)
        return to_session(row) if row is not None else None

    def retrieve(self, session_id):
        """The code as Bakong knows it now; a paid one is not asked about again."""
        row = self._code(session_id)
        if row is None:
            raise PaymentError(f"no KHQR code {session_id}")
        if row.status == "paid":
            return to_session(row)
        check = self.connector.check(row.md5)
        if check.status == "error":
            raise PaymentError(f"Bakong could not say whether {row.md5} was paid: {check.message}")
        if check.paid:
            KhqrCode.update(
                status="paid",
                paid_at=utcnow(),
                bakong_hash=check.hash[:255],
                payer_account=check.payer_account[:255],
                paid_amount=check.amount,
                paid_currency=check.currency[:255],
            ).where(KhqrCode.id == row.id).execute()
        elif row.status == "open" and utcnow() >= row.expires_at + EXPIRY_GRACE:
            KhqrCode.update(status="expired").where(
                KhqrCode.id == row.id, KhqrCode.status == "open"
            ).execute()
        return to_session(KhqrCode.get_by_id(row.id))

    def simulate_payment(self, md5, amount=None):
        """Test mode: the customer's bank pays the code (its own amount unless told otherwise)."""
        row = self._code(md5)
        if not self.test or row is None:
            raise PaymentError("payments are simulated only in test mode")
        self.bank.pay(md5, row.amount if amount is None else amount, row.currency)

    def pay(self, session_id):
        raise PaymentError(NO_PAGE)

    def success_url(self, session_id):
        raise PaymentError(NO_PAGE)

    def cancel_url(self, session_id):
        raise PaymentError(NO_PAGE)
