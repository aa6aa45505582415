"""`python -m bench.bench_incremental_ab --other DIR --data DATA --out OUT --other-out OUT2 [--changes 1]
[--rounds 3] [--start 0]`: the incremental build of this checkout against another checkout's (DIR: e.g.
`git archive COMMIT | tar -x -C DIR`), alternately, on the same changes and the same machine load.

OUT and OUT2 hold a build of DATA made by this checkout and by the other (each OUT's build.json carries its
code's fingerprint, so each build is incremental). Each round rewrites the Polish title of N practices
(bench_incremental.change) and runs `bdp build` of each checkout as a user would (a child process, from
the checkout's directory), reporting the wall time, the CPU time of the command and its children
(user + system: less sensitive to other work on the machine than the wall time), its peak RSS, the load
average after it and the stages it prints. Figures go to bench/README.md, keyed by the commits."""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_incremental import _LINE, change

ROOT = Path(__file__).resolve().parents[1]
_BDP = "import sys; from publisher.cli import main; main()"


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_incremental_ab", description=__doc__)
    parser.add_argument("--other", type=Path, required=True, help="the other checkout's directory")
    parser.add_argument("--data", type=Path, required=True, help="the data set (changed in place)")
    parser.add_argument("--out", type=Path, required=True, help="a build of DATA by this checkout")
    parser.add_argument("--other-out", type=Path, required=True, help="a build of DATA by the other checkout")
    parser.add_argument("--changes", type=int, default=1, help="records changed per round [%(default)s]")
    parser.add_argument("--rounds", type=int, default=3, help="[%(default)s]")
    parser.add_argument("--start", type=int, default=0, help="first round's number (the titles' suffix)")
    return parser.parse_args(argv)


def run(tree: Path, data: Path, out: Path) -> str:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _BDP, "build", "--data", str(data), "--out", str(out)],
                          cwd=tree, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    match = _LINE.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"bdp build failed: {(done.stderr or done.stdout).strip()[-2000:]}")
    load = Path("/proc/loadavg").read_text().split()[0]
    return f"{wall:.2f} | {cpu:.2f} | {match.group(3)} | {load} | {match.group(4)} | {match.group(2)}"


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    print("| code | changed | wall s | CPU s | peak MiB | load | kind | stages (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for round_ in range(args.start, args.start + args.rounds):
        change(args.data, args.changes, round_)
        for name, tree, out in (("other", args.other, args.other_out), ("this", ROOT, args.out)):
            print(f"| {name} | {args.changes} | {run(tree, args.data, out)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
