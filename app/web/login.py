"""Logging a person in and out: Flask-Login over the server-side sessions of services.sessions."""

from flask import request
from flask import session
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from app.extensions import login_manager
from app.services import sessions
from app.web import csrf
from app.web import device_cookies
from app.web import locale


@login_manager.user_loader
def load_user(token):
    return sessions.user_for(token)


def sign_in(user):
    """Start a server-side session for `user` on this device and log it in, with a new CSRF token;
    the browser becomes a known device of the account. A language chosen before login stays."""
    chosen = locale.deliberate_choice()
    sessions.start(user, request.user_agent.string)
    login_user(user)
    csrf.renew()
    device_cookies.remember(user)
    if chosen is not None:
        locale.choose(chosen)


def sign_out():
    """End this device's session on the server too, so a copied cookie opens nothing afterwards; the
    language shown stays (the profile's, or this browser's choice), not an older one."""
    chosen = locale.deliberate_choice()
    if current_user.is_authenticated:
        sessions.end(current_user.session_token)
    logout_user()
    session.clear()
    if chosen is not None:
        locale.choose(chosen)


def current_token():
    return current_user.session_token if current_user.is_authenticated else None
