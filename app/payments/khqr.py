"""KHQR (Bakong) payments: a code for the customer's bank app to scan, and whether it was paid.

KHQR has no hosted checkout, no webhook to us and no refund call: the portal shows a code and
asks Bakong, by the code's MD5, whether a payment for it arrived. The code is built with the
bakong-khqr package (EMVCo merchant-presented QR with Bakong's tags); the status comes from
Bakong's check_transaction_by_md5 call (see bakong_client.py). Settings, from a config dict:

- BAKONG_ACCOUNT, BAKONG_MERCHANT_NAME, BAKONG_MERCHANT_CITY: tags 29, 59 and 60 of the code;
- BAKONG_API_BASE (default the NBC host), BAKONG_TOKEN, BAKONG_TIMEOUT (seconds, default 5);
- BAKONG_QR_TTL: seconds a code stays payable (default 900).
"""

import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from decimal import ROUND_FLOOR
from decimal import Decimal
from decimal import InvalidOperation

from bakong_khqr import KHQR
from bakong_khqr.sdk import CRC

from app.payments.bakong_client import NOT_FOUND as BAKONG_NOT_FOUND
from app.payments.bakong_client import TRANSACTION_FAILED
from app.payments.bakong_client import BakongClient
from app.payments.bakong_client import BakongError

DEFAULT_API_BASE = "https://api-bakong.nbc.gov.kh"
# Digits after the point in the amount tag (54). KHR is written in whole riel: the NBC's own
# SDK (npm bakong-khqr 1.0.20) refuses a KHR amount with a fraction ("Amount is invalid").
MINOR_UNITS = {"USD": 2, "KHR": 0}

PAID, NOT_FOUND, ERROR = "paid", "not_found", "error"


@dataclass(frozen=True)
class KhqrCode:
    """One dynamic KHQR for one order: show `qr`, ask about `md5`."""

    qr: str
    md5: str
    amount: int  # smallest unit: cents for USD, riel for KHR
    currency: str
    bill_number: str
    created_at: datetime  # UTC
    expires_at: datetime  # UTC, also written in the code (tag 99, subtag 01)


@dataclass(frozen=True)
class KhqrCheck:
    """What Bakong said about a code: paid, not_found (not paid yet) or error (ask again later)."""

    status: str
    md5: str
    amount: int | None = None  # smallest unit; None when Bakong's figure cannot be read
    currency: str = ""
    hash: str = ""  # Bakong's transaction hash: the reference to quote to the bank
    payer_account: str = ""  # fromAccountId
    to_account: str = ""  # toAccountId (the documented sample shows a bridge account, not ours)
    description: str = ""
    message: str = ""  # why, for the logs

    @property
    def paid(self):
        return self.status == PAID


def _tlv(tag, value):
    return f"{tag}{len(value):02d}{value}"


def _fields(payload):
    """The top-level (tag, value) pairs of an EMVCo payload."""
    fields, i = [], 0
    while i < len(payload):
        tag, length = payload[i : i + 2], int(payload[i + 2 : i + 4])
        fields.append((tag, payload[i + 4 : i + 4 + length]))
        i += 4 + length
    return fields


def restamped(qr, created_ms, expires_ms):
    """`qr` with tag 99 holding our creation and expiry times, and its CRC (tag 63) made again.

    bakong-khqr 0.6.5 takes the expiry in whole days (at least one) and reads the clock itself.
    The NBC's SDK writes tag 99 as subtag 00, the creation time, and subtag 01, the expiry, both
    in milliseconds, and a bank app refuses a dynamic KHQR past its expiry (SDK error 46, "This
    dynamic KHQR has expired"). Only that tag is rewritten, in its place before the CRC;
    the CRC is the package's own.
    """
    stamp = _tlv("00", str(created_ms)) + _tlv("01", str(expires_ms))
    fields = [(tag, value) for tag, value in _fields(qr) if tag not in ("99", "63")]
    body = "".join(_tlv(tag, value) for tag, value in [*fields, ("99", stamp)])
    return body + CRC().value(body)


def to_smallest_unit(amount, currency):
    """Bakong's amount (a JSON number such as 1.0 or 9800) as an integer in the smallest unit.

    A fraction of a cent (or of a riel) is dropped, so a short payment never rounds up to the
    price asked.
    """
    places = MINOR_UNITS.get((currency or "").upper())
    if places is None or amount is None:
        return None
    try:
        scaled = Decimal(str(amount)).scaleb(places)
    except InvalidOperation:
        return None
    return int(scaled.to_integral_value(rounding=ROUND_FLOOR))


class KhqrConnector:
    name = "khqr"
    can_refund = False  # Bakong has no refund call: money goes back by a bank transfer

    def __init__(self, config, client=None, clock=time.time):
        for key in ("BAKONG_ACCOUNT", "BAKONG_MERCHANT_NAME", "BAKONG_MERCHANT_CITY"):
            if not config.get(key):
                raise ValueError(f"{key} is not set")
        self.account = config["BAKONG_ACCOUNT"]
        self.merchant_name = config["BAKONG_MERCHANT_NAME"]
        self.merchant_city = config["BAKONG_MERCHANT_CITY"]
        self.ttl = int(config.get("BAKONG_QR_TTL") or 900)
        self.client = client or BakongClient(
            config.get("BAKONG_API_BASE") or DEFAULT_API_BASE,
            config.get("BAKONG_TOKEN"),
            timeout=float(config.get("BAKONG_TIMEOUT") or 5),
        )
        self.clock = clock
        # Without a token the package builds codes offline and never calls out.
        self.khqr = KHQR()

    def create_code(self, amount, currency, bill_number, ttl=None):
        """A dynamic KHQR asking `amount` (smallest unit) in `currency`, payable for `ttl` seconds."""
        currency = currency.upper()
        if currency not in MINOR_UNITS:
            raise ValueError(f"KHQR takes USD or KHR, not {currency}")
        # The package turns a zero amount into a static code, which the check call refuses
        # (errorCode 2, "the system does not support static QR code").
        if not isinstance(amount, int) or amount <= 0:
            raise ValueError("a KHQR amount is a positive integer in the smallest unit")
        major = amount / 100 if MINOR_UNITS[currency] else amount
        built = self.khqr.create_qr(
            account_id=self.account,
            merchant_name=self.merchant_name,
            merchant_city=self.merchant_city,
            amount=major,
            currency=currency,
            bill_number=bill_number,
            static=False,
        )
        created_ms = int(self.clock() * 1000)
        expires_ms = created_ms + int(ttl or self.ttl) * 1000
        qr = restamped(str(built), created_ms, expires_ms)
        return KhqrCode(
            qr=qr,
            md5=self.khqr.generate_md5(qr),
            amount=amount,
            currency=currency,
            bill_number=bill_number,
            created_at=datetime.fromtimestamp(created_ms / 1000, UTC),
            expires_at=datetime.fromtimestamp(expires_ms / 1000, UTC),
        )

    def check(self, md5):
        """Whether the code with this MD5 was paid; never raises for Bakong's failures."""
        try:
            answer = self.client.check_transaction_by_md5(md5)
        except BakongError as exc:
            return KhqrCheck(ERROR, md5, message=str(exc))
        message = str(answer.get("responseMessage") or "")
        data = answer.get("data")
        if answer.get("responseCode") == 0 and isinstance(data, dict):
            currency = str(data.get("currency") or "").upper()
            return KhqrCheck(
                PAID,
                md5,
                amount=to_smallest_unit(data.get("amount"), currency),
                currency=currency,
                hash=str(data.get("hash") or ""),
                payer_account=str(data.get("fromAccountId") or ""),
                to_account=str(data.get("toAccountId") or ""),
                description=str(data.get("description") or ""),
                message=message,
            )
        # A failed attempt moved no money: the code is still unpaid and still payable.
        if answer.get("errorCode") in (BAKONG_NOT_FOUND, TRANSACTION_FAILED):
            return KhqrCheck(NOT_FOUND, md5, message=message)
        return KhqrCheck(ERROR, md5, message=f"errorCode {answer.get('errorCode')}: {message}")

    def deep_link(self, qr, app_name=None, app_icon_url=None, callback_url=None):
        """A link that opens a bank app on `qr` (Bakong's "Generate Deeplink"), or None.

        The app's name, icon and callback go together or not at all, as the documentation asks.
        """
        source = None
        if app_name and app_icon_url and callback_url:
            source = {"appIconUrl": app_icon_url, "appName": app_name, "appDeepLinkCallback": callback_url}
        try:
            return self.client.generate_deeplink(qr, source)
        except BakongError:
            return None
