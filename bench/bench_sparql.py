"""/sparql against `oxigraph serve` over the same data, measured in one run: the cross-sector aggregate
queries (written here, plus the aggregate canned queries of queries/*.rq when present), each timed through
our endpoint under gunicorn and sent directly to `oxigraph serve` on a copy of the build's store, runs
interleaved; and the overhead of a trivial query (p50 through our /sparql minus p50 on oxigraph serve, and
the store interface's process round trip in this process). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_sparql.py [--data /tmp/gen100k] [--out /tmp/out100k] [--runs 9]

The build is reused when OUT/build.json exists; when another process is building OUT, this waits for it;
otherwise it generates DATA (`bdp generate --practices 100000`) and builds it."""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publisher.namespaces import sparql_prologue  # noqa: E402

BDP = [sys.executable, "-m", "publisher"]
BIN = Path(sys.executable).parent
ACCEPT = "application/sparql-results+json"
TRIVIAL = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
CANNED_AGGREGATES = ("cross-sector-partnerships", "three-sector-partnerships", "partnerships-by-voivodeship",
                     "top-partner-organisations", "practices-by-theme")
SECTORS_OF = """{ SELECT ?partnership (COUNT(DISTINCT ?sector) AS ?sectors)
    WHERE { ?partnership org:hasMember ?member . ?member bdp:sector ?sector } GROUP BY ?partnership }"""
P = sparql_prologue(("bdp", "org", "dct"))
QUERIES = {
    "partnerships-by-sector-count": P + f"""
SELECT ?sectors (COUNT(?partnership) AS ?partnerships) WHERE {{
  {SECTORS_OF}
}} GROUP BY ?sectors ORDER BY ?sectors""",
    "cross-sector-by-voivodeship": P + f"""
SELECT ?voivodeship (COUNT(?partnership) AS ?crossSector) WHERE {{
  {SECTORS_OF}
  FILTER(?sectors >= 2)
  ?practice bdp:partnership ?partnership ; dct:spatial ?place .
  ?place bdp:voivodeship ?voivodeship .
}} GROUP BY ?voivodeship ORDER BY DESC(?crossSector)""",
    "three-sector-by-theme": P + f"""
SELECT ?theme (COUNT(DISTINCT ?practice) AS ?practices) WHERE {{
  {SECTORS_OF}
  FILTER(?sectors = 3)
  ?practice bdp:partnership ?partnership ; dct:subject ?theme .
}} GROUP BY ?theme ORDER BY DESC(?practices)""",
    "sector-pairs": P + """
SELECT ?a ?b (COUNT(DISTINCT ?partnership) AS ?partnerships) WHERE {
  ?partnership org:hasMember ?m1, ?m2 .
  ?m1 bdp:sector ?a . ?m2 bdp:sector ?b .
  FILTER(STR(?a) < STR(?b))
} GROUP BY ?a ?b ORDER BY ?a ?b""",
}


# --- processes -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def building(out: Path) -> bool:
    for tmp in out.parent.glob(f".{out.name}.building-*"):
        try:
            os.kill(int(tmp.name.rsplit("-", 1)[-1]), 0)
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
        subprocess.run(BDP + ["generate", "--practices", str(practices), "--out", str(data)], cwd=ROOT, check=True)
    subprocess.run(BDP + ["build", "--data", str(data), "--out", str(out)], cwd=ROOT, check=True)


def start(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    args = [a.replace("{port}", str(port)) for a in args]
    process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process, port


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# --- measuring -----------------------------------------------------------------------------------------

def ask(port: int, path: str, query: str) -> tuple[float, int, bytes, bool]:
    """One POST of the query as a form, on a fresh connection (gunicorn's sync workers close each one)."""
    body = urllib.parse.urlencode({"query": query})
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", path, body=body, headers={"Accept": ACCEPT,
                                                   "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, response.status, data, response.getheader("X-BDP-Truncated") == "true"


def compare(ours: int, oxigraph: int, query: str, runs: int, warmup: int
            ) -> tuple[list[float], list[float], str]:
    """Seconds of each run through our /sparql and on oxigraph serve, runs interleaved; and whether the two
    answers had the same number of bytes (the same JSON), or ours was cut at the row cap."""
    for _ in range(warmup):
        ask(ours, "/sparql", query)
        ask(oxigraph, "/query", query)
    a, b, same, capped = [], [], True, False
    for i in range(runs):
        for side in ((0, 1) if i % 2 == 0 else (1, 0)):
            if side == 0:
                t, status, body_ours, capped = ask(ours, "/sparql", query)
                assert status == 200, body_ours[:300]
                a.append(t)
            else:
                t, status, body_ox, _ = ask(oxigraph, "/query", query)
                assert status == 200, body_ox[:300]
                b.append(t)
        same = same and len(body_ours) == len(body_ox)
    return a, b, "capped (row_cap)" if capped else "yes" if same else "NO"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def canned() -> dict[str, str]:
    try:
        from publisher.read.canned import load_catalogue

        catalogue = load_catalogue()
    except Exception as exc:  # the catalogue is another module's; the bench runs without it
        print(f"(canned queries not used: {exc})")
        return {}
    return {f"canned:{name}": catalogue[name].text for name in CANNED_AGGREGATES if name in catalogue}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/tmp/gen100k"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/out100k"))
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--trivial", type=int, default=400, help="requests for the trivial-query p50")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated query names (default: all)")
    args = parser.parse_args()
    ensure_build(args.data, args.out, args.practices)
    queries = {**QUERIES, **canned()}
    if args.only:
        queries = {k: v for k, v in queries.items() if k in args.only.split(",")}
    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as tmp:
        copy = Path(tmp) / "store"
        started = time.perf_counter()
        shutil.copytree(args.out / "store", copy)
        print(f"store copied for oxigraph serve in {time.perf_counter() - started:.1f}s")
        oxigraph, ox_port = start([str(BIN / "oxigraph"), "serve", "--location", str(copy), "--bind",
                                   "127.0.0.1:{port}"])
        ours, our_port = start([str(BIN / "gunicorn"), "-w", str(args.gunicorn_workers), "-b", "127.0.0.1:{port}",
                                "--timeout", "600", "publisher.web:create_app()"],
                               env={"BDP_OUT": str(args.out), "BDP_QUERY_TIMEOUT": "300"})
        try:
            trivial(our_port, ox_port, args.out, args.trivial)  # first: before the aggregates load both servers
            print(f"\n{'query':<36} {'ours median':>11} {'oxigraph':>9} {'ratio':>6}   {'ours min':>8} "
                  f"{'oxigraph':>9} {'ratio':>6}  same answer")
            ratios, min_ratios = [], []
            for name, query in queries.items():
                mine, theirs, same = compare(our_port, ox_port, query, args.runs, args.warmup)
                med = statistics.median(mine) / statistics.median(theirs)
                low = min(mine) / min(theirs)
                ratios.append(med)
                min_ratios.append(low)
                print(f"{name:<36} {statistics.median(mine):>11.3f} {statistics.median(theirs):>9.3f} {med:>6.3f}   "
                      f"{min(mine):>8.3f} {min(theirs):>9.3f} {low:>6.3f}  {same}")
            print(f"{'geometric mean of ratios':<36} {'':>11} {'':>9} {statistics.geometric_mean(ratios):>6.3f}   "
                  f"{'':>8} {'':>9} {statistics.geometric_mean(min_ratios):>6.3f}")
            print(f"{'largest ratio':<36} {'':>11} {'':>9} {max(ratios):>6.3f}   {'':>8} {'':>9} "
                  f"{max(min_ratios):>6.3f}")
        finally:
            stop(ours)
            stop(oxigraph)


def trivial(our_port: int, ox_port: int, out: Path, n: int) -> None:
    for _ in range(50):
        ask(our_port, "/sparql", TRIVIAL)
        ask(ox_port, "/query", TRIVIAL)
    ours, theirs = [], []
    for _ in range(n):
        ours.append(ask(our_port, "/sparql", TRIVIAL)[0])
        theirs.append(ask(ox_port, "/query", TRIVIAL)[0])
    p50_ours, p50_theirs = statistics.median(ours), statistics.median(theirs)
    print(f"\ntrivial query ({TRIVIAL!r}, {n} sequential requests, fresh connection each):")
    print(f"  /sparql under gunicorn   p50 {p50_ours * 1000:.2f} ms   p90 {percentile(ours, 0.9) * 1000:.2f} ms")
    print(f"  oxigraph serve           p50 {p50_theirs * 1000:.2f} ms   p90 {percentile(theirs, 0.9) * 1000:.2f} ms")
    print(f"  overhead of /sparql      p50 {(p50_ours - p50_theirs) * 1000:+.2f} ms (vs oxigraph serve)")
    import pyoxigraph as ox

    from publisher.store.embedded import EmbeddedStore

    direct = ox.Store.read_only(str(out / "store"))
    store = EmbeddedStore(out / "store")
    try:
        store.select(TRIVIAL)
        inproc, pooled = [], []
        for _ in range(n):
            started = time.perf_counter()
            list(direct.query(TRIVIAL))
            inproc.append(time.perf_counter() - started)
            started = time.perf_counter()
            store.select(TRIVIAL)
            pooled.append(time.perf_counter() - started)
        print(f"  pyoxigraph in process    p50 {statistics.median(inproc) * 1000:.3f} ms")
        print(f"  store interface (worker) p50 {statistics.median(pooled) * 1000:.3f} ms   "
              f"(process round trip {(statistics.median(pooled) - statistics.median(inproc)) * 1000:+.3f} ms)")
        print(f"  whole request path       p50 {(p50_ours - statistics.median(inproc)) * 1000:.2f} ms (our /sparql "
              "minus the query in process: HTTP, Flask, worker round trip, serialising)")
    finally:
        store.close()


if __name__ == "__main__":
    main()
