"""`python -m bench.worker_start [--starts 20]`: CPU (user + sys) of starting one query worker
(`python -m publisher.store.worker`) and having it answer one small SELECT, averaged over sequential starts
over a one-triple store. The tests' servers start ~70 such workers, a server replaces one after a timeout."""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

import pyoxigraph as ox

from publisher.store.pool import WorkerPool

QUERY = {"query": "SELECT ?s WHERE { ?s ?p ?o }", "formats": {"select": "json"}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bdp-worker-start-") as tmp:
        store = ox.Store(tmp)
        store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                          ox.Literal("o")))
        store.flush()
        del store
        before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        for _ in range(args.starts):
            pool = WorkerPool(tmp, size=1)
            meta, _body = pool.run(QUERY, timeout=60)
            assert meta["kind"] == "select", meta
            pool.close()
        after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter() - started
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"{args.starts} worker starts + one SELECT each: {cpu / args.starts * 1000:.0f} ms CPU per start "
          f"(user {(after.ru_utime - before.ru_utime) / args.starts * 1000:.0f} ms, "
          f"sys {(after.ru_stime - before.ru_stime) / args.starts * 1000:.0f} ms), "
          f"{wall / args.starts * 1000:.0f} ms wall per start")


if __name__ == "__main__":
    main()
