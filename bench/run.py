"""Page weight, request counts, throughput and slow-3G timings, printed as figures.

    .venv/bin/python bench/run.py            (or: scripts/bench)

Starts the portal with demo data under gunicorn (2 workers, SQLite in a
temporary folder) and a bare Flask "hello" app the same way, then measures
with headless Chromium and a small load generator. Budgets are checked and
printed next to each figure; the exit status is 1 if any is exceeded.
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load import requests_per_second  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FIRST_VISIT_BUDGET = 30 * 1024
REPEAT_VISIT_BUDGET = 8 * 1024
FRAGMENT_BUDGET = 1536
THROUGHPUT_RATIO_BUDGET = 0.40
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1024 / 8,
    "uploadThroughput": 400 * 1024 / 8,
}
DEMO = ("demo@example.com", "demo-pass-1234")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def gunicorn(app_path, port, env, cwd, workers=2):
    venv_bin = Path(sys.executable).parent
    return subprocess.Popen(
        [
            str(venv_bin / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_path,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def prepare_portal(tmp):
    env = dict(os.environ)
    env.update(
        APP_ENV="development",  # plain http on localhost, so cookies may not be Secure
        SECRET_KEY="bench-secret",
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        OPERATOR_APPLY_DELAY="2",
    )
    env.pop("STRIPE_SECRET_KEY", None)
    flask = str(Path(sys.executable).parent / "flask")
    for command in ("init-db", "seed-demo"):
        subprocess.run(
            [flask, "--app", "wsgi", command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    return env


class Meter:
    """Counts requests and bytes on the wire (compressed bodies and headers) through CDP."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.on("Network.responseReceived", self._headers)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.requestServedFromCache", self._cached)
        self.reset()

    def reset(self):
        self.bytes = 0  # headers and compressed bodies
        self.body_bytes = 0  # compressed bodies only
        self.requests = 0  # that went to the network (not served from the browser's cache)
        self.from_cache = set()
        self.header_bytes = {}

    def _headers(self, event):
        self.header_bytes[event["requestId"]] = int(event["response"].get("encodedDataLength", 0))

    def _finished(self, event):
        if event["requestId"] in self.from_cache:
            return
        total = int(event["encodedDataLength"])
        self.bytes += total
        self.body_bytes += max(0, total - self.header_bytes.get(event["requestId"], 0))
        self.requests += 1

    def _cached(self, event):
        self.from_cache.add(event["requestId"])

    def emulate_slow_3g(self):
        self.cdp.send("Network.emulateNetworkConditions", SLOW_3G)


def log_in(page, base):
    page.goto(f"{base}/login")
    page.fill("#email", DEMO[0])
    page.fill("#password", DEMO[1])
    page.click("form.stack button")
    page.wait_for_url("**/dashboard")


def measure_pages(browser, base, cookies):
    """(name, first visit bytes, first requests, repeat bytes, repeat requests) for each key page."""
    rows = []
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(f"{base}/dashboard")
    esim_url = page.locator(".esim h2 a").first.get_attribute("href")
    # An order to look at: choose a plan and stop at the test checkout page.
    page.goto(f"{base}{esim_url}/renew")
    page.check("input[value='month-10gb']")
    page.locator("form.renew > button").click()
    page.wait_for_url("**/checkout/test/*")
    page.locator("button[value=cancel]").click()
    page.wait_for_url("**/renew*")
    page.goto(f"{base}/orders")
    order_url = page.locator(".order a").first.get_attribute("href")
    context.close()

    pages = [
        ("landing", "/", False),
        ("login", "/login", False),
        ("dashboard", "/dashboard", True),
        ("renewal page", f"{esim_url}/renew", True),
        ("order page", order_url, True),
        ("compatibility", "/compatibility", False),
        ("install page", f"{esim_url}/install", True),
        ("buy page", "/buy", False),
    ]
    for name, path, needs_login in pages:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        if needs_login:
            context.add_cookies(cookies)
        page = context.new_page()
        meter = Meter(page)
        page.goto(f"{base}{path}", wait_until="load")
        first = (meter.bytes, meter.requests)
        meter.reset()
        page.goto(f"{base}{path}", wait_until="load")
        rows.append((name, first[0], first[1], meter.bytes, meter.requests))
        context.close()
    return rows, esim_url


def _login_session(browser, base):
    """The logged-in browser's cookies and User-Agent (the login is bound to both)."""
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base)
    cookies = context.cookies()
    user_agent = page.evaluate("navigator.userAgent")
    context.close()
    return cookies, user_agent


def measure_fragments(browser, base, cookies, esim_url):
    """(name, compressed body bytes, bytes on the wire, bytes on the wire when repeated) per fragment."""
    rows = []
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(f"{base}/dashboard")
    meter = Meter(page)

    def exchange(action, url_part):
        meter.reset()
        with page.expect_response(
            lambda r: url_part in r.url and r.request.headers.get("hx-request") == "true"
        ):
            action()
        page.wait_for_timeout(300)
        return meter.body_bytes, meter.bytes

    def measure(name, action, again, url_part):
        body, wire = exchange(action, url_part)
        _body, repeat_wire = exchange(again, url_part)
        rows.append((name, body, wire, repeat_wire))

    refresh = lambda: page.locator(".usage a[data-hx-get]").first.click()  # noqa: E731
    measure("usage fragment", refresh, refresh, "/usage")
    page.goto(f"{base}{esim_url}/renew")
    measure(
        "plan-summary fragment",
        lambda: page.check("input[value='month-30gb']"),
        lambda: page.dispatch_event("form.renew", "change"),
        "/renew",
    )
    page.goto(f"{base}/compatibility")
    measure(
        "compatibility fragment",
        lambda: page.fill("#q", "galaxy s2"),
        lambda: page.dispatch_event("#q", "search"),
        "/compatibility",
    )
    context.close()
    return rows


def measure_slow_3g(browser, base, cookies):
    """Seconds until the dashboard is usable (Renew button shown, htmx running) on slow 3G."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_cookies(cookies)
    page = context.new_page()
    meter = Meter(page)
    meter.emulate_slow_3g()
    timings = []
    for _visit in ("first", "repeat"):
        start = time.monotonic()
        # DOMContentLoaded comes after the deferred scripts (htmx) have run.
        page.goto(f"{base}/dashboard", wait_until="domcontentloaded")
        page.locator(".esim a.button").first.wait_for(state="visible")
        timings.append(time.monotonic() - start)
    context.close()
    return timings


def measure_throughput(base, hello, layout, cookies, user_agent, esim_url, seconds, rounds):
    """Requests per second of hello, the dashboard, the usage fragment, the empty layout and the floor."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    browser_like = {
        "Accept-Encoding": "br, gzip",
        "Cookie": cookie,
        "Accept-Language": "en",
        "User-Agent": user_agent,
    }
    targets = [
        (hello + "/", {"Accept-Encoding": "br, gzip"}),
        (base + "/dashboard", browser_like),
        (base + esim_url + "/usage", {**browser_like, "HX-Request": "true"}),
        (layout + "/bench/layout", browser_like),
        (layout + "/bench/floor", browser_like),
    ]
    # Rounds alternate the servers so that a slow spell of a shared machine hits all of
    # them alike; each figure is the median of its rounds.
    rates = [[] for _ in targets]
    errors = 0
    for _round in range(rounds):
        for rate, (url, headers) in zip(rates, targets, strict=True):
            rps, failed = requests_per_second(url, headers, seconds)
            rate.append(rps)
            errors += failed
    return [statistics.median(rate) for rate in rates], errors


def kb(n):
    return f"{n / 1024:6.1f} KB"


def main():
    from playwright.sync_api import sync_playwright

    seconds = float(os.environ.get("BENCH_SECONDS", "3"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    tmp = tempfile.mkdtemp(prefix="esim-bench-")
    env = prepare_portal(tmp)
    port, hello_port, layout_port = free_port(), free_port(), free_port()
    base, hello = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{hello_port}"
    layout = f"http://127.0.0.1:{layout_port}"
    servers = [
        gunicorn("wsgi:app", port, env, ROOT),
        gunicorn("hello:app", hello_port, env, ROOT / "bench"),
        gunicorn("layout:app", layout_port, env, ROOT / "bench"),
    ]
    ok = True
    try:
        wait_until_up(base + "/login")
        wait_until_up(hello + "/")
        wait_until_up(layout + "/login")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cookies, user_agent = _login_session(browser, base)
            rows, esim_url = measure_pages(browser, base, cookies)
            fragments = measure_fragments(browser, base, cookies, esim_url)
            slow = measure_slow_3g(browser, base, cookies)
            browser.close()
        (hello_rps, dashboard_rps, usage_rps, layout_rps, floor_rps), errors = measure_throughput(
            base, hello, layout, cookies, user_agent, esim_url, seconds, rounds
        )
    finally:
        for server in servers:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    print("Page weight (bytes on the wire: compressed bodies and headers, all requests)")
    print(f"  {'page':<22}{'first visit':>12}{'requests':>10}{'repeat visit':>14}{'requests':>10}")
    for name, first, first_n, repeat, repeat_n in rows:
        within = first <= FIRST_VISIT_BUDGET and repeat <= REPEAT_VISIT_BUDGET
        ok &= within
        verdict = "ok" if within else "OVER"
        print(f"  {name:<22}{kb(first):>12}{first_n:>10}{kb(repeat):>14}{repeat_n:>10}   {verdict}")
    print(
        f"  budgets: first visit <= {kb(FIRST_VISIT_BUDGET).strip()}, repeat visit <= "
        f"{kb(REPEAT_VISIT_BUDGET).strip()}"
    )
    print("htmx fragments: compressed body, whole exchange with headers, and the repeat (unchanged: 304)")
    for name, body, wire, repeat in fragments:
        within = body <= FRAGMENT_BUDGET
        ok &= within
        print(
            f"  {name:<24}{body:>6} B body{wire:>8} B on the wire{repeat:>8} B repeat   "
            f"{'ok' if within else 'OVER'} (budget {FRAGMENT_BUDGET} B)"
        )
    print("Slow 3G (400 kbit/s, 400 ms round trip): dashboard usable after")
    print(f"  first visit {slow[0]:.2f} s, repeat visit {slow[1]:.2f} s")
    ratio = dashboard_rps / hello_rps if hello_rps else 0
    ok &= ratio >= THROUGHPUT_RATIO_BUDGET
    print(
        f"Throughput under gunicorn, 2 workers (requests per second, median of {rounds} rounds "
        f"of {seconds:.0f} s each)"
    )
    print(f"  bare Flask hello   {hello_rps:8.0f}")
    print(
        f"  dashboard          {dashboard_rps:8.0f}   {ratio:.0%} of hello   "
        f"{'ok' if ratio >= THROUGHPUT_RATIO_BUDGET else 'UNDER'} (budget >= 40%)"
    )
    print(f"  usage fragment     {usage_rps:8.0f}   {usage_rps / hello_rps:.0%} of hello")
    print(
        f"  layout, no content {layout_rps:8.0f}   {layout_rps / hello_rps:.0%} of hello   "
        "(what every logged-in page pays before its own content)"
    )
    print(
        f"  floor, no layout   {floor_rps:8.0f}   {floor_rps / hello_rps:.0%} of hello   "
        "(fixed text and a CSRF token: the least a logged-in page of this stack costs)"
    )
    if errors:
        print(f"  non-200 answers during load: {errors}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
