"""`python -m bench [--sizes 1000,10000,100000] [--out bench/results/FILE.md]`: for each size, generate a
synthetic data set (`bdp generate`), build it in a child process, publish it to a fresh `oxigraph serve`,
then serve it with gunicorn (embedded and remote mode, the remote store being `oxigraph serve-read-only`
over the same build) and measure the canned queries, dereferencing and search (bench/bench_search.py).
Prints the table and writes it."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench import bench_search, measure
from bench.procs import ROOT, gunicorn, oxigraph_read_only, worker_memory
from bench.report import render

LABELS = {1000: "1k", 10000: "10k", 100000: "100k"}
FORMATS = {"ttl": "text/turtle", "html": "text/html"}


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="practices per data set [%(default)s]")
    parser.add_argument("--out", type=Path, default=None, help="table file [bench/results/bench-TIME.md]")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bdp-bench",
                        help="where data sets and builds go [%(default)s]")
    parser.add_argument("--reuse", action="store_true",
                        help="take finished builds as they are (work dir, /tmp/outN): no build stage times")
    parser.add_argument("--no-publish", action="store_true", help="skip `bdp publish` to a fresh store")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query (median) [%(default)s]")
    parser.add_argument("--requests", type=int, default=300, help="dereferences at 1 client [%(default)s]")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds under load [%(default)s]")
    parser.add_argument("--concurrency", type=int, default=8, help="clients under load [%(default)s]")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers [%(default)s]")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker [%(default)s]")
    parser.add_argument("--formats", default="ttl,html", help="dereferenced formats [%(default)s]")
    parser.add_argument("--timeout", type=float, default=300.0, help="query time limit, s [%(default)s]")
    parser.add_argument("--parts", default="queries,deref,search",
                        help="what to measure over the servers [%(default)s]")
    parser.add_argument("--search-queries", type=int, default=200, help="distinct search queries [%(default)s]")
    parser.add_argument("--export-sample", type=int, default=30000,
                        help="documents the static export is timed on, then served by nginx (0: skip) "
                             "[%(default)s]")
    parser.add_argument("--row-cap", type=int, default=100_000_000,
                        help="our servers' row cap, high so /sparql returns whole answers as oxigraph "
                             "does [%(default)s]")
    return parser.parse_args(argv)


def _queries(args: argparse.Namespace, data: Path, out: Path, servers: dict) -> list[dict]:
    from publisher.config import load_settings
    from publisher.store.embedded import EmbeddedStore

    settings = load_settings({"out": out}, environ={})
    store = EmbeddedStore(out / "store", timeout=args.timeout)
    rows = []
    try:
        texts = measure.canned_queries(store, settings, data)
        texts.append(("(trivial) ASK {}", "ASK {}"))
        for name, text in texts:
            print(f"  query {name}", file=sys.stderr, flush=True)
            rows.append({"name": name,
                         "embedded": measure.time_store(store, text, args.repeat, args.timeout),
                         "ours": measure.time_http(servers["embedded"].url + "/sparql", text, args.repeat),
                         "remote": measure.time_http(servers["remote"].url + "/sparql", text, args.repeat),
                         "oxigraph": measure.time_http(servers["oxigraph"].url + "/query", text, args.repeat)})
    finally:
        store.close()
    return rows


def _deref(args: argparse.Namespace, data: Path, servers: dict, work: Path) -> list[dict]:
    paths = measure.practice_paths(data, 200)
    rows = []
    for fmt in args.formats.split(","):
        for mode in ("embedded", "remote"):
            server = servers[mode]
            print(f"  dereference {fmt} {mode}", file=sys.stderr, flush=True)
            latency = measure.load(server, paths, FORMATS[fmt], concurrency=1, requests=args.requests, work=work)
            throughput = measure.load(server, paths, FORMATS[fmt], concurrency=args.concurrency,
                                      duration=args.duration, work=work)
            rows.append({"format": fmt, "mode": mode, "latency": latency, "throughput": throughput,
                         "memory": worker_memory(server)})
    return rows


def bench_size(n: int, args: argparse.Namespace) -> dict:
    label = LABELS.get(n, str(n))
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    print(f"{n} practices: data", file=sys.stderr, flush=True)
    data, data_reused = measure.generate(n, [work / f"gen-{label}", Path(f"/tmp/gen{label}")])
    reuse = [work / f"out-{label}"] + ([Path(f"/tmp/out{label}")] if data == Path(f"/tmp/gen{label}") else [])
    print(f"{n} practices: build", file=sys.stderr, flush=True)
    build = measure.build(data, work / f"out-{label}", reuse if args.reuse else [])
    out = build["out"]
    result = {"n": n, "data": data, "data_reused": data_reused, "build": build,
              "concurrency": args.concurrency}
    env = {"BDP_QUERY_TIMEOUT": str(args.timeout), "BDP_ROW_CAP": str(args.row_cap)}
    servers: dict = {}
    try:
        remote_env = dict(env)
        if not args.no_publish:
            if n <= 10000:       # MOVE into the default graph copies the data: shown for small sets only
                print(f"{n} practices: publish into the default graph", file=sys.stderr, flush=True)
                result["publish_default"], server = measure.publish(out, work, graph=None)
                if server is not None:
                    measure.stop(server)
            print(f"{n} practices: publish into a named graph", file=sys.stderr, flush=True)
            result["publish"], published = measure.publish(out, work)
            if published is not None:
                servers["published"] = published
                remote_env["BDP_GRAPH"] = measure.GRAPH
        servers["oxigraph"] = oxigraph_read_only(out / "store", work)
        servers["embedded"] = gunicorn(out, work, workers=args.workers, threads=args.threads, env=env,
                                       name="gunicorn-embedded")
        store = servers.get("published", servers["oxigraph"])
        result["remote_store"] = "the published store (named graph)" if "published" in servers else \
            "oxigraph serve-read-only over the build's store"
        servers["remote"] = gunicorn(out, work, workers=args.workers, threads=args.threads, env=remote_env,
                                     endpoint=store.url + "/query", name="gunicorn-remote")
        parts = args.parts.split(",")
        result["queries"] = _queries(args, data, out, servers) if "queries" in parts else []
        result["deref"] = _deref(args, data, servers, work) if "deref" in parts else []
        if "search" in parts:
            print(f"{n} practices: search", file=sys.stderr, flush=True)
            result["search"] = bench_search.measure(out, servers["embedded"].url, args.search_queries)
    finally:
        for server in servers.values():
            measure.stop(server)
    if args.export_sample:
        print(f"{n} practices: static export and nginx", file=sys.stderr, flush=True)
        result["export"] = _export(args, out, build, work / f"export-{label}")
    return result


def _export(args: argparse.Namespace, out: Path, build: dict, work: Path) -> dict:
    from bench import bench_export

    export_args = argparse.Namespace(out=out, work=work, sample=args.export_sample, workers=args.workers,
                                     duration=int(args.duration), connections=16, threads=2, nginx_workers=1,
                                     seed=17)
    built = build.get("wall") or (bench_export.build_seconds(argparse.Namespace(
        build_seconds=None, build_log=Path("/tmp/build100k.log"))) if build.get("reused") else None)
    return bench_export.run(export_args, built)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    when = time.strftime("%Y-%m-%d %H:%M:%S")
    header = {"when": when, "workers": args.workers, "threads": args.threads,
              "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, "
                         f"load average {os.getloadavg()[0]:.1f} at start"}
    results = []
    for n in sizes:
        results.append(bench_size(n, args))
        table = render(header, results)
        print(table)
        target = args.out or ROOT / "bench" / "results" / f"bench-{when.replace(' ', '-').replace(':', '')}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(table, encoding="utf-8")
    print(f"written to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
