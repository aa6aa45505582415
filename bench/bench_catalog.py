"""Time the build's output steps (publisher/pipeline/outputs.py STEPS: search index, CSV, sitemaps, catalogue,
VoID, Turtle and JSON-LD dumps, checksums) on an existing build, optionally beside an older version of the
code, and print wall clock, CPU seconds (this process and its child processes) and CPU per practice.

    .venv/bin/python bench/bench_catalog.py OUT
    git archive fdb703f publisher | tar -x -C /tmp/old && .venv/bin/python bench/bench_catalog.py OUT --old /tmp/old

Copies OUT/store and OUT/dumps/bdp.nt.gz to a temporary directory (the steps write a named graph and
files), runs the steps there the way `bdp build` does, and prints each `outputs:NAME` stage the steps
record and the size of every file written. With --old, the same is run first with the package from that
directory. On a machine shared with other work, CPU seconds are the steadier figure."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def run_steps(out: Path, keep: Path | None = None) -> dict:
    """Run the output steps of the `publisher` package on sys.path over a copy of OUT; the figures."""
    import pyoxigraph as ox

    from publisher.config import load_settings
    from publisher.pipeline.context import BuildContext, BuildReport
    from publisher.pipeline.outputs import STEPS

    settings = load_settings({}, environ={})
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        work = Path(tmp) / ".bench.building-1"
        shutil.copytree(out / "store", work / "store")
        (work / "dumps").mkdir()
        shutil.copy(out / "dumps" / "bdp.nt.gz", work / "dumps")
        store = ox.Store(str(work / "store"))
        report = BuildReport()
        context = BuildContext(settings, work, store, report)
        wall, (own, children) = time.perf_counter(), _cpu()
        for step in STEPS:
            step(context)
        wall, (own2, children2) = time.perf_counter() - wall, _cpu()
        practices = json.loads((work / "catalog.json").read_text(encoding="utf-8"))["practices"]
        sizes = {str(p.relative_to(work)): p.stat().st_size for p in sorted(work.rglob("*"))
                 if p.is_file() and "store" not in p.parts}
        if keep is not None:
            shutil.copytree(work, keep, ignore=shutil.ignore_patterns("store"), dirs_exist_ok=True)
        return {"code": str(Path(sys.modules["publisher"].__file__).parent.parent), "practices": practices,
                "wall": wall, "cpu": own2 - own, "children_cpu": children2 - children,
                "stages": {k: v for k, v in report.stages.items() if k.startswith("outputs:")}, "sizes": sizes}


def _print(figures: dict) -> None:
    cpu = figures["cpu"] + figures["children_cpu"]
    n = max(figures["practices"], 1)
    print(f"code {figures['code']}: {figures['practices']} practices")
    print(f"  output steps: {figures['wall']:.2f} s wall, {cpu:.2f} s CPU ({figures['cpu']:.2f} here + "
          f"{figures['children_cpu']:.2f} in child processes); {1000 * cpu / n:.3f} ms CPU and "
          f"{1000 * figures['wall'] / n:.3f} ms wall per practice")
    for name, seconds in figures["stages"].items():
        print(f"  {name:24} {seconds:7.2f} s wall")
    for name, size in figures["sizes"].items():
        print(f"  {name:24} {size / 2**20:9.2f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a finished build (bdp build --out OUT)")
    parser.add_argument("--old", type=Path, help="a directory holding an older `publisher` package")
    parser.add_argument("--keep", type=Path, help="copy what the steps wrote (not the store) to KEEP/new "
                        "(and KEEP/old)")
    parser.add_argument("--json", help=argparse.SUPPRESS)   # one run into this --keep name, figures as JSON
    args = parser.parse_args()
    if args.json is not None:
        keep = args.keep / args.json if args.keep else None
        print(json.dumps(run_steps(args.out.resolve(), keep)))
        return
    runs = ([("old", args.old.resolve())] if args.old else []) + [("new", Path(__file__).resolve().parent.parent)]
    for name, code in runs:
        env = {**os.environ, "PYTHONPATH": str(code)}
        keep = ["--keep", str(args.keep.resolve())] if args.keep else []
        done = subprocess.run([sys.executable, "-P", __file__, str(args.out), "--json", name, *keep], env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{code}: {done.stderr.strip()[-2000:]}")
        _print(json.loads(done.stdout))


if __name__ == "__main__":
    main()
