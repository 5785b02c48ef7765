"""Server time of the payment paths under 16 concurrent clients, next to GET /login in the same run.

    .venv/bin/python bench/payment_paths.py     (scripts/bench runs it after bench/run.py)

The portal runs under gunicorn (2 workers, SQLite in WAL with synchronous=NORMAL)
against the local Stripe-compatible server from tests/fakes/, with no worker running:
what is measured is what a request does (verify, record, queue), not the operator.
The phases, each with 16 clients at once:
  GET /login                      the reference
  checkout start                  POST /esims/<id>/renew: the order, a Checkout Session, the redirect
  return                          GET /checkout/return for a paid session (the first to report it)
  webhook                         POST /webhooks/stripe, signed checkout.session.completed (first too)
Server time is measured inside each gunicorn worker (bench/gunicorn_timing.py).
Budget: each payment path's p95 is at most 3 times the login page's p95.
"""

import http.client
import json
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from fakes import stripe_server  # noqa: E402
from run import DEMO  # noqa: E402
from run import free_port  # noqa: E402
from run import wait_until_up  # noqa: E402

CLIENTS = 16
REQUESTS = int(os.environ.get("BENCH_PAYMENTS", "480"))
WEBHOOK_SECRET = "whsec_bench"
BUDGET = 3.0


def _client_thread(port, jobs, results):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for method, path, headers, body in jobs:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        results.append((response.status, response.getheader("Location") or ""))
    conn.close()


def _client_process(port, jobs, threads, queue):
    results, pool = [], []
    for i in range(threads):
        pool.append(threading.Thread(target=_client_thread, args=(port, jobs[i::threads], results)))
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(results)


def run_concurrently(port, jobs, clients=CLIENTS, processes=2):
    """Send `jobs` with `clients` connections at once (threads in `processes` processes)."""
    queue = multiprocessing.Queue()
    share = [jobs[i::processes] for i in range(processes)]
    procs = [
        multiprocessing.Process(target=_client_process, args=(port, share[i], clients // processes, queue))
        for i in range(processes)
    ]
    for proc in procs:
        proc.start()
    results = [item for _ in procs for item in queue.get()]
    for proc in procs:
        proc.join()
    return results


def _request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read().decode("utf-8", "replace")


def _cookie(response, jar):
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def log_in(port):
    """The demo customer's session cookie, a CSRF token, and the renewal URL of their eSIM."""
    jar = {}
    response, html = _request(port, "GET", "/login")
    cookie = _cookie(response, jar)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    form = urlencode({"email": DEMO[0], "password": DEMO[1], "csrf_token": token})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    response, _ = _request(port, "POST", "/login", headers, form)
    cookie = _cookie(response, jar)
    response, html = _request(port, "GET", "/dashboard", {"Cookie": cookie})
    renewals = sorted(set(re.findall(r'href="(/esims/\d+/renew)', html)))
    response, html = _request(port, "GET", renewals[0], {"Cookie": cookie})
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    return cookie, token, renewals


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    tmp = Path(tempfile.mkdtemp(prefix="esim-bench-pay-"))
    fake, stripe_url, stripe_httpd = stripe_server.start()
    env = dict(
        os.environ,
        APP_ENV="development",
        SECRET_KEY="bench-secret",
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
        WORKER_QUEUE_PATH=str(tmp / "queue.sqlite3"),
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_API_BASE=stripe_url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        BENCH_TIMINGS=str(tmp / "timings"),
    )
    env.pop("REDIS_URL", None)
    flask = str(Path(sys.executable).parent / "flask")
    # One eSIM per checkout: a customer has one open order per eSIM and plan, so a second
    # "Continue to payment" for the same one reuses the first (and would measure nothing new).
    more_esims = (
        "from app import create_app; from app.extensions import db; from app.models import User; "
        "from app.services import demo; app = create_app(); ctx = app.app_context(); ctx.push(); "
        "db.connect(reuse_if_open=True); user = User.by_email('demo@example.com'); "
        f"[demo.add_esim(user, '89855900000%08d' % n, label='Bench %d' % n) for n in range({REQUESTS})]"
    )
    for command in ("init-db", "seed-demo"):
        subprocess.run(
            [flask, "--app", "wsgi", command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    subprocess.run([sys.executable, "-c", more_esims], cwd=ROOT, env=env, check=True)
    port = free_port()
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - open for the server's whole life
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        + ["--config", str(ROOT / "bench" / "gunicorn_timing.py"), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/login")
        cookie, token, renewals = log_in(port)
        form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        body = urlencode({"plan": "month-10gb", "promo": "", "csrf_token": token})

        run_concurrently(port, [("GET", "/login", {}, None)] * REQUESTS)
        started = run_concurrently(port, [("POST", url, form, body) for url in renewals[:REQUESTS]])
        sessions = [location.rsplit("/", 1)[-1] for status, location in started if status == 303]
        for sid in sessions:
            fake.complete(sid)
        half = len(sessions) // 2
        returns = [
            ("GET", f"/checkout/return?session_id={sid}", {"Cookie": cookie}, None) for sid in sessions[:half]
        ]
        run_concurrently(port, returns)
        hooks = []
        for sid in sessions[half:]:
            payload = json.dumps(fake.event("checkout.session.completed", sid)).encode()
            headers = {
                "Content-Type": "application/json",
                "Stripe-Signature": fake.sign(payload, WEBHOOK_SECRET),
            }
            hooks.append(("POST", "/webhooks/stripe", headers, payload))
        answered = run_concurrently(port, hooks)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        stripe_httpd.shutdown()

    spent = {"login": [], "checkout start": [], "return": [], "webhook": []}
    for file in (tmp / "timings").glob("*.tsv"):
        for line in file.read_text().splitlines():
            method, path, seconds = line.split("\t")
            if method == "GET" and path == "/login":
                spent["login"].append(float(seconds))
            elif method == "POST" and re.fullmatch(r"/esims/\d+/renew", path):
                spent["checkout start"].append(float(seconds))
            elif path == "/checkout/return":
                spent["return"].append(float(seconds))
            elif path == "/webhooks/stripe":
                spent["webhook"].append(float(seconds))
    login_p95 = percentile(spent["login"], 0.95)
    ok = all(status == 200 for status, _ in answered) and len(sessions) == REQUESTS
    print(f"Payment paths: server time under {CLIENTS} concurrent clients (gunicorn, 2 workers, SQLite)")
    print(f"  {'path':<16}{'requests':>9}{'p50':>10}{'p95':>10}   p95 / login p95")
    for name, values in spent.items():
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        ratio = p95 / 1000 / login_p95
        verdict = "" if name == "login" else ("ok" if ratio <= BUDGET else "OVER") + f" (budget {BUDGET:g}x)"
        ok = ok and (name == "login" or ratio <= BUDGET)
        print(f"  {name:<16}{len(values):>9}{p50:>8.1f}ms{p95:>8.1f}ms   {ratio:>5.2f}x  {verdict}")
    webhooks_ok = all(status == 200 for status, _ in answered)
    print(f"  mean login {statistics.mean(spent['login']) * 1000:.1f} ms; {len(sessions)} sessions paid")
    print(f"  every webhook answered 200: {webhooks_ok}; server log: {tmp / 'gunicorn.log'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
