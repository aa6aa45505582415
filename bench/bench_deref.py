"""Dereferencing speed: random practices as Turtle and as HTML from gunicorn, against the same documents
pre-rendered as files and served by nginx (the ceiling), in one run, with `wrk` as the load generator in
its own process. Prints p50, p99 and requests per second for each.

    bdp generate --practices 100000 --out /tmp/gen100k        # once; a few minutes
    bdp build --data /tmp/gen100k --out /tmp/out100k
    python bench/bench_deref.py --out /tmp/out100k --workers 2,3,4

Needs `wrk` and `nginx` on PATH (Debian: apt-get install wrk nginx-light). Everything listens on 127.0.0.1.

Columns: requests done, requests/s, latency percentiles, and the server's CPU time per request (all its
processes), which does not depend on what else the machine runs: 2 cores give at most 2000 / cpu_ms
requests/s. "As fast as it goes": 16 connections each sending as soon as answered (closed loop, so latency
is 16 / throughput); "paced": the same connections offering about --rate requests/s in all.
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
local mean = %(mean_delay)f
if mean > 0 then
  -- paced: each connection waits an exponential time between requests, offering about RATE requests/s
  delay = function() return -math.log(1 - math.random()) * mean end
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


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by `root` and every process below it (Linux /proc)."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo += [child for child, (parent, _) in stats.items() if parent == pid]
    return total


def stop(process: subprocess.Popen) -> None:
    """Stop a process this script started (its own process group), waiting for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)


def wrk(base: str, paths: list[str], accept: str, work: Path, args: argparse.Namespace, rate: float = 0) -> dict:
    """One wrk run: closed loop (each connection sends as soon as it has its answer) or, with `rate`,
    paced so that the connections together offer about `rate` requests a second."""
    listing = work / f"paths-{len(paths)}-{abs(hash(tuple(paths[:3])))}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "wrk.lua"
    mean_delay = 1000.0 * args.connections / rate if rate else 0.0
    script.write_text(WRK_SCRIPT % {"paths": listing, "accept": accept, "seed": args.seed, "mean_delay": mean_delay})
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
               "--timeout", "10s", "-s", str(script), base]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def prerender(base: str, keys: list[str], root: Path) -> None:
    """The documents the server gives, written as files for nginx: doc/practice/KEY.ttl and .html."""
    (root / "doc" / "practice").mkdir(parents=True, exist_ok=True)
    for key in keys:
        for suffix, media in MEDIA.items():
            request = urllib.request.Request(f"{base}doc/practice/{key}", headers={"Accept": media})
            with urllib.request.urlopen(request, timeout=30) as response:
                (root / "doc" / "practice" / f"{key}.{suffix}").write_bytes(response.read())


def gunicorn(out: Path, workers: int, port: int, log: Path, threads: int) -> subprocess.Popen:
    """gunicorn on the build: sync workers, or with `threads` > 1 gthread workers (keep-alive)."""
    env = {**os.environ, "BDP_OUT": str(out)}
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--backlog", "2048"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command.append("publisher.web:create_app()")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"),
                            start_new_session=True)


def nginx(root: Path, port: int, work: Path, workers: int) -> subprocess.Popen:
    (work / "tmp").mkdir(exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF % {"workers": workers, "dir": work, "port": port, "root": root})
    return subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def measured(server: subprocess.Popen, *call: object, **kw: object) -> dict:
    """wrk(*call) with the server's CPU time per request (all its processes: workers and query workers)."""
    before = tree_cpu(server.pid)
    result = wrk(*call, **kw)  # type: ignore[arg-type]
    result["cpu_ms"] = 1000 * (tree_cpu(server.pid) - before) / max(result["requests"], 1)
    return result


def line(name: str, r: dict) -> str:
    bad = r["errors"] + r["non2xx"]
    return (f"{name:<44} {r['requests']:>8} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p90_ms']:>8.2f} "
            f"{r['p99_ms']:>8.2f} {r.get('cpu_ms', float('nan')):>8.2f} {bad:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/out100k"), help="the build to serve")
    parser.add_argument("--workers", default="2,4", help="gunicorn worker counts to try, comma-separated")
    parser.add_argument("--gthreads", type=int, default=1,
                        help="threads per gunicorn worker (> 1: gthread workers, which keep connections alive)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients (keep-alive)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--sample", type=int, default=2000, help="random practices asked for")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=500,
                        help="also measure latency at this offered rate (requests/s; 0: skip)")
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
          f"{os.cpu_count()} cores; wrk -t{args.threads} -c{args.connections} -d{args.duration}s")
    print(f"{'':<44} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'cpu ms':>8} {'errors':>6}")
    with tempfile.TemporaryDirectory(prefix="bench-deref-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)          # nginx's workers run as another user and must read the files
        static = work / "static"
        for workers in [int(w) for w in args.workers.split(",")]:
            port = free_port()
            server = gunicorn(args.out, workers, port, work / "gunicorn.log", args.gthreads)
            label = f"gunicorn -w {workers}" + (f" gthread {args.gthreads}" if args.gthreads > 1 else "")
            try:
                base = f"http://127.0.0.1:{port}/"
                wait_for(base + f"doc/practice/{keys[0]}.ttl")
                if not static.exists():
                    prerender(base, keys, static)      # also warms the server's caches and the OS's
                else:
                    wrk(base, paths, "text/html", work, argparse.Namespace(**{**vars(args), "duration": 3}))
                for suffix, media in MEDIA.items():
                    result = measured(server, base, paths, media, work, args)
                    print(line(f"{label}: {suffix}, as fast as it goes", result), flush=True)
                    if args.rate:
                        result = measured(server, base, paths, media, work, args, rate=args.rate)
                        print(line(f"{label}: {suffix}, paced {args.rate:g}/s", result), flush=True)
            finally:
                stop(server)
        port = free_port()
        server = nginx(static, port, work, 2)
        try:
            base = f"http://127.0.0.1:{port}/"
            wait_for(base + f"doc/practice/{keys[0]}.ttl")
            for suffix in MEDIA:
                files = [f"{p}.{suffix}" for p in paths]
                print(line(f"nginx files: {suffix}, as fast as it goes",
                           measured(server, base, files, "*/*", work, args)), flush=True)
                if args.rate:
                    print(line(f"nginx files: {suffix}, paced {args.rate:g}/s",
                               measured(server, base, files, "*/*", work, args, rate=args.rate)), flush=True)
        finally:
            stop(server)


if __name__ == "__main__":
    main()
