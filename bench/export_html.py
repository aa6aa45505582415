"""CPU of the pages for people alone in `bdp export`'s document writer: for a sample of one kind, the two
languages' request contexts and html_body (Presenter, templates), the descriptions read beforehand, the
best of --rounds passes in one process (the least disturbed by other processes on a shared machine):

    python bench/export_html.py OUT KIND [PER_KIND] [--rounds 7] [--profile tottime]

To set two checkouts side by side, run this file from one with PYTHONPATH=/other/checkout (the package is
imported from PYTHONPATH first; this file does not put its own checkout on the path)."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path


def main() -> None:
    from publisher.config import load_settings
    from publisher.web.documents import html_body, read_document
    from publisher.web.export import resources
    from publisher.web.export_documents import HTML_LANGS, _environ, app_for
    from publisher.web.render import alternates

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("kind")
    parser.add_argument("per_kind", type=int, nargs="?", default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", default="", help="after the rounds, one pass under cProfile, this order")
    args = parser.parse_args()
    public = "http://127.0.0.1:8080/"
    settings = load_settings({"out": str(args.out), "public_url": public}, environ={})
    paths = [p for p in resources(args.out / "store", settings.base_uri) if p.split("/")[1] == args.kind]
    paths = paths[::max(1, len(paths) // args.per_kind)][:args.per_kind]
    app = app_for(settings)
    with app.app_context():
        described = [(p, read_document(settings.base_uri + "id/" + p[4:], 1)) for p in paths]

    def run() -> None:
        for path, d in described:
            url = public + path
            formats = alternates(lambda suffix, url=url: f"{url}.{suffix}")
            with app.app_context():
                for lang in HTML_LANGS:
                    with app.request_context(_environ(public, lang, path, 1)):
                        app.preprocess_request()
                        html_body(d, url, formats, None)

    run()
    best = float("inf")
    for _ in range(args.rounds):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    print(f"{args.kind}: {len(described)} documents, pages in {len(HTML_LANGS)} languages: "
          f"{1000 * best / len(described):.3f} ms CPU a document (best of {args.rounds})")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        run()
        profile.disable()
        pstats.Stats(profile).sort_stats(args.profile).print_stats(40)


if __name__ == "__main__":
    main()
