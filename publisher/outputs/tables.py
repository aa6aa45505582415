"""The build's files made from the N-Triples dump OUT/dumps/bdp.nt.gz: the RDF dumps (rdf_dumps.py) and
the tables of the practice table (practice_table.py): the CSV of practices (OUT/dumps/practices.csv), the
search index (OUT/search.sqlite) and the sitemaps (OUT/sitemap*.xml, the site's own pages first).

One job (jobs.py) writes one dump and some of the tables from the same pass over the triples, which saves
reading and parsing them twice; the output steps run two, whose work is about even (Turtle with the search
index, JSON-LD with the CSV and the sitemaps):

    python -m publisher.outputs.tables OUT BASE PUBLIC SITEMAP_LIMIT DUMP FORMAT PART[,PART...]

DUMP empty: the dump is made already (an incremental build spliced it), only the tables are written."""

from __future__ import annotations

import gc
import gzip
import sys
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from publisher.iris import doc_iri
from publisher.outputs.dump_members import write_sizes
from publisher.outputs.practice_table import PracticeTable, new_facts, recording, table_of
from publisher.outputs.practices_csv import write_csv
from publisher.outputs.rdf_dumps import SOURCE, write_rdf_dump
from publisher.outputs.search_index import FILE, write_index_of
from publisher.outputs.sitemap import write_sitemaps

PARTS = ("csv", "index", "sitemaps")
# Pages the sitemap lists beside the resources' documents (paths under the public prefix).
SITE_PAGES = ("", "catalog")


def write_sitemaps_of(facts: PracticeTable, out: Path, base: str, public: str, limit: int) -> int:
    entries: list[tuple[str, str | None]] = [(page, None) for page in SITE_PAGES]
    for iri, modified in facts.documents.items():
        doc = doc_iri(iri, base)
        if doc is not None:
            entries.append((doc[len(base):], modified))
    return write_sitemaps(out, public, entries, limit)


def write_tables(out: Path, base: str, public: str, sitemap_limit: int, dump: str, fmt: str,
                 parts: tuple[str, ...]) -> None:
    """Write OUT/dumps/DUMP as `fmt` from bdp.nt.gz and, from the same triples, the tables named in `parts`.

    Python's cyclic garbage collector is paused meanwhile: the job makes millions of small objects and no
    cycles, and the collector's passes over them took a third of its time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        _write(out, base, public, sitemap_limit, dump, fmt, parts)
    finally:
        if collecting:
            gc.enable()


def _write(out: Path, base: str, public: str, sitemap_limit: int, dump: str, fmt: str,
           parts: tuple[str, ...]) -> None:
    found = new_facts()
    if dump:
        sizes = write_rdf_dump(out / "dumps" / SOURCE, out / "dumps" / dump, fmt,
                               through=(lambda triples: recording(triples, found)) if parts else None)
        if sizes is not None:
            write_sizes(out / "dumps" / dump, sizes)
    elif parts:     # the dump is made already (an incremental build's splice): the triples for the tables
        with gzip.open(out / "dumps" / SOURCE, "rb") as f:
            for _ in recording(ox.parse(cast(IO[bytes], f), format=ox.RdfFormat.N_TRIPLES), found):
                pass
    else:
        return
    facts = table_of(found, base)
    if "csv" in parts:
        write_csv(facts, out / "dumps" / "practices.csv")
    if "index" in parts:
        write_index_of(facts, base, out / FILE)
    if "sitemaps" in parts:
        write_sitemaps_of(facts, out, base, public, sitemap_limit)


def main(argv: list[str]) -> int:
    out, base, public, limit, dump, fmt, parts = argv
    chosen = tuple(p for p in parts.split(",") if p)
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}: choose from {', '.join(PARTS)}")
    write_tables(Path(out), base, public, int(limit), dump, fmt, chosen)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
