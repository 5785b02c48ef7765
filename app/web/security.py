"""Security headers, private pages kept out of caches, hosts and plain HTTP refused."""

from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from flask import abort
from flask import current_app
from flask import request
from flask.globals import request_ctx
from flask_login import current_user

from app.extensions import READS
from app.services import links
from app.web import errors

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


# What a document needs; a response shown as a page carries these. A fragment htmx swaps into
# a page (an htmx request, which a navigation can never be) is governed by that page's headers:
# CSP, framing, referrer and permissions policies are read from documents only. A redirect is
# followed, never shown, and its next request keeps the referrer policy of the page that made it.
DOCUMENT_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = {"Strict-Transport-Security": "max-age=31536000"}


def _document_headers(headers):
    def add_headers(response):
        if request.headers.get("HX-Request") == "true":
            # The headers depend on it, so a cache must not give this answer to a navigation.
            response.vary.add("HX-Request")
            return response
        if 300 <= response.status_code < 400:
            return response
        # A view may set its own (the install page's Referrer-Policy); one pass over the headers.
        present = {name.lower() for name, _value in response.headers}
        for name, value in headers.items():
            if name.lower() not in present:
                response.headers.add(name, value)
        return response

    return add_headers


def _refuse_nul():
    # No form or address here has a NUL character, and PostgreSQL cannot store one: refuse it plainly.
    # A NUL in the query string can only arrive percent-encoded; a form's fields are read decoded.
    if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
        abort(400)
    if request.method not in READS:
        if any("\x00" in f"{key}{value}" for key, values in request.form.lists() for value in values):
            abort(400)


# Pages anyone may see that show nothing of a person (when nobody is logged in): caches may keep them.
# Every other answer, and every answer to a logged-in person, is private and never stored.
PUBLIC_PAGES = {
    "static",
    "plans.index",
    "plans.help_page",
    "shop.compatibility",
    "shop.buy",
    "auth.login",
    "auth.register",
    "auth.forgot_password",
}


def _private_unless_public(response):
    if "Cache-Control" in response.headers:
        return response  # the view chose (a poll's revalidated fragment, a QR image to save)
    if (request.endpoint is None or request.endpoint in PUBLIC_PAGES) and not current_user.is_authenticated:
        return response
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _refused_host_keeps_its_links():
    # A host that TRUSTED_HOSTS refuses leaves the request without a URL map; the 400 page that
    # follows builds its own links (stylesheet, menu) on PUBLIC_URL's instead.
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = links.public_adapter()


def _https_only():
    """Production over plain HTTP: say that HTTPS is needed, rather than letting every form fail."""
    if request.scheme == "https":
        return None
    public = urlsplit(current_app.config["PUBLIC_URL"])
    query = request.query_string.decode("utf-8", "replace")
    secure = urlunsplit(("https", public.netloc, public.path.rstrip("/") + request.path, query, ""))
    current_app.logger.warning(
        "Plain HTTP refused; behind a TLS proxy, set PROXY_COUNT and have it send X-Forwarded-Proto."
    )
    return errors.render_https_needed(secure)


def init_app(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _refused_host_keeps_its_links)
    if not app.config["DEVELOPMENT"] and not app.config["TESTING"]:
        app.before_request(_https_only)
    app.before_request(_refuse_nul)
    app.after_request(_private_unless_public)
    secure = app.config["SESSION_COOKIE_SECURE"]
    app.after_request(_document_headers(DOCUMENT_HEADERS | (HSTS if secure else {})))
