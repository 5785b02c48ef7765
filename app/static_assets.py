"""Fingerprinted static URLs, cached by browsers for a year."""

import hashlib
from pathlib import Path

from flask import request
from flask import url_for

YEAR = 365 * 24 * 3600


def init_app(app):
    hashes = {}

    def asset_url(filename):
        if filename not in hashes or app.debug:
            data = (Path(app.static_folder) / filename).read_bytes()
            hashes[filename] = hashlib.sha256(data).hexdigest()[:12]
        return url_for("static", filename=filename, v=hashes[filename])

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response

    app.jinja_env.globals.update(asset_url=asset_url)
