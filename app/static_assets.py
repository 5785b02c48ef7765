"""Fingerprinted static URLs (cached by browsers for a year) and URL building for templates."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import has_request_context
from flask import request
from flask import url_for

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=4096)
def _built(script_root, endpoint, values):
    return url_for(endpoint, **dict(values))


def template_url_for(endpoint, **values):
    """url_for, remembering each URL: a page builds a dozen, and building one is slow.

    A URL depends on the endpoint, its values and the root the app is mounted at;
    external URLs, anchors and relative endpoints are built each time.
    """
    if endpoint.startswith(".") or any(name.startswith("_") for name in values) or not has_request_context():
        return url_for(endpoint, **values)
    try:
        return _built(request.script_root, endpoint, tuple(sorted(values.items())))
    except TypeError:  # a value that cannot be a cache key (a list)
        return url_for(endpoint, **values)


def init_app(app):
    hashes = {}

    def asset_url(filename):
        if filename not in hashes or app.debug:
            data = (Path(app.static_folder) / filename).read_bytes()
            hashes[filename] = hashlib.sha256(data).hexdigest()[:12]
        return template_url_for("static", filename=filename, v=hashes[filename])

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response

    app.jinja_env.globals.update(asset_url=asset_url, url_for=template_url_for)
