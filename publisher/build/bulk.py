"""Bulk loading the build's N-Triples into its new Oxigraph store on every core.

One `Store.bulk_load` parses its input on one thread, which at 100k practices (5.2 M triples, 1 GB of
N-Triples) leaves the second core half idle. The file is cut into one byte range per core, only between
chunks of records, and each range is bulk-loaded by a thread of its own into the same store (pyoxigraph
releases the GIL while it loads). The cuts matter: a parser gives each input its own blank nodes, so a
`_:b1` on both sides of a cut would become two nodes; a blank node never crosses a record.
Measured on 2 cores at 100k practices: one load 18.2–18.8 s, two ranges 15.6 s, two ranges lenient 15.0 s.

`lenient=True` skips Oxigraph's IRI and language-tag validation: right for the records' N-Triples only,
whose every IRI the workers already parsed with Oxigraph's own `NamedNode`
(publisher.build.validate.checked_iris) and whose language tags are the converter's constants."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox


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
