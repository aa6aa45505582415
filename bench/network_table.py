"""The organisations' facts read once (publisher/read/network_table.py, what `bdp export` reads in its
parent before the workers fork), then a run of resources in the store's order written with it shared:

    python bench/network_table.py OUT START COUNT [--profile ORDER]

Prints the table's read (wall, CPU, this process's peak RSS before and after) and, like
export_slice.py, the run's CPU a document (the table's read not in it). Like export_slice.py, the worker
starts with every label read before the run, as a whole export's does; --no-labels: without."""

from __future__ import annotations

import argparse
import collections
import cProfile
import gc
import os
import pstats
import resource
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_kinds import paths_by_kind, whole_export_labels, write_timed  # noqa: E402


def main() -> None:
    from publisher.read import network_table
    from publisher.web.export import resources

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("start", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--profile", default="", help="cProfile's order: cumulative, tottime, ...")
    parser.add_argument("--no-labels", action="store_true", help="labels read as a few documents read them")
    args = parser.parse_args()
    settings, _ = paths_by_kind(args.out)
    run = list(resources(args.out / "store", settings.base_uri))[args.start:args.start + args.count]
    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, wall = os.times(), time.perf_counter()
    table = network_table.read_table(ox.Store.read_only(str(args.out / "store")))
    ended, wall = os.times(), time.perf_counter() - wall
    gc.freeze()
    after_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    own = ended.user + ended.system - started.user - started.system
    children = ended.children_user + ended.children_system - started.children_user - started.children_system
    print(f"table: {wall:.2f} s wall, CPU {own:.2f} s (and {children:.2f} s in child processes); "
          f"peak RSS {before_rss:.0f} -> {after_rss:.0f} MiB")
    network_table.share(args.out / "store", table)
    labels = None if args.no_labels else whole_export_labels(settings)[0]
    kinds = collections.Counter(path.split("/")[1] for path in run)
    profile = cProfile.Profile() if args.profile else None
    docs, files, user, system = write_timed(settings, run, profile, labels=labels)
    print(f"{dict(kinds)}: {docs} documents, {files} files, user {1000 * user:.2f} ms, "
          f"system {1000 * system:.2f} ms a document")
    if profile:
        pstats.Stats(profile).sort_stats(args.profile).print_stats(30)


if __name__ == "__main__":
    main()
