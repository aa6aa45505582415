"""A small HTTP load generator, run in its own process (`python -m bench.load SPEC.json`) so that its
work is not counted in the server's: each of `concurrency` threads keeps one keep-alive connection and
asks the paths in turn, for `requests` requests in all or for `duration` seconds. Prints one JSON object:
count, errors, statuses, latency percentiles (ms) and requests per second."""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def run(spec: dict) -> dict:
    base = urlsplit(spec["base"])
    paths: list[str] = spec["paths"]
    headers: dict[str, str] = spec.get("headers", {})
    concurrency = int(spec.get("concurrency", 1))
    total = spec.get("requests")
    duration = spec.get("duration")
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = [0]
    lock = threading.Lock()
    issued = [0]
    started = time.perf_counter()
    stop_at = started + float(duration) if duration else None

    def next_index() -> int | None:
        with lock:
            if total is not None and issued[0] >= int(total):
                return None
            if stop_at is not None and time.perf_counter() >= stop_at:
                return None
            issued[0] += 1
            return issued[0] - 1

    def worker() -> None:
        connection = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
        own: list[float] = []
        seen: Counter[int] = Counter()
        while (index := next_index()) is not None:
            path = paths[index % len(paths)]
            begin = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                own.append((time.perf_counter() - begin) * 1000)
                seen[response.status] += 1
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
                with lock:
                    errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(own)
            statuses.update(seen)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"count": len(latencies), "errors": errors[0], "statuses": dict(statuses),
            "p50": percentile(latencies, 50), "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99), "rps": len(latencies) / elapsed if elapsed else 0.0,
            "elapsed": elapsed, "concurrency": concurrency}


def main(argv: list[str]) -> None:
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    print(json.dumps(run(spec)))


if __name__ == "__main__":
    main(sys.argv)
