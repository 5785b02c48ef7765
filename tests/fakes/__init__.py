"""Local stand-ins for Stripe, Airalo, Bakong and Telegram, each built from the provider's documented
examples."""
