"""The payment providers: Stripe Checkout with keys, else the local test provider; and KHQR."""

from flask import current_app

from app.payments.base import LocalPayments
from app.payments.base import PaymentError
from app.payments.base import SignatureError

KHQR = "khqr"


def get_provider(name=None):
    """The provider called `name`, or the default one for cards and wallets.

    The default is Stripe when STRIPE_SECRET_KEY is set (and PAYMENTS is not "test"),
    otherwise local test payments. "khqr" is KHQR, with Bakong when the merchant's account
    is set, else (test mode only) with the local test bank. Clients are kept per app (and per
    settings), so HTTP connections and the KHQR builder's assets are reused.
    """
    config = current_app.config
    if name == KHQR:
        if not khqr_offered():
            raise PaymentError(
                "KHQR is not set up (BAKONG_ACCOUNT, BAKONG_MERCHANT_NAME, BAKONG_MERCHANT_CITY)"
            )
        from app.payments.khqr_checkout import KhqrCheckout

        test = not khqr_configured(config)
        key = (test, *(config.get(k) for k in KHQR_SETTINGS))
        return _kept("khqr_checkout", key, lambda: KhqrCheckout(config, test=test))
    if not test_mode():
        from app.payments.stripe_checkout import StripeCheckout

        key = (
            config["STRIPE_SECRET_KEY"],
            config.get("STRIPE_API_BASE"),
            config.get("STRIPE_WEBHOOK_SECRET"),
        )
        return _kept("stripe_checkout", key, lambda: StripeCheckout(config))
    from app.payments.local_checkout import LocalCheckoutProvider

    return LocalCheckoutProvider(config)


def local_payments(name=None) -> LocalPayments:
    """Test mode's own operations of the provider called `name`; raises PaymentError if it has none."""
    provider = get_provider(name)
    if not isinstance(provider, LocalPayments):
        raise PaymentError(f"{provider.name} has no test-mode operations")
    return provider


KHQR_SETTINGS = (
    "BAKONG_ACCOUNT",
    "BAKONG_MERCHANT_NAME",
    "BAKONG_MERCHANT_CITY",
    "BAKONG_API_BASE",
    "BAKONG_TOKEN",
    "BAKONG_TIMEOUT",
    "BAKONG_QR_TTL",
    "BAKONG_DEEPLINKS",
    "KHQR_CURRENCY",
    "KHQR_KHR_PER_USD",
)


def _kept(slot, key, make):
    kept = current_app.extensions.get(slot)
    if kept is None or kept[0] != key:
        kept = (key, make())
        current_app.extensions[slot] = kept
    return kept[1]


def test_mode():
    """True when payments are the local test provider's (create_app refuses this in production)."""
    config = current_app.config
    return config.get("PAYMENTS") == "test" or not config.get("STRIPE_SECRET_KEY")


def khqr_offered():
    """KHQR is offered with the merchant's Bakong account, or in test mode with the test bank.

    Production without the account never shows a KHQR: it does not fall back to test payments.
    """
    return khqr_configured(current_app.config) or test_mode()


def khqr_configured(config):
    """True when the merchant's Bakong account is set, so KHQR goes to the real Bakong."""
    return all(config.get(k) for k in KHQR_SETTINGS[:3])


__all__ = [
    "KHQR",
    "PaymentError",
    "SignatureError",
    "get_provider",
    "khqr_configured",
    "khqr_offered",
    "local_payments",
    "test_mode",
]
