"""`python -m bench.bench_bookkeeping --data DIR --out DIR [--changes 1,100] [--rounds 2] [--adopt]`: what an
incremental build does besides its output steps (issue 17: the scan, reading records.json, the changed
records read, converted and validated, the dumps spliced, the store copied and patched, records.json,
changes.json and the feed written, the swap), at the size of the data set.

Runs `build_changed(..., steps=[])` in this process after rewriting the Polish title of N practices, and
prints its stages, wall and CPU seconds and the peak RSS, then the import time of `publisher.cli` and
`build_changed` in a fresh interpreter (what `bdp build` pays before it starts). OUT must hold a build of
DATA; with no output steps OUT then lacks the catalogue, tables and sitemaps (it stays usable by this
bench, not by a server). `--adopt` writes this code's fingerprint into OUT/build.json, so that a build made
by other code is reused: only when its records, store and dumps are what this code makes."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_incremental import change
from publisher.config import load_settings
from publisher.pipeline.fingerprint import fingerprint
from publisher.pipeline.incremental import build_changed

_IMPORTS = ("import time; t = time.perf_counter(); import publisher.cli; "
            "from publisher.pipeline.incremental import build_changed; print(time.perf_counter() - t)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_bookkeeping", description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--changes", default="1,100")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--adopt", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings({"data": str(args.data), "out": str(args.out)})
    if args.adopt:
        manifest = json.loads((args.out / "build.json").read_text(encoding="utf-8"))
        manifest["fingerprint"] = fingerprint(settings, args.data, "en")
        (args.out / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print("| changed | wall s | CPU s | peak MiB | stages (s) |\n| --- | --- | --- | --- | --- |")
    for count in (int(n) for n in args.changes.split(",")):
        for round_ in range(args.rounds):
            change(args.data, count, round_ + int(time.time()))
            usage = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            report = build_changed(settings, args.data, args.out, steps=[])
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
            stages = ", ".join(f"{k} {v:.2f}" for k, v in report.stages.items())
            kind = "" if not report.full else " (full!)"
            print(f"| {count}{kind} | {wall:.2f} | {cpu:.2f} | {after.ru_maxrss // 1024} | {stages} |", flush=True)
    imports = [float(subprocess.run([sys.executable, "-c", _IMPORTS], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(3)]
    print(f"imports of `bdp build`: {', '.join(f'{s:.2f}' for s in imports)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
