"""The portal plus one page with the site's layout and nothing in it, for the benchmark.

Its throughput is what every logged-in page pays before its own content: session and
login, the CSRF token, the locale, the layout's links and strings, and brotli.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import render_template  # noqa: E402
from flask_login import login_required  # noqa: E402

from wsgi import app  # noqa: E402

EMPTY_PAGE = app.jinja_env.from_string('{% extends "base.html" %}')


@app.route("/bench/layout")
@login_required
def layout():
    return render_template(EMPTY_PAGE)
