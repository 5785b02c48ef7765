"""What a provider that saves cards is asked and answers: saving a card (Checkout in setup mode),
the cards saved, and charging one while the customer is away (off-session)."""

from dataclasses import dataclass


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
    user_id: str = ""  # metadata.user_id


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
