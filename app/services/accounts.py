"""Accounts: registration, sign-in checks, password reset tokens and profile changes."""

import hashlib

import zxcvbn
from flask import current_app
from peewee import IntegrityError
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import User
from app.services import notifications
from app.services import sessions
from app.services import signed

RESET_MAX_AGE = 3600
RESET_PURPOSE = "password-reset"
# Checked when the address is unknown, so both answers take as long: one per hashing method.
_dummy_hashes = {}


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash():
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


# zxcvbn reads at most 72 characters. Its scores 0 and 1 are the most common passwords and simple
# patterns ("aaaaaaaaaa", "password123", "qwertyuiop"), guessed in under a million tries.
WEAKEST_ACCEPTED_SCORE = 2


class EmailTaken(Exception):
    pass


class WrongPassword(Exception):
    pass


# Shorter parts of an address or a name ("Li", "a@…") are found inside too many good passwords.
SHORTEST_PERSONAL_PART = 3


def contains_personal_details(password, email="", name=""):
    """True when the password holds the account's email, the part of it before the @, its name or a
    word of its name, in any case: the first things a guesser who knows the account tries."""
    email = (email or "").strip().casefold()
    name = (name or "").strip().casefold()
    parts = {email, email.split("@")[0], name, *name.split()}
    typed = password.casefold()
    return any(len(part) >= SHORTEST_PERSONAL_PART and part in typed for part in parts)


def too_easy_to_guess(password, *known):
    """True for a password among the most common ones or a simple pattern (or made of `known` words)."""
    hints = [part for value in known if value for part in str(value).replace("@", " ").split()]
    return zxcvbn.zxcvbn(password[:72], user_inputs=hints)["score"] < WEAKEST_ACCEPTED_SCORE


def register(email, password, language="en", name="", phone="", role="customer"):
    """Create a customer account; raises EmailTaken if the address is in use."""
    try:
        with db.atomic():
            return User.create(
                email=email.strip().lower(),
                password_hash=hash_password(password),
                language=language,
                name=name.strip(),
                phone=phone.strip(),
                role=role,
            )
    except IntegrityError as exc:
        raise EmailTaken(email) from exc


def authenticate(email, password):
    """The user whose email and password these are, or None."""
    user = User.by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _fingerprint(user):
    # Changes whenever the password does, so a used link stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user):
    return signed.sign(RESET_PURPOSE, {"uid": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(token):
    """The user a valid, unused, unexpired token belongs to, or None (also when there is no token)."""
    if not isinstance(token, str) or not token:
        return None
    data = signed.unsign(RESET_PURPOSE, token, max_age=RESET_MAX_AGE)
    if not isinstance(data, dict):
        return None
    user = User.get_or_none(User.id == data.get("uid"))
    if user is None or data.get("fp") != _fingerprint(user):
        return None
    return user


def set_password(user, password, keep_session=None):
    """A new password: every login of the account ends but `keep_session`, and the owner is told."""
    with db.atomic():
        user.password_hash = hash_password(password)
        user.save(only=["password_hash"])
        sessions.end_all(user, keep=keep_session)
        notifications.send_password_changed(user)


def change_password(user, current, new, keep_session):
    """Change a logged-in customer's password after checking the current one."""
    if not check_password_hash(user.password_hash, current):
        raise WrongPassword()
    set_password(user, new, keep_session=keep_session)


def update_profile(user, name, phone, language):
    user.name = name.strip()
    user.phone = phone.strip()
    user.language = language
    user.save(only=["name", "phone", "language"])
    return user


def by_email(email):
    """The account with this address (case and spaces aside), or None."""
    return User.by_email(email)


def customer(user_id):
    """The customer account with this id, or None (staff accounts are not customers)."""
    return User.get_or_none(User.id == user_id, User.role == "customer")
