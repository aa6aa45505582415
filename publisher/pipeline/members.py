"""The N-Triples dump OUT/dumps/bdp.nt.gz as a series of gzip members (RFC 1952 §2.2: a gzip file may
hold several; every gzip reader reads them as one stream): one member per segment of about SEGMENT
records, then the ontology, vocabularies and linksets. A record starts a new segment when the hash of its
path says so (or its kind differs from the previous record's), so segments depend on the records' paths
only: adding or removing a record changes its own segment and no other. An incremental build copies the
compressed bytes of every segment whose records did not change, and compresses only the others
(publisher/pipeline/splice.py); a full build compresses them all, the same way, so both make the same bytes.

OUT/records.json keeps each member's compressed length (`members`)."""

from __future__ import annotations

import bisect
import functools
import gzip
import hashlib
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from publisher.outputs.dump_members import Copier
from publisher.pipeline.changes import Entry

SEGMENT = 32          # records per member on average
LEVEL = 6             # as before members: ~the same size as one stream at 100k (a member every ~350 KB)
TAIL = 16 << 20       # the ontology and linksets in members of at most this many bytes


@functools.cache
def _starts(path: str) -> bool:
    return hashlib.sha1(path.encode()).digest()[3] % SEGMENT == 0


def segments(entries: Sequence[Entry]) -> list[range]:
    """The records of each member, as ranges of indexes into `entries` (the dump's order). A path starts
    a segment when the first 32 bits of its SHA-1 are a multiple of SEGMENT, a power of two: the low bits
    of its 4th byte are 0. (An incremental build asks this of the previous rows and the new ones, nearly
    all the same paths: each path is hashed once.)"""
    found: list[range] = []
    start = 0
    for i in range(1, len(entries)):
        if entries[i].kind != entries[i - 1].kind or _starts(entries[i].path):
            found.append(range(start, i))
            start = i
    found.append(range(start, len(entries)))
    return [r for r in found if len(r)]


def compress(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def write_dump(nt_path: Path, entries: Sequence[Entry], target: Path) -> tuple[list[int], list[int]]:
    """`nt_path` (the records' N-Triples in the order of `entries`, then the rest) as members into
    `target`; returns each member's compressed length and the number of records in each."""
    sizes = []
    ranges = segments(entries)
    with open(nt_path, "rb") as src, open(target, "wb") as dst:
        for seg in ranges:
            data = compress(src.read(sum(entries[i].nt_length for i in seg)))
            dst.write(data)
            sizes.append(len(data))
        while tail := src.read(TAIL):
            data = compress(tail)
            dst.write(data)
            sizes.append(len(data))
    return sizes, [len(r) for r in ranges]


def members(entries: Sequence[Entry], sizes: Sequence[int], counts: Sequence[int] | None = None
            ) -> Iterator[tuple[range | None, int, int]]:
    """(records, offset, length) of each member of a dump; records None for the tail's. `counts`: the
    records in each member, as the build that wrote the dump recorded them (else worked out)."""
    ranges = segments(entries) if counts is None else _ranges(counts)
    offset = 0
    for i, size in enumerate(sizes):
        yield (ranges[i] if i < len(ranges) else None), offset, size
        offset += size


def _ranges(counts: Sequence[int]) -> list[range]:
    found, start = [], 0
    for n in counts:
        found.append(range(start, start + n))
        start += n
    return found


def read_member(path: Path, offset: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return zlib.decompress(f.read(length), wbits=31)


def splice(old_gz: Path, previous: Sequence[Entry], old_sizes: Sequence[int], entries: Sequence[Entry],
           new_text: dict[str, bytes], target: Path, old_counts: Sequence[int] | None = None
           ) -> tuple[list[int], dict[str, bytes], list[int | None], list[int]]:
    """The new dump at `target`: each member whose records (paths and triples' hashes) are those of a member
    of the old dump is copied from it; the others are compressed from the records' text (`new_text` for a
    changed record, else its text in the old dump). Returns the new members' lengths, the old text of
    each record whose triples changed or which is gone (to remove from the store), and for each new
    member the index of the old member it was copied from (None: compressed anew), which the Turtle
    dump follows (publisher/outputs/rdf_dumps.py), and the number of records in each new member.
    `old_counts`: the number of records in each old member, when the previous build recorded them.

    When no record was added or removed (the same paths in the same order) the segments are the old ones,
    and only the rows that are not the previous build's own objects are compared (`_same_paths`)."""
    old = list(members(previous, old_sizes, old_counts))
    if _same_paths(previous, entries):
        ranges = [records for records, _, _ in old if records is not None]
        dirty = [i for i, (a, b) in enumerate(zip(previous, entries, strict=True))
                 if a is not b and a.nt_sha1 != b.nt_sha1]
        starts = [r.start for r in ranges]
        stale_members = {bisect.bisect_right(starts, i) - 1 for i in dirty}
        copied = [(j, None if j in stale_members else j) for j in range(len(ranges))]
        gone = [previous[i] for i in dirty]
    else:
        ranges = segments(entries)
        copied = _copied(previous, old, entries, ranges)
        now = {e.path: e.nt_sha1 for e in entries}
        gone = [e for e in previous if now.get(e.path) != e.nt_sha1]
    member_of: dict[str, int] = {}
    wanted = {e.path for e in gone} | {entries[i].path for j, origin in copied if origin is None
                                         for i in ranges[j] if entries[i].path not in new_text}
    for index, (records, _, _) in enumerate(old):
        member_of.update((previous[i].path, index) for i in records or () if previous[i].path in wanted)
    opened: dict[int, dict[str, bytes]] = {}

    def old_text(path: str) -> bytes:
        index = member_of[path]
        if index not in opened:
            records, offset, length = old[index]
            data, at, texts = read_member(old_gz, offset, length), 0, {}
            for i in records or ():
                texts[previous[i].path], at = data[at:at + previous[i].nt_length], at + previous[i].nt_length
            opened[index] = texts
        return opened[index][path]

    sizes: list[int] = []
    origins: list[int | None] = []
    with open(old_gz, "rb") as src, open(target, "wb", buffering=0) as dst:
        copier = Copier(src.fileno(), dst)
        for j, origin in copied:
            if origin is not None:
                _, offset, length = old[origin]
                copier.add(offset, length)
            else:
                data = compress(b"".join(new_text[entries[i].path] if entries[i].path in new_text
                                         else old_text(entries[i].path) for i in ranges[j]))
                copier.write(data)
                length = len(data)
            sizes.append(length)
            origins.append(origin)
        for index, (records, offset, length) in enumerate(old):
            if records is None:
                copier.add(offset, length)
                sizes.append(length)
                origins.append(index)
        copier.flush()
    return sizes, {e.path: old_text(e.path) for e in gone}, origins, [len(r) for r in ranges]


def _same_paths(previous: Sequence[Entry], entries: Sequence[Entry]) -> bool:
    return len(previous) == len(entries) and all(a is b or a.path == b.path for a, b in zip(previous, entries, strict=True))


def _copied(previous: Sequence[Entry], old: list[tuple[range | None, int, int]], entries: Sequence[Entry],
            ranges: list[range]) -> list[tuple[int, int | None]]:
    """For each new segment, the old member with the same records (paths and triples' hashes), or None."""
    same: dict[tuple[tuple[str, str], ...], int] = {}
    for index, (records, _, _) in enumerate(old):
        if records is not None:
            same[tuple((previous[i].path, previous[i].nt_sha1) for i in records)] = index
    return [(j, same.get(tuple((entries[i].path, entries[i].nt_sha1) for i in records)))
            for j, records in enumerate(ranges)]
