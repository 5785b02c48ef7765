"""Cursors in query strings: the id of the last row an earlier page showed."""

from flask import request

# The largest id either database stores (a signed 64-bit integer); SQLite fails on a larger one.
ID_MAX = 2**63 - 1


def cursor(name):
    """The query argument `name` as a row id, or None (the first page) when it is absent or no id."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= ID_MAX else None
