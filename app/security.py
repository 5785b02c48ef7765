"""Security headers on every response and the rule for safe redirects."""

from urllib.parse import urlsplit

from flask import abort
from flask import request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self' https://checkout.stripe.com",
        "frame-ancestors 'none'",
    ]
)


def safe_next(target, fallback):
    """Return `target` only if it is a path on this site, else `fallback`."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _headers(response):
    # A view may set its own (the install page's Referrer-Policy); one pass over the
    # headers instead of a search per header, as this runs on every response.
    present = {name.lower() for name, _value in response.headers}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


def _refuse_nul():
    # No form or address here has a NUL character, and PostgreSQL cannot store one: refuse it plainly.
    sent = [request.path, *(f"{key}{value}" for key, values in request.values.lists() for value in values)]
    if any("\x00" in text for text in sent):
        abort(400)


def init_app(app):
    app.before_request(_refuse_nul)
    app.after_request(_headers)
    if app.config["SESSION_COOKIE_SECURE"]:

        @app.after_request
        def _hsts(response):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response
