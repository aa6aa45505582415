"""Median time of each canned query (queries/*.rq) on the 100,000-practice build: the CPU seconds of
pyoxigraph alone (unaffected by other load on the machine), then wall-clock seconds through the store
interface in process, through `bdp query` (a fresh process each run, as a user runs it) and through HTTP
(a real `bdp serve` on a free loopback port). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_queries.py [--data /tmp/gen100k] [--out /tmp/out100k] [--runs 5]

The build is reused when OUT/build.json exists; when another process is building OUT, this waits for it;
otherwise it generates DATA (`bdp generate --practices 100000`) and builds it."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BDP = [sys.executable, "-m", "publisher"]
AGGREGATES = {"cross-sector-partnerships", "three-sector-partnerships", "partnerships-by-voivodeship",
              "top-partner-organisations", "practices-by-theme"}


def building(out: Path) -> bool:
    """Is some process building OUT right now (a temporary directory `.OUT.building-PID` of a live PID)?"""
    for tmp in out.parent.glob(f".{out.name}.building-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        try:
            os.kill(int(pid), 0)
            return True
        except (ValueError, ProcessLookupError, PermissionError):
            continue
    return False


def ensure_build(data: Path, out: Path, practices: int) -> None:
    if (out / "build.json").is_file():
        return
    if building(out):
        print(f"waiting for the build of {out} that is running ...", flush=True)
        while building(out) and not (out / "build.json").is_file():
            time.sleep(10)
        if (out / "build.json").is_file():
            return
    if not (data / "SYNTHETIC.md").is_file():
        subprocess.run(BDP + ["generate", "--practices", str(practices), "--out", str(data)], cwd=ROOT,
                       check=True)
    subprocess.run(BDP + ["build", "--data", str(data), "--out", str(out)], cwd=ROOT, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median_time(action, runs: int, clock=time.perf_counter) -> tuple[float | str, object]:
    """The median of `runs` timings of `action()` and its last result; 'error' when it fails."""
    times, last = [], None
    for _ in range(runs):
        started = clock()
        try:
            last = action()
        except Exception as exc:  # a timeout (503, exit 1) is a figure too
            return f"{type(exc).__name__}", None
        times.append(clock() - started)
    return statistics.median(times), last


def seconds(value: float | str) -> str:
    return f"{value:.2f}" if isinstance(value, float) else value[:11]


def drain(results: object, limit: int) -> int:
    """Read up to `limit` solutions or triples, as the store does with its row cap."""
    count = 0
    for _ in results:  # type: ignore[attr-defined]
        count += 1
        if count >= limit:
            break
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/tmp/gen100k"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/out100k"))
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ensure_build(args.data, args.out, args.practices)

    sys.path.insert(0, str(ROOT))
    import pyoxigraph as ox

    from publisher.config import load_settings
    from publisher.iris import IriMap
    from publisher.read.canned import bind, load_catalogue, run
    from publisher.store import open_store

    settings = load_settings({"out": args.out})
    store = open_store(settings)
    direct = ox.Store.read_only(str(args.out / "store"))     # for the CPU column only
    iri_map = IriMap(settings.base_uri, settings.base_uri)
    catalogue = load_catalogue()
    # The busiest organisation: the worst case of organisation-partners.
    top, _ = run(catalogue["top-partner-organisations"], {}, store, settings)
    busiest = top.rows[0]["organisation"].value  # type: ignore[union-attr]
    cases = [(name, {}) for name in catalogue if name != "organisation-partners"]
    cases += [("organisation-partners", {"organisation": busiest}),
              ("cross-sector-partnerships", {"voivodeship": "pomorskie", "theme": "uslugi-spoleczne"}),
              ("partner-network", {"voivodeship": "22"}), ("practices-by-funding", {"since": "2015-01-01"})]

    port = free_port()
    server = subprocess.Popen(BDP + ["serve", "--out", str(args.out), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "BDP_OUT": str(args.out)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        startup, _ = median_time(lambda: subprocess.run(BDP + ["query", "--list"], cwd=ROOT,
                                                        capture_output=True, check=True), args.runs)
        print(f"build {args.out}: {json.loads((args.out / 'build.json').read_text())['counts']}; "
              f"{args.runs} runs each; row_cap {settings.row_cap}; `bdp query --list` alone {startup:.2f} s")
        print(f"{'query':<32} {'params':<30} {'rows':>6} {'cut':>4} {'cpu s':>6} {'store s':>8} "
              f"{'bdp query s':>11} {'HTTP s':>7}")
        for name, params in cases:
            query = catalogue[name]
            fmt = "nt" if query.is_graph else "json"

            def in_process(query=query, params=params):
                return run(query, params, store, settings)[0]

            def oxigraph(query=query, params=params):
                terms = bind(query, params, store, iri_map)
                return drain(direct.query(query.text, substitutions={ox.Variable(k): v for k, v in terms.items()}),
                             settings.row_cap + 1)

            def command(name=name, params=params, fmt=fmt):
                extra = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
                return subprocess.run(BDP + ["query", name, "--out", str(args.out), "--format", fmt, *extra],
                                      cwd=ROOT, capture_output=True, check=True)

            def http(name=name, params=params, fmt=fmt):
                url = f"http://127.0.0.1:{port}/queries/{name}?" + urllib.parse.urlencode({**params, "format": fmt})
                with urllib.request.urlopen(url, timeout=300) as response:
                    return response.read()

            t_cpu, _ = median_time(oxigraph, args.runs, time.process_time)
            t_store, result = median_time(in_process, args.runs)
            t_cli, _ = median_time(command, args.runs)
            t_http, _ = median_time(http, args.runs)
            size = "" if result is None else len(getattr(result, "triples", None) or getattr(result, "rows", []))
            cut = "yes" if getattr(result, "truncated", False) else ""
            shown = ",".join(f"{k}={v.rsplit('/', 1)[-1]}" for k, v in params.items())
            mark = "*" if name in AGGREGATES else " "
            print(f"{mark}{name:<31} {shown[:30]:<30} {size:>6} {cut:>4} {seconds(t_cpu):>6} "
                  f"{seconds(t_store):>8} {seconds(t_cli):>11} {seconds(t_http):>7}", flush=True)
        print("* aggregate queries (GROUP BY over every partnership or membership); cpu: pyoxigraph alone, "
              "CPU seconds; the others wall-clock seconds, with the time limit of the settings")
    finally:
        server.terminate()
        server.wait(10)
        store.close()


if __name__ == "__main__":
    main()
