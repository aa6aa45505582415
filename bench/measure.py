"""The measurements of `python -m bench`: generate and build a data set in child processes (stages and
peak memory as `bdp build` prints them), publish it to a fresh `oxigraph serve`, time the canned queries
in-process, through our /sparql and on `oxigraph serve`, and drive dereferencing with bench/load.py."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.procs import ROOT, Server, oxigraph_serve, rss_mib

_BUILT = re.compile(r"built (\d+) practices, (\d+) organisations, (\d+) triples into .* in ([\d.]+)s "
                    r"\((.*); peak (\d+) MiB\)")
_PUBLISHED = re.compile(r"published (\d+) triples .*\(upload ([\d.]+)s, switch ([\d.]+)s\)")


# The command line with the build's output steps imported at start: a long build then runs the code as it
# was when it began, even if the working tree changes under it.
_BDP = "import sys, publisher.pipeline.outputs; from publisher.cli import main; main()"


def bdp(*args: str, timeout: float = 14400) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BDP, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _count(directory: Path) -> int:
    try:
        return sum(1 for _ in (directory / "practices").iterdir())
    except OSError:
        return -1


def generate(n: int, candidates: list[Path]) -> tuple[Path, bool]:
    """A synthetic set of n practices: the first candidate that already holds exactly n, else generated
    into the first candidate. Returns (directory, reused)."""
    for path in candidates:
        if (path / "SYNTHETIC.md").is_file() and _count(path) == n:
            return path, True
    target = candidates[0]
    result = bdp("generate", "--practices", str(n), "--out", str(target))
    if result.returncode != 0:
        raise RuntimeError(f"bdp generate failed: {result.stderr.strip()}")
    return target, False


def build(data: Path, out: Path, reuse: list[Path]) -> dict:
    """Build in a child process and read the stages and peak memory it prints; with `reuse`, a finished
    build (build.json present) of the same data is taken as it is."""
    for path in reuse:
        manifest = path / "build.json"
        if manifest.is_file():
            info = json.loads(manifest.read_text(encoding="utf-8"))
            return {"out": path, "reused": True, "triples": info.get("triples"), "stages": {}}
    started = time.perf_counter()
    result = bdp("build", "--data", str(data), "--out", str(out))
    wall = time.perf_counter() - started
    match = _BUILT.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"bdp build failed: {(result.stderr or result.stdout).strip()[-2000:]}")
    stages = {}
    for part in match.group(5).split(", "):
        name, _, seconds = part.rpartition(" ")
        stages[name] = float(seconds.rstrip("s"))
    return {"out": out, "reused": False, "triples": int(match.group(3)), "total": float(match.group(4)),
            "wall": wall, "stages": stages, "peak_mib": int(match.group(6))}


GRAPH = "https://w3id.org/bdp/graph/data"


def publish(out: Path, log_dir: Path, graph: str | None = GRAPH) -> tuple[dict, Server | None]:
    """`bdp publish` of the build into a fresh `oxigraph serve`: the remote store's load. Returns the
    figures and the server, still running (the caller stops it), or None when publishing failed."""
    location = Path(tempfile.mkdtemp(prefix="bench-publish-", dir=log_dir))
    server = oxigraph_serve(location / "store", log_dir)
    server.extra["location"] = location
    args = ["publish", "--out", str(out), "--endpoint", f"{server.url}/query"]
    started = time.perf_counter()
    result = bdp(*args, *(["--graph", graph] if graph else []))
    wall = time.perf_counter() - started
    peak = rss_mib(server.process.pid, "VmHWM")
    match = _PUBLISHED.search(result.stdout)
    if result.returncode != 0 or match is None:
        stop(server)
        return {"error": (result.stderr or result.stdout).strip().splitlines()[-1:], "graph": graph}, None
    return {"wall": wall, "upload": float(match.group(2)), "switch": float(match.group(3)),
            "triples": int(match.group(1)), "store_peak_mib": peak, "graph": graph}, server


def stop(server: Server) -> None:
    """Stop a server and remove the store location it was given, if any."""
    server.stop()
    if "location" in server.extra:
        shutil.rmtree(server.extra["location"], ignore_errors=True)


# --- queries ----------------------------------------------------------------------------------------------

_FOLDERS = {"organisation": "organisations", "practice": "practices"}


def _sample_key(data: Path, kind: str) -> str:
    """The first record key of a kind in the data set: a value for a required IRI parameter."""
    folder = data / _FOLDERS.get(kind, kind + "s")
    return min((p.stem for p in folder.glob("*.yaml")), default="")


def canned_queries(store: object, settings: object, data: Path) -> list[tuple[str, str]]:
    """(name, self-contained text) of every canned query with its default parameters bound, required ones
    given the first matching record of the data, written as a VALUES block: the same text for every
    target, so the embedded store, our /sparql and `oxigraph serve` run exactly the same query."""
    from publisher.iris import IriMap
    from publisher.read.canned import KEYED_CLASSES, bind, load_catalogue
    from publisher.store.bind import with_bindings

    iri_map = IriMap(settings.base_uri, settings.base_uri)  # type: ignore[attr-defined]
    found = []
    for name, query in load_catalogue().items():
        values = {p.name: _sample_key(data, KEYED_CLASSES.get(p.target, "")) for p in query.params
                  if p.required and p.default is None and p.type == "iri"}
        bindings = bind(query, values, store, iri_map)  # type: ignore[arg-type]
        found.append((name, with_bindings(query.text, bindings)))
    return found


def _accept(text: str) -> str:
    from publisher.store.bind import query_form

    form = query_form(text)
    return "application/n-triples" if form in ("construct", "describe") else "application/sparql-results+json"


def time_http(url: str, text: str, repeat: int) -> dict:
    """Median and best of `repeat` POSTs of `text` (after one warm-up), on one keep-alive connection."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    headers = {"Content-Type": "application/sparql-query", "Accept": _accept(text)}
    times, status, size, capped = [], 0, 0, False
    try:
        for i in range(repeat + 1):
            started = time.perf_counter()
            connection.request("POST", parts.path, body=text.encode(), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if i:
                times.append(time.perf_counter() - started)
            status, size = response.status, len(body)
            capped = bool(response.getheader("X-BDP-Truncated"))
    finally:
        connection.close()
    return {"median": statistics.median(times), "best": min(times), "status": status, "bytes": size,
            "capped": capped}


def time_store(store: object, text: str, repeat: int, timeout: float) -> dict:
    times = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        store.query(text, timeout=timeout)  # type: ignore[attr-defined]
        if i:
            times.append(time.perf_counter() - started)
    return {"median": statistics.median(times), "best": min(times)}


# --- dereferencing ------------------------------------------------------------------------------------------

def practice_paths(data: Path, count: int) -> list[str]:
    from publisher.iris import encode_key

    names = sorted(p.stem for p in (data / "practices").glob("*.yaml"))
    step = max(1, len(names) // count)
    return [f"/doc/practice/{encode_key(n)}" for n in names[::step][:count]]


def load(server: Server, paths: list[str], accept: str, *, concurrency: int, requests: int | None = None,
         duration: float | None = None, work: Path) -> dict:
    """Run bench/load.py in its own process against `server`."""
    spec = {"base": server.url, "paths": paths, "headers": {"Accept": accept}, "concurrency": concurrency,
            "requests": requests, "duration": duration}
    spec_file = work / f"load-{server.port}-{concurrency}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bench.load", str(spec_file)], cwd=ROOT,
                            capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"load generator failed: {result.stderr.strip()[-1000:]}")
    return json.loads(result.stdout)
