"""The payment provider: Stripe Checkout with keys, else the local test provider."""

from flask import current_app

from app.payments.base import PaymentError
from app.payments.base import SignatureError


def get_provider():
    """Stripe when STRIPE_SECRET_KEY is set (and PAYMENTS is not "test"), otherwise local test payments.

    The Stripe client is kept per app (and per key), so its HTTP connections are reused.
    """
    config = current_app.config
    if not test_mode():
        from app.payments.stripe_checkout import StripeCheckout

        key = (
            config["STRIPE_SECRET_KEY"],
            config.get("STRIPE_API_BASE"),
            config.get("STRIPE_WEBHOOK_SECRET"),
        )
        kept = current_app.extensions.get("stripe_checkout")
        if kept is None or kept[0] != key:
            kept = (key, StripeCheckout(config))
            current_app.extensions["stripe_checkout"] = kept
        return kept[1]
    from app.payments.test_checkout import LocalTestCheckout

    return LocalTestCheckout(config)


def test_mode():
    """True when payments are the local test provider's (create_app refuses this in production)."""
    config = current_app.config
    return config.get("PAYMENTS") == "test" or not config.get("STRIPE_SECRET_KEY")


__all__ = ["PaymentError", "SignatureError", "get_provider", "test_mode"]
