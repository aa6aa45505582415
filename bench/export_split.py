"""Where a document's CPU goes in `bdp export`, phase by phase, kind by kind, in one process:

    python bench/export_split.py OUT [KINDS] [PER_KIND] [--run START]

For PER_KIND resources of each kind (spread over the store's order; KINDS comma-separated, default all)
it runs the steps write_document takes for a first page, each timed apart with process_time: `read`
(read_document), `rdf4` (the four RDF bodies), `ctx` (entering the kept request context of a language,
export_documents.Contexts: for the RDF and for each language), `extra` (what a practice's or an
organisation's page reads beyond the document),
`html_pl`, `html_en` (html_body). Nothing is written to disk. Two rounds; the second (warm) is printed.
--run START: PER_KIND resources in the store's order from START (as a worker meets them), one round, with
the labels a whole export reads before its workers start."""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_kinds import PUBLIC, paths_by_kind  # noqa: E402


def main() -> None:
    from publisher.formats import GRAPH_FORMATS
    from publisher.read.resources import with_extra
    from publisher.web import export_documents as ed
    from publisher.web import settings as site_settings
    from publisher.web import site_store
    from publisher.web.documents import graph_bodies, html_body, page_extra, read_document
    from publisher.web.render import alternates

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("kinds", nargs="?", default="")
    parser.add_argument("per_kind", type=int, nargs="?", default=300)
    parser.add_argument("--run", type=int, default=None, metavar="START",
                        help="PER_KIND resources in the store's order from START instead, one round (as a "
                             "worker meets them), the labels read first as a whole export does")
    args = parser.parse_args()
    public = PUBLIC
    settings, by_kind = paths_by_kind(args.out)
    app = ed.app_for(settings)
    rounds = 2
    if args.run is not None:
        from bench.export_kinds import whole_export_labels
        from publisher.web import build_cache

        labels, _ = whole_export_labels(settings)
        with app.app_context():
            build_cache()["linked_labels"] = labels
        every = list(ed.resources(args.out / "store", settings.base_uri))
        by_kind, rounds = {f"run@{args.run}": every[args.run:args.run + args.per_kind]}, 1
    spent: collections.Counter[str] = collections.Counter()

    def timed(step, call, *call_args):
        start = time.process_time()
        result = call(*call_args)
        spent[step] += time.process_time() - start
        return result

    contexts = ed.Contexts.of(app, public)
    base = settings.base_uri

    def enter(lang, path):
        start = time.process_time()
        context = contexts.enter(lang, path, 1)
        spent["ctx"] += time.process_time() - start
        return context

    for kind in sorted(by_kind) if not args.kinds or args.run is not None else args.kinds.split(","):
        paths = by_kind[kind][::max(1, len(by_kind[kind]) // args.per_kind)][:args.per_kind]
        for _ in range(rounds):
            spent.clear()
            for path in paths:
                iri, url = base + "id/" + path[4:], public + path
                context = enter(ed.HTML_LANGS[0], path)
                d = context.run(timed, "read", read_document, iri, 1)
                context.run(timed, "rdf4", graph_bodies, d, base + path, GRAPH_FORMATS)
                asked, formats = page_extra(iri), alternates(lambda suffix, url=url: f"{url}.{suffix}")
                for lang in ed.HTML_LANGS:
                    context = enter(lang, path)
                    if asked is not None and lang == ed.HTML_LANGS[0]:
                        d = context.run(lambda d=d, asked=asked: timed("extra", with_extra, site_store(), d, asked,
                                                          site_settings().row_cap))
                    context.run(timed, "html_" + lang, html_body, d, url, formats, asked)
        steps = " ".join(f"{step} {1000 * seconds / len(paths):.3f}" for step, seconds in spent.items())
        print(f"{kind:13s} {len(paths):4d} docs  ms a doc: {steps}  all {1000 * sum(spent.values()) / len(paths):.3f}")


if __name__ == "__main__":
    main()
