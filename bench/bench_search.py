"""Search as people type it (issue 14): word forms that are not in the texts (lemmas, other cases), the same
without Polish letters, typos (no hit: the page offers the nearest terms), two words, towns. Each query is
timed as a whole request (lemmatising the query, FTS, ranking, snippets with highlighting, facet counts,
suggestions, rendering), over HTTP on one keep-alive connection when a server is given (`python -m bench`
does: gunicorn over the build), else in process through the Flask app. Also the lemmatiser's memory in a
fresh process (RSS added by loading Morfeusz 2 and lemmatising the queries). Prints figures; asserts nothing.

    .venv/bin/python -m bench.bench_search --out OUT [--url http://127.0.0.1:PORT] [--queries 200]

Targets (issue 14, 100k practices): p50 <= 20 ms, p95 <= 60 ms."""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
# The forms (not words of the bundled practice's texts), and more a user would type.
# Each query is sent `repeat` times in turn (the whole list, then again): the first round reads each
# word's matches from the index, later rounds find the common ones kept (read/search.py, MATCHED_KEPT).
TYPED = ["przedsiębiorca", "seminarium", "giełdy", "inicjatywa", "współpraca", "wspolpraca", "giełda zasobów",
         "szkolenie", "seniorzy", "wolontariusz", "konsultacja", "organizacja pozarządowa", "mieszkaniec",
         "partnerstwo", "audyt energetyczny", "budynek", "stowarzyszenie", "fundacja", "rewitalizacja"]
KINDS = ("typed", "lemma", "text form", "no diacritics", "typo", "two words", "town")


def _strip(word: str) -> str:
    return word.translate(str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ"))


def search_queries(index: Path, count: int, seed: int = 14) -> list[tuple[str, str]]:
    """(kind, text): drawn from the index's vocabulary (the lemmas and the forms of the texts) and towns."""
    db = sqlite3.connect(index.resolve().as_uri() + "?mode=ro", uri=True)
    rng = random.Random(seed)
    try:
        rows = db.execute("SELECT shown, lemmas FROM vocabulary WHERE length(term) >= 4").fetchall()
        towns = [r[0] for r in db.execute("SELECT DISTINCT town FROM practice_text WHERE town IS NOT NULL "
                                          "AND id % 53 = 0 LIMIT 300")]
    finally:
        db.close()
    lemmas = sorted({r[0] for r in rows if not r[1]})       # terms that are lemmas (no lemma other than itself)
    forms = sorted({r[0] for r in rows if r[1]})            # forms of the texts with another lemma
    picked = [("typed", t) for t in TYPED]
    while len(picked) < count:
        kind = KINDS[1 + len(picked) % (len(KINDS) - 1)]
        if kind == "lemma":
            text = rng.choice(lemmas)
        elif kind == "text form":
            text = rng.choice(forms)
        elif kind == "no diacritics":
            text = _strip(rng.choice([w for w in forms + lemmas if _strip(w) != w] or forms))
        elif kind == "typo":
            word = rng.choice(forms + lemmas)
            at = rng.randrange(1, len(word))
            text = word[:at] + rng.choice("qxvjkw") + word[at + 1:]
        elif kind == "two words":
            text = f"{rng.choice(lemmas)} {rng.choice(forms)}"
        else:
            text = rng.choice(towns) if towns else rng.choice(forms)
        picked.append((kind, text))
    return picked


def _percentiles(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"n": len(ordered), "p50": statistics.median(ordered) * 1000,
            "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, "max": ordered[-1] * 1000}


def time_http(url: str, queries: list[tuple[str, str]], repeat: int = 1, fmt: str = "html") -> dict:
    """Every query `repeat` times over one keep-alive connection (one warm-up request first)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    by_kind: dict[str, list[float]] = {}
    hits: dict[str, list[int]] = {}
    statuses: dict[int, int] = {}
    path = (parts.path.rstrip("/") or "") + "/search?"
    try:
        for i, (kind, text) in enumerate([("warm-up", "warm")] + queries * repeat):
            params = {"q": text, **({"format": "json"} if fmt == "json" else {})}
            started = time.perf_counter()
            connection.request("GET", path + urlencode(params), headers={"Accept": "text/html"})
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if i:
                by_kind.setdefault(kind, []).append(elapsed)
                if fmt == "json" and response.status == 200:
                    hits.setdefault(kind, []).append(json.loads(body)["total"])
    finally:
        connection.close()
    everything = [t for ts in by_kind.values() for t in ts]
    return {"all": _percentiles(everything), "kinds": {k: _percentiles(v) for k, v in by_kind.items()},
            "hits": {k: statistics.median(v) for k, v in hits.items()},
            "empty": {k: sum(1 for x in v if x == 0) for k, v in hits.items()}, "statuses": statuses}


def time_in_process(out: Path, queries: list[tuple[str, str]], repeat: int = 1, fmt: str = "html") -> dict:
    """The same through the Flask app in this process (no network): view, read model, SQLite, rendering."""
    from publisher.web import create_app

    client = create_app(out=out, tile_url="").test_client()
    client.get("/search?q=warm")
    by_kind: dict[str, list[float]] = {}
    cpu: list[float] = []
    for kind, text in queries * repeat:
        params = {"q": text, **({"format": "json"} if fmt == "json" else {})}
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get("/search?" + urlencode(params))
        by_kind.setdefault(kind, []).append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if response.status_code != 200:
            raise SystemExit(f"{text!r}: HTTP {response.status_code}")
    everything = [t for ts in by_kind.values() for t in ts]
    return {"all": _percentiles(everything), "kinds": {k: _percentiles(v) for k, v in by_kind.items()},
            "cpu": _percentiles(cpu)}


def _status_kib() -> dict[str, int]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0])
    return found


def lemmatiser_memory(words: list[str]) -> dict:
    """RSS (KiB) a fresh process adds by loading the lemmatiser and lemmatising `words` (and its load time)."""
    code = ("import json, sys, time; from bench.bench_search import _status_kib; before = _status_kib(); "
            "t = time.perf_counter(); from publisher.polish import folded_lemmas, lemmatiser; lemmatiser(); "
            "load = time.perf_counter() - t; [folded_lemmas(w) for w in json.load(sys.stdin)]; "
            "after = _status_kib(); print(json.dumps({'before': before, 'after': after, 'load_s': load}))")
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(words), cwd=ROOT, capture_output=True,
                            text=True, check=True)
    data = json.loads(result.stdout)
    return {k: data["after"][k] - data["before"][k] for k in data["after"]} | {"load_s": data["load_s"]}


def render(result: dict) -> list[str]:
    lines = [f"Search (`/search?q=...`, {result['where']}, {result['queries']} queries x {result['repeat']}): "
             f"HTML p50 **{result['html']['all']['p50']:.1f} ms**, p95 **{result['html']['all']['p95']:.1f} ms**, "
             f"max {result['html']['all']['max']:.1f} ms; JSON p50 {result['json']['all']['p50']:.1f} ms, "
             f"p95 {result['json']['all']['p95']:.1f} ms. Lemmatiser (Morfeusz 2) in a fresh process: "
             f"+{result['memory']['VmRSS'] / 1024:.1f} MiB RSS (+{result['memory']['RssAnon'] / 1024:.1f} MiB "
             f"anonymous, +{result['memory']['RssFile'] / 1024:.1f} MiB file-backed, shared), loaded in "
             f"{result['memory']['load_s'] * 1000:.0f} ms." + (
                 f" CPU time per HTML page (this process; less sensitive to the machine's load): p50 "
                 f"{result['html']['cpu']['p50']:.1f} ms, p95 {result['html']['cpu']['p95']:.1f} ms."
                 if "cpu" in result["html"] else ""), "",
             "| query kind | HTML p50 ms | p95 | max | JSON p50 ms | p95 | median hits | no hit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind, html in result["html"]["kinds"].items():
        js = result["json"]["kinds"].get(kind, {})
        lines.append(f"| {kind} | {html['p50']:.1f} | {html['p95']:.1f} | {html['max']:.1f} | "
                     f"{js.get('p50', float('nan')):.1f} | {js.get('p95', float('nan')):.1f} | "
                     f"{result['json'].get('hits', {}).get(kind, '-')} | "
                     f"{result['json'].get('empty', {}).get(kind, '-')} / {html['n']} |")
    return lines + [""]


def measure(out: Path, url: str | None = None, count: int = 200, repeat: int = 1) -> dict:
    queries = search_queries(out / "search.sqlite", count)
    if url:
        html, js = time_http(url, queries, repeat, "html"), time_http(url, queries, repeat, "json")
    else:
        html, js = time_in_process(out, queries, repeat, "html"), time_in_process(out, queries, repeat, "json")
    words = [w for _, text in queries for w in text.lower().split()]
    return {"where": f"over HTTP to {url}" if url else "in process through the Flask app", "queries": len(queries),
            "repeat": repeat, "html": html, "json": js, "memory": lemmatiser_memory(words)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="a finished build (OUT)")
    parser.add_argument("--url", help="a server over that build (else: in process)")
    parser.add_argument("--queries", type=int, default=200, help="distinct queries [%(default)s]")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each query [%(default)s]")
    args = parser.parse_args(argv)
    count = sqlite3.connect((args.out / "search.sqlite").resolve().as_uri() + "?mode=ro", uri=True).execute(
        "SELECT value FROM meta WHERE name = 'practices'").fetchone()[0]
    print(f"{args.out}: {int(count):,} practices")
    print("\n".join(render(measure(args.out, args.url, args.queries, args.repeat))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
