"""Bulk loading the build's N-Triples into its new Oxigraph store.

The build loads in a child process (`load_store`, `python -m publisher.pipeline.bulk`) so that the load can run
with mimalloc preloaded (the `cmeel-mimalloc` wheel, installed on Linux x86-64): Oxigraph's bulk loader sorts
and frees millions of small keys, and glibc's malloc took a quarter of its CPU (perf: malloc_consolidate,
_int_free, unlink_chunk). With mimalloc one lenient load does on its two threads what two parallel ranges
did with glibc, in less time and memory (figures: bench/README.md, `bench_build.py --load-only`).

Without mimalloc the child loads on every core (`bulk_load_nt`): one `Store.bulk_load` parses its input on
one thread, so the file is cut into one byte range per core, only between chunks of records, and each range
is bulk-loaded by a thread of its own into the same store (pyoxigraph releases the GIL while it loads). The
cuts matter: a parser gives each input its own blank nodes, so a `_:b1` on both sides of a cut would become
two nodes; a blank node never crosses a record.

`lenient=True` skips Oxigraph's IRI and language-tag validation: right for the records' N-Triples only,
whose every IRI the workers already parsed with Oxigraph's own `NamedNode`
(publisher.pipeline.validate.checked_iris) and whose language tags are the converter's constants."""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from publisher.errors import BdpError


class _Range(io.RawIOBase):
    """Bytes `start`..`end` of a file."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by close())
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        n = self._file.readinto(memoryview(buffer)[:min(len(buffer), self._left)]) or 0
        self._left -= n
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def ranges(size: int, boundaries: Sequence[int], parts: int) -> list[tuple[int, int]]:
    """At most `parts` byte ranges covering `size` bytes, cut only at `boundaries`, each cut at the
    boundary nearest an equal share."""
    if parts <= 1:
        return [(0, size)] if size > 0 else []
    inner = sorted(b for b in set(boundaries) if 0 < b < size)
    cuts = [0]
    for i in range(1, parts):
        if inner:
            best = min(inner, key=lambda b: abs(b - size * i // parts))
            if best > cuts[-1]:
                cuts.append(best)
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def bulk_load_nt(store: ox.Store, path: Path, *, boundaries: Sequence[int] = (), parts: int | None = None,
                 lenient: bool = False) -> None:
    """Load the N-Triples file `path` into `store` in up to `parts` parallel bulk loads (default: one per
    core), cut only at `boundaries` (none given: one load). The first error is raised once all ended."""
    path = Path(path)
    spans = ranges(path.stat().st_size, boundaries, parts or os.cpu_count() or 1)
    if len(spans) == 1:   # Oxigraph reads the file itself: no Python reader between
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, lenient=lenient)
        return
    errors: list[BaseException] = []

    def load(start: int, end: int) -> None:
        try:
            with io.BufferedReader(_Range(path, start, end), 1 << 20) as reader:
                store.bulk_load(reader, format=ox.RdfFormat.N_TRIPLES, lenient=lenient)
        except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
            errors.append(exc)

    threads = [threading.Thread(target=load, args=span) for span in spans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


class BulkLoadError(BdpError):
    """The child process could not load the store; the message is its own last line."""


def fast_allocator() -> str | None:
    """The path of mimalloc's shared library from the `cmeel-mimalloc` wheel, where it is installed."""
    try:
        dist = importlib.metadata.distribution("cmeel-mimalloc")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name.startswith("libmimalloc.so"):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return str(path)
    return None


def load_store(store_dir: Path, path: Path, *, boundaries: Sequence[int] = (), lenient: bool = False,
               fast_malloc: bool = True) -> dict:
    """Bulk-load the N-Triples file `path` into a new store at `store_dir` in a child process, with mimalloc
    preloaded where installed (unless `fast_malloc` is False): then in one load, else in one range per core
    cut at `boundaries`. Returns the child's report: `allocator`, the path of the mimalloc it had mapped
    (or None), and `peak_mib`, its peak RSS."""
    library = fast_allocator() if fast_malloc else None
    env = dict(os.environ)
    if library:
        env["LD_PRELOAD"] = " ".join(filter(None, [library, env.get("LD_PRELOAD")]))
    spans = ranges(Path(path).stat().st_size, boundaries, 1 if library else (os.cpu_count() or 1))
    cuts = [start for start, _ in spans[1:]]   # only the chosen cuts cross to the child, not every boundary
    args = [sys.executable, "-m", "publisher.pipeline.bulk", str(store_dir), str(path), "--parts", str(len(spans))]
    done = subprocess.run(args + (["--lenient"] if lenient else []), input=json.dumps(cuts),
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BulkLoadError(lines[-1] if lines else f"the store load exited with {done.returncode}")
    return json.loads(done.stdout.splitlines()[-1])


def _mapped(name: str) -> str | None:
    """The path of a shared library named `name`* mapped into this process (Linux), else None."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rstrip("\n").split(maxsplit=5)[-1]
                if Path(path).name.startswith(name):
                    return path
    except OSError:
        pass
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """The child of `load_store`: load, flush, print a JSON report; on failure one line on stderr, exit 1."""
    parser = argparse.ArgumentParser(prog="python -m publisher.pipeline.bulk")
    parser.add_argument("store")
    parser.add_argument("path", type=Path)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--lenient", action="store_true")
    options = parser.parse_args(argv)
    boundaries = json.loads(sys.stdin.read() or "[]")
    try:
        store = ox.Store(options.store)
        bulk_load_nt(store, options.path, boundaries=boundaries, parts=options.parts, lenient=options.lenient)
        store.flush()
        del store
    except (OSError, SyntaxError, ValueError) as exc:
        print(f"{options.path}: {exc}", file=sys.stderr)
        return 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)
    print(json.dumps({"allocator": _mapped("libmimalloc"), "peak_mib": round(peak)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
