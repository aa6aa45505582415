"""The Turtle and JSON-LD dumps (OUT/dumps/bdp.ttl.gz, bdp.jsonld.gz), written from the pipeline's N-Triples
dump OUT/dumps/bdp.nt.gz, which holds exactly the store's default graph.

Why not `Store.dump`: reading the graph back out of the on-disk store costs ~3 us a triple (nearly every
IRI and literal is a separate RocksDB lookup), while parsing N-Triples costs under 1 us. The N-Triples
come in record order, where a subject's lines are close together but interleaved with its blank nodes';
each block of about BLOCK bytes is sorted so that Turtle and JSON-LD say each subject once (a subject
whose lines straddle two blocks is written twice: still the same graph).

The Turtle and JSON-LD dumps are written as gzip members that follow the N-Triples dump's (dump_members.py);
`write_rdf_dump` writes other formats as one stream.

Written by the jobs of tables.py. The same input gives the same bytes (gzip with no name or time in its
header), so checksums and ETags survive an unchanged rebuild."""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from publisher.formats import BY_NAME
from publisher.namespaces import PREFIXES
from publisher.outputs.dump_members import FRAMES, write_members

SOURCE = "bdp.nt.gz"
# gzip level of the dumps: 3 writes as fast as 1 and smaller; 6 would slow the longest output step
# (figures per level: bench/README.md).
LEVEL = 3
BLOCK = 16 << 20


def subject_blocks(source: Path, block: int = BLOCK) -> Iterator[bytes]:
    """The N-Triples of `source` (gzip), in blocks of whole lines, each sorted."""
    with gzip.open(source, "rb") as f:
        while lines := f.readlines(block):
            lines.sort()        # whole lines: by subject, then predicate (a line starts "S P ")
            yield b"".join(lines)


class _Chunks(io.RawIOBase):
    """A readable binary stream over an iterator of byte strings."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer, self._at = chunks, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._at >= len(self._buffer):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer, self._at = chunk, 0
        n = min(len(target), len(self._buffer) - self._at)
        target[:n] = self._buffer[self._at:self._at + n]
        self._at += n
        return n


def write_rdf_dump(source: Path, target: Path, fmt_name: str, level: int = LEVEL,
                   through: Callable[[Iterator[ox.Triple]], Iterator[ox.Triple]] | None = None) -> list[int] | None:
    """Write the triples of `source` (N-Triples, gzip) to `target` as `fmt_name` (ttl, jsonld), gzip;
    `through` sees each triple on its way (tables.py gathers its facts in the same pass). Returns the
    members' lengths of a dump written as members (Turtle), else None."""
    if fmt_name in FRAMES:
        return write_members(source, target, fmt_name, through)
    fmt = BY_NAME[fmt_name]
    part = target.with_name(target.name + ".part")
    triples: Iterator[Any] = ox.parse(io.BufferedReader(_Chunks(subject_blocks(source)), 1 << 20), format=ox.RdfFormat.N_TRIPLES)
    if through is not None:
        triples = through(triples)
    try:
        with open(part, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=level,
                                                    mtime=0) as out:
            ox.serialize(triples, cast(IO[bytes], out), format=fmt.rdf_format, prefixes=PREFIXES if fmt_name == "ttl" else None)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return None
