"""Translated error pages: a person never sees a bare status code or a stack trace."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from app.extensions import limiter
from app.web import throttle

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (_l("Not allowed"), _l("Your account cannot open this page.")),
    404: (_l("Page not found"), _l("We could not find that page.")),
    405: (_l("Not allowed"), _l("That action is not available here.")),
    413: (
        _l("Too much at once"),
        _l("What you sent is larger than any form here takes. Please go back and try again."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Please wait a minute before trying again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Please try again in a few minutes."),
    ),
}


def render_error(code, message=None):
    title, default = MESSAGES[code]
    return render_template("errors/error.html", title=title, message=message or default), code


def render_https_needed(secure_url):
    """Plain HTTP in production: the secure cookies would never come back, so nothing would work."""
    return render_template("errors/https.html", secure_url=secure_url), 403


def _too_many(e):
    # A limit that shows its own form again (the wait, what was typed) says so through the throttle.
    page = throttle.breach_response()
    if page is not None:
        return page
    waits = [throttle.wait_seconds(limit) for limit in limiter.current_limits if limit.breached]
    if waits:
        message = _l("Please wait %(wait)s before trying again.", wait=throttle.wait_text(max(waits)))
        return render_error(429, message)
    return render_error(429)


def init_app(app):
    for code in MESSAGES:
        if code != 429:
            app.register_error_handler(code, lambda e, code=code: render_error(code))
    app.register_error_handler(429, _too_many)

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(
            400, _l("Your form expired or came from another site. Please reload the page and try again.")
        )
