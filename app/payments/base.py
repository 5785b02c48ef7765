"""What the portal needs from a payment provider: everything a service calls on one is declared here.

`PaymentProvider` is every provider's contract; `CodeProvider` adds what a provider that shows a
code on our page (KHQR) tells the payer; `LocalPayments` holds test mode's own operations, which
stand in for the payer's clicks at a hosted checkout or their bank app.
"""

from abc import ABC
from abc import abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from app.payments.saved_cards import CardSetup
from app.payments.saved_cards import CardSetupRequest
from app.payments.saved_cards import ChargeResult
from app.payments.saved_cards import OffSessionCharge
from app.payments.saved_cards import SavedMethod


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


class EventFact(StrEnum):
    """What a provider's event tells the portal, whatever the provider calls it."""

    COMPLETED = "completed"  # a checkout was completed: paid, or a delayed payment on its way
    EXPIRED = "expired"  # a checkout ran out unpaid
    PAYMENT_FAILED = "payment_failed"  # a delayed payment failed after its checkout completed
    REFUND_CHANGED = "refund_changed"  # a refund was made, moved on, or failed
    CHARGE_REFUNDED = "charge_refunded"  # how much of a charge has gone back, in all
    DISPUTED = "disputed"  # a chargeback was opened, moved on, or closed
    CHARGED_OFF_SESSION = "charged_off_session"  # a saved card was charged while its owner was away


@dataclass(frozen=True)
class PaymentEvent:
    """A verified event: `type`, and the one object it is about (None when its shape is unknown)."""

    id: str
    type: str
    session: CheckoutSession | None = None
    refund: RefundInfo | None = None
    charge: ChargeInfo | None = None
    dispute: DisputeInfo | None = None
    intent: ChargeResult | None = None  # an off-session charge (payment_intent.*)


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


class PaymentProvider(ABC):
    """A provider that takes payments for orders; the services reach it through these alone."""

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

    def fact(self, event: PaymentEvent) -> EventFact | None:
        """What one of this provider's events tells the portal; None for an event it does not act on."""
        return None

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


class CodeProvider(PaymentProvider):
    """A provider whose checkout is a code shown on our page, paid from the payer's own app."""

    presents_code = True

    @property
    @abstractmethod
    def merchant_name(self) -> str:
        """The name written into each code, which the payer's app shows before they pay."""


class LocalPayments(ABC):
    """Test mode's own operations: what the payer would do at a hosted checkout or in a bank app.

    None of them moves real money. A provider answers those its test mode has no place for by
    raising PaymentError (a shown code has no checkout page; the test page has no bank).
    """

    @abstractmethod
    def pay(self, session_id: str) -> PaymentEvent:
        """ "Pay (test)" on the local checkout page: the session completes, paid.

        Returns the event the provider would have sent; raises PaymentError when the session is not open.
        """

    @abstractmethod
    def success_url(self, session_id: str) -> str:
        """Where the payer goes after "Pay (test)": the checkout's return address, with its id."""

    @abstractmethod
    def cancel_url(self, session_id: str) -> str:
        """Where the payer goes after "Cancel" on the test page: the checkout's cancel address."""

    def add_card(self, customer: str, outcome: str = "succeeded") -> SavedMethod:
        """A test card saved on `customer`; `outcome` is what charging it later answers
        (succeeded, card_declined, authentication_required). Raises PaymentError where cards are not saved."""
        raise PaymentError("this test provider saves no cards")

    def complete_card_setup(self, setup_id: str, outcome: str = "succeeded") -> str:
        """ "Save this card (test)" on the local card page: where the payer goes next."""
        raise PaymentError("this test provider saves no cards")

    def setup_cancel_url(self, setup_id: str) -> str:
        """Where the payer goes after "Cancel" on the local card page."""
        raise PaymentError("this test provider saves no cards")

    @abstractmethod
    def simulate_payment(self, session_id: str, amount: int | None = None) -> None:
        """The payer's bank pays a shown code: its own amount unless told otherwise (smallest unit).

        Raises PaymentError outside test mode.
        """
