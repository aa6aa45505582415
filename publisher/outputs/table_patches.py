"""An incremental build's patch of two tables (publisher/pipeline/table_patches.py): the CSV of practices
and the sitemaps, each the previous build's file with only the rows or lines of what changed replaced,
removed or inserted. Both are in IRI order (practice_table.table_of sorts the subjects), so a changed row
goes where `bisect` finds it among the previous ones; the rows and lines are made by the full build's own
code (practices_csv.row, sitemap.url_line). The unchanged runs of the CSV are copied as bytes."""

from __future__ import annotations

import mmap
import os
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO, overload
from xml.sax.saxutils import unescape

from publisher.outputs.practices_csv import HEADER, encoded, read_rows, write_rows
from publisher.outputs.sitemap import URLSET_HEAD, URLSET_TAIL, sitemap_name, write_lines


class _Keys(Sequence[str]):
    """The sort keys of the previous rows, read only where `bisect` looks."""

    def __init__(self, count: int, key: Callable[[int], str]) -> None:
        self._count, self._key = count, key

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self._key(j) for j in range(*i.indices(self._count))]
        return self._key(i)


def _positions(keys: Sequence[str], changes: Sequence[str]) -> list[tuple[int, int]]:
    """For each key of `changes` (sorted): the run of old rows to keep before it, as (from, to), and
    the cursor after it; the old row with that key, if any, is left out."""
    runs, cursor = [], 0
    for key in changes:
        at = bisect_left(keys, key, cursor)
        runs.append((cursor, at))
        cursor = at + 1 if at < len(keys) and keys[at] == key else at
    runs.append((cursor, len(keys)))
    return runs


def _copy(source: int, view: memoryview, out: BinaryIO, start: int, end: int) -> None:
    """Bytes `start` to `end` of the file `source` (mapped as `view`) appended to `out`: in the kernel
    (copy_file_range) where it can, else from the mapping."""
    out.flush()
    while start < end:
        try:
            copied = os.copy_file_range(source, out.fileno(), end - start, start)
        except (AttributeError, OSError):
            copied = 0
        if copied == 0:
            out.write(view[start:end])
            return
        start += copied


def patch_csv(previous: Path, target: Path, rows: dict[str, list[str] | None]) -> bool:
    """Write `target` as the CSV `previous` with the rows of `rows` (IRI -> its new row, None: no row)
    in their places; False (nothing written) when `previous` has no row lengths to cut it by."""
    sizes = read_rows(previous)
    if sizes is None:
        return False
    with open(previous, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm[:len(HEADER)] != HEADER:
            return False
        starts = list(accumulate(sizes, initial=len(HEADER)))
        keys = _Keys(len(sizes), lambda i: mm[starts[i]:mm.find(b",", starts[i], starts[i + 1])].decode("utf-8"))
        changes = sorted(rows)
        runs = _positions(keys, changes)
        new_sizes: list[int] = []
        with open(target, "wb") as out, memoryview(mm) as view:
            out.write(HEADER)
            for n, (start, end) in enumerate(runs):
                _copy(f.fileno(), view, out, starts[start], starts[end])
                new_sizes += sizes[start:end]
                row = rows[changes[n]] if n < len(changes) else None
                if row is not None:
                    data = encoded(row)
                    out.write(data)
                    new_sizes.append(len(data))
    write_rows(target, new_sizes)
    return True


LASTMOD = re.compile(rb"<lastmod>([^<]*)</lastmod>")


def _previous_files(out: Path) -> tuple[list[list[bytes]], bool, bytes | None] | None:
    """The URL lines of each urlset of the sitemaps in `out`, whether they are behind an index, and the
    index's lastmod; None when they are not as write_lines makes them."""
    try:
        first = (out / sitemap_name(0)).read_bytes()
        count = first.count(b"<sitemap>") if b"<sitemapindex" in first else 0
        texts = [first] if count == 0 else [(out / sitemap_name(n)).read_bytes() for n in range(1, count + 1)]
    except OSError:
        return None
    files = []
    for text in texts:
        if not text.startswith(URLSET_HEAD) or not text.endswith(b"\n" + URLSET_TAIL):
            return None
        files.append(text[len(URLSET_HEAD):-len(URLSET_TAIL) - 1].split(b"\n") if len(text) > len(
            URLSET_HEAD) + len(URLSET_TAIL) else [])
    return files, count > 0, _lastmod(first) if count else None


def _lastmod(line: bytes) -> bytes | None:
    found = LASTMOD.search(line)
    return found.group(1) if found else None


def _path_of(line: bytes, public: str) -> str:
    return unescape(line[len(b"<url><loc>"):line.index(b"</loc>")].decode("utf-8"))[len(public):]


def _latest(merged: list[bytes], replaced: list[bytes], added: list[bytes], before: bytes | None) -> str | None:
    """The latest lastmod of `merged`: the previous index's unless a line that held it went."""
    if before is None or any(_lastmod(line) == before for line in replaced):
        found = LASTMOD.findall(b"\n".join(merged))
    else:
        found = [before, *(m for line in added if (m := _lastmod(line)))]
    return unescape(max(found).decode("utf-8")) if found else None


def patch_sitemaps(previous: Path, out: Path, public: str, pages: list[bytes], lines: dict[str, bytes | None],
                   limit: int) -> int | None:
    """Write the sitemaps of `out` as those of `previous` with the document lines `lines` (path -> its
    line, None: not listed) in their places, after the site's own `pages` lines; returns the number of
    sitemap-N.xml files as write_lines does, or None (nothing written) when the previous ones do not fit."""
    found = _previous_files(previous)
    if found is None:
        return None
    files, indexed, before = found
    old = [line for lines_ in files for line in lines_]
    if old[:len(pages)] != pages:
        return None
    docs = old[len(pages):]
    keys = _Keys(len(docs), lambda i: _path_of(docs[i], public))
    changes = sorted(lines)
    runs = _positions(keys, changes)
    merged, replaced = list(pages), []
    for n, (start, end) in enumerate(runs):
        merged += docs[start:end]
        if n < len(changes):
            if end < len(docs) and keys[end] == changes[n]:
                replaced.append(docs[end])
            line = lines[changes[n]]
            if line is not None:
                merged.append(line)
    added = [line for line in lines.values() if line is not None]
    latest = _latest(merged, replaced, added, before) if len(merged) > limit else None
    return write_lines(out, public, merged, latest, limit, (previous, files if indexed else []))
