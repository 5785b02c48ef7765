"""What the portal needs from a payment provider."""

from abc import ABC
from abc import abstractmethod
from dataclasses import dataclass


class PaymentError(Exception):
    """The provider could not be reached or refused the request."""


class SignatureError(Exception):
    """A webhook whose signature is missing, wrong or too old."""


@dataclass(frozen=True)
class PresentedCode:
    """A code the payer scans with their own app (KHQR), where there is no page to send them to."""

    qr: str  # the payload to draw as a QR code
    expires_at: int  # unix time
    deep_link: str = ""  # opens a bank app on this code, where the provider made one


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    order_id: str | None  # client_reference_id
    metadata_order_id: str | None
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    amount_total: int | None
    currency: str | None  # lower case, as Stripe sends it
    payment_method: str = ""
    payment_intent: str = ""  # what a refund names
    code: PresentedCode | None = None  # for a provider that presents a code instead of a page


@dataclass(frozen=True)
class RefundInfo:
    """A refund as the provider reports it."""

    id: str
    status: str  # pending, requires_action, succeeded, failed, canceled
    amount: int
    currency: str
    payment_intent: str = ""


@dataclass(frozen=True)
class ChargeInfo:
    """A charge as the provider reports it (charge.refunded): how much of it went back."""

    id: str
    payment_intent: str
    amount: int
    amount_refunded: int
    currency: str


@dataclass(frozen=True)
class DisputeInfo:
    """A chargeback opened (or closed) by the customer's bank."""

    id: str
    payment_intent: str
    charge: str
    amount: int
    currency: str
    reason: str
    status: str


@dataclass(frozen=True)
class PaymentEvent:
    """A verified event: `type`, and the one object it is about (None when its shape is unknown)."""

    id: str
    type: str
    session: CheckoutSession | None = None
    refund: RefundInfo | None = None
    charge: ChargeInfo | None = None
    dispute: DisputeInfo | None = None
    intent: "ChargeResult | None" = None


@dataclass(frozen=True)
class CheckoutRequest:
    """Everything a provider needs to open a checkout for one order."""

    order_id: int
    order_number: str
    amount_cents: int
    currency: str
    product_name: str
    description: str
    email: str
    locale: str  # en, zh, or auto
    success_url: str  # carries {CHECKOUT_SESSION_ID}
    cancel_url: str
    expires_at: int  # unix time
    idempotency_key: str
    customer: str = ""  # the provider's customer the card may be saved on
    save_card: bool = False  # keep the card for charges made later, off-session (with consent)


@dataclass(frozen=True)
class CardSetupRequest:
    """A page where the customer saves a card, charging nothing (Checkout in setup mode)."""

    customer: str
    currency: str
    locale: str
    success_url: str  # carries {CHECKOUT_SESSION_ID}
    cancel_url: str
    user_id: int


@dataclass(frozen=True)
class SavedMethod:
    """A saved card as the provider describes it."""

    id: str
    brand: str
    last4: str


@dataclass(frozen=True)
class CardSetup:
    """A card-saving page: where to send the customer, and the card once saved."""

    id: str
    url: str | None
    status: str  # open, complete, expired
    customer: str = ""
    payment_method: str = ""
    user_id: str = ""  # client_reference_id


@dataclass(frozen=True)
class OffSessionCharge:
    """Charging a saved card while the customer is away."""

    customer: str
    payment_method: str
    amount_cents: int
    currency: str
    order_id: int
    description: str
    idempotency_key: str
    mark: str = "auto_renew"  # metadata.kind


@dataclass(frozen=True)
class ChargeResult:
    """What an off-session charge came to: `succeeded`, or `failed` with the provider's code
    (card_declined, authentication_required, ...); `needs_customer` when only the customer can
    settle it (authentication), never something to retry blindly."""

    status: str  # succeeded, failed
    payment_intent: str = ""
    amount: int = 0
    currency: str = ""
    code: str = ""
    decline_code: str = ""
    payment_method: str = ""  # how it was paid, for the receipt ("visa •••• 4242")
    order_id: str = ""  # metadata.order_id
    mark: str = ""  # metadata.kind: what made the charge

    @property
    def needs_customer(self):
        return self.code in ("authentication_required", "requires_action")


class PaymentProvider(ABC):
    name = ""
    # False: money goes back by hand (a bank transfer), so a refund is recorded as owed, not sent.
    can_refund = True
    # True: the checkout is a code shown on our page (CheckoutSession.code), not a page elsewhere.
    presents_code = False
    # True: the provider tells us nothing by webhook; the worker asks about each open checkout.
    polls = False
    # True: cards can be saved with the customer's consent and charged later, off-session.
    saves_cards = False

    @abstractmethod
    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        """Open a hosted checkout; raises PaymentError."""

    @abstractmethod
    def retrieve(self, session_id: str) -> CheckoutSession:
        """The session as the provider knows it now; raises PaymentError."""

    def last_known(self, session_id: str) -> CheckoutSession | None:
        """The session as this portal last stored it, without asking the provider (None: not kept)."""
        return None

    def verify_webhook(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """The event in a webhook request, if its signature is right; raises SignatureError."""
        raise SignatureError(f"{self.name} sends no webhooks")

    def refund(self, payment_intent: str, amount_cents: int, reason: str, idempotency_key: str) -> RefundInfo:
        """Send money back for a payment; the same key never refunds twice. Raises PaymentError."""
        raise PaymentError(f"{self.name} cannot send money back")

    def retrieve_refund(self, refund_id: str) -> RefundInfo:
        """A refund as the provider knows it now; raises PaymentError."""
        raise PaymentError(f"{self.name} makes no refunds")

    def ensure_customer(self, email: str, user_id: int, idempotency_key: str) -> str:
        """The provider's customer for this account, made now (the same key makes it once)."""
        raise PaymentError(f"{self.name} keeps no customers")

    def create_card_setup(self, request: CardSetupRequest) -> CardSetup:
        """Open a page where the customer saves a card; raises PaymentError."""
        raise PaymentError(f"{self.name} saves no cards")

    def retrieve_card_setup(self, setup_id: str) -> CardSetup:
        """A card-saving page as the provider knows it now; raises PaymentError."""
        raise PaymentError(f"{self.name} saves no cards")

    def list_cards(self, customer: str) -> list[SavedMethod]:
        """The cards saved on the customer; raises PaymentError."""
        return []

    def detach_card(self, payment_method: str) -> None:
        """Forget a saved card for good; raises PaymentError."""
        raise PaymentError(f"{self.name} saves no cards")

    def charge_off_session(self, charge: OffSessionCharge) -> ChargeResult:
        """Charge a saved card without the customer; the same key never charges twice.

        A decline is a ChargeResult, not an error; raises PaymentError when the provider
        could not be reached (then nothing is known, and the same key may be tried again)."""
        raise PaymentError(f"{self.name} saves no cards")
