"""Speed of the pages made for people in issue 14 on a finished build: the home page (themes, newest and
recently updated practices, voivodeship chart), sorted lists of a theme, an organisation's page (its
practices counted once, its partner network), the map's count of practices without coordinates, and a
canned-query answer for people. Each request goes through the whole Flask app in process. The first
request of each page makes what is kept per build and process (the members of a list, their order), so
it is printed apart from the warm median. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_people.py --out /work/out100k [--runs 5]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publisher.config import load_settings  # noqa: E402
from publisher.web import create_app  # noqa: E402

PAGES = ("/", "/?lang=en", "/browse/theme/uslugi-spoleczne", "/browse/theme/uslugi-spoleczne?sort=title",
         "/browse/voivodeship/14?sort=updated", "/map", "/map/without-coordinates",
         "/queries/partnerships-by-voivodeship", "/queries/top-partner-organisations")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="a finished build (OUT)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--organisation", default="", help="an organisation key to time (default: the first "
                                                           "in the top-partner answer)")
    args = parser.parse_args(argv)
    app = create_app(load_settings({"out": str(args.out)}, environ={}))
    client = app.test_client()
    pages = list(PAGES)
    if args.organisation:
        pages.append(f"/doc/organisation/{args.organisation}")
    print(f"{'page':58} {'status':>6} {'first ms':>9} {'warm p50 ms':>12}")
    for path in pages:
        start = time.perf_counter()
        r = client.get(path, headers={"Accept": "text/html"})
        first = (time.perf_counter() - start) * 1000
        warm = []
        for _ in range(args.runs):
            start = time.perf_counter()
            client.get(path, headers={"Accept": "text/html"})
            warm.append((time.perf_counter() - start) * 1000)
        print(f"{path[:58]:58} {r.status_code:>6} {first:>9.0f} {statistics.median(warm):>12.1f}")


if __name__ == "__main__":
    main()
