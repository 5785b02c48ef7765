"""Addresses that leave the site (emails, payment links, their QR codes): always on PUBLIC_URL.

Never the request's own host: a request can name any host it likes (Host, X-Forwarded-Host), and a
link built from it would carry a reset or payment token to whoever owns that host.
"""

from urllib.parse import urlsplit

from flask import current_app


def public_adapter():
    """The URL map bound to PUBLIC_URL, the same inside a request, outside one, and in the worker.

    Bound directly rather than through a request context of its own: that context's teardown
    would return the database connection to the pool.
    """
    public = urlsplit(current_app.config["PUBLIC_URL"])
    return current_app.url_map.bind(
        public.netloc, script_name=public.path or "/", url_scheme=public.scheme or "https"
    )


def public_url(endpoint, **values):
    """The absolute address of `endpoint` (with `values`) on PUBLIC_URL."""
    return public_adapter().build(endpoint, values, force_external=True)
