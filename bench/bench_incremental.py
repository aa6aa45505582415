"""`python -m bench.bench_incremental [--data DIR] [--work DIR] [--changes 1,100] [--rounds 2]`: the
incremental build (issue 17) on a copy of a data set and a full build of it.

Copies DATA into WORK/data (once; the source stays read-only) and builds it in full into WORK/out, unless
WORK/out already holds a build of this code (records.json, the same fingerprint: the first incremental
build then says so). Then, for each number N of `--changes` and each round, rewrites the Polish title of
N practices spread over the set and runs `bdp build` as a user would (a child process, this checkout's
code), reporting its wall time, the stages it prints and its peak RSS (its own and its children's).
Figures go to bench/README.md, keyed by commit."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench.measure import bdp

_LINE = re.compile(r"built .* in ([\d.]+)s \((.*); peak (\d+) MiB\), (full|incremental)")


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_incremental", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/work/data100k"), help="data set [%(default)s]")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bdp-incremental"), help="[%(default)s]")
    parser.add_argument("--changes", default="1,100", help="records changed per build [%(default)s]")
    parser.add_argument("--rounds", type=int, default=2, help="builds per number of changes [%(default)s]")
    parser.add_argument("--what", choices=("title", "organisation"), default="title",
                        help="what changes: practices' titles, or organisations' names (those that implement "
                             "practices: every practice naming one changes in the tables) [%(default)s]")
    return parser.parse_args(argv)


def run_build(data: Path, out: Path, *extra: str) -> dict:
    started = time.perf_counter()
    done = bdp("build", "--data", str(data), "--out", str(out), *extra)
    wall = time.perf_counter() - started
    match = _LINE.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"bdp build failed: {(done.stderr or done.stdout).strip()[-2000:]}")
    stages = {}
    for part in match.group(2).split(", "):
        name, _, seconds = part.rpartition(" ")
        stages[name] = float(seconds.rstrip("s"))
    return {"wall": wall, "kind": match.group(4), "peak_mib": int(match.group(3)), "stages": stages}


def change(data: Path, count: int, round_: int) -> list[Path]:
    """Rewrite the Polish title of `count` practices spread evenly over the set."""
    files = sorted((data / "practices").iterdir())
    step = max(len(files) // count, 1)
    chosen = files[::step][:count]
    for path in chosen:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        record["title"]["pl"] = re.sub(r" \[r\d+\]$", "", record["title"]["pl"]) + f" [r{round_}]"
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return chosen


def rename(data: Path, count: int, round_: int) -> list[Path]:
    """Rewrite the Polish name of `count` organisations that implement practices, spread evenly."""
    named = set()
    for path in sorted((data / "practices").iterdir()):
        match = re.search(r"^implementing_unit: (\S+)$", path.read_text(encoding="utf-8"), re.M)
        if match:
            named.add(match.group(1))
    files = [p for p in sorted((data / "organisations").iterdir()) if p.stem in named]
    chosen = files[::max(len(files) // count, 1)][:count]
    for path in chosen:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        record["name"]["pl"] = re.sub(r" \[r\d+\]$", "", record["name"]["pl"]) + f" [r{round_}]"
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return chosen


def _line(label: str, result: dict) -> str:
    stages = ", ".join(f"{k} {v:.2f}" for k, v in result["stages"].items())
    return (f"| {label} | {result['kind']} | {result['wall']:.2f} | {result['peak_mib']} | {stages} |")


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    data, out = args.work / "data", args.work / "out"
    if not data.is_dir():
        args.work.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-r", str(args.data), str(data)], check=True)
    rows = ["| build | kind | wall s | peak MiB | stages (s) |", "| --- | --- | --- | --- | --- |"]
    if not (out / "records.json").is_file():
        print("full build ...", file=sys.stderr, flush=True)
        rows.append(_line("full (first)", run_build(data, out)))
    for count in (int(n) for n in args.changes.split(",")):
        for round_ in range(args.rounds):
            (rename if args.what == "organisation" else change)(data, count, round_)
            print(f"{count} changed, round {round_ + 1} ...", file=sys.stderr, flush=True)
            rows.append(_line(f"{count} changed", run_build(data, out)))
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
