"""The Turtle and JSON-LD dumps as gzip members that follow the N-Triples dump's (publisher/pipeline/members.py):
a head member, then one member per member of bdp.nt.gz (its lines sorted, written in the format), then a
tail member. A member depends on its N-Triples member only, so an incremental build copies those whose
N-Triples member it copied (`splice`) and writes the others; a full build writes them all the same way.

Each dump stays one valid document: Turtle's head declares the prefixes and its members use them
(statements need no order); JSON-LD's head opens the top-level array with an empty node object (`[{}`,
which JSON-LD expansion drops), each member adds `,` and its node objects, and the tail closes it (`]`).
The members' compressed lengths go to OUT/NAME.members.json (e.g. bdp.ttl.gz.members.json)."""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES

LEVEL = 3                 # as the dumps written as one stream (rdf_dumps.py)
_PREFIX = b"@prefix "
FRAMES = {"ttl": (b"".join(_PREFIX + f"{p}: <{iri}> .\n".encode() for p, iri in PREFIXES.items()), b""),
          "jsonld": (b"[{}", b"]\n")}
Through = Callable[[Iterator[Any]], Iterator[Any]]


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


def member_text(nt: bytes, fmt: str, through: Through | None = None) -> bytes:
    """The N-Triples `nt` (whole lines), sorted, as a member of a dump in `fmt` (module docstring)."""
    lines = nt.splitlines(keepends=True)
    lines.sort()        # by subject, then predicate: each subject said once
    triples: Iterator[Any] = ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)
    if through is not None:
        triples = through(triples)
    buffer = io.BytesIO()
    if fmt == "ttl":
        ox.serialize(triples, buffer, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        text, at = buffer.getvalue(), 0
        while text.startswith(_PREFIX, at):        # declared once, in the head
            at = text.index(b"\n", at) + 1
        return text[at:].lstrip(b"\n")
    ox.serialize(triples, buffer, format=ox.RdfFormat.JSON_LD)
    inner = buffer.getvalue().strip()[1:-1]        # the node objects, without the array's brackets
    return b"," + inner if inner.strip() else b""


def copy_range(src: int, dst: int, offset: int, length: int) -> None:
    """`length` bytes of the file `src` from `offset` appended at the position of the file `dst` (both
    descriptors; `dst` unbuffered): copied by the kernel (copy_file_range) where it can, without passing
    through this process (an incremental build copies ~all of each dump: ~145 MB of N-Triples at 100k)."""
    while length > 0:
        try:
            done = os.copy_file_range(src, dst, length, offset)
        except OSError:            # not on this file system or kernel: read and written
            done = 0
        if done <= 0:
            os.lseek(src, offset, os.SEEK_SET)
            data = os.read(src, min(length, 1 << 24))
            if not data:
                raise EOFError("a dump is shorter than its members say")
            done = os.write(dst, data)
        offset += done
        length -= done


class Copier:
    """Appends to `dst` (unbuffered) runs of old members, each run copied as one range (`copy_range`)."""

    def __init__(self, src: int, dst: Any) -> None:
        self._src, self._dst = src, dst
        self._start = self._end = 0

    def add(self, offset: int, length: int) -> None:
        if offset != self._end:
            self.flush()
            self._start = offset
        self._end = offset + length

    def write(self, data: bytes) -> None:
        self.flush()
        self._dst.write(data)

    def flush(self) -> None:
        if self._end > self._start:
            copy_range(self._src, self._dst.fileno(), self._start, self._end - self._start)
        self._start = self._end = 0


def _compress(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def write_members(source: Path, target: Path, fmt: str, through: Through | None = None) -> list[int]:
    """The dump of `source` (N-Triples, gzip members) in `fmt` at `target`; returns its members' lengths."""
    head, tail = FRAMES[fmt]
    part = target.with_name(target.name + ".part")
    sizes = []
    try:
        with open(part, "wb") as f:
            for data in (head, *(member_text(nt, fmt, through) for nt in gzip_members(source)), tail):
                member = _compress(data)
                f.write(member)
                sizes.append(len(member))
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return sizes


def _sizes_file(dump: Path) -> Path:
    return dump.parent.parent / f"{dump.name}.members.json"      # OUT/NAME.members.json for OUT/dumps/NAME


def write_sizes(dump: Path, sizes: list[int]) -> None:
    """The members' lengths of OUT/dumps/NAME, into OUT/NAME.members.json."""
    _sizes_file(dump).write_text(json.dumps(sizes) + "\n", encoding="utf-8")


def read_sizes(dump: Path) -> list[int] | None:
    try:
        found = json.loads(_sizes_file(dump).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, list) and dump.is_file() else None


def splice(old: Path, old_nt_members: int, new_nt: Path, nt_sizes: list[int], origins: list[int | None],
           target: Path, fmt: str) -> bool:
    """The dump in `fmt` of `new_nt` (members `nt_sizes`) at `target`, given `origins[j]`: the index of the
    member of the old N-Triples dump that member j of the new one was copied from (None: written anew).
    The old dump `old` gives the copied members; the others are made from their N-Triples member.
    False (nothing written) when `old` has no members of the old N-Triples dump's (an older build)."""
    old_sizes = read_sizes(old)
    if old_sizes is None or len(old_sizes) != old_nt_members + 2:
        return False
    at = [0]
    for size in old_sizes:
        at.append(at[-1] + size)
    head, tail = FRAMES[fmt]
    sizes = []
    with open(old, "rb") as src, open(new_nt, "rb") as nt, open(target, "wb", buffering=0) as dst:
        copier = Copier(src.fileno(), dst)

        def put(member: bytes) -> None:
            copier.write(member)
            sizes.append(len(member))

        put(_compress(head))
        for nt_size, origin in zip(nt_sizes, origins, strict=True):
            if origin is not None:
                copier.add(at[origin + 1], old_sizes[origin + 1])
                sizes.append(old_sizes[origin + 1])
                nt.seek(nt_size, os.SEEK_CUR)
            else:
                put(_compress(member_text(zlib.decompress(nt.read(nt_size), wbits=31), fmt)))
        put(_compress(tail))
    write_sizes(target, sizes)
    return True
