"""The static export (issue 17): how long `bdp export` takes, and how fast nginx serves it under the shipped
configuration against nginx's plain static-file rate, in the same run.

    python bench/bench_export.py --out /work/out100k [--sample 30000] [--duration 10]

1. Exports a sample of about --sample documents, a run of neighbours from each kind in proportion to its
   count (`neighbours`; the export renders one resource at a time, so its time is linear in the
   resources), with `bdp export`'s code and
   --workers processes, then the site-wide files (catalogue, VoID, /def/, feed, dumps, sitemaps) once;
   the sample is written as a whole export writes it, the labels and the organisations' facts read once
   before the workers start; the whole export is estimated as the listing and that reading + documents x
   (sample time / sample) + what of the site-wide time exceeds the listing and reading (the export writes
   the site-wide files in a process beside them), and set beside
   the full build's time (--build-seconds, else the last `built ... in N s` line of --build-log). A sample
   still overestimates: its workers start cold (templates, caches) for a few thousand documents;
   --sample above the number of resources writes them all, so that the whole export is measured, not
   estimated (the figure to quote, bench/README.md). The
   sample is written as into a fresh tree (no rename per file); the CPU it took, user and system (the
   kernel's share: creating a file's inode), is printed per document.
2. Serves the sample with two nginx processes started from the same frame (worker_processes --nginx-workers,
   no access log): one with a plain `try_files $uri` server, one with the shipped configuration
   (publisher/web/servers.py), and loads them with wrk (--connections 16, --threads 2, --duration s each)
   over the sample's practices: the plain files (/doc/practice/KEY.ttl), then, under the shipped config,
   the same suffix URLs, the negotiated URL with Accept: text/turtle (a whole-header map entry), with a
   browser's Accept (HTML), with q-values only the regular expressions resolve, and /id/ (303).
Needs wrk and nginx (Debian: apt-get install wrk nginx-light). Everything listens on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_deref import _spawn, free_port, tree_cpu, wrk  # noqa: E402
from bench.procs import wait_for_port  # noqa: E402

FRAME = """
worker_processes %(workers)d;
pcre_jit on;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path %(dir)s/tmp; proxy_temp_path %(dir)s/tmp; fastcgi_temp_path %(dir)s/tmp;
  uwsgi_temp_path %(dir)s/tmp; scgi_temp_path %(dir)s/tmp;
%(inside)s
}
"""
PLAIN = """
  types { text/turtle ttl; text/html html; }
  server { listen 127.0.0.1:%(port)d; root %(root)s; location / { try_files $uri =404; } }
"""
LOADS = (  # (name, server, path pattern, Accept)
    ("plain static file .ttl", "plain", "/doc/practice/{key}.ttl", "*/*"),
    ("shipped: suffix .ttl", "shipped", "/doc/practice/{key}.ttl", "*/*"),
    ("shipped: negotiated, Accept text/turtle", "shipped", "/doc/practice/{key}", "text/turtle"),
    ("shipped: negotiated, browser Accept (HTML)", "shipped", "/doc/practice/{key}",
     "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("shipped: negotiated, q-values (regex levels)", "shipped", "/doc/practice/{key}",
     "application/ld+json;q=0.3, application/n-triples;q=0.31"),
    ("shipped: /id/ -> 303", "shipped", "/id/practice/{key}", "text/turtle"),
)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("/work/out100k"), help="a finished build [%(default)s]")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bdp-bench-export")
    p.add_argument("--sample", type=int, default=30000, help="documents exported [%(default)s]")
    p.add_argument("--workers", type=int, default=2, help="export processes [%(default)s]")
    p.add_argument("--build-seconds", type=float, default=None, help="the full build's wall time")
    p.add_argument("--build-log", type=Path, default=Path("/tmp/build100k.log"))
    p.add_argument("--duration", type=int, default=10, help="seconds of each wrk run [%(default)s]")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--nginx-workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=17)
    return p.parse_args()


def export_sample(args: argparse.Namespace, site: Path) -> dict:
    from publisher.config import load_settings
    from publisher.web.export import resources, write_documents, write_site

    public = "http://127.0.0.1/"
    settings = load_settings({"out": str(args.out), "public_url": public}, environ={})
    started = time.perf_counter()
    paths = list(resources(args.out / "store", settings.base_uri))
    listing = time.perf_counter() - started
    sample = neighbours(paths, args.sample)
    started, cpu, timings = time.perf_counter(), _cpu(), {}
    # read ahead as the whole export does (its labels and organisations' facts), counted once
    documents, files = write_documents(settings, site, sample, public, args.workers, atomic=False,
                                       read_ahead=True, timings=timings)
    ahead = timings["ahead"]
    docs_s = time.perf_counter() - started - ahead
    user, system = (after - before for after, before in zip(_cpu(), cpu, strict=True))
    user, system = user - timings["ahead_user"], system - timings["ahead_system"]    # (counted once, apart)
    started = time.perf_counter()
    site_files = write_site(settings, site, public)
    site_s = time.perf_counter() - started
    return {"resources": len(paths), "sample": documents, "files": files, "listing_s": listing,
            "docs_s": docs_s, "ahead_s": ahead, "site_s": site_s, "site_files": site_files, "user_s": user,
            "sys_s": system, "estimate_s": listing + ahead + docs_s * len(paths) / max(documents, 1)
            + max(0.0, site_s - listing - ahead),   # (the export writes the site-wide files beside them)
            "keys": [p.split("/", 2)[2] for p in sample if p.startswith("doc/practice/")]}


def neighbours(paths: list[str], size: int) -> list[str]:
    """About `size` of `paths` (in the store's order, where each kind's resources lie together), as runs of
    neighbours: from each kind a run from the middle of its resources, as long as its share of `paths`
    (at least one). A whole export meets its resources so (an organisation's practices are its partners'
    too: the caches of names and facts fill once for many), where every n-th resource shares nothing with
    the one before."""
    if size >= len(paths):
        return paths
    spans: dict[str, list[int]] = {}
    for i, path in enumerate(paths):
        span = spans.setdefault(path.split("/")[1], [i, i])
        span[1] = i
    sample = []
    for first, last in spans.values():
        count = last - first + 1
        length = min(count, max(1, round(size * count / len(paths))))
        start = first + (count - length) // 2
        sample += paths[start:start + length]
    return sample


def _cpu() -> tuple[float, float]:
    """(user, system) CPU seconds of this process and of its finished children (the export's workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + children.ru_utime, me.ru_stime + children.ru_stime


def build_seconds(args: argparse.Namespace) -> float | None:
    if args.build_seconds:
        return args.build_seconds
    try:
        found = re.findall(r"built .* in ([0-9.]+)s", args.build_log.read_text(errors="replace"))
    except OSError:
        return None
    return float(found[-1]) if found else None


def start_nginx(name: str, inside: str, work: Path, workers: int, port: int):  # noqa: ANN201
    folder = work / name
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(FRAME % {"workers": workers, "dir": folder, "inside": inside})
    process = _spawn(["nginx", "-c", str(conf), "-p", str(folder)], folder / "nginx.log")
    wait_for_port(port, process)
    return process


def run(args: argparse.Namespace, built: float | None) -> dict:
    """Export a sample of args.out into args.work, then nginx plain vs shipped under wrk (module docstring).
    Prints as it goes; returns the figures (for `python -m bench`)."""
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: apt-get install wrk nginx-light)")
    # A previous run's tree is set aside and removed after the measurement, not before: this disk's ext4
    # has no journal, so allocating an inode skips every inode freed in the last minute (or six while its
    # table block is dirty) near it, and a tree removed just before would charge the export for it.
    old = args.work.with_name(f"{args.work.name}.old-{os.getpid()}")
    if args.work.exists():
        args.work.rename(old)
    try:
        return _run(args, built)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _run(args: argparse.Namespace, built: float | None) -> dict:
    from publisher.web.servers import nginx_conf

    site = args.work / "site"
    site.mkdir(parents=True)
    args.work.chmod(0o755)
    e = export_sample(args, site)
    e["build_s"] = built
    print(f"resources {e['resources']}; listing {e['listing_s']:.1f} s; read ahead {e['ahead_s']:.1f} s; sample of {e['sample']} documents "
          f"({e['files']} files) in {e['docs_s']:.1f} s = {1000 * e['docs_s'] / max(e['sample'], 1):.1f} ms a "
          f"document with {args.workers} processes (CPU a document: {1000 * e['user_s'] / max(e['sample'], 1):.1f} ms "
          f"user, {1000 * e['sys_s'] / max(e['sample'], 1):.1f} ms system); site-wide files ({e['site_files']}) "
          f"{e['site_s']:.1f} s")
    print(f"whole export, estimated: {e['estimate_s']:.0f} s" + (
        f"; full build {built:.0f} s; ratio {e['estimate_s'] / built:.1f}x (goal <= 2x)" if built else ""))
    keys = e.pop("keys")
    plain_port, shipped_port = free_port(), free_port()
    servers = {
        "plain": start_nginx("plain", PLAIN % {"port": plain_port, "root": site}, args.work,
                             args.nginx_workers, plain_port),
        "shipped": start_nginx("shipped", nginx_conf(str(site), f"127.0.0.1:{shipped_port}"), args.work,
                               args.nginx_workers, shipped_port)}
    ports = {"plain": plain_port, "shipped": shipped_port}
    loads = {}
    try:
        print(f"{'load':<46} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'cpu us':>7} {'non-2xx':>7}")
        for name, server, pattern, accept in LOADS:
            paths = [pattern.format(key=k) for k in keys]
            before = tree_cpu(servers[server].pid)
            r = wrk(f"http://127.0.0.1:{ports[server]}", paths, accept, args.work, args)
            r["cpu_us"] = 1e6 * (tree_cpu(servers[server].pid) - before) / max(r["requests"], 1)
            loads[name] = r
            print(f"{name:<46} {r['rps']:>8.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} {r['cpu_us']:>7.1f} "
                  f"{r['non2xx']:>7}", flush=True)
    finally:
        for process in servers.values():
            process.terminate()
            process.wait(10)
    plain = loads[LOADS[0][0]]["rps"]
    for name, *_ in LOADS[1:]:
        loads[name]["of_plain"] = loads[name]["rps"] / plain
        print(f"{name:<46} {100 * loads[name]['of_plain']:5.0f} % of the plain static-file rate")
    return {**e, "loads": loads}


def section(x: dict) -> list[str]:
    """Markdown lines for bench/report.py."""
    ratio = f"; **{x['estimate_s'] / x['build_s']:.1f}x** the full build ({x['build_s']:.0f} s)" if x.get(
        "build_s") else ""
    lines = [f"Static export (`bdp export`, {x['sample']} of {x['resources']:,} documents exported, "
             f"{1000 * x['docs_s'] / max(x['sample'], 1):.1f} ms a document): whole export estimated "
             f"**{x['estimate_s']:,.0f} s**{ratio}.", "",
             "| nginx load (wrk, 16 connections) | req/s | p50 ms | p99 ms | nginx CPU us a request | "
             "of plain static |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in x["loads"].items():
        share = f"{100 * r['of_plain']:.0f} %" if "of_plain" in r else "-"
        lines.append(f"| {name} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['cpu_us']:.1f} | "
                     f"{share} |")
    return lines + [""]


def main() -> None:
    args = _args()
    print(f"# bench_export: {args.out}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    run(args, build_seconds(args))


if __name__ == "__main__":
    main()
