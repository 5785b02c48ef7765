"""A small closed-loop load generator: persistent connections, fixed duration, requests per second."""

import http.client
import multiprocessing
import threading
import time
from urllib.parse import urlsplit


def _worker(url, headers, seconds, counts, errors):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done += 1
            else:
                failed += 1
        except (OSError, http.client.HTTPException):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    counts.append(done)
    errors.append(failed)


def _process(url, headers, seconds, threads, queue):
    counts, errors = [], []
    pool = [
        threading.Thread(target=_worker, args=(url, headers, seconds, counts, errors)) for _ in range(threads)
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((sum(counts), sum(errors)))


def requests_per_second(url, headers=None, seconds=5.0, processes=2, threads=4):
    """Throughput of GET `url` with `processes` x `threads` concurrent clients."""
    queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_process, args=(url, headers or {}, seconds, threads, queue))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    return done / seconds, failed
