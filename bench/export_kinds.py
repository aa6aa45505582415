"""CPU a document of `bdp export`'s document writer, kind by kind (practice, organisation, membership, ...),
in one process, and the whole export's CPU estimated from the number of resources of each kind:

    python bench/export_kinds.py OUT [PER_KIND] [--profile KIND] [--kinds KIND,KIND]

Takes PER_KIND resources of each kind spread evenly over the store's order, writes them into a folder on
/dev/shm (removed after) with one app warmed on five of them (as a worker of `bdp export` has: its
templates compiled before the run), prints per kind: documents, files, user and system CPU a document, and
the kind's share of the estimate. --profile KIND prints cProfile's top entries for that kind."""

from __future__ import annotations

import argparse
import collections
import cProfile
import gc
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


PUBLIC = "http://127.0.0.1:8080/"


def paths_by_kind(out: Path) -> tuple[Any, dict[str, list[str]]]:
    """The settings of an export of the build OUT (served at PUBLIC) and its /doc/ paths by kind, in the
    store's order."""
    from publisher.config import load_settings
    from publisher.web.export import resources

    settings = load_settings({"out": str(out), "public_url": PUBLIC}, environ={})
    by_kind: dict[str, list[str]] = collections.defaultdict(list)
    for path in resources(out / "store", settings.base_uri):
        by_kind[path.split("/")[1]].append(path)
    return settings, by_kind


def write_timed(settings: Any, paths: list[str], profile: cProfile.Profile | None = None,
                warm: int | list[str] = 0, labels: Any = None,
                under: str | None = None) -> tuple[int, int, float, float]:
    """Writes the documents at `paths` with one worker's app into a folder on /dev/shm (removed after),
    the first `warm` of them once before, unmeasured (the templates compiled, as a worker's are; a list:
    those documents instead, as a worker has written before it meets `paths`);
    `labels`: what the whole export reads before its workers start (whole_export_labels), or None;
    `under`: the folder to write in instead (on disk: the kernel's part of a file as the export pays it);
    (documents, files, user and system CPU seconds a document)."""
    from publisher.web import export_documents

    site = Path(tempfile.mkdtemp(prefix="bdp-kinds-", dir=under or ("/dev/shm" if os.path.isdir("/dev/shm")
                                                                      else None)))
    try:
        # one app for the warm-up and the run, as a worker of `bdp export` has (a second
        # write_documents would make a new app and compile every template inside the measured run)
        export_documents._init(settings, str(site / "site"), PUBLIC, False, labels)
        export_documents._chunk(warm if isinstance(warm, list) else paths[:warm])
        before = os.times()
        if profile:
            profile.enable()
        docs, files = export_documents._chunk(paths)
        if profile:
            profile.disable()
        after = os.times()
    finally:
        shutil.rmtree(site, ignore_errors=True)
    return docs, files, (after.user - before.user) / docs, (after.system - before.system) / docs


def run_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """OUT START COUNT: a run of COUNT resources of the build OUT from START in the store's order."""
    parser.add_argument("out", type=Path)
    parser.add_argument("start", type=int)
    parser.add_argument("count", type=int)
    return parser


def store_run(args: argparse.Namespace) -> tuple[Any, list[str]]:
    """The export's settings (paths_by_kind) and the /doc/ paths of the run `args` names (run_arguments)."""
    from publisher.web.export import resources

    settings, _ = paths_by_kind(args.out)
    return settings, list(resources(args.out / "store", settings.base_uri))[args.start:args.start + args.count]


def whole_export_labels(settings: Any) -> Any:
    """The labels a worker of a whole export starts with (export_documents.write_documents reads them
    before the fork when the documents are many), read here outside the measured run; (labels, CPU s)."""
    from publisher.web import export_documents

    start = time.process_time()
    labels = export_documents._all_labels(settings)
    seconds = time.process_time() - start
    gc.freeze()              # as write_documents does before it forks: no collection walks them again
    return labels, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("per_kind", type=int, nargs="?", default=400)
    parser.add_argument("--profile", default="")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative, tottime, ...")
    parser.add_argument("--kinds", default="", help="comma-separated kinds to measure (default: all)")
    args = parser.parse_args()
    settings, by_kind = paths_by_kind(args.out)
    labels, seconds = whole_export_labels(settings)
    print(f"labels read before the workers start: {len(labels)} IRIs, {seconds:.2f} s CPU")
    total_user = total_sys = 0.0
    rows = []
    wanted = set(filter(None, args.kinds.split(",")))
    for kind, paths in sorted(by_kind.items()):
        if wanted and kind not in wanted:
            continue
        sample = paths[::max(1, len(paths) // args.per_kind)][:args.per_kind]
        profile = cProfile.Profile() if kind == args.profile else None
        docs, files, user, system = write_timed(settings, sample, profile, warm=5, labels=labels)
        total_user, total_sys = total_user + user * len(paths), total_sys + system * len(paths)
        rows.append((kind, docs, files, user, system, len(paths)))
        if profile:
            pstats.Stats(profile).sort_stats(args.sort).print_stats(40)
    for kind, docs, files, user, system, count in rows:
        print(f"{kind:13s} {docs:5d} docs {files:6d} files  user {1000 * user:6.2f} ms  sys {1000 * system:5.2f} ms"
              f" a doc  x {count:7d} = {user * count:7.0f} s user")
    print(f"all {sum(r[5] for r in rows)} resources: ~{total_user:.0f} s user + {total_sys:.0f} s sys CPU "
          f"(~{(total_user + total_sys) / 2:.0f} s on two cores)")


if __name__ == "__main__":
    main()
