"""Signed tokens for links sent outside a session: reset, install, payment and cancel links."""

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer


def _serializer(purpose):
    # The purpose is the salt, so a token made for one kind of link opens no other.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def sign(purpose, value):
    return _serializer(purpose).dumps(value)


def unsign(purpose, token, max_age=None):
    """The signed value, or None if the token is forged, for another purpose, or older than max_age."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
