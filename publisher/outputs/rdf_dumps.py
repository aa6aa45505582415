"""The Turtle and JSON-LD dumps (OUT/dumps/bdp.ttl.gz, bdp.jsonld.gz), written from the pipeline's N-Triples
dump OUT/dumps/bdp.nt.gz, which holds exactly the store's default graph.

Why not `Store.dump`: reading the graph back out of the on-disk store costs ~3 us a triple (nearly every
IRI and literal is a separate RocksDB lookup), while parsing N-Triples costs under 1 us. The N-Triples
come in record order, where a subject's lines are close together but interleaved with its blank nodes';
each block of about BLOCK bytes is sorted so that Turtle and JSON-LD say each subject once (a subject
whose lines straddle two blocks is written twice: still the same graph).

The Turtle dump follows the N-Triples dump's gzip members (publisher/pipeline/members.py): a first
member with the prefixes, then one member per member of bdp.nt.gz, its lines sorted and written as Turtle
with those prefixes (`turtle_member`), so that a member depends on its N-Triples member only and an
incremental build copies the ones whose N-Triples member it copied (`splice_turtle`). Their compressed
lengths go to OUT/dump-members.json. Still one valid Turtle document: statements need no order.

Written by the jobs of tables.py. The same input gives the same bytes (gzip with no name or time in its
header), so checksums and ETags survive an unchanged rebuild."""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from publisher.formats import BY_NAME
from publisher.namespaces import PREFIXES

SOURCE = "bdp.nt.gz"
# gzip level of the dumps: 3 writes as fast as 1 and smaller; 6 would slow the longest output step
# (figures per level: bench/README.md).
LEVEL = 3
BLOCK = 16 << 20
MEMBERS = "dump-members.json"      # in OUT: {"bdp.ttl.gz": [compressed length of each member]}
_PREFIX = b"@prefix "


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
    if fmt_name == "ttl":
        return write_turtle(source, target, through)
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


def gzip_members(source: Path, read: int = 1 << 20) -> Iterator[bytes]:
    """The uncompressed content of each gzip member of `source`, in order."""
    with open(source, "rb") as f:
        pending = b""
        while True:
            d = zlib.decompressobj(wbits=31)
            out: list[bytes] = []
            while not d.eof:
                data = pending or f.read(read)
                pending = b""
                if not data:
                    if out or d.unconsumed_tail:
                        raise EOFError(f"{source}: truncated gzip member")
                    return
                out.append(d.decompress(data))
            pending = d.unused_data
            yield b"".join(out)


def turtle_head() -> bytes:
    return b"".join(_PREFIX + f"{p}: <{iri}> .\n".encode() for p, iri in PREFIXES.items())


def turtle_member(nt: bytes, through: Callable[[Iterator[ox.Triple]], Iterator[ox.Triple]] | None = None
                  ) -> bytes:
    """The N-Triples `nt` (whole lines), sorted, as Turtle using the head's prefixes but not declaring them."""
    lines = nt.splitlines(keepends=True)
    lines.sort()
    triples: Iterator[Any] = ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)
    if through is not None:
        triples = through(triples)
    buffer = io.BytesIO()
    ox.serialize(triples, buffer, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    text = buffer.getvalue()
    at = 0
    while text.startswith(_PREFIX, at):
        at = text.index(b"\n", at) + 1
    return text[at:].lstrip(b"\n")


def _compress(data: bytes, level: int = LEVEL) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


def write_turtle(source: Path, target: Path, through: Callable[[Iterator[ox.Triple]], Iterator[ox.Triple]] | None
                 = None) -> list[int]:
    """The Turtle dump of `source` as members (module docstring); returns their compressed lengths."""
    part = target.with_name(target.name + ".part")
    sizes = []
    try:
        with open(part, "wb") as f:
            for data in (turtle_head(), *(turtle_member(nt, through) for nt in gzip_members(source))):
                member = _compress(data)
                f.write(member)
                sizes.append(len(member))
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return sizes


def write_members(out: Path, name: str, sizes: list[int]) -> None:
    (out / MEMBERS).write_text(json.dumps({name: sizes}) + "\n", encoding="utf-8")


def read_members(out: Path, name: str) -> list[int] | None:
    try:
        found = json.loads((out / MEMBERS).read_text(encoding="utf-8")).get(name)
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, list) else None


def splice_turtle(old: Path, old_sizes: list[int], new_nt: Path, new_sizes: list[int],
                  origins: list[int | None], target: Path) -> list[int]:
    """The Turtle dump of `new_nt` (members `new_sizes`) at `target`, given `origins[j]`: the index of the
    member of the old N-Triples dump that member j of the new one was copied from (None: written anew).
    The old Turtle dump `old` (members `old_sizes`) gives the copied members' Turtle; the others are
    made from their N-Triples member."""
    at = [0]
    for size in old_sizes:
        at.append(at[-1] + size)
    sizes = []
    with open(old, "rb") as src, open(new_nt, "rb") as nt, open(target, "wb") as dst:
        for j, origin in enumerate([-1, *origins]):
            nt_size = new_sizes[j - 1] if j else 0
            if origin is not None:
                src.seek(at[origin + 1])
                member = src.read(old_sizes[origin + 1])
                nt.seek(nt_size, os.SEEK_CUR)
            else:
                member = _compress(turtle_member(zlib.decompress(nt.read(nt_size), wbits=31)))
            dst.write(member)
            sizes.append(len(member))
    return sizes
