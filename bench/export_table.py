"""The organisations' table (read.network_table) as `bdp export` reads it before its workers fork, after
every label (read.quads.all_labels, read first and frozen, as write_documents does), for the code of a
checkout (this one, or another given: compare before and after, interleaved):

    python bench/export_table.py OUT [CHECKOUT]

Prints the read's wall time, this process's CPU and its child's (the read forks one that scans some
predicates), and the peak RSS the table adds."""

from __future__ import annotations

import gc
import os
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    out = Path(sys.argv[1])
    checkout = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(checkout))
    import pyoxigraph as ox

    from publisher.read import network_table
    from publisher.read.quads import all_labels

    path = out / "store"
    store = ox.Store.read_only(str(path))
    labels = all_labels(store)
    gc.freeze()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, wall = os.times(), time.perf_counter()
    if "labels" in network_table.read_table.__code__.co_varnames:     # (main before s10-org: no child)
        network_table.read_table(store, path, labels)
    else:
        network_table.read_table(store)
    ended, wall = os.times(), time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = ended.user + ended.system - started.user - started.system
    child = ended.children_user + ended.children_system - started.children_user - started.children_system
    print(f"{checkout}: table {wall:.2f} s wall, {cpu:.2f} s CPU + {child:.2f} s in its child; "
          f"peak RSS {before:.0f} -> {after:.0f} MiB (+{after - before:.0f})")


if __name__ == "__main__":
    main()
