"""A run of `bdp export`'s document writer as the whole export runs it: forked workers over chunks of
resources in the store's order, the labels and the organisations' facts read before the fork as a whole
export reads them (--no-labels: neither), written to a folder on /dev/shm
(removed after):

    python bench/export_workers.py OUT START COUNT [--workers N] [--no-labels]

Prints the parent's time before the fork (reading ahead), the wall time of the run, the CPU of the
parent and of its workers, and the workers' peak resident memory (getrusage of the waited-for children:
the largest one's), so that what each worker keeps (and what the fork shares) shows in memory. Read-only
on OUT: no lock is needed for a slice; the whole export is not run here."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_kinds import PUBLIC, run_arguments, store_run  # noqa: E402


def main() -> None:
    from publisher.web.export_documents import write_documents

    parser = run_arguments(argparse.ArgumentParser())
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-labels", action="store_true", help="read neither labels nor the organisations' facts before the fork")
    args = parser.parse_args()
    settings, run = store_run(args)
    site = Path(tempfile.mkdtemp(prefix="bdp-workers-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    try:
        before, wall = os.times(), time.perf_counter()
        docs, files = write_documents(settings, site / "site", run, PUBLIC, args.workers, atomic=False,
                                      read_ahead=not args.no_labels)
        after, wall = os.times(), time.perf_counter() - wall
    finally:
        shutil.rmtree(site, ignore_errors=True)
    parent = (after.user - before.user) + (after.system - before.system)
    user, system = after.children_user - before.children_user, after.children_system - before.children_system
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{docs} documents, {files} files, {args.workers} workers, labels {'no' if args.no_labels else 'ahead'}: "
          f"wall {wall:.2f} s; CPU parent {parent:.2f} s, workers {user:.2f} s user + {system:.2f} s system "
          f"({1000 * user / docs:.3f} + {1000 * system / docs:.3f} ms a document); peak RSS of a worker "
          f"{peak:.0f} MiB, of the parent {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
