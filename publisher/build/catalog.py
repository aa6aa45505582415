"""Build output step: the harvesting outputs of one build.

Writes OUT/dumps/ (Turtle and JSON-LD gzip beside the pipeline's N-Triples gzip, and practices.csv),
OUT/sitemap*.xml, OUT/catalog.json (the facts: counts, sizes, SHA-256), OUT/catalog.ttl, OUT/catalog.jsonld
and OUT/void.ttl, and puts the catalogue and VoID triples in the store's named graph `{base}catalog`
(never the default graph, whose size is what the dumps, VoID and COUNT(*) on /sparql all report)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.build.pipeline import BuildContext
from publisher.build.sitemap import write_sitemaps
from publisher.dcat import catalog_iri, describe
from publisher.facts import DUMPS, FACTS_FILE, SITEMAP_LIMIT, Facts, FileFacts, load_facts, public_prefix
from publisher.formats import BY_NAME
from publisher.link.void import linkset_facts
from publisher.namespaces import PREFIXES
from publisher.read.catalog import CSV_COLUMNS, dataset_counts, practice_rows, sitemap_entries
from publisher.store.embedded import DirectStore
from publisher.void import describe_void

# Pages the sitemap lists beside the resources' documents (paths under the public prefix).
SITE_PAGES = ("", "catalog")


def write_dump(store: ox.Store, path: Path, fmt_name: str) -> None:
    """The default graph as one gzip file; gzip with no name or time in its header, so same data, same bytes."""
    fmt = BY_NAME[fmt_name]
    prefixes = PREFIXES if fmt_name == "ttl" else None
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6,
                                                mtime=0) as out:
        store.dump(out, fmt.rdf_format, from_graph=ox.DefaultGraph(), prefixes=prefixes)


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(partial(f.read, 1 << 20), b""):
            digest.update(block)
    return path.stat().st_size, digest.hexdigest()


def previous_out(context: BuildContext) -> Path | None:
    """The OUT this build will replace (the pipeline builds in `.{name}.building-{pid}` beside it)."""
    match = re.fullmatch(r"\.(.+)\.building-\d+", context.out.name)
    return context.out.parent / match.group(1) if match else None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _stamped(facts: Facts, previous: Facts | None) -> Facts:
    """Time stamps that survive an identical rebuild, so If-Modified-Since still answers 304."""
    now = _now()
    old = previous.files if previous else {}
    files = {name: FileFacts(f.size, f.sha256, old[name].modified if name in old and old[name].sha256 == f.sha256
                             else now) for name, f in facts.files.items()}
    facts = facts.with_(files=files)
    same = previous is not None and previous.fingerprint() == facts.fingerprint() and previous.stamp
    return facts.with_(stamp=previous.stamp if same and previous else now)


def write_catalog(context: BuildContext, *, sitemap_limit: int = SITEMAP_LIMIT) -> Facts:
    settings, out, store = context.settings, context.out, context.store
    base = settings.base_uri
    public = public_prefix(settings.public_url or base)
    read = DirectStore(store)
    counts = dataset_counts(read, base)
    dumps = out / "dumps"
    dumps.mkdir(exist_ok=True)
    for dump in DUMPS:
        target = dumps / dump.name
        if dump.format == "csv":
            write_csv(practice_rows(read, base), target)
        elif not target.exists():      # the pipeline already wrote bdp.nt.gz
            write_dump(store, target, dump.format)
    entries = [(page, None) for page in SITE_PAGES] + sitemap_entries(read, base)
    sitemaps = write_sitemaps(out, public, entries, sitemap_limit)
    sitemap_sha = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(out.glob("sitemap*.xml")))).hexdigest()
    files = {d.name: FileFacts(*file_digest(dumps / d.name), "") for d in DUMPS if (dumps / d.name).exists()}
    facts = Facts(public=public, files=files, sitemaps=sitemaps, sitemap_sha256=sitemap_sha,
                  linkset_files=linkset_facts(out / "links"), **counts)
    before = previous_out(context)
    facts = _stamped(facts, load_facts(before) if before and before.is_dir() else None)
    (out / FACTS_FILE).write_text(facts.to_json(), encoding="utf-8")

    triples = list(describe(facts, settings, public))
    graph = ox.NamedNode(catalog_iri(base))
    store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
    ox.serialize(triples, str(out / "catalog.ttl"), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    ox.serialize(triples, str(out / "catalog.jsonld"), format=ox.RdfFormat.JSON_LD)
    ox.serialize(describe_void(facts, settings, public), str(out / "void.ttl"), format=ox.RdfFormat.TURTLE,
                 prefixes=PREFIXES)
    return facts


def catalog_step(context: BuildContext) -> None:
    write_catalog(context)


def with_sitemap_limit(limit: int) -> Callable[[Any], None]:
    """A catalogue step that splits sitemaps at `limit` URLs (tests and small demos)."""
    return partial(write_catalog, sitemap_limit=limit)
