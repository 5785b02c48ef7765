"""Device cookies, as OWASP describes them ("Slow Down Online Guessing Attacks with Device Cookies").

A browser where an account logged in receives a signed cookie naming that account (a digest of
its email) and a random nonce, renewed at every login. A login that presents it for the same
account is a known device: its failures count against that cookie alone, and strangers' failures
(on its network address, or on the account from unknown devices) never lock it out. A cookie for
another account, or one that is forged or expired, makes an unknown device like any other. One
cookie per browser: the account that logged in there last.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import after_this_request
from flask import current_app
from flask import g
from flask import request

from app.services import signed

COOKIE = "device"
PURPOSE = "device-cookie"
MAX_AGE = timedelta(days=365)


def _account(email):
    # A digest, so the cookie does not show the address to whoever reads a shared computer's cookies.
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _presented():
    """(account digest, nonce) of this browser's valid device cookie, or None; read once a request."""
    if "device_cookie" not in g:
        token = request.cookies.get(COOKIE)
        value = signed.unsign(PURPOSE, token, max_age=MAX_AGE.total_seconds()) if token else None
        valid = isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
        g.device_cookie = tuple(value) if valid else None
    return g.device_cookie


def nonce_for(email):
    """The nonce of this browser's device cookie when it was given to `email`'s account, else None."""
    presented = _presented()
    if presented and email and presented[0] == _account(email):
        return presented[1]
    return None


def remember(user):
    """After a login: this browser gets a fresh device cookie for `user` with the response."""
    token = signed.sign(PURPOSE, [_account(user.email), secrets.token_urlsafe(16)])

    @after_this_request
    def _set(response):
        response.set_cookie(
            COOKIE,
            token,
            max_age=MAX_AGE,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response
