"""Time the harvesting outputs (publisher/build/catalog.py) on an existing build, phase by phase.

    .venv/bin/python bench/bench_catalog.py OUT

Copies OUT/store to a temporary directory (the step writes a named graph), then times the read models,
each dump, and the whole step (wall clock and this process's CPU time: on a busy machine the CPU figure is
the steadier one), and prints the sizes written."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from publisher.build.catalog import write_catalog, write_csv, write_dump
from publisher.build.pipeline import BuildContext, BuildReport
from publisher.config import load_settings
from publisher.read.catalog import dataset_counts, practice_rows, sitemap_entries
from publisher.store.embedded import DirectStore


def _clock():
    wall, cpu = time.perf_counter(), time.process_time()
    return lambda: f"{time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s cpu"


def main(out: Path) -> None:
    settings = load_settings({}, environ={})
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / ".bench.building-1"
        shutil.copytree(out / "store", work / "store")
        shutil.copytree(out / "dumps", work / "dumps")
        for name in ("bdp.ttl.gz", "bdp.jsonld.gz", "practices.csv"):
            (work / "dumps" / name).unlink(missing_ok=True)
        store = ox.Store(str(work / "store"))
        read = DirectStore(store)
        print(f"triples in store: {len(store)}")
        for label, run in (("dataset_counts", lambda: dataset_counts(read, settings.base_uri)),
                           ("practice_rows", lambda: practice_rows(read, settings.base_uri)),
                           ("sitemap_entries", lambda: sitemap_entries(read, settings.base_uri))):
            clock = _clock()
            result = run()
            print(f"{label:16} {clock()}  ({len(result)} items)")
        for name, fmt in (("bdp.ttl.gz", "ttl"), ("bdp.jsonld.gz", "jsonld")):
            clock = _clock()
            write_dump(store, work / "dumps" / name, fmt)
            size = (work / "dumps" / name).stat().st_size
            print(f"{name:16} {clock()}  ({size / 2**20:.1f} MiB)")
        clock = _clock()
        write_csv(practice_rows(read, settings.base_uri), work / "dumps" / "practices.csv")
        print(f"{'practices.csv':16} {clock()}")
        for name in ("bdp.ttl.gz", "bdp.jsonld.gz", "practices.csv"):
            (work / "dumps" / name).unlink()
        clock = _clock()
        write_catalog(BuildContext(settings, work, store, BuildReport()))
        print(f"{'whole step':16} {clock()}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
