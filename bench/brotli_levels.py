"""Bytes and CPU of each brotli quality (and gzip) on the portal's own pages, to choose COMPRESS_BR_LEVEL.

    .venv/bin/python bench/brotli_levels.py        (needs valgrind; about five minutes)

Renders the landing page, the dashboard, an eSIM's renewal page and the usage
fragment in-process (logged in as the demo customer, English), then compresses
each body at every brotli quality with the window Flask-Compress uses by default
(COMPRESS_BR_WINDOW 22), at a few with a 64 KB window (16), and with gzip. CPU is
counted in instructions by valgrind (a run compressing a page 20 times, less a run
that compresses nothing), so the figures repeat; bytes are exact.
"""

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli

BENCH = Path(__file__).resolve().parent
TIMES = 20
PAGES = ("landing", "dashboard", "renewal", "usage fragment")


def render(folder):
    """Writes the uncompressed body of each page in PAGES to `folder`."""
    from instructions import Browser
    from instructions import log_in
    from layout import app

    browser = Browser(app, log_in(app))
    identity = {"Accept-Encoding": "identity"}
    _status, _headers, dashboard = browser.call(browser.environ("/dashboard", identity))
    esim = re.search(rb'href="/esims/(\d+)"', dashboard).group(1).decode()
    paths = ["/", "/dashboard", f"/esims/{esim}/renew", f"/esims/{esim}/usage"]
    for name, path in zip(PAGES, paths, strict=True):
        headers = {"HX-Request": "true"} if name == "usage fragment" else {}
        status, _headers, body = browser.call(browser.environ(path, {**identity, **headers}))
        assert status == 200, (path, status)
        (Path(folder) / name).write_bytes(body)


METHODS = (
    [f"br {quality} 22" for quality in range(12)]
    + [f"br {quality} 16" for quality in (1, 4, 5, 6)]
    + [f"gzip {level}" for level in (6, 9)]
)


def compressor(method):
    kind, *levels = method.split()
    if kind == "br":
        quality, window = map(int, levels)
        return lambda data: brotli.compress(data, quality=quality, lgwin=window)
    return lambda data: gzip.compress(data, compresslevel=int(levels[0]), mtime=0)


def child(method, folder, page, times):
    """Runs under valgrind: compresses one page `times` times."""
    data = (Path(folder) / page).read_bytes()
    compress = compressor(method)
    for _ in range(times):
        compress(data)


def instructions(method, folder, page, times):
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
        + ["--child", method, folder, page, str(times)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main():
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)")
        return 1
    sys.path.insert(0, str(BENCH))
    from run import prepare_portal

    tmp = tempfile.mkdtemp(prefix="esim-brotli-")
    try:
        os.environ.update(prepare_portal(tmp))
        render(tmp)
        bodies = {page: (Path(tmp) / page).read_bytes() for page in PAGES}
        # The run that compresses nothing is the same for every method and page.
        runs = [(m, tmp, p, TIMES) for m in METHODS for p in PAGES] + [(METHODS[0], tmp, PAGES[0], 0)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            counts = dict(zip(runs, pool.map(lambda run: instructions(*run), runs), strict=True))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("Compressed bytes, and thousands of CPU instructions per compression (valgrind)")
    print("  " + " " * 12 + "".join(f"{f'{page} ({len(bodies[page])} B)':>22}" for page in PAGES))
    for method in METHODS:
        cells = []
        for page in PAGES:
            size = len(compressor(method)(bodies[page]))
            cost = (counts[method, tmp, page, TIMES] - counts[METHODS[0], tmp, PAGES[0], 0]) / TIMES / 1000
            cells.append(f"{size:>7} B {cost:7.0f} k")
        label = method.replace("br ", "br q").replace(" 22", " w22").replace(" 16", " w16")
        print(f"  {label:<12}" + "".join(f"{cell:>22}" for cell in cells))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(main())
