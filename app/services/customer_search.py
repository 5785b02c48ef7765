"""Support's customer search: each kind of query answered from an index, exact hits first.

- an order number (R and hex digits, or hex digits with a letter): by prefix of the number
  (4 to 8 hex characters of one kind are also tried as the start of an order number);
- digits in any script (spaces, dashes, brackets and + allowed): the ICCID whole or by its last digits
  (a prefix of the reversed ICCID), and the phone as E.164 digits, by prefix;
- anything else: a part of the name or email (pg_trgm on PostgreSQL, FTS5 trigrams on SQLite).

An order number never matches phones, and a phone never matches order numbers.
"""

import re

from peewee import PostgresqlDatabase
from peewee import fn

from app import phones
from app.extensions import db
from app.models import Esim
from app.models import Order
from app.models import User
from app.models import phone_digits

MIN_LENGTH = 3
PHONE_MIN_DIGITS = 6
ICCID_MIN_DIGITS = 4
ORDER_WITH_R = re.compile(r"R[0-9A-F]{3,8}")
ORDER_HEX = re.compile(r"(?=.*[A-F])(?=.*\d)[0-9A-F]{4,8}")
# A part of an order number that is all digits or all letters (about one in ten is): it is
# looked up as the start of an order number too, besides as a phone, an ICCID or a name.
ORDER_PART = re.compile(r"[0-9A-F]{4,8}")
DIGITS_ONLY = re.compile(r"\+?[\d\s().-]+")


def search(query, limit=20):
    """Customers for an agent's query (at least MIN_LENGTH characters), exact hits first."""
    query = phones.latin_digits((query or "").strip())  # Khmer (or any script's) digits as 0-9
    if len(query) < MIN_LENGTH:
        return []
    exact, near = [], []
    upper = query.upper()
    order_like = ORDER_WITH_R.fullmatch(upper) or ORDER_HEX.fullmatch(upper)
    if order_like or ORDER_PART.fullmatch(upper):
        _orders(upper if upper.startswith("R") else "R" + upper, exact, near, limit)
    if order_like and any(c.isdigit() for c in query):
        pass  # a name has no digits, and an order number is no phone
    elif DIGITS_ONLY.fullmatch(query):
        digits = re.sub(r"\D", "", query)
        if len(digits) >= ICCID_MIN_DIGITS:
            _iccids(digits, exact, near, limit)
        if len(digits) >= PHONE_MIN_DIGITS:
            _phones(query, digits, exact, near, limit)
    else:
        _names_and_emails(query.lower(), exact, near, limit)
    ids = list(dict.fromkeys(exact + near))
    if not ids:
        return []
    found = {u.id: u for u in User.select().where(User.id.in_(ids), User.role == "customer")}
    return [found[i] for i in ids if i in found][:limit]


def _starts_with(field, prefix):
    """`field` begins with `prefix`, as a range an ordinary index answers (prefix is ASCII)."""
    return (field >= prefix) & (field < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _orders(number, exact, near, limit):
    exact += [o.user_id for o in Order.select(Order.user).where(Order.number == number)]
    near += [
        o.user_id for o in Order.select(Order.user).where(_starts_with(Order.number, number)).limit(limit)
    ]


def _iccids(digits, exact, near, limit):
    exact += [e.user_id for e in Esim.select(Esim.user).where(Esim.iccid == digits)]
    tail = _starts_with(Esim.iccid_reversed, digits[::-1])
    near += [e.user_id for e in Esim.select(Esim.user).where(tail).limit(limit)]


def _phones(query, digits, exact, near, limit):
    # Written with +, 00, 0 or 855 it is one number; bare digits may also be another country's.
    forms = {phone_digits(query)}
    if not query.startswith(("+", "0")):
        forms.add(digits)
    exact += [u.id for u in User.select(User.id).where(User.phone_digits.in_(forms))]
    for form in forms:
        near += [u.id for u in User.select(User.id).where(_starts_with(User.phone_digits, form)).limit(limit)]


def _names_and_emails(text, exact, near, limit):
    exact += [u.id for u in User.select(User.id).where(User.email == text)]
    if "@" in text and exact:
        return  # a whole address: its owner, not every address that contains it
    if isinstance(db.obj, PostgresqlDatabase):
        # Answered by the pg_trgm GIN indexes on lower(name) and email (migration 012).
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matching = (fn.LOWER(User.name) ** pattern) | (User.email**pattern)
        near += [u.id for u in User.select(User.id).where(matching).limit(limit * 2)]
        return
    # The FTS5 trigram table over name and email (migration 012); the text is one quoted phrase.
    phrase = '"' + text.replace('"', '""') + '"'
    rows = db.execute_sql(
        f"SELECT rowid FROM users_search WHERE users_search MATCH {db.param} LIMIT {int(limit * 2)}",
        (phrase,),
    )
    near += [row[0] for row in rows]
