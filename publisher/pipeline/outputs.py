"""The output steps run after the store is loaded, in order. Each takes a `BuildContext` and writes
into `context.out`. Add a step by adding it to STEPS.

`write_outputs` writes everything harvesters and the site read besides the store: the Turtle and
JSON-LD dumps (rdf_dumps.py), the CSV of practices, the search index and the sitemaps (tables.py), all
made from the pipeline's N-Triples dump OUT/dumps/bdp.nt.gz by two jobs (jobs.py) in child processes
(Turtle with the search index, JSON-LD with the CSV and sitemaps), while this process runs the VoID counts
in the store (aggregates inside Oxigraph) and takes the checksums; then the catalogue and VoID
(catalog.py). Each part's wall time goes into the build report as `outputs:NAME`.

In an incremental build the sitemaps are patched here first (table_patches.py: the split at the limit
is this step's parameter), and the VoID counts come from the previous build's OUT/counts.json and the
difference (read/counts_delta.py) instead of aggregates over the whole store."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.dataset.facts import DUMPS, SITEMAP_LIMIT, Facts, public_prefix
from publisher.outputs.catalog import file_digest, write_catalog, write_dump
from publisher.outputs.rdf_dumps import SOURCE
from publisher.pipeline.context import BuildContext
from publisher.pipeline.jobs import Job, Jobs
from publisher.pipeline.table_patches import patch_sitemaps
from publisher.read.catalog import measure
from publisher.read.counts_delta import counts_after
from publisher.store.embedded import DirectStore

TABLE_FILES = {"csv": "dumps/practices.csv", "index": "search.sqlite", "sitemaps": "sitemap.xml"}
# From this size of bdp.nt.gz (about 2,000 practices) the jobs run in child processes.
PARALLEL_FROM = 2 << 20
# The VoID counts and the extremes behind them (read/catalog.measure), for the next incremental build.
COUNTS_FILE = "counts.json"


# Which tables each RDF dump's job writes from the same triples (tables.py): about even work for two cores.
TABLES = {"ttl": ("index",), "jsonld": ("csv", "sitemaps")}


def jobs(context: BuildContext, public: str, sitemap_limit: int) -> list[Job]:
    out, base = context.out, context.settings.base_uri
    found = []
    for d in DUMPS:
        if d.rdf and d.name != SOURCE:
            parts = tuple(p for p in TABLES.get(d.format, ()) if p not in context.patched)
            if d.name in context.ready and not parts:
                continue
            writes = ", ".join([f"dumps/{d.name}", *(TABLE_FILES[p] for p in parts)])
            found.append(Job(d.format, writes, "publisher.outputs.tables",
                             (str(out), base, public, str(sitemap_limit),
                                  "" if d.name in context.ready else d.name, d.format, ",".join(parts))))
    return found


def write_outputs(context: BuildContext, *, sitemap_limit: int = SITEMAP_LIMIT,
                  parallel: bool | None = None) -> Facts:
    settings, out, store = context.settings, context.out, context.store
    public = public_prefix(settings.public_url or settings.base_uri)
    source = out / "dumps" / SOURCE
    if not source.exists():                        # the pipeline writes it; other callers may not have
        source.parent.mkdir(parents=True, exist_ok=True)
        write_dump(store, source, "nt")
    stages = context.report.stages
    if parallel is None:
        parallel = source.stat().st_size >= PARALLEL_FROM
    if context.delta is not None:
        patch_sitemaps(context, public, sitemap_limit)
    dumps = out / "dumps"
    final = [name for name in _final(context) if (dumps / name).is_file()]
    with Jobs(jobs(context, public, sitemap_limit), parallel=parallel) as running, \
            ThreadPoolExecutor(2) as hashing:
        # The files no job writes are hashed meanwhile (hashlib lets other threads run), the others after.
        hashed = {name: context.hashing.get(name) or hashing.submit(file_digest, dumps / name) for name in final}
        started = time.perf_counter()
        counts = _counts(context, store)
        stages["outputs:counts"] = time.perf_counter() - started
        started = time.perf_counter()
        running.wait()
        stages.update({f"outputs:{name}": seconds for name, seconds in running.seconds.items()})
        stages["outputs:wait"] = time.perf_counter() - started
        started = time.perf_counter()
        hashed |= {d.name: hashing.submit(file_digest, dumps / d.name) for d in DUMPS
                   if d.name not in hashed and (dumps / d.name).is_file()}
        digests = {name: future.result() for name, future in hashed.items()}
        stages["outputs:digests"] = time.perf_counter() - started
    started = time.perf_counter()
    facts = write_catalog(context.settings, context.out, context.store, counts, public, digests,
                          built=context.built)
    stages["outputs:catalog"] = time.perf_counter() - started
    return facts


def _final(context: BuildContext) -> list[str]:
    """The dumps (DUMPS names) no job of this step writes: the N-Triples one, those an incremental build
    spliced, the CSV when patched."""
    csv = Path(TABLE_FILES["csv"]).name
    return [SOURCE, *sorted(context.ready), *([csv] if "csv" in context.patched else [])]


def _counts(context: BuildContext, store: ox.Store) -> dict[str, Any]:
    """The VoID counts: from the previous build's and the difference in an incremental build, else (or
    when the previous build has none) measured in the store; written to OUT/counts.json either way."""
    base, delta, found = context.settings.base_uri, context.delta, None
    if delta is not None:
        try:
            previous = json.loads((delta.previous / COUNTS_FILE).read_text(encoding="utf-8"))
            found = counts_after(store, base, previous["counts"], previous["extremes"], delta.removed_nt,
                                 delta.added_nt)
        except (OSError, ValueError, KeyError, TypeError):
            found = None
    counts, extremes = found if found is not None else measure(DirectStore(store), base)
    (context.out / COUNTS_FILE).write_text(json.dumps({"counts": counts, "extremes": extremes}) + "\n",
                                           encoding="utf-8")
    return counts


def with_sitemap_limit(limit: int) -> Callable[[Any], Any]:
    """The output step with sitemaps split at `limit` URLs (tests and small demos)."""
    return partial(write_outputs, sitemap_limit=limit)


STEPS: list[Callable] = [write_outputs]
