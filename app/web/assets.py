"""Static files: fingerprinted URLs, answered before the Flask app, compressed once.

A static file depends on nothing but itself: not the session, the login or the
language. So /static is answered by a small WSGI layer in front of Flask: no request
hooks run, the session is never opened (no `Vary: Cookie`, no Set-Cookie), and nothing
is compressed per request. Each file is read and hashed once per process (again only
if it changes on disk), and compressed with brotli at its highest quality and gzip -9
the first time a browser asks for that encoding; the copies live in memory, so there
is no build step and no generated file to keep in step with its source.

Pages link `/static/<file>?v=<hash>`. That address is immutable for a year. Any other
`v` (an old page asking for a file that has changed since, or a made-up one) is
redirected to the current hash, so a wrong fingerprint is never cached as the file;
the bare address is sent with `no-cache`, revalidated by its ETag.
"""

import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass
from dataclasses import field
from stat import S_ISREG

import brotli
from flask import current_app
from werkzeug.security import safe_join
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from app.web import remembered

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
ENCODINGS = ("br", "gzip")  # in order of preference when a browser takes both alike
# Below this, compressing saves less than the Content-Encoding header costs.
MIN_COMPRESS_SIZE = 256


def _compress(data, encoding):
    if encoding == "br":
        return brotli.compress(data, quality=11)
    return gzip.compress(data, compresslevel=9, mtime=0)


@dataclass
class Asset:
    data: bytes
    mimetype: str
    fingerprint: str = ""
    _encoded: dict = field(default_factory=dict)

    def __post_init__(self):
        self.fingerprint = hashlib.sha256(self.data).hexdigest()[:12]

    def encoded(self, encoding):
        """The file in `encoding` (compressed on first use), or None where that is no smaller."""
        if encoding not in self._encoded:
            packed = _compress(self.data, encoding) if len(self.data) >= MIN_COMPRESS_SIZE else None
            self._encoded[encoding] = packed if packed is not None and len(packed) < len(self.data) else None
        return self._encoded[encoding]


# One entry per file path, for the whole process (every app shares the files on disk):
# path -> ((mtime, size), Asset).
_loaded = {}


def load(folder, filename):
    """The Asset for `filename` under `folder`, or None if there is no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    if not S_ISREG(found.st_mode):  # the same stat says whether it is a file: no second look
        return None
    version = (found.st_mtime_ns, found.st_size)
    entry = _loaded.get(path)
    if entry is None or entry[0] != version:
        with open(path, "rb") as f:
            data = f.read()
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        entry = _loaded[path] = (version, Asset(data, mimetype))
    return entry[1]


def _chosen_encoding(request, asset):
    accepted = request.accept_encodings
    best, best_quality = None, 0
    for encoding in ENCODINGS:
        quality = accepted.quality(encoding)
        if quality > best_quality and asset.encoded(encoding) is not None:
            best, best_quality = encoding, quality
    return best


def _bodiless(status, headers):
    response = Response(status=status, headers=headers)
    del response.headers["Content-Type"]
    return response


def answer(asset, request):
    """The response for one static file: the file (in the best encoding asked for), a 304 or a redirect."""
    if request.method not in ("GET", "HEAD"):
        return Response(status=405, headers={"Allow": "GET, HEAD"})
    wanted = request.args.get("v")
    if wanted is not None and wanted != asset.fingerprint:
        # An old page, or a made-up version: the file as it is now, at its own address.
        location = f"{request.script_root}{request.path}?v={asset.fingerprint}"
        return _bodiless(302, {"Location": location, "Cache-Control": "no-cache"})
    encoding = _chosen_encoding(request, asset)
    headers = {
        "Cache-Control": IMMUTABLE if wanted else "no-cache",
        "ETag": f'"{asset.fingerprint}-{encoding or "identity"}"',
        "Vary": "Accept-Encoding",
        # Scripts and styles are refused by the browser if their type is ever wrong.
        "X-Content-Type-Options": "nosniff",
    }
    if request.if_none_match.contains(headers["ETag"][1:-1]):
        return _bodiless(304, headers)
    if encoding:
        headers["Content-Encoding"] = encoding
        return Response(asset.encoded(encoding), mimetype=asset.mimetype, headers=headers)
    return Response(asset.data, mimetype=asset.mimetype, headers=headers)


class StaticFiles:
    """WSGI middleware: `<url_path>/<file>` answered from `folder`; anything else goes to the app."""

    def __init__(self, wsgi_app, folder, url_path):
        self.wsgi_app = wsgi_app
        self.folder = folder
        self.prefix = url_path.rstrip("/") + "/"

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(self.prefix):
            filename = path[len(self.prefix) :].encode("latin-1").decode("utf-8", "replace")
            asset = load(self.folder, filename)
            if asset is not None:
                return answer(asset, Request(environ))(environ, start_response)
        # No such file: the app's own static route answers with its translated 404 page.
        return self.wsgi_app(environ, start_response)


def asset_url(filename):
    """The address of a static file with its content's hash: cached for a year, replaced when it changes."""
    asset = load(current_app.static_folder, filename)
    return remembered.url_for("static", filename=filename, v=asset.fingerprint)


def init_app(app):
    app.wsgi_app = StaticFiles(app.wsgi_app, app.static_folder, app.static_url_path)
    app.jinja_env.globals.update(asset_url=asset_url)
