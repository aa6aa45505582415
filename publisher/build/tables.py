"""The build's tables, made from the practice table of the N-Triples dump (practice_table.py): the CSV
of practices (OUT/dumps/practices.csv), the search index (OUT/search.sqlite) and the sitemaps
(OUT/sitemap*.xml, with the site's own pages first). A job of the output steps (jobs.py):

    python -m publisher.build.tables OUT BASE PUBLIC SITEMAP_LIMIT"""

from __future__ import annotations

import sys
from pathlib import Path

from publisher.build.practice_table import collect_ntriples
from publisher.build.practices_csv import write_csv
from publisher.build.rdf_dumps import SOURCE
from publisher.build.search_index import FILE, write_index_of
from publisher.build.sitemap import write_sitemaps
from publisher.iris import doc_iri

# Pages the sitemap lists beside the resources' documents (paths under the public prefix).
SITE_PAGES = ("", "catalog")


def write_tables(out: Path, base: str, public: str, sitemap_limit: int) -> None:
    facts = collect_ntriples(out / "dumps" / SOURCE, base)
    write_csv(facts, out / "dumps" / "practices.csv")
    write_index_of(facts, base, out / FILE)
    entries: list[tuple[str, str | None]] = [(page, None) for page in SITE_PAGES]
    for iri, modified in facts.documents.items():
        doc = doc_iri(iri, base)
        if doc is not None:
            entries.append((doc[len(base):], modified))
    write_sitemaps(out, public, entries, sitemap_limit)


def main(argv: list[str]) -> int:
    out, base, public, limit = argv
    write_tables(Path(out), base, public, int(limit))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
