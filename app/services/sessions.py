"""Logins kept on the server: each device's login is a row, so it can be ended from anywhere.

The session cookie carries only the row's random token (Flask-Login's alternative id).
Logging out deletes the row, so a copy of the cookie taken earlier opens nothing; a
password change deletes every other row of the account.
"""

import secrets
from datetime import timedelta

from app.models import User
from app.models import UserSession
from app.models import utcnow

# A login unused for a week ends, and none lasts longer than 30 days.
IDLE_LIMIT = timedelta(days=7)
ABSOLUTE_LIMIT = timedelta(days=30)
# last_seen_at is written at most this often, not on every page.
TOUCH_EVERY = timedelta(hours=1)


def start(user, user_agent=""):
    """A new login for `user`; sets user.session_token, which Flask-Login stores in the cookie."""
    token = secrets.token_urlsafe(32)
    UserSession.create(token=token, user=user, user_agent=(user_agent or "")[:200])
    user.session_token = token
    return token


def user_for(token, now=None):
    """The user logged in by `token`, or None when that login ended or ran out."""
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    now = now or utcnow()
    row = UserSession.select(UserSession, User).join(User).where(UserSession.token == token).first()
    if row is None:
        return None
    if now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > ABSOLUTE_LIMIT:
        end(token)
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        UserSession.update(last_seen_at=now).where(UserSession.id == row.id).execute()
    user = row.user
    user.session_token = token
    return user


def end(token):
    """End one login (logout)."""
    if token:
        UserSession.delete().where(UserSession.token == token).execute()


def end_all(user, keep=None):
    """End every login of `user` but `keep` (the token of the device asking); returns how many."""
    query = UserSession.delete().where(UserSession.user == user.id)
    if keep:
        query = query.where(UserSession.token != keep)
    return query.execute()


def count_other(user, token):
    """How many other devices `user` is logged in on."""
    return UserSession.select().where(UserSession.user == user.id, UserSession.token != token).count()
