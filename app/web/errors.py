"""Translated error pages: a person never sees a bare status code or a stack trace.

With the database down, every page says the portal will be back shortly: a page of its own that
needs no database (no logged-in user, no layout), in the language the browser asks for.
"""

import peewee
import psycopg2
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from app.extensions import limiter
from app.labels import LANGUAGES
from app.web import locale
from app.web import throttle

# The database cannot be reached (down, restarting, refusing connections, the file unreadable).
DATABASE_DOWN = (
    peewee.OperationalError,
    peewee.InterfaceError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)
BACK_IN_SECONDS = 30

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


def _database_down(e):
    current_app.logger.warning("database unreachable: %s", e)
    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        lang = request.cookies.get(locale.LANG_COOKIE)
    if lang not in LANGUAGES:
        lang = locale.negotiate(request.headers.get("Accept-Language", ""))[0]
    # The language is chosen here, and the template rendered without the context processors: the usual
    # choice and Flask-Login's `current_user` both look up the logged-in user, in the database.
    with force_locale(lang):
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        page = template.render(html_lang=locale.HTML_LANG[lang])
    response = current_app.make_response((page, 503))
    response.headers["Retry-After"] = str(BACK_IN_SECONDS)
    # Said outright, so no after-request hook asks whether someone is logged in (the database again).
    response.headers["Cache-Control"] = "no-store"
    return response


def _server_error(e):
    # An error page that failed on the database (the layout asks who is logged in) ends up here.
    if isinstance(getattr(e, "original_exception", None), DATABASE_DOWN):
        return _database_down(e.original_exception)
    return render_error(500)


def init_app(app):
    for code in MESSAGES:
        if code not in (429, 500):
            app.register_error_handler(code, lambda e, code=code: render_error(code))
    app.register_error_handler(429, _too_many)
    app.register_error_handler(500, _server_error)
    for error in DATABASE_DOWN:
        app.register_error_handler(error, _database_down)

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(
            400, _l("Your form expired or came from another site. Please reload the page and try again.")
        )
