"""The throughput budget against the floor page: CPU instructions per request, then wrk's rate.

    .venv/bin/python bench/instructions.py [target ...]   (needs valgrind and wrk; about 10 minutes)
    .venv/bin/python bench/instructions.py --no-valgrind   (wrk and header bytes only; a minute)
    .venv/bin/python bench/instructions.py --only-valgrind (the instruction counts and budgets alone)

Instructions: each target is requested in-process by calling the WSGI app
directly (no test client), logged in as the demo customer, brotli accepted,
under valgrind; the count of a run with 100 requests minus that of a run with
none, divided by 100. These repeat from run to run to within 1 %, where
wall-clock rates on a shared machine drift by a quarter.

Requests per second: the same portal under gunicorn with one worker (so pages
are compared on one core), loaded by wrk, the targets taking turns for a few
rounds (the median is shown). Last, the bytes of headers of a page, a fragment
and a static file as gunicorn sends them.

The floor (bench/layout.py) is a logged-in page of fixed text with a CSRF token,
the least a logged-in page of this stack costs. The budgets are ratios of
instructions: the empty layout to the floor, the dashboard to the empty layout,
the usage fragment with a fresh reading to the floor. The script exits with 1
when one is over.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REQUESTS = 100
WARM_UP = 30
USER_AGENT = "bench"
HEADERS = {"Accept-Encoding": "br, gzip", "Accept-Language": "en", "User-Agent": USER_AGENT}


@dataclass(frozen=True)
class Target:
    path: str
    headers: dict = field(default_factory=dict)
    # How long a usage reading is kept: a day keeps the dashboard from calling the operator
    # in one run and not the other; 0 reads usage from the operator on every request.
    fresh_for: timedelta = timedelta(days=1)
    # At most `budget` times the instructions of the target named `against`.
    budget: float | None = None
    against: str | None = None


FLOOR = "floor"
LAYOUT = "layout, no content"
TARGETS = {
    "bare Flask hello": Target("/"),
    FLOOR: Target("/bench/floor"),
    LAYOUT: Target("/bench/layout", budget=1.6, against=FLOOR),
    "dashboard": Target("/dashboard", budget=1.6, against=LAYOUT),
    "usage fragment, fresh": Target(
        "/esims/{esim}/usage", {"HX-Request": "true"}, fresh_for=timedelta(0), budget=2.3, against=FLOOR
    ),
}
# wrk's rounds: the portal's own pages (the floor first, as the reference).
LOADED = (FLOOR, "dashboard", "usage fragment, fresh")


class Browser:
    """Calls a WSGI app as a server would: one environ per request, the body read to its end.

    The session cookie is kept from Set-Cookie like a browser's; `set_cookies` counts them.
    """

    def __init__(self, app, cookie=""):
        from werkzeug.test import EnvironBuilder

        self.app = app
        self.cookies = SimpleCookie(cookie)
        self.set_cookies = 0
        self.builder = EnvironBuilder

    def environ(self, path, headers):
        headers = {**HEADERS, **headers}
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
        if cookie:
            headers["Cookie"] = cookie
        return self.builder(path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

    def call(self, environ):
        """(status, headers, body) of one request; `environ` is used once."""
        answer = []

        def start_response(status, headers, exc_info=None):
            answer[:] = [status, headers]
            return lambda data: None

        body = self.app(environ, start_response)
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status, headers = answer
        for name, value in headers:
            if name.lower() == "set-cookie":
                self.set_cookies += 1
                self.cookies.load(value)
        return int(status.split()[0]), headers, data


def log_in(app):
    """The demo customer's session cookie, got through the test client (not counted)."""
    client = app.test_client()
    form = client.get("/login", headers={"User-Agent": USER_AGENT}).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    client.post(
        "/login",
        data={"email": "demo@example.com", "password": "demo-pass-1234", "csrf_token": token},
        headers={"Referer": "http://localhost/login", "User-Agent": USER_AGENT},
    )
    return f"session={client.get_cookie('session').value}"


def child(name, count):
    """Runs under valgrind: `count` requests to one target, after logging in and a warm-up."""
    sys.path.insert(0, str(BENCH))
    target = TARGETS[name]
    if target.path == "/":
        from hello import app

        browser = Browser(app)
    else:
        from layout import app

        from app.services import usage

        usage.FRESH_FOR = target.fresh_for
        browser = Browser(app, log_in(app))
    path = target.path
    if "{esim}" in path:
        _status, _headers, page = browser.call(browser.environ("/dashboard", {"Accept-Encoding": "identity"}))
        path = path.format(esim=re.search(rb'href="/esims/(\d+)"', page).group(1).decode())
    for _ in range(WARM_UP):
        status, _headers, _body = browser.call(browser.environ(path, target.headers))
        assert status == 200, (path, status)
    warm = browser.set_cookies
    # One environ per request, built before counting: a server builds its own, and that is
    # not the portal's cost.
    environs = [browser.environ(path, target.headers) for _ in range(REQUESTS)]
    for environ in environs[:count]:
        browser.call(environ)
    if browser.set_cookies > warm:
        print(f"{name}: Set-Cookie on {browser.set_cookies - warm} of {count} requests", file=sys.stderr)


def instructions(name, count, env):
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        + [sys.executable, __file__, "--child", name, str(count)],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"{name}: {result.stderr[-2000:]}")
    for line in result.stderr.splitlines():
        if "Set-Cookie on" in line:
            print("  note:", line)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def count_instructions(names, env):
    """Instructions per request of each named target, counted in parallel runs."""
    runs = [(name, count) for name in names for count in (REQUESTS, 0)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        counts = dict(zip(runs, pool.map(lambda run: instructions(*run, env), runs), strict=True))
    return {name: (counts[name, REQUESTS] - counts[name, 0]) / REQUESTS for name in names}


def http_log_in(base):
    """The demo customer's session cookie and one eSIM's address, logged in over HTTP."""
    import requests

    session = requests.Session()
    session.headers.update(HEADERS)
    form = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    session.post(
        f"{base}/login",
        data={"email": "demo@example.com", "password": "demo-pass-1234", "csrf_token": token},
        headers={"Referer": f"{base}/login"},
    )
    page = session.get(f"{base}/dashboard").text
    esim = re.search(r'href="/esims/(\d+)"', page).group(1)
    css = re.search(r'href="(/static/app\.css\?v=[^"]+)"', page).group(1)
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    return cookie, esim, css


def wrk(url, headers, seconds, connections=4):
    """Requests per second wrk reaches on GET `url`, and how many answers were not 2xx/3xx."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), int(failed.group(1)) if failed else 0


def raw_headers(port, path, headers):
    """(bytes of the status line and headers, bytes of the body) of one answer from the server."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    return len(head) + 4, len(body)


def load(env, seconds, rounds):
    """wrk's requests per second for LOADED (median of rounds), and header bytes, one gunicorn worker."""
    from run import free_port
    from run import gunicorn
    from run import wait_until_up

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn("layout:app", port, env, BENCH, workers=1)
    try:
        wait_until_up(base + "/login")
        cookie, esim, css = http_log_in(base)
        sent = {**HEADERS, "Cookie": cookie}
        paths = {name: TARGETS[name].path.format(esim=esim) for name in LOADED}
        rates = {name: [] for name in LOADED}
        failed = 0
        for _round in range(rounds):
            for name in LOADED:
                rate, errors = wrk(base + paths[name], {**sent, **TARGETS[name].headers}, seconds)
                rates[name].append(rate)
                failed += errors
        headers = {
            "page (dashboard)": raw_headers(port, "/dashboard", sent),
            "fragment (usage)": raw_headers(
                port, paths["usage fragment, fresh"], {**sent, "HX-Request": "true"}
            ),
            "static file (app.css)": raw_headers(port, css, sent),
        }
    finally:
        server.terminate()
        server.wait()
    return {name: statistics.median(r) for name, r in rates.items()}, failed, headers


def main(names, count=True, serve=True):
    tools = (["valgrind"] if count else []) + (["wrk"] if serve else [])
    missing = [tool for tool in tools if not shutil.which(tool)]
    if missing:
        print(f"{' and '.join(missing)} not installed (apt-get install {' '.join(missing)})")
        return 1
    names = names or [name for name in TARGETS if name != "bare Flask hello"]
    for name in list(names):
        for needed in (FLOOR, TARGETS[name].against):
            if needed and needed not in names:
                names.insert(0, needed)
    names.sort(key=list(TARGETS).index)
    sys.path.insert(0, str(BENCH))
    from run import prepare_portal

    seconds = int(os.environ.get("BENCH_SECONDS", "3"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    tmp = tempfile.mkdtemp(prefix="esim-instructions-")
    try:
        env = prepare_portal(tmp)
        per_request = count_instructions(names, env) if count else None
        if serve:
            rates, failed, header_bytes = load(env, seconds, rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ok = True
    if per_request:
        ok = print_instructions(names, per_request)
    if not serve:
        return 0 if ok else 1
    print(f"Requests per second (wrk, gunicorn with 1 worker, median of {rounds} rounds of {seconds} s)")
    for name in LOADED:
        print(f"  {name:<24}{rates[name]:8.0f}   {rates[name] / rates[FLOOR]:5.2f}x floor")
    if failed:
        print(f"  answers that were not 2xx or 3xx: {failed}")
    print("Bytes of status line and headers as gunicorn sends them (body bytes, compressed)")
    for name, (head, body) in header_bytes.items():
        print(f"  {name:<24}{head:6} B headers {body:8} B body")
    return 0 if ok else 1


def print_instructions(names, per_request):
    """Prints instructions per request and the budgets' ratios; False if one is over."""
    floor = per_request[FLOOR]
    print(f"CPU instructions per request (valgrind, WSGI called in-process, {REQUESTS} requests)")
    for name in names:
        print(f"  {name:<24}{per_request[name] / 1e6:6.2f} million  {per_request[name] / floor:5.2f}x floor")
    ok = True
    print("Budgets (ratios of instructions)")
    for name in names:
        target = TARGETS[name]
        if not target.budget:
            continue
        ratio = per_request[name] / per_request[target.against]
        within = ratio <= target.budget
        ok &= within
        measured = f"{name} / {target.against}"
        print(f"  {measured:<40}{ratio:5.2f}x   budget {target.budget:g}x   {'ok' if within else 'OVER'}")
    return ok


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        options = {"--no-valgrind", "--only-valgrind"}
        arguments = sys.argv[1:]
        sys.exit(
            main(
                [a for a in arguments if a not in options],
                count="--no-valgrind" not in arguments,
                serve="--only-valgrind" not in arguments,
            )
        )
