"""CPU a document of `bdp export`'s writer over a run of resources in the store's order, as a worker takes
them (the kinds lie in runs there: persons, organisations, places, memberships, practices, partnerships),
in one process, written to a folder on /dev/shm (removed after):

    python bench/export_slice.py OUT START COUNT [--profile ORDER] [--no-labels]

Unlike export_kinds.py's samples spread over the whole store, a run keeps what neighbours share (an
organisation's practices are its partners' too) as the whole export does. --profile prints cProfile's
top entries in ORDER (cumulative, tottime, ...). The worker starts with the labels a whole export reads
before its workers start (read.quads.all_labels), read outside the measured run; --no-labels: without."""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_kinds import paths_by_kind, whole_export_labels, write_timed  # noqa: E402


def main() -> None:
    from publisher.web.export import resources

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("start", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--profile", default="", help="cProfile's order: cumulative, tottime, ...")
    parser.add_argument("--no-labels", action="store_true",
                        help="read labels as a few documents do, not all before the run as a whole export")
    args = parser.parse_args()
    settings, _ = paths_by_kind(args.out)
    run = list(resources(args.out / "store", settings.base_uri))[args.start:args.start + args.count]
    kinds = collections.Counter(path.split("/")[1] for path in run)
    labels, seconds = whole_export_labels(settings) if not args.no_labels else (None, 0.0)
    if labels is not None:
        print(f"labels read before the workers start: {len(labels)} IRIs, {seconds:.2f} s CPU")
    profile = cProfile.Profile() if args.profile else None
    docs, files, user, system = write_timed(settings, run, profile, labels=labels)
    print(f"{dict(kinds)}: {docs} documents, {files} files, user {1000 * user:.2f} ms, "
          f"system {1000 * system:.2f} ms a document")
    if profile:
        pstats.Stats(profile).sort_stats(args.profile).print_stats(30)


if __name__ == "__main__":
    main()
