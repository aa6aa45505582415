"""What a build knows of each record, and what changed since the previous build.

Every build (full or incremental) writes two files into OUT:

- `records.json`: one row per record file, in the dump's order: its path under the data directory, kind,
  key, the file's size, mtime (ns) and SHA-256 (a file whose size and mtime are unchanged is taken as
  unchanged, as git's index does; otherwise its content hash decides), the SHA-1 and byte length of its
  N-Triples in the dump (the incremental build cuts the dump by these lengths), and the keys it references
  ("organisation:KEY", "publication:KEY", "practice:KEY"), so that a later build can check references to
  a removed record without reading the records that did not change, and the attachments it publishes;
  and the compressed length of each gzip member of the N-Triples dump and the number of records in each
  (`members`, `segments`: members.py).
- `changes.json`: the practices and organisations created, updated (their triples changed) and deleted by
  this build, against the previous build in OUT (none: everything is created):

      {"build": "2026-12-06T03:30:00Z", "previous": "2026-12-05T22:10:00Z" | null, "full": true,
       "created": [{"kind": "practice", "key": "k", "iri": "https://w3id.org/bdp/id/practice/k"}, ...],
       "updated": [...], "deleted": [...]}

  Lists are sorted by IRI. A resource is "updated" when the SHA-1 of its triples differs, so a record
  whose file changed only in a comment is not listed, and a full build forced by a new ontology lists
  only the resources whose triples it changed. The change feed (LDES) reads this file; nothing else."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from publisher.errors import BdpError
from publisher.iris import mint

RECORDS, CHANGES = "records.json", "changes.json"
FEED_KINDS = ("practice", "organisation")
_VERSION = 2


class Entry(NamedTuple):
    path: str            # posix, relative to the data directory (e.g. practices/k.yaml)
    kind: str
    key: str
    size: int
    mtime_ns: int
    sha256: str          # of the file
    nt_sha1: str         # of its N-Triples in the dump
    nt_length: int       # bytes of its N-Triples in the dump
    refs: Sequence[str] = ()      # a tuple when made, a list when read back from records.json
    files: Sequence[str] = ()     # the attachments it publishes (paths in OUT)


def references(kind: str, data: dict[str, Any]) -> tuple[str, ...]:
    """The records a record's data names, as "KIND:KEY" (what the build's reference checks look at)."""
    found: list[str] = []
    if kind == "practice":
        found += [f"organisation:{data['implementing_unit']}"] if data.get("implementing_unit") else []
        found += [f"organisation:{p['organisation']}" for p in data.get("partners") or []
                  if isinstance(p, dict) and p.get("organisation")]
        found += [f"publication:{k}" for k in data.get("publications") or ()]
    elif kind == "publication":
        found += [f"practice:{k}" for k in data.get("practices") or ()]
    return tuple(dict.fromkeys(str(k) for k in found))


def write_records(out: Path, base: str, built: str, entries: list[Entry], members: list[int],
                  segments: list[int] | None = None) -> None:
    """One line of compact JSON, written and read with orjson (the stdlib's json is several times slower on
    the 140,000 rows of a large data set, read and written by every incremental build). `segments`: the
    number of records in each member of the dump (members.py), which the next build need not work out."""
    doc = {"version": _VERSION, "base_uri": base, "built": built, "members": members,
           **({"segments": segments} if segments is not None else {}),
           "columns": list(Entry._fields), "records": list(map(tuple, entries))}    # orjson skips NamedTuples
    (out / RECORDS).write_bytes(orjson.dumps(doc) + b"\n")


class Previous(NamedTuple):
    base: str
    built: str
    entries: list[Entry]
    members: list[int]       # compressed length of each gzip member of dumps/bdp.nt.gz (members.py)
    segments: list[int] | None = None    # records in each of those members (None: to work out)


def read_records(out: Path) -> Previous | None:
    """The previous build's rows, or None when OUT has none (or of another version of this file)."""
    try:
        doc = orjson.loads((out / RECORDS).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != _VERSION or not isinstance(doc.get("members"), list):
        return None
    rows = doc["records"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows) or \
            not set(map(len, rows)) <= {len(Entry._fields)}:
        return None
    # Each row becomes an Entry as it is (refs and files stay lists), without a call per row in Python.
    segments = doc.get("segments")
    if not (isinstance(segments, list) and sum(segments) == len(rows) and len(segments) <= len(doc["members"])):
        segments = None
    return Previous(doc["base_uri"], doc["built"], list(map(partial(tuple.__new__, Entry), rows)), doc["members"],
                    segments)


def differing(previous: list[Entry], entries: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """The rows of `previous` and of `entries` less those both lists share as the same object (an
    incremental build carries the rows of unchanged records over: they differ in nothing). Rows found in
    both lists at the same place are left out; a list of another length is compared by identity."""
    if len(previous) == len(entries):
        pairs = [(a, b) for a, b in zip(previous, entries, strict=True) if a is not b]
        return [a for a, _ in pairs], [b for _, b in pairs]
    same = {id(e) for e in entries} & {id(e) for e in previous}
    return [e for e in previous if id(e) not in same], [e for e in entries if id(e) not in same]


def changes(previous: Previous | None, base: str, built: str, entries: list[Entry], *, full: bool
            ) -> dict[str, Any]:
    """The practices and organisations created, updated and deleted between `previous` and `entries`.
    Compared by (base, kind, key), IRIs minted only for what is listed
    (minting every resource's IRI twice was most of an incremental build's bookkeeping)."""
    # A row object found in both lists (an incremental build carries the unchanged ones over) differs in
    # nothing: only the others are compared.
    before, after = (differing(previous.entries, entries) if previous and previous.base == base
                     else (previous.entries if previous else [], entries))
    old = {(previous.base, e.kind, e.key): e.nt_sha1 for e in before if e.kind in FEED_KINDS} if previous else {}
    new = {(base, e.kind, e.key): e.nt_sha1 for e in after if e.kind in FEED_KINDS}

    def listed(keys: set[tuple[str, str, str]]) -> list[dict[str, str]]:
        rows = [{"kind": kind, "key": key, "iri": mint(base_uri, kind, key)} for base_uri, kind, key in keys]
        return sorted(rows, key=lambda row: row["iri"])

    return {"build": built, "previous": previous.built if previous else None, "full": full,
            "created": listed(new.keys() - old.keys()),
            "updated": listed({k for k in new.keys() & old.keys() if new[k] != old[k]}),
            "deleted": listed(old.keys() - new.keys())}


def write_changes(out: Path, found: dict[str, Any]) -> None:
    (out / CHANGES).write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_manifests(new: Path, out: Path, manifest: dict[str, Any], entries: list[Entry], members: list[int],
                    *, full: bool, previous: Previous | None = None, segments: list[int] | None = None,
                    records: bool = True) -> None:
    """build.json (`manifest`, which has base_uri and built), records.json (unless `records` is False: the
    caller writes it, `records_in_child`) and changes.json into the build being made at `new`, the changes
    against the build still in `out` (`previous`: its records, if read)."""
    base, built = manifest["base_uri"], manifest["built"]
    (new / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if records:
        write_records(new, base, built, entries, members, segments)
    write_changes(new, changes(previous or read_records(out), base, built, entries, full=full))


def records_in_child(out: Path, base: str, built: str, entries: list[Entry], members: list[int],
                     segments: list[int] | None) -> Callable[[], None]:
    """records.json written by a forked child while this process goes on (serialising 140,000 rows holds
    the interpreter for as long as the rest of a one-record build's bookkeeping); returns the wait for
    it, which raises BdpError when the child failed. Fork before the store is opened: the child then
    inherits no thread of it."""
    child = multiprocessing.get_context("fork").Process(
        target=write_records, args=(out, base, built, entries, members, segments), daemon=True)
    child.start()

    def wait() -> None:
        child.join()
        if child.exitcode != 0:
            raise BdpError(f"{out / RECORDS}: not written (exit code {child.exitcode})")
    return wait
