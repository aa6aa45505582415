"""The first step of an incremental build (publisher/pipeline/incremental.py): what changed in the data
directory since the build in OUT, from one listing and one stat per record file against the previous
build's rows (OUT/records.json), or None when a full build must run instead. Its cost grows with the
number of records, not of changes: kept to plain strings and tuples, with the cyclic garbage collector
paused while the rows are held (`no_cycle_collection`)."""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from publisher.pipeline.changes import Entry, Previous, read_records
from publisher.records.read import KINDS

ORDER = ("organisation", "practice", "publication")     # the dump's order of kinds (build.read_and_convert)
FULL_FROM = 0.2                                          # share of changed records from which a full build runs
DUMP = Path("dumps") / "bdp.nt.gz"
SCAN_THREADS = 4                                         # threads that stat the record files
SLICE = 8192                                             # files per thread's task


@dataclass
class Plan:
    previous: Previous
    manifest: dict[str, Any]
    rows: list[tuple[str, str, Entry | None]] = field(default_factory=list)   # kind, path under data; None: to read
    removed: list[Entry] = field(default_factory=list)

    @property
    def to_read(self) -> list[tuple[str, str]]:
        return [(kind, rel) for kind, rel, e in self.rows if e is None]


def _scan(data_dir: Path) -> list[tuple[str, str, int, int]]:
    """Every record file in the dump's order as (kind, path under `data_dir`, size, mtime in ns): one stat
    call per file, relative to the folder's descriptor (no path to resolve each time), and strings rather
    than Path objects (140,000 of them at 100k practices). The stat calls run in threads (os.stat lets
    other threads run while the kernel answers), one slice of the listing each."""
    folders = {kind: folder for folder, kind in KINDS.items()}
    opened: list[int] = []
    try:
        slices = []
        for kind in ORDER:
            directory = data_dir / folders[kind]
            if not directory.is_dir():
                continue
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            opened.append(fd)
            names = sorted(n for n in os.listdir(fd) if n.endswith((".yaml", ".yml")))
            slices += [(kind, folders[kind], fd, names[i:i + SLICE]) for i in range(0, len(names), SLICE)]
        if len(slices) < 2:
            return [row for part in map(_stat_slice, slices) for row in part]
        with ThreadPoolExecutor(SCAN_THREADS) as pool:
            return [row for part in pool.map(_stat_slice, slices) for row in part]
    finally:
        for fd in opened:
            os.close(fd)


def _stat_slice(part: tuple[str, str, int, list[str]]) -> list[tuple[str, str, int, int]]:
    kind, folder, fd, names = part
    found = []
    for name in names:
        stat = os.stat(name, dir_fd=fd)
        if S_ISREG(stat.st_mode):
            found.append((kind, f"{folder}/{name}", stat.st_size, stat.st_mtime_ns))
    return found


def plan(settings: Any, data_dir: Path, out: Path, depends: str) -> Plan | None:
    """What to read again, or None when a full build is needed."""
    try:
        manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    previous = read_records(out)
    if (previous is None or manifest.get("fingerprint") != depends or previous.base != settings.base_uri
            or not (out / "store").is_dir() or not (out / DUMP).is_file()):
        return None
    old = {e.path: e for e in previous.entries}
    found = Plan(previous, manifest)
    seen = set()
    rows = found.rows
    for kind, rel, size, mtime_ns in _scan(data_dir):
        seen.add(rel)
        e = old.get(rel)
        if e is not None and e.kind == kind and e.size == size:
            if e.mtime_ns == mtime_ns:
                rows.append((kind, rel, e))
                continue
            if hashlib.sha256((data_dir / rel).read_bytes()).hexdigest() == e.sha256:
                rows.append((kind, rel, e._replace(mtime_ns=mtime_ns)))
                continue
        rows.append((kind, rel, None))
    found.removed = [e for e in previous.entries if e.path not in seen]
    changed = len(found.to_read) + len(found.removed)
    links = any((data_dir / "links").glob("*.ttl"))
    if changed > FULL_FROM * max(len(found.rows), 1) or (links and (found.removed or any(
            e is None and rel not in old for _, rel, e in found.rows))):
        return None
    return found


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: an incremental build holds a few hundred thousand tuples (the
    rows of the previous and the new build), which each of its full collections walks again, at a cost
    that grows with the data set; the build makes next to no reference cycles, and resuming collects
    them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def cycle_collection() -> Iterator[None]:
    """The collector running again for a while (the output steps, which may hold object graphs of their
    own), in whatever state it was after."""
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not enabled:
            gc.disable()
