"""Speed of the pages for people on the 100,000-practice build: search (ranked, with snippets and facet
counts), facet pages (filters without words), map bounding boxes (GeoJSON, capped). Each request goes
through the whole Flask app in process (view, read model, SQLite, rendering; no network). Also times the
search-index build step alone (re-run from OUT's N-Triples dump into a temporary file). Prints figures; asserts
nothing.

    .venv/bin/python bench/bench_pages.py [--data /tmp/gen100k] [--out /tmp/out100k] [--runs 5]

Targets (issue 9): search p50 <= 20 ms, a facet page <= 100 ms, a bounding box <= 200 ms with a bounded
number of features. The build is reused when OUT/build.json exists (see bench/bench_queries.py)."""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_queries import ensure_build  # noqa: E402
from publisher.outputs.search_index import FILE, write_index_of  # noqa: E402
from publisher.web import create_app  # noqa: E402

FACET_PAGES = (
    {}, {"theme": "uslugi-spoleczne"}, {"voivodeship": "22", "cross_sector": "yes"},
    {"unit_type": "gmina-wiejska", "three_sector": "yes"}, {"funding": "efs", "year": "2011"},
    {"theme": "efektywnosc-energetyczna", "funding": "rpo", "voivodeship": "14"},
)
BOXES = {
    "Poland": "14.1,49.0,24.2,54.9",
    "a voivodeship (2x2 deg)": "17.5,53.0,19.5,55.0",
    "a county (0.5x0.5 deg)": "18.5,53.9,19.0,54.4",
    "a town (0.1x0.1 deg)": "18.7,54.0,18.8,54.1",
}


def timed(client, url: str, runs: int) -> tuple[list[float], object]:
    times, response = [], None
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}: {response.get_data(as_text=True)[:200]}")
    return times, response


def queries(index: Path, count: int) -> list[str]:
    """Words people would type, drawn from the data itself (titles and towns), plus a few fixed ones."""
    db = sqlite3.connect(index.resolve().as_uri() + "?mode=ro", uri=True)
    rng = random.Random(9)
    titles = [r[0] for r in db.execute("SELECT title_pl FROM practice_text WHERE id % 97 = 0 LIMIT 500")]
    towns = [r[0] for r in db.execute("SELECT DISTINCT town FROM practice_text WHERE id % 89 = 0 LIMIT 200")]
    db.close()
    words = [w for t in titles for w in t.split() if len(w) > 4]
    picked = ["Tczew", "lodz", "seniorom", "audyt energetyczny", "giełda zasobów", "wolontariat"]
    while len(picked) < count:
        kind = rng.random()
        if kind < 0.4:
            picked.append(rng.choice(words))
        elif kind < 0.7:
            picked.append(rng.choice([t for t in towns if t]))
        else:
            picked.append(f"{rng.choice(words)} {rng.choice(words)}")
    return picked


def line(label: str, times: list[float], extra: str = "") -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"  {label:<58} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  max {times[-1]:7.1f} ms"
          f"{extra}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/tmp/gen100k"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/out100k"))
    parser.add_argument("--practices", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each request [%(default)s]")
    parser.add_argument("--queries", type=int, default=40, help="distinct search queries [%(default)s]")
    parser.add_argument("--skip-index-build", action="store_true", help="do not time the index step")
    args = parser.parse_args(argv)
    ensure_build(args.data, args.out, args.practices)
    index = args.out / FILE
    print(f"build {args.out}: search index {index.stat().st_size / 2**20:.0f} MiB")
    if not args.skip_index_build:
        from publisher.config import load_settings
        from publisher.outputs.practice_table import collect_ntriples

        base = load_settings({}, environ={}).base_uri
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            facts = collect_ntriples(args.out / "dumps" / "bdp.nt.gz", base)
            read = time.perf_counter()
            count = write_index_of(facts, base, Path(tmp) / FILE)
            print(f"index build step: {count} practices in {time.perf_counter() - started:.1f} s (practice table "
                  f"from dumps/bdp.nt.gz {read - started:.1f} s; the build reads it while writing the Turtle dump)")
    client = create_app(out=args.out, tile_url="").test_client()
    client.get("/search?q=warm")  # first request: templates compiled, page cache warm

    print("search (/search?q=..., JSON with hits, snippets and all facet counts):")
    all_times, html_times, totals = [], [], []
    for q in queries(index, args.queries):
        times, response = timed(client, "/search?" + urlencode({"q": q, "format": "json"}), args.runs)
        all_times += times
        totals.append(response.get_json()["total"])
        html_times += timed(client, "/search?" + urlencode({"q": q}), 1)[0]
    line(f"{args.queries} queries x {args.runs} runs (hits per query: median {statistics.median(totals):.0f}, "
         f"max {max(totals)})", all_times)
    line(f"the same as HTML pages ({args.queries} x 1)", html_times)

    print("facet pages (/search with filters, no words):")
    for filters in FACET_PAGES:
        times, response = timed(client, "/search?" + urlencode({**filters, "format": "json"}), args.runs)
        label = "&".join(f"{k}={v}" for k, v in filters.items()) or "(no filter: all practices)"
        line(label, times, f"  ({response.get_json()['total']} practices)")
        html = timed(client, "/search?" + urlencode(filters), args.runs)[0]
        line("  as HTML", html)

    print("map (/geojson?bbox=...):")
    for label, bbox in BOXES.items():
        times, response = timed(client, "/geojson?bbox=" + bbox, args.runs)
        data = response.get_json()
        line(label, times, f"  ({data['properties']['total']} practices, {len(data['features'])} features"
                           f"{', clustered' if data['properties']['clustered'] else ''})")
    rng = random.Random(1)
    times, most = [], 0
    for _ in range(50):
        w, h = rng.uniform(0.05, 6), rng.uniform(0.05, 4)
        x, y = rng.uniform(14.1, 24.2 - w), rng.uniform(49.0, 54.9 - h)
        t, response = timed(client, f"/geojson?bbox={x:.4f},{y:.4f},{x + w:.4f},{y + h:.4f}", 1)
        times += t
        most = max(most, len(response.get_json()["features"]))
    line("50 random boxes", times, f"  (at most {most} features in one answer)")


if __name__ == "__main__":
    main()
