"""The output steps run after the store is loaded, in order. Each takes a `BuildContext` and writes
into `context.out`. Add a step by adding it to STEPS.

`write_outputs`, the first, runs the search index and the catalogue (CSV, sitemaps, checksums) in this
process while child processes write the Turtle and JSON-LD dumps from bdp.nt.gz and a thread runs the
VoID counts (aggregates inside Oxigraph, free of the GIL): the two cores of a small server busy at once.
It reads the practices from the store once for both the search index and the CSV. Each part's wall time
goes into the build report as `outputs:NAME`."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from publisher.build.catalog import rdf_dump_jobs, start_counts, timed, write_catalog
from publisher.build.pipeline import BuildContext
from publisher.build.practice_table import collect
from publisher.build.search_index import build_search_index


def write_outputs(context: BuildContext) -> None:
    with rdf_dump_jobs(context.out) as dumps, ThreadPoolExecutor(1) as pool:
        counts = start_counts(context, pool)
        started = time.perf_counter()
        table = collect(context.store, context.settings.base_uri)
        started = timed(context, "table", started)
        build_search_index(context, table)
        timed(context, "search", started)
        write_catalog(context, table=table, dumps=dumps, counts=counts)


STEPS: list[Callable] = [write_outputs]
