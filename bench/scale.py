"""Does the cost stay flat as customers grow? Support search, the heaviest customer's pages and
every periodic task, at 1k and 100k customers, on SQLite and PostgreSQL, against the budgets.

    .venv/bin/python bench/scale.py [--sizes 1000,100000] [--backends sqlite,postgres]

PostgreSQL is SCALE_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/esim_scale);
its public schema is dropped and made again. Each size is seeded by bench/seed_scale.py.
Requests go through the app in-process (Flask's test client): server time, no network. Each
search query's time is the median of 3 runs of it; p50 and p95 are over 60 queries of each kind.
Each task runs twice: once under tracemalloc for its peak memory, rolled back, then for its time.
"""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="esim-scale-"))
os.environ["WORKER_QUEUE_PATH"] = str(WORK / "queue.sqlite3")
os.environ.pop("REDIS_URL", None)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import seed_scale  # noqa: E402
from support.helpers import Auth  # noqa: E402

from app import create_app  # noqa: E402
from app.database import migrate  # noqa: E402
from app.database import open_database  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Esim  # noqa: E402
from app.models import Order  # noqa: E402
from app.models import Reminder  # noqa: E402
from app.models import User  # noqa: E402
from app.services.demo import DEMO_AGENT  # noqa: E402

KINDS = ["email", "name", "phone local", "phone intl", "ICCID last 4", "order number part"]
SAMPLES = 60
QUERY_REPEATS = 3
PAGE_REPEATS = 60
SEARCH_RATIO, PAGE_RATIO = 2.0, 1.5
STEADY_REMINDERS_SECONDS, EXPIRE_SECONDS = 5.0, 10.0


def _queries(rng):
    """SAMPLES queries of each kind, each with the customer it must find."""
    people = list(
        User.select()
        .where(User.email.endswith("@scale.example.com"), User.email != "heavy@scale.example.com")
        .order_by(User.id)
    )
    chosen = rng.sample(people, min(SAMPLES, len(people)))
    cambodian = [p for p in people if p.phone_digits.startswith("855")]
    queries = {kind: [] for kind in KINDS}
    for person in chosen:
        esim = Esim.select().where(Esim.user == person.id).first()
        order = Order.select().where(Order.user == person.id).first()
        queries["email"].append((person.email, person.id))
        queries["name"].append((person.name.split()[0].lower(), None))  # thousands share it
        queries["ICCID last 4"].append((esim.iccid[-4:], None))
        queries["order number part"].append((order.number[:7], person.id))
    for person in rng.sample(cambodian, min(SAMPLES, len(cambodian))):
        national = person.phone_digits[3:]
        queries["phone local"].append((f"0{national[:2]} {national[2:]}", person.id))
        queries["phone intl"].append((f"+855 {national}", person.id))
    return queries


def _timed(fn, repeats=1):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(times, q):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _search(app, queries):
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    Auth(client).login(*DEMO_AGENT)
    out = {}
    for kind, items in queries.items():
        times, found = [], 0
        for query, wanted in items:
            headers = {"HX-Request": "true", "HX-Target": "results"}
            runs = []
            for _ in range(QUERY_REPEATS):  # the median of a few: a neighbour's burst is not the query's cost
                started = time.perf_counter()
                html = client.get("/support", query_string={"q": query}, headers=headers).get_data(
                    as_text=True
                )
                runs.append((time.perf_counter() - started) * 1000)
            times.append(statistics.median(runs))
            ids = {int(i) for i in re.findall(r"/support/customers/(\d+)", html)}
            found += wanted is None or wanted in ids
        out[kind] = (_p(times, 0.5), _p(times, 0.95), found, len(items))
    return out


def _pages(app):
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    Auth(client).login(seed_scale.HEAVY[0], seed_scale.PASSWORD)
    out = {}
    for name, url in (("dashboard", "/dashboard"), ("history", "/orders")):
        first = client.get(
            url
        )  # the first reads the operator's usage; the rest are what a visitor sees after
        assert first.status_code == 200, f"{url}: {first.status_code}"
        times = _timed(lambda url=url: client.get(url), PAGE_REPEATS)
        out[name] = (_p(times, 0.5), _p(times, 0.95))
    return out


def _task(app, fn):
    """(seconds, peak bytes, result): the peak from a first run under tracemalloc that is rolled
    back, the time from the run that stays (tracemalloc would slow it several times over)."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        with db.atomic() as transaction:
            tracemalloc.start()
            fn()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            transaction.rollback()
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
        db.close()
    return elapsed, peak, result


def _tasks(app):
    from app.services import abandoned_orders
    from app.services import catalogue
    from app.services import fulfilment
    from app.services import mail
    from app.services import reconciliation
    from app.services import refunds
    from app.services import reminders

    def sweep():
        return fulfilment.sweep() + mail.retry_due() + refunds.retry_due()

    def first_reminders_run():
        Reminder.delete().execute()
        return reminders.send_due()

    out = {}
    out["send-reminders (steady)"] = _task(app, reminders.send_due)
    out["expire-orders"] = _task(app, abandoned_orders.expire)
    out["sweep"] = _task(app, sweep)
    out["reconcile"] = _task(app, reconciliation.reconcile)
    out["sync-plans"] = _task(app, catalogue.sync_from_operator)
    out["send-reminders (first run)"] = _task(app, first_reminders_run)
    return out


def _fresh(backend, n):
    if backend == "sqlite":
        url = f"sqlite:///{WORK}/scale-{n}.sqlite3"
    else:
        url = os.environ.get("SCALE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/esim_scale")
        database = open_database(url)
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
        database.close_all()
    config = {
        "DATABASE_URL": url,
        "PAYMENTS": "test",
        "SECRET_KEY": "scale",
        "OUTBOX_DIR": str(WORK / "outbox"),
    }
    config.update(WORKER_IMMEDIATE=False, PUBLIC_URL="http://127.0.0.1:5000")
    app = create_app(config)
    with app.app_context():
        migrate()
        started = time.monotonic()
        counts = seed_scale.seed(n)
        seconds = time.monotonic() - started
        db.close()
    return app, counts, seconds


def run(backend, n):
    app, counts, seconds = _fresh(backend, n)
    print(f"\n[{backend}, {n:,} customers] seeded {counts} in {seconds:.0f} s", flush=True)
    with app.app_context():
        db.connect(reuse_if_open=True)
        queries = _queries(random.Random(7))
        db.close()
    result = {"search": _search(app, queries), "pages": _pages(app), "tasks": _tasks(app)}
    _print_one(result)
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    return result


def _print_one(result):
    for kind, (p50, p95, found, total) in result["search"].items():
        print(
            f"  search {kind:<20} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  right customer found {found}/{total}"
        )
    for name, (p50, p95) in result["pages"].items():
        print(f"  {name:<27} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    for name, (seconds, peak, outcome) in result["tasks"].items():
        print(f"  task {name:<26} {seconds:7.2f} s  peak {peak / 1e6:6.1f} MB  -> {outcome}")


def _verdict(ok):
    return "ok" if ok else "OVER"


def budgets(results, small, large):
    """Each budget, as the ratio of the large run to the small one (or an absolute limit)."""
    failed = 0
    for backend in sorted({b for b, _n in results}):
        a, b = results.get((backend, small)), results.get((backend, large))
        if not a or not b:
            continue
        print(f"\nBudgets, {backend}: {large:,} customers against {small:,}")
        for kind in KINDS:
            ratio = b["search"][kind][1] / a["search"][kind][1]
            failed += ratio > SEARCH_RATIO
            print(
                f"  search {kind:<20} p95 {ratio:5.2f}x   "
                f"{_verdict(ratio <= SEARCH_RATIO)} (budget {SEARCH_RATIO}x)"
            )
        for name in ("dashboard", "history"):
            ratio = b["pages"][name][1] / a["pages"][name][1]
            failed += ratio > PAGE_RATIO
            print(f"  {name:<27} p95 {ratio:5.2f}x   {_verdict(ratio <= PAGE_RATIO)} (budget {PAGE_RATIO}x)")
        steady = b["tasks"]["send-reminders (steady)"][0]
        expire = b["tasks"]["expire-orders"][0]
        failed += steady > STEADY_REMINDERS_SECONDS or expire > EXPIRE_SECONDS
        print(
            f"  steady reminders run    {steady:6.2f} s   "
            f"{_verdict(steady <= STEADY_REMINDERS_SECONDS)} (< 5 s)"
        )
        expired = b["tasks"]["expire-orders"][2]
        print(
            f"  expire-orders ({expired:,})   {expire:6.2f} s   {_verdict(expire <= EXPIRE_SECONDS)} (< 10 s)"
        )
        for name in a["tasks"]:
            ratio = b["tasks"][name][1] / max(1, a["tasks"][name][1])
            print(f"  peak memory {name:<26} {ratio:5.2f}x of {small:,}")
    return failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for backend in args.backends.split(","):
        for n in sizes:
            results[(backend, n)] = run(backend, n)
    failed = budgets(results, min(sizes), max(sizes)) if len(sizes) > 1 else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
