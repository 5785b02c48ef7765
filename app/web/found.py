"""The one eSIM a browser may read after opening a /find link: no login, that eSIM only, for a while."""

import time

from flask import session

FOUND = "found_esim"
GRANT_SECONDS = 30 * 60


def grant(esim_id):
    session[FOUND] = {"e": esim_id, "until": int(time.time()) + GRANT_SECONDS}


def found_esim_id():
    """The eSIM this browser opened by a /find link, while its half hour lasts; else None."""
    found = session.get(FOUND)
    if not isinstance(found, dict) or not isinstance(found.get("e"), int):
        return None
    if found.get("until", 0) < time.time():
        session.pop(FOUND, None)
        return None
    return found["e"]


def may_read(esim_id):
    return esim_id is not None and found_esim_id() == esim_id
