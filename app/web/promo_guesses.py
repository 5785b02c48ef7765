"""Promo codes are not guessed through the price summary: every unknown code tried counts, per
session (the account, once logged in) and per network address, and past either limit no code is
looked up for a while; the summary then says so and shows the price without a discount."""

import math
import secrets
import time

from flask import current_app
from flask import session
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse

from app.extensions import limiter
from app.services.promotions import normalise
from app.web import throttle

PER_SESSION = "10 per 15 minutes"
PER_ADDRESS = "30 per 15 minutes"
SESSION_KEY = "promo_guesses"
SCOPE = "promo-guesses"


def _this_session():
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    if not isinstance(session.get(SESSION_KEY), str):
        session[SESSION_KEY] = secrets.token_urlsafe(12)
    return f"session:{session[SESSION_KEY]}"


def _counters():
    return ((parse(PER_SESSION), _this_session()), (parse(PER_ADDRESS), f"address:{get_remote_address()}"))


def wait_seconds():
    """0 while codes may be looked up; else the seconds until the oldest guess leaves its window."""
    if not limiter.enabled:
        return 0
    waits = []
    try:
        for item, key in _counters():
            if not limiter.limiter.test(item, SCOPE, key):
                reset_at, _remaining = limiter.limiter.get_window_stats(item, SCOPE, key)
                waits.append(max(1, math.ceil(reset_at - time.time())))
    except Exception:  # noqa: BLE001 - the limits' store is down: the summary still works
        current_app.logger.exception("promo guesses not checked")
    return max(waits, default=0)


def refused(code):
    """The message for a code that is not looked up because of too many guesses, or None."""
    if not normalise(code):
        return None
    wait = wait_seconds()
    if not wait:
        return None
    return _(
        "Too many promo codes tried. Please wait %(wait)s, then try again.", wait=throttle.wait_text(wait)
    )


def note(promo_error):
    """An unknown code was tried: one guess more."""
    if promo_error.reason != "unknown" or not limiter.enabled:
        return
    try:
        for item, key in _counters():
            limiter.limiter.hit(item, SCOPE, key)
    except Exception:  # noqa: BLE001 - the limits' store is down: the summary still works
        current_app.logger.exception("promo guess not counted")
