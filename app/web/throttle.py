"""Rate limits keyed by what an abuser repeats, and a 429 that says how long and keeps the form.

Failed logins from a browser where the account logged in before (its device cookie,
app/web/device_cookies.py) count against that browser alone. Those from unknown devices
count per account and address together, so a stranger's guesses never slow the owner down
from their own phone, and per address; the windows grow (30 seconds, 5 minutes, 15 minutes)
instead of banning for an hour. Registrations and purchases count per email address, and
per network address only what succeeded, so many travellers behind one airport Wi-Fi can all
buy. Reset requests count per email and address (or device), so strangers elsewhere cannot
keep the owner from asking.
"""

import math
import time
from datetime import timedelta

from flask import current_app
from flask import g
from flask import request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse

from app.extensions import limiter
from app.web import device_cookies


def _email():
    return (request.form.get("email") or "").strip().lower()[:254]


def login_key():
    """One account tried from one network address."""
    return f"{_email()}|{get_remote_address()}"


def known_device():
    """True when this browser's device cookie was given to the account the form names."""
    return device_cookies.nonce_for(_email()) is not None


def unknown_device():
    return not known_device()


def device_key():
    """One known device (its cookie's nonce): its own failures lock out that browser only."""
    return f"device:{device_cookies.nonce_for(_email())}"


def reset_key():
    """One email asked for from one known device, or else from one network address."""
    nonce = device_cookies.nonce_for(_email())
    return f"{_email()}|device:{nonce}" if nonce else f"{_email()}|{get_remote_address()}"


def first_in(limit, *key):
    """True, and counted, unless `key` already had `limit`'s share (a silent cap, e.g. on emails)."""
    if not limiter.enabled:
        return True
    try:
        return limiter.limiter.hit(parse(limit), "first_in", *key)
    except Exception:  # noqa: BLE001 - the store (Redis) is down: let it through rather than fail the page
        current_app.logger.warning("rate-limit store unreachable: %s not counted", limit, exc_info=True)
        return True


def email_key():
    """The email address a form was sent for (the logged-in account when there is none)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return _email()


def counts(response):
    """Deduct only for requests the view marked with count_this() (a failure, or an account made)."""
    return bool(g.get("throttle_counts"))


def count_this():
    g.throttle_counts = True


def wait_seconds(request_limit):
    """Seconds until the oldest counted try leaves the window (the window's reset time)."""
    reset_at, _remaining = request_limit.window
    return max(1, math.ceil(reset_at - time.time()))


def wait_text(seconds):
    """How long to wait, in the page's language, rounded up so that it is never too short."""
    if seconds > 60:
        seconds = math.ceil(seconds / 60) * 60
    return format_timedelta(timedelta(seconds=seconds), threshold=1.1)


def keep_form(render):
    """An on_breach callback: notes the longest wait of the limits this request broke, and the page
    to show again; the 429 handler (breach_response) then renders it once."""

    def on_breach(request_limit):
        g.throttle_wait = max(g.get("throttle_wait", 0), wait_seconds(request_limit))
        g.throttle_render = render

    return on_breach


# The forms' password fields, which a page never shows again filled in.
PASSWORD_FIELDS = ("password", "current", "confirm")


def _too_many_tries(wait):
    """The 429 message: it says only what is true of the form shown again (passwords come back empty)."""
    sent = request.form if request.method == "POST" else {}
    if not any(name in sent for name in PASSWORD_FIELDS):
        return _(
            "Too many tries. Please wait %(wait)s, then try again. What you typed is still here.", wait=wait
        )
    if "email" in sent:
        return _(
            "Too many tries. Please wait %(wait)s, then try again. Your email is still here; "
            "type your password again.",
            wait=wait,
        )
    return _("Too many tries. Please wait %(wait)s, then type your passwords again.", wait=wait)


def breach_response():
    """The page the broken limit named, its form filled in as sent, the true wait, and a 429; or None."""
    render = g.get("throttle_render")
    if render is None:
        return None
    wait = g.throttle_wait
    message = _too_many_tries(wait_text(wait))
    response = current_app.make_response(render(message))
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


def limit_counted(limits, key_func, render, exempt_when=None):
    """A limit on the requests that count_this() marks (failed logins; registrations and orders that
    reached the database), checked before the view runs; a form sent back with a typo never counts."""
    return limiter.limit(
        limits,
        key_func=key_func,
        methods=["POST"],
        deduct_when=counts,
        on_breach=keep_form(render),
        exempt_when=exempt_when,
    )


def limit_attempts(limits, key_func, render, exempt_when=None):
    """A limit on every POST with the same key."""
    return limiter.limit(
        limits, key_func=key_func, methods=["POST"], on_breach=keep_form(render), exempt_when=exempt_when
    )


def count_as(name):
    """Mark this request for the limits declared with limit_shared_counted(name, ...) (an order made)."""
    g.throttle_counted_as = {*g.get("throttle_counted_as", ()), name}


def limit_shared_counted(name, limits, key_func, render, methods=("POST",)):
    """A limit shared by every view that declares it under `name`, counting only the requests marked
    count_as(name): each kind of request counts its own act, apart from other limits on the view."""

    def marked(response):
        return name in g.get("throttle_counted_as", ())

    return limiter.shared_limit(
        limits,
        scope=name,
        key_func=key_func,
        methods=list(methods),
        deduct_when=marked,
        on_breach=keep_form(render),
    )


NEW_ORDERS_PER_ACCOUNT = "10 per 15 minutes"


def limit_new_orders(render):
    """Orders made per account (renewals and new eSIMs together); a request that gave back the same
    pending order (one order per intention) does not count."""
    return limit_shared_counted("new-orders", NEW_ORDERS_PER_ACCOUNT, email_key, render)


def count_new_order():
    count_as("new-orders")
