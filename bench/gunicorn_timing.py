"""gunicorn settings for the payment-path benchmark: each worker notes how long it spent on a request.

The time runs from gunicorn's pre_request hook to its post_request hook, inside
the worker: the server's own time, without the wait in the listen queue. Each
worker writes its figures to $BENCH_TIMINGS/<pid>.tsv when it exits.
"""

import os
import time
from pathlib import Path

_started = {}
_spent = []


def pre_request(worker, req):
    _started[id(req)] = time.perf_counter()


def post_request(worker, req, environ, resp):
    started = _started.pop(id(req), None)
    if started is not None:
        _spent.append((req.method, req.path, time.perf_counter() - started))


def worker_exit(server, worker):
    folder = Path(os.environ["BENCH_TIMINGS"])
    folder.mkdir(parents=True, exist_ok=True)
    lines = (f"{method}\t{path}\t{seconds:.6f}\n" for method, path, seconds in _spent)
    (folder / f"{os.getpid()}.tsv").write_text("".join(lines))
