"""Build output step: the harvesting outputs of one build.

Writes OUT/dumps/ (Turtle and JSON-LD gzip beside the pipeline's N-Triples gzip, and practices.csv),
OUT/sitemap*.xml, OUT/catalog.json (the facts: counts, sizes, SHA-256), OUT/catalog.ttl, OUT/catalog.jsonld
and OUT/void.ttl, and puts the catalogue and VoID triples in the store's named graph `{base}catalog`
(never the default graph, whose size is what the dumps, VoID and COUNT(*) on /sparql all report).

The Turtle and JSON-LD dumps are written from bdp.nt.gz by child processes (rdf_dumps.py) while this
process queries the store for the counts, the CSV and the sitemaps; their checksums are taken after."""

from __future__ import annotations

import gzip
import hashlib
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.build.pipeline import BuildContext
from publisher.build.practice_table import PracticeTable, collect
from publisher.build.practices_csv import write_csv
from publisher.build.rdf_dumps import SOURCE, DumpJobs
from publisher.build.sitemap import write_sitemaps
from publisher.dcat import catalog_iri, describe
from publisher.facts import DUMPS, FACTS_FILE, SITEMAP_LIMIT, Facts, FileFacts, load_facts, public_prefix
from publisher.formats import BY_NAME
from publisher.link.void import linkset_facts
from publisher.namespaces import PREFIXES
from publisher.read.catalog import dataset_counts, sitemap_entries
from publisher.store.embedded import DirectStore
from publisher.void import describe_void

# Pages the sitemap lists beside the resources' documents (paths under the public prefix).
SITE_PAGES = ("", "catalog")


def write_dump(store: ox.Store, path: Path, fmt_name: str) -> None:
    """The default graph from the store as one gzip file (when there is no bdp.nt.gz to write it from)."""
    fmt = BY_NAME[fmt_name]
    prefixes = PREFIXES if fmt_name == "ttl" else None
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6,
                                                mtime=0) as out:
        store.dump(out, fmt.rdf_format, from_graph=ox.DefaultGraph(), prefixes=prefixes)


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


def rdf_dump_jobs(out: Path) -> DumpJobs:
    """The RDF dumps of DUMPS still to write (all but the pipeline's bdp.nt.gz), as child processes."""
    dumps = out / "dumps"
    if not (dumps / SOURCE).exists():
        return DumpJobs(dumps, {}, parallel=False)     # nothing to write them from: write_catalog dumps the store
    return DumpJobs(dumps, {d.name: d.format for d in DUMPS if d.rdf and not (dumps / d.name).exists()})


def timed(context: BuildContext, name: str, started: float) -> float:
    """Record the wall time since `started` as the build stage `outputs:NAME`; now."""
    now = time.perf_counter()
    context.report.stages[f"outputs:{name}"] = now - started
    return now


def start_counts(context: BuildContext, pool: ThreadPoolExecutor) -> Future[dict[str, Any]]:
    """dataset_counts in a thread: its full-scan aggregates run inside Oxigraph, which lets go of the GIL,
    so they take the second core while this thread reads the practices."""
    def run() -> dict[str, Any]:
        started = time.perf_counter()
        counts = dataset_counts(DirectStore(context.store), context.settings.base_uri)
        timed(context, "counts", started)
        return counts

    return pool.submit(run)


def write_catalog(context: BuildContext, *, sitemap_limit: int = SITEMAP_LIMIT, table: PracticeTable | None = None,
                  dumps: DumpJobs | None = None, counts: Future[dict[str, Any]] | None = None) -> Facts:
    """The step; `table`, `dumps` and `counts` (already started) when outputs.py shares them with the
    other steps."""
    settings, out, store = context.settings, context.out, context.store
    base = settings.base_uri
    public = public_prefix(settings.public_url or base)
    read = DirectStore(store)
    (out / "dumps").mkdir(exist_ok=True)
    own = dumps is None and (out / "dumps" / SOURCE).exists()
    jobs = rdf_dump_jobs(out).start() if own else dumps
    pool = ThreadPoolExecutor(1)
    try:
        counting = counts if counts is not None else start_counts(context, pool)
        started = time.perf_counter()
        write_csv(table if table is not None else collect(store, base), out / "dumps" / "practices.csv")
        entries = [(page, None) for page in SITE_PAGES] + sitemap_entries(read, base)
        sitemaps = write_sitemaps(out, public, entries, sitemap_limit)
        pending = set(jobs.formats) if jobs is not None else set()
        digests = {d.name: file_digest(out / "dumps" / d.name) for d in DUMPS
                   if d.name not in pending and (out / "dumps" / d.name).exists()}   # while the dumps are written
        started = timed(context, "csv+sitemaps", started)
        if jobs is not None:
            jobs.wait()
            context.report.stages["outputs:rdf-dumps"] = jobs.seconds
        for dump in DUMPS:                 # without bdp.nt.gz: from the store
            if dump.rdf and not (out / "dumps" / dump.name).exists():
                write_dump(store, out / "dumps" / dump.name, dump.format)
        found = counting.result()
        started = timed(context, "wait", started)
    finally:
        pool.shutdown()
        if own and jobs is not None:
            jobs.close()
    return _describe(context, found, sitemaps, public, digests)


def _describe(context: BuildContext, counts: dict[str, Any], sitemaps: int, public: str,
              digests: dict[str, tuple[int, str]]) -> Facts:
    """The facts (with the files' sizes and checksums), catalog.json, the catalogue and VoID files."""
    settings, out, store = context.settings, context.out, context.store
    started = time.perf_counter()
    dumps = out / "dumps"
    sitemap_sha = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(out.glob("sitemap*.xml")))).hexdigest()
    files = {d.name: FileFacts(*(digests.get(d.name) or file_digest(dumps / d.name)), "") for d in DUMPS
             if (dumps / d.name).exists()}
    facts = Facts(public=public, files=files, sitemaps=sitemaps, sitemap_sha256=sitemap_sha,
                  linkset_files=linkset_facts(out / "links"), **counts)
    before = previous_out(context)
    facts = _stamped(facts, load_facts(before) if before and before.is_dir() else None)
    (out / FACTS_FILE).write_text(facts.to_json(), encoding="utf-8")

    triples = list(describe(facts, settings, public))
    graph = ox.NamedNode(catalog_iri(settings.base_uri))
    store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
    ox.serialize(triples, str(out / "catalog.ttl"), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    ox.serialize(triples, str(out / "catalog.jsonld"), format=ox.RdfFormat.JSON_LD)
    ox.serialize(describe_void(facts, settings, public), str(out / "void.ttl"), format=ox.RdfFormat.TURTLE,
                 prefixes=PREFIXES)
    timed(context, "describe", started)
    return facts


def catalog_step(context: BuildContext) -> None:
    write_catalog(context)


def with_sitemap_limit(limit: int) -> Callable[[Any], None]:
    """A catalogue step that splits sitemaps at `limit` URLs (tests and small demos)."""
    return partial(write_catalog, sitemap_limit=limit)
