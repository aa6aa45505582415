"""`python -m bench.bench_index_patch --out OUT [--changes 1,100] [--profile]`: the incremental build's
patch of the search index (publisher/outputs/search_patch.py, issue 17) on a built OUT, alone: for N
practices spread over the set, their facts read from OUT's store (practice_table.collect_practices), each
title changed in those facts, and OUT/search.sqlite copied and patched into a temporary file (OUT is only
read). Prints the times of the parts, and with --profile the functions that took them. Figures go to
bench/README.md, keyed by commit."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from publisher.outputs.practice_table import collect_practices
from publisher.outputs.search_index import FILE
from publisher.outputs.search_patch import patch_index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_index_patch", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="a built OUT (read only)")
    parser.add_argument("--changes", default="1,100", help="practices changed per patch [%(default)s]")
    parser.add_argument("--base", default="https://w3id.org/bdp/", help="[%(default)s]")
    parser.add_argument("--profile", action="store_true", help="print the functions that took the time")
    args = parser.parse_args(argv)
    store = ox.Store.read_only(str(args.out / "store"))
    with sqlite3.connect(f"file:{args.out / FILE}?mode=ro", uri=True) as db:
        keys = [row[0] for row in db.execute("SELECT key FROM practice ORDER BY key")]
    with tempfile.TemporaryDirectory(dir=args.out.parent) as work:
        target = Path(work) / FILE
        start = time.perf_counter()
        shutil.copyfile(args.out / FILE, target)
        print(f"copy of {FILE} alone: {time.perf_counter() - start:.3f} s")
        target.unlink()
        for count in (int(n) for n in args.changes.split(",")):
            chosen = keys[::max(len(keys) // count, 1)][:count]
            start = time.perf_counter()
            table = collect_practices(store, args.base, chosen)
            collect = time.perf_counter() - start
            for practice in table.practices.values():
                practice.texts["title"]["pl"] = practice.texts["title"].get("pl", "") + " [b1]"
            profile = cProfile.Profile()
            start = time.perf_counter()
            profile.enable()
            reason = patch_index(args.out / FILE, target, table, chosen)
            profile.disable()
            patch = time.perf_counter() - start
            print(f"{count} practices: facts from the store {collect:.3f} s, patch (copy included) {patch:.3f} s"
                  + (f", not patched: {reason}" if reason else ""))
            if args.profile:
                pstats.Stats(profile).sort_stats("cumulative").print_stats(15)
            target.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
