"""What the tests share: logging in, forms, the outbox, paying and reading codes."""
