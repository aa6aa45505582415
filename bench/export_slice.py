"""CPU a document of `bdp export`'s writer over a run of resources in the store's order, as a worker takes
them (the kinds lie in runs there: persons, organisations, places, memberships, practices, partnerships),
in one process, written to a folder on /dev/shm or under --dir DIR (removed after):

    python bench/export_slice.py OUT START COUNT [--profile ORDER] [--no-labels] [--table] [--warm N]
                                 [--dir DIR]

Unlike export_kinds.py's samples spread over the whole store, a run keeps what neighbours share (an
organisation's practices are its partners' too) as the whole export does. --profile prints cProfile's
top entries in ORDER (cumulative, tottime, ...). The worker starts with what a whole export reads before
its workers fork, read outside the measured run: every label (read.quads.all_labels; --no-labels:
without) and, with --table, the organisations' facts (read.network_table; the export reads them when it
writes 10,000 organisation pages or more), each printed with its CPU and the process's peak memory.
--warm N: the N resources before START written first, unmeasured, as a worker deep in its run has written
many of the same kind (the build's caches of shared names, dates and partners warm)."""

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
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_kinds import run_arguments, store_run, whole_export_labels, write_timed  # noqa: E402


def main() -> None:
    parser = run_arguments(argparse.ArgumentParser())
    parser.add_argument("--profile", default="", help="cProfile's order: cumulative, tottime, ...")
    parser.add_argument("--no-labels", action="store_true",
                        help="read labels as a few documents do, not all before the run as a whole export")
    parser.add_argument("--dir", default=None, help="write under this folder instead of /dev/shm (on disk: "
                                                     "the kernel's part of a file as the export pays it)")
    parser.add_argument("--table", action="store_true", help="read the organisations' facts first, as a "
                                                             "whole export does")
    parser.add_argument("--warm", type=int, default=0, help="write the N resources before START first, unmeasured")
    args = parser.parse_args()
    settings, run = store_run(args)
    warm: list[str] = []
    if args.warm:
        start = args.start
        args.start, args.count = max(0, start - args.warm), min(args.warm, start)
        warm = store_run(args)[1]
        args.start = start
    kinds = collections.Counter(path.split("/")[1] for path in run)
    labels, seconds = whole_export_labels(settings) if not args.no_labels else (None, 0.0)
    if labels is not None:
        print(f"labels read before the workers start: {len(labels)} IRIs, {seconds:.2f} s CPU")
    if args.table:                    # (after the labels, which answer for its label predicates)
        share_table(args.out / "store", labels)
    profile = cProfile.Profile() if args.profile else None
    docs, files, user, system = write_timed(settings, run, profile, warm=warm, labels=labels, under=args.dir)
    print(f"{dict(kinds)}: {docs} documents, {files} files, user {1000 * user:.2f} ms, "
          f"system {1000 * system:.2f} ms a document")
    if profile:
        pstats.Stats(profile).sort_stats(args.profile).print_stats(30)


def share_table(store_dir: Path, labels: Any = None) -> None:
    """The organisations' facts read and shared for the store at `store_dir`, as write_documents does
    before it forks; prints the read's wall time, CPU and this process's peak RSS before and after."""
    from publisher.read import network_table

    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, wall = os.times(), time.perf_counter()
    table = network_table.read_table(ox.Store.read_only(str(store_dir)), store_dir, labels)
    ended, wall = os.times(), time.perf_counter() - wall
    gc.freeze()
    after_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = ended.user + ended.system - started.user - started.system
    child = ended.children_user + ended.children_system - started.children_user - started.children_system
    print(f"network table: {wall:.2f} s wall, {cpu:.2f} s CPU (+ {child:.2f} s in its child); "
          f"peak RSS {before_rss:.0f} -> {after_rss:.0f} MiB")
    network_table.share(store_dir, table)


if __name__ == "__main__":
    main()
