"""The first step of an incremental build (publisher/pipeline/incremental.py): what changed in the data
directory since the build in OUT, from one listing and one stat per record file against the previous
build's rows (OUT/records.json), or None when a full build must run instead. Its cost grows with the
number of records, not of changes: kept to plain strings and tuples, with the cyclic garbage collector
paused while the rows are held (`no_cycle_collection`)."""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, repeat
from operator import attrgetter, itemgetter, ne
from pathlib import Path
from stat import S_ISREG
from typing import Any, NamedTuple

from publisher.pipeline.changes import Entry, Previous, read_records
from publisher.records.read import KINDS

ORDER = ("organisation", "practice", "publication")     # the dump's order of kinds (build.read_and_convert)
FULL_FROM = 0.2                                          # share of changed records from which a full build runs
DUMP = Path("dumps") / "bdp.nt.gz"


@dataclass
class Plan:
    previous: Previous
    manifest: dict[str, Any]
    rows: list[tuple[str, str, Entry | None]] = field(default_factory=list)   # kind, path under data; None: to read
    removed: list[Entry] = field(default_factory=list)
    added: int = 0                                                            # files new since
    reread: list[int] = field(default_factory=list)       # indexes of the rows to read (None in `rows`)
    replaced: list[Entry] = field(default_factory=list)   # the previous rows of the files changed since

    @property
    def to_read(self) -> list[tuple[str, str]]:
        return [self.rows[i][:2] for i in self.reread]


class Scan(NamedTuple):
    """The record files in the dump's order, as columns: kind, path under the data directory, size,
    mtime in ns."""
    kinds: list[str]
    paths: list[str]
    sizes: list[int]
    mtimes: list[int]


def _scan(data_dir: Path) -> Scan:
    """Every record file: one stat call per file, relative to the folder's descriptor (no path to resolve
    each time). The loops over the 140,000 files of a large data set are `map`s over built-in functions,
    which run no Python code per file."""
    folders = {kind: folder for folder, kind in KINDS.items()}
    found = Scan([], [], [], [])
    for kind in ORDER:
        directory = data_dir / folders[kind]
        if not directory.is_dir():
            continue
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            names = sorted(n for n in os.listdir(fd) if n.endswith((".yaml", ".yml")))
            stats = list(map(partial(os.stat, dir_fd=fd), names))
        finally:
            os.close(fd)
        if not all(map(S_ISREG, map(attrgetter("st_mode"), stats))):
            names, stats = map(list, zip(*[(n, st) for n, st in zip(names, stats, strict=True)
                                           if S_ISREG(st.st_mode)], strict=True)) if names else ([], [])
        found.kinds.extend(repeat(kind, len(names)))
        found.paths.extend(map(f"{folders[kind]}/".__add__, names))
        found.sizes.extend(map(attrgetter("st_size"), stats))
        found.mtimes.extend(map(attrgetter("st_mtime_ns"), stats))
    return found


def _scan_in_child(data_dir: Path) -> Callable[[], Scan]:
    """`_scan` in a forked child, returned through a pipe when asked for: listing and stat'ing the files
    (mostly the kernel's work) and reading the previous rows (orjson's) then take the two cores. Made here
    when the child fails."""
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_send_scan, args=(data_dir, send), daemon=True)
    child.start()
    send.close()

    def result() -> Scan:
        try:
            found = Scan(*marshal.loads(receive.recv_bytes()))
        except (EOFError, OSError, ValueError, TypeError):
            found = None
        finally:
            receive.close()
            child.join()
        return found if found is not None and child.exitcode == 0 else _scan(data_dir)
    return result


def _send_scan(data_dir: Path, send: Any) -> None:
    send.send_bytes(marshal.dumps(tuple(_scan(data_dir))))
    send.close()


def plan(settings: Any, data_dir: Path, out: Path, depends: str) -> Plan | None:
    """What to read again, or None when a full build is needed."""
    try:
        manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (manifest.get("fingerprint") != depends or not (out / "store").is_dir() or not (out / DUMP).is_file()):
        return None
    scanned = _scan_in_child(data_dir)      # while the previous rows are read here
    previous = read_records(out)
    scan = scanned()
    if previous is None or previous.base != settings.base_uri:
        return None
    found = Plan(previous, manifest)
    if list(map(itemgetter(0), previous.entries)) == scan.paths:
        _same_files(found, data_dir, scan)
    else:
        _other_files(found, data_dir, scan)
    changed = len(found.to_read) + len(found.removed)
    links = any((data_dir / "links").glob("*.ttl"))
    if changed > FULL_FROM * max(len(found.rows), 1) or (links and (found.removed or found.added)):
        return None
    return found


def _same_files(found: Plan, data_dir: Path, scan: Scan) -> None:
    """The rows when the files are the previous build's (no file added or removed): the files whose size
    or mtime is not the previous row's, found by comparing the columns, are the only ones looked at."""
    entries = found.previous.entries
    found.rows = list(zip(scan.kinds, scan.paths, entries, strict=True))
    differ: set[int] = set()
    for column, now in ((3, scan.sizes), (4, scan.mtimes)):
        before = list(map(itemgetter(column), entries))
        if before != now:
            differ.update(compress(range(len(now)), map(ne, before, now)))
    for i in sorted(differ):
        rel = scan.paths[i]
        e = _unchanged(entries[i], scan.kinds[i], data_dir, rel, scan.sizes[i], scan.mtimes[i])
        found.rows[i] = (scan.kinds[i], rel, e)
        if e is None:
            found.reread.append(i)
            found.replaced.append(entries[i])


def _other_files(found: Plan, data_dir: Path, scan: Scan) -> None:
    """The rows when files were added or removed: each file looked up among the previous rows."""
    old = {e.path: e for e in found.previous.entries}
    rows = found.rows
    for kind, rel, size, mtime_ns in zip(scan.kinds, scan.paths, scan.sizes, scan.mtimes, strict=True):
        e = old.get(rel)
        now = _unchanged(e, kind, data_dir, rel, size, mtime_ns) if e is not None else None
        if now is None:
            found.reread.append(len(rows))
            found.added += e is None
            found.replaced += [e] if e is not None else []
        rows.append((kind, rel, now))
    seen = set(scan.paths)
    found.removed = [e for e in found.previous.entries if e.path not in seen]


def _unchanged(e: Entry, kind: str, data_dir: Path, rel: str, size: int, mtime_ns: int) -> Entry | None:
    """The previous row `e` of a file when the file is unchanged (as it is when its size and mtime are,
    with the new mtime when only the mtime changed), None when it must be read again."""
    if e.kind != kind or e.size != size:
        return None
    if e.mtime_ns == mtime_ns:
        return e
    if hashlib.sha256((data_dir / rel).read_bytes()).hexdigest() == e.sha256:
        return e._replace(mtime_ns=mtime_ns)
    return None


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
