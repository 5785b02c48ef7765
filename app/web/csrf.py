"""The CSRF token pages show: Flask-WTF's, signed once per session and kept in it.

Flask-WTF's generate_csrf signs the session's token again, with the current time, on
every request that shows it (itsdangerous's key derivation, JSON, HMAC and base64): 13 %
of the least a logged-in page costs. With WTF_CSRF_TIME_LIMIT=None the time in the
signature is never checked, so a token signed once stays valid for as long as the session
keeps the token it signs, and CSRFProtect (validate_csrf) checks it like any other. The
session loses both together (logging out clears it, logging in renews it).
"""

from flask import abort
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_wtf.csrf import generate_csrf

SIGNED = "csrf_signed"


def csrf_token():
    """The signed token for forms and htmx headers; signed on the session's first page only."""
    config = current_app.config
    if config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()  # a token that expires must be signed afresh
    signed = session.get(SIGNED)
    if signed is None or config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in session:
        signed = session[SIGNED] = generate_csrf()
    return signed


def renew():
    """A new token from the next page on (at login): a token a page showed before opens nothing after."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    session.pop(SIGNED, None)
    g.pop(name, None)  # generate_csrf's copy for this request


def refuse_nameless_parts():
    """A 400 for a multipart body with a part that has no name (Werkzeug names it None), which
    CSRFProtect's token lookup and WTForms would otherwise fail on with a 500."""
    if request.mimetype == "multipart/form-data" and (None in request.form or None in request.files):
        abort(400)


def init_app(app):
    # Before every other check, CSRFProtect's included: it reads the form's names first.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nameless_parts)
    # Flask-WTF gives templates `csrf_token` as a global and from a context processor; both are
    # replaced (after CSRFProtect.init_app) by the kept token: a macro imported without context
    # sees only the global, and would otherwise sign afresh, giving one page two tokens.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
