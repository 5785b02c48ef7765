"""Bytes and CPU of each brotli quality (and gzip) on the portal's own pages, to choose COMPRESS_BR_LEVEL.

    .venv/bin/python bench/brotli_levels.py        (about half a minute)

Renders the landing page, the dashboard, an eSIM's renewal page and the usage
fragment in-process (logged in as the demo customer, English), then compresses
each body at every brotli quality, with the window Flask-Compress uses
(COMPRESS_BR_WINDOW, 22) and a 64 KB one (16), and with gzip. CPU is the best of
five timings of a few hundred compressions, so a busy spell of a shared machine
does not count; bytes are exact.
"""

import gzip
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import brotli

BENCH = Path(__file__).resolve().parent
REPEAT = 5


def pages():
    """{name: uncompressed body} of the pages the table is made from."""
    from instructions import Browser
    from instructions import log_in
    from layout import app

    browser = Browser(app, log_in(app))
    identity = {"Accept-Encoding": "identity"}
    _status, _headers, dashboard = browser.call(browser.environ("/dashboard", identity))
    esim = re.search(rb'href="/esims/(\d+)"', dashboard).group(1).decode()
    bodies = {}
    for name, path, headers in [
        ("landing", "/", {}),
        ("dashboard", "/dashboard", {}),
        ("renewal", f"/esims/{esim}/renew", {}),
        ("usage fragment", f"/esims/{esim}/usage", {"HX-Request": "true"}),
    ]:
        status, _headers, body = browser.call(browser.environ(path, {**identity, **headers}))
        assert status == 200, (path, status)
        bodies[name] = body
    return bodies


def cpu(compress, data):
    """Microseconds of CPU for one compression of `data` (best of REPEAT rounds)."""
    rounds = max(20, 200_000 // max(len(data), 1))
    best = float("inf")
    for _ in range(REPEAT):
        start = time.process_time()
        for _ in range(rounds):
            compress(data)
        best = min(best, (time.process_time() - start) / rounds)
    return best * 1e6


def methods():
    for window in (22, 16):
        for quality in range(12):
            yield (
                f"br q{quality:<2} w{window}",
                lambda d, q=quality, w=window: brotli.compress(d, quality=q, lgwin=w),
            )
    for level in (1, 6, 9):
        yield f"gzip {level}", lambda d, level=level: gzip.compress(d, compresslevel=level, mtime=0)


def main():
    sys.path.insert(0, str(BENCH))
    from run import prepare_portal

    tmp = tempfile.mkdtemp(prefix="esim-brotli-")
    try:
        os.environ.update(prepare_portal(tmp))
        bodies = pages()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    names = list(bodies)
    print("Compressed bytes and CPU microseconds per response (uncompressed: ", end="")
    print(", ".join(f"{name} {len(body)} B" for name, body in bodies.items()) + ")")
    print(f"  {'method':<14}" + "".join(f"{name:>24}" for name in names))
    for label, compress in methods():
        cells = [f"{len(compress(bodies[n])):>8} B {cpu(compress, bodies[n]):8.1f} us" for n in names]
        print(f"  {label:<14}" + "".join(f"{cell:>24}" for cell in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
