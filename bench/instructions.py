"""CPU instructions per request, counted by valgrind: figures that repeat exactly.

    .venv/bin/python bench/instructions.py        (needs valgrind; about a minute and a half)

Wall-clock throughput on a shared machine drifts by a quarter from minute to
minute; an instruction count does not, so it shows whether a change made a page
cheaper. Each page is requested in-process through Flask's test client (logged
in as the demo customer, brotli accepted): the count of a run with 100 requests
minus that of a run with none, divided by 100.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REQUESTS = 100
TARGETS = {
    "bare Flask hello": "/",
    "floor, no layout": "/bench/floor",
    "layout, no content": "/bench/layout",
    "dashboard": "/dashboard",
}
HEADERS = {"Accept-Encoding": "br, gzip", "Accept-Language": "en"}


def child(target, count):
    """Runs under valgrind: `count` requests to one target, after a warm-up."""
    sys.path.insert(0, str(BENCH))
    if target == "/":
        from hello import app

        client = app.test_client()
    else:
        from layout import app

        from app.services import usage

        # The once-a-minute usage read must not land in one run and not the other.
        usage.FRESH_FOR = timedelta(days=1)
        client = app.test_client()
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        client.post(
            "/login",
            data={"email": "demo@example.com", "password": "demo-pass-1234", "csrf_token": token},
            headers={"Referer": "http://localhost/login"},
        )
    for _ in range(30):
        response = client.get(target, headers=HEADERS)
        assert response.status_code == 200, (target, response.status_code)
    for _ in range(count):
        client.get(target, headers=HEADERS)


def instructions(target, count, env):
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        + [sys.executable, __file__, "--child", target, str(count)],
        env=env,
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

    tmp = tempfile.mkdtemp(prefix="esim-instructions-")
    try:
        env = prepare_portal(tmp)
        runs = [(target, count) for target in TARGETS.values() for count in (REQUESTS, 0)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            counts = dict(zip(runs, pool.map(lambda run: instructions(*run, env), runs), strict=True))
        print(f"CPU instructions per request (valgrind, in-process, {REQUESTS} requests)")
        for name, target in TARGETS.items():
            per_request = (counts[target, REQUESTS] - counts[target, 0]) / REQUESTS
            print(f"  {name:<22}{per_request / 1e6:6.2f} million")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
