"""Behaviour unchanged across a refactoring: the same dumps, byte for byte, from two git revisions.

    .venv/bin/python bench/compare_builds.py [--old 7fb6b58] [--practices 2000] [--seed 18]

The old revision is checked out with `git worktree add` into a temporary directory of /tmp (removed at
the end); the new one is this checkout as it is. Both run with this checkout's virtualenv (the old code
first on PYTHONPATH). Two inputs are built by each revision: the bundled data/ of this checkout, and a
data set of --practices generated once, by the OLD revision's `bdp generate` (the generator itself may
have changed between the revisions: its names came from word lists before issue 18, from Faker after; the
claim is about the build, so both builds read the same generated files). Prints, for each input, every
output file with its size and whether the two builds wrote the same bytes; the exit code is 1 when a
dump (dumps/*) differs. Files that name the build's time (build.json, the catalogue) are listed, not
judged."""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], code: Path, cwd: Path) -> float:
    """`python -m publisher ARGS` with the publisher package of `code`; wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "publisher", *args], cwd=cwd, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"{code}: bdp {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def _digests(out: Path) -> dict[str, tuple[int, str]]:
    return {str(p.relative_to(out)): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(out.rglob("*")) if p.is_file() and "store" not in p.relative_to(out).parts}


def _compare(name: str, old: Path, new: Path) -> bool:
    a, b = _digests(old), _digests(new)
    same_dumps = True
    print(f"\n{name}:")
    for path in sorted(set(a) | set(b)):
        judged = path.startswith("dumps/")
        verdict = "same bytes" if a.get(path) == b.get(path) else "DIFFERENT"
        if judged and verdict != "same bytes":
            same_dumps = False
        size = (b.get(path) or a.get(path) or (0, ""))[0]
        print(f"  {path:<28} {size:>12,} B  {verdict}{'' if judged else ' (not judged)'}")
        if verdict != "same bytes" and path in a and path in b and path.endswith((".ttl", ".json", ".jsonld")):
            pairs = zip((old / path).read_text(encoding="utf-8").splitlines(),
                        (new / path).read_text(encoding="utf-8").splitlines(), strict=False)
            for line_a, line_b in [(x, y) for x, y in pairs if x != y][:2]:
                print(f"      old: {line_a.strip()[:100]}\n      new: {line_b.strip()[:100]}")
    return same_dumps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", default="7fb6b58", help="the revision before the change [7fb6b58]")
    parser.add_argument("--practices", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    new_rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "publisher", "ontology", "shapes"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
    print(f"old {args.old}, new {new_rev}{' (with uncommitted changes)' if dirty else ''}; "
          f"{args.practices} generated practices, seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="compare-builds-") as tmp:
        work, old_tree = Path(tmp), Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", str(old_tree), args.old], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            generated = work / "generated"
            _run(["generate", "--practices", str(args.practices), "--out", str(generated), "--seed",
                  str(args.seed)], old_tree, old_tree)
            same = True
            for name, data in (("bundled data", ROOT / "data"), (f"{args.practices} generated", generated)):
                outs = {}
                for label, code in (("old", old_tree), ("new", ROOT)):
                    outs[label] = work / f"out-{label}-{data.name}"
                    seconds = _run(["build", "--data", str(data), "--out", str(outs[label]), "--workers", "2"],
                                   code, code)
                    print(f"built {name} with {label} in {seconds:.1f} s")
                same = _compare(name, outs["old"], outs["new"]) and same
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=True)
    print("\ndumps: " + ("the same bytes" if same else "DIFFERENT"))
    raise SystemExit(0 if same else 1)


if __name__ == "__main__":
    main()
