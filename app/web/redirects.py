"""Safe redirects: a `next` address is followed only when it stays on this site."""

from urllib.parse import urlsplit


def safe_next(target, fallback):
    """Return `target` only if it is a path on this site, else `fallback`."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
