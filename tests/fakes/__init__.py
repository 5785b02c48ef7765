"""Local stand-ins for Stripe, Airalo and Bakong, each built from the provider's documented examples."""
