"""Dereferencing speed: random practices as Turtle and as HTML from our gunicorn (sync and gthread workers,
embedded store), from the same app in remote mode (over `oxigraph serve-read-only` on the same build), and
the same documents pre-rendered as files served by nginx (the ceiling), all in one run, with `wrk` as the
load generator in its own process.

    bdp generate --practices 100000 --out /tmp/gen100k        # once; a few minutes
    bdp build --data /tmp/gen100k --out /tmp/out100k
    python bench/bench_deref.py --out /tmp/out100k --workers 2,3 --gthreads 4 --remote-workers 3

Needs `wrk` (built with LuaJIT, as Debian's is) and `nginx` on PATH (Debian: apt-get install wrk
nginx-light), and `oxigraph` (the PyPI package, in the venv) for the remote mode. Everything listens on
127.0.0.1.

Two readings for each server and format, at --connections (16) keep-alive connections:
- "max": closed loop, each connection sending as soon as it has its answer: the most requests a second.
  By Little's law its median latency is about connections / throughput (16 / 1,600 = 10 ms).
- "paced": the connections together send --rate (500) requests a second on a fixed schedule (each wrk
  thread hands out send times --threads * 1000 / rate ms apart, whichever of its connections is free). A
  send time missed because every connection is still waiting is dropped, not made up in a burst, so the
  achieved rate shows when the server cannot keep up; latency is counted from the actual send (wrk does not
  correct coordinated omission: trust the latency only when the achieved rate is the asked one).
"cpu ms" is the server's CPU time per request (all its processes: gunicorn workers, the embedded store's
query processes, and in remote mode `oxigraph serve` as well), which does not depend on what else runs on
the machine: 2 cores serve at most 2000 / cpu_ms requests a second, less what wrk itself takes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MEDIA = {"ttl": "text/turtle", "html": "text/html"}

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
wrk.headers["Accept"] = "%(accept)s"
math.randomseed(%(seed)d)
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
local interval = %(interval)f
if interval > 0 then
  -- paced: send times `interval` ms apart for this thread; a missed one is dropped (never a burst)
  local ffi = require("ffi")
  ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bdp_timespec;
             int clock_gettime(int clock, bdp_timespec *now); ]]
  local now_spec = ffi.new("bdp_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, now_spec)
    return tonumber(now_spec.tv_sec) * 1000 + tonumber(now_spec.tv_nsec) / 1e6
  end
  local slot = nil
  delay = function()
    local now = now_ms()
    if slot == nil or slot < now then slot = now end
    local wait = slot - now
    slot = slot + interval
    return math.floor(wait + 0.5)
  end
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %%d, "seconds": %%f, "errors": %%d, "non2xx": %%d, '
    .. '"p50_ms": %%f, "p90_ms": %%f, "p99_ms": %%f}\\n', summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000))
end
"""

NGINX_CONF = """
worker_processes %(workers)d;
pid %(dir)s/nginx.pid;
error_log %(dir)s/nginx-error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  types { text/turtle ttl; text/html html; }
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path %(dir)s/tmp; proxy_temp_path %(dir)s/tmp; fastcgi_temp_path %(dir)s/tmp;
  uwsgi_temp_path %(dir)s/tmp; scgi_temp_path %(dir)s/tmp;
  server { listen 127.0.0.1:%(port)d; root %(root)s; }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers at {url}")


def practice_keys(out: Path, count: int, seed: int) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(out / "store"))
    rows = store.query("SELECT ?p WHERE { ?p a <https://w3id.org/bdp/ontology#Practice> }")
    keys = [row["p"].value.rsplit("/", 1)[-1] for row in rows]
    del store
    return random.Random(seed).sample(keys, min(count, len(keys)))


def _proc_table() -> dict[int, tuple[int, float, float]]:
    """pid -> (parent pid, CPU seconds so far, RSS MiB), from /proc."""
    table: dict[int, tuple[int, float, float]] = {}
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick,
                                      int(fields[21]) * page / 2**20)
    return table


def _tree(root: int, table: dict[int, tuple[int, float, float]]) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [child for child, (parent, _, _) in table.items() if parent == pid]
    return found


def tree_cpu(*roots: int) -> float:
    """CPU seconds (user + system) used so far by `roots` and every process below them (Linux /proc)."""
    table = _proc_table()
    return sum(table.get(pid, (0, 0.0, 0.0))[1] for root in roots for pid in _tree(root, table))


def worker_rss(root: int) -> float:
    """The largest RSS (MiB) of one direct child of `root` (a gunicorn worker) with its own children (the
    embedded store's query processes)."""
    table = _proc_table()
    sizes = [sum(table[p][2] for p in _tree(child, table) if p in table)
             for child, (parent, _, _) in table.items() if parent == root]
    return max(sizes, default=0.0)


def stop(process: subprocess.Popen) -> None:
    """Stop a process this script started (its own process group), waiting for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)


def wrk(base: str, paths: list[str], accept: str, work: Path, args: argparse.Namespace, rate: float = 0,
        duration: float | None = None) -> dict:
    """One wrk run: closed loop, or with `rate` paced (see the module's docstring)."""
    listing = work / f"paths-{len(paths)}-{abs(hash(tuple(paths[:3])))}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "wrk.lua"
    interval = 1000.0 * args.threads / rate if rate else 0.0
    script.write_text(WRK_SCRIPT % {"paths": listing, "accept": accept, "seed": args.seed, "interval": interval})
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{duration or args.duration}s",
               "--timeout", "10s", "-s", str(script), base]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measured(pids: tuple[int, ...], *call: object, **kw: object) -> dict:
    """wrk(*call) with the CPU time per request of the processes `pids` and all below them."""
    before = tree_cpu(*pids)
    result = wrk(*call, **kw)  # type: ignore[arg-type]
    result["cpu_ms"] = 1000 * (tree_cpu(*pids) - before) / max(result["requests"], 1)
    return result


def prerender(base: str, keys: list[str], root: Path) -> None:
    """The documents the server gives, written as files for nginx: doc/practice/KEY.ttl and .html."""
    (root / "doc" / "practice").mkdir(parents=True, exist_ok=True)
    for key in keys:
        for suffix, media in MEDIA.items():
            request = urllib.request.Request(f"{base}doc/practice/{key}", headers={"Accept": media})
            with urllib.request.urlopen(request, timeout=30) as response:
                (root / "doc" / "practice" / f"{key}.{suffix}").write_bytes(response.read())


def _spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=open(log, "w"), start_new_session=True)


def gunicorn(out: Path, workers: int, port: int, log: Path, threads: int, endpoint: str = ""
             ) -> subprocess.Popen:
    """gunicorn on the build: sync workers, or with `threads` > 1 gthread workers (keep-alive); with an
    `endpoint`, in remote mode over that SPARQL endpoint."""
    env = {"BDP_OUT": str(out), **({"BDP_SPARQL_ENDPOINT": endpoint} if endpoint else {})}
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--backlog", "2048"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    return _spawn([*command, "publisher.web:create_app()"], log, env)


def oxigraph(store: Path, port: int, log: Path) -> subprocess.Popen:
    exe = shutil.which("oxigraph", path=str(BIN)) or "oxigraph"
    return _spawn([exe, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"], log)


def nginx(root: Path, port: int, work: Path, workers: int) -> subprocess.Popen:
    (work / "tmp").mkdir(exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF % {"workers": workers, "dir": work, "port": port, "root": root})
    return _spawn(["nginx", "-c", str(conf), "-p", str(work)], work / "nginx.log")


HEADER = (f"{'server':<34} {'fmt':<4} {'load':<10} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} "
          f"{'p99 ms':>7} {'cpu ms':>6} {'errors':>6}")


def line(name: str, fmt: str, load: str, r: dict) -> str:
    bad = r["errors"] + r["non2xx"]
    return (f"{name:<34} {fmt:<4} {load:<10} {r['requests']:>8} {r['rps']:>7.0f} {r['p50_ms']:>7.2f} "
            f"{r['p90_ms']:>7.2f} {r['p99_ms']:>7.2f} {r.get('cpu_ms', float('nan')):>6.2f} {bad:>6}")


def run_both(name: str, pids: tuple[int, ...], base: str, paths: list[str], work: Path,
             args: argparse.Namespace, results: list[dict], files: bool = False) -> None:
    """For Turtle and HTML: the closed-loop maximum, then (with --rate) the paced reading."""
    for fmt, media in MEDIA.items():
        asked = [f"{p}.{fmt}" for p in paths] if files else paths
        accept = "*/*" if files else media
        loads = [("max", 0.0)] + ([(f"paced {args.rate:g}", args.rate)] if args.rate else [])
        for load, rate in loads:
            r = measured(pids, base, asked, accept, work, args, rate=rate)
            results.append({"server": name, "format": fmt, "load": load, **r})
            print(line(name, fmt, load, r), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/out100k"), help="the build to serve")
    parser.add_argument("--workers", default="2,3", help="gunicorn sync worker counts, comma-separated")
    parser.add_argument("--gthreads", type=int, default=4,
                        help="also gthread workers (keep-alive) with this many threads each, at the first "
                             "--workers count (0: skip)")
    parser.add_argument("--remote-workers", type=int, default=3,
                        help="sync workers of the remote-mode server over oxigraph serve-read-only (0: skip)")
    parser.add_argument("--no-nginx", action="store_true", help="skip the pre-rendered files (the ceiling)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients (keep-alive)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--sample", type=int, default=2000, help="random practices asked for")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=500,
                        help="the paced reading's offered rate, requests/s over all connections (0: skip)")
    parser.add_argument("--json", type=Path, default=None, help="also write every reading to this file")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: apt-get install wrk nginx-light)")
    if not (args.out / "build.json").is_file():
        raise SystemExit(f"no build in {args.out}: see the top of {Path(__file__).name}")
    manifest = json.loads((args.out / "build.json").read_text())
    keys = practice_keys(args.out, args.sample, args.seed)
    paths = [f"/doc/practice/{k}" for k in keys]
    print(f"build {args.out}: {manifest['counts']} ({manifest['triples']} triples); {len(keys)} random practices; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; wrk -t{args.threads} "
          f"-c{args.connections} -d{args.duration}s")
    print(HEADER)
    counts = [int(w) for w in args.workers.split(",") if w]
    servers = [(f"gunicorn sync -w{w}", w, 1, False) for w in counts]
    if args.gthreads > 1 and counts:
        servers.append((f"gunicorn gthread -w{counts[0]} --threads {args.gthreads}", counts[0], args.gthreads, False))
    if args.remote_workers:
        servers.append((f"remote: gunicorn sync -w{args.remote_workers}", args.remote_workers, 1, True))
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-deref-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)          # nginx's workers run as another user and must read the files
        static = work / "static"
        for name, workers, threads, remote in servers:
            started: list[subprocess.Popen] = []
            try:
                endpoint = ""
                if remote:
                    store_port = free_port()
                    started.append(oxigraph(args.out / "store", store_port, work / "oxigraph.log"))
                    endpoint = f"http://127.0.0.1:{store_port}/query"
                    wait_for(endpoint + "?query=ASK%7B%7D")
                port = free_port()
                started.append(gunicorn(args.out, workers, port, work / "gunicorn.log", threads, endpoint))
                base = f"http://127.0.0.1:{port}/"
                wait_for(base + f"doc/practice/{keys[0]}.ttl")
                if not static.exists() and not args.no_nginx:
                    prerender(base, keys, static)      # also warms the server's caches and the OS's
                else:
                    wrk(base, paths, "text/html", work, args, duration=3)
                pids = tuple(p.pid for p in started)
                run_both(name, pids, base, paths, work, args, results)
                print(f"{name:<34} largest worker RSS with its query processes: "
                      f"{worker_rss(started[-1].pid):.0f} MiB", flush=True)
            finally:
                for process in reversed(started):
                    stop(process)
        if not args.no_nginx:
            port = free_port()
            server = nginx(static, port, work, 2)
            try:
                base = f"http://127.0.0.1:{port}/"
                wait_for(base + f"doc/practice/{keys[0]}.ttl")
                run_both("nginx, pre-rendered files", (server.pid,), base, paths, work, args, results, files=True)
            finally:
                stop(server)
    print(f"(closed loop: p50 is about {args.connections} / throughput; p50 <= 10 ms there needs "
          f"{args.connections * 100:,} requests/s)")
    if args.json:
        args.json.write_text(json.dumps({"build": str(args.out), "args": {k: str(v) for k, v in vars(args).items()},
                                         "results": results}, indent=1))


if __name__ == "__main__":
    main()
