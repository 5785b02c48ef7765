"""The portal plus two bare pages, for the benchmark: what a logged-in page pays before its content.

/bench/layout is the site's layout and nothing in it: session and login, the CSRF
token, the locale, the layout's links and strings, and brotli.

/bench/floor has no layout: a template of fixed text as long as the dashboard's
page, with the CSRF token every page carries. It is the least any logged-in page
of this stack (Flask, Flask-Login, Flask-WTF, Flask-Babel, Flask-Compress, peewee)
costs.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import render_template  # noqa: E402
from flask_login import login_required  # noqa: E402

from wsgi import app  # noqa: E402

EMPTY_PAGE = app.jinja_env.from_string('{% extends "base.html" %}')
FLOOR_PAGE = app.jinja_env.from_string(
    '<!doctype html><body data-hx-headers=\'{"X-CSRFToken": "{{ csrf_token() }}"}\'>\n'
    + "<p>The same fixed text on every request, as long as the dashboard's page.</p>\n" * 36
)


@app.route("/bench/layout")
@login_required
def layout():
    return render_template(EMPTY_PAGE)


@app.route("/bench/floor")
@login_required
def floor():
    return render_template(FLOOR_PAGE)
