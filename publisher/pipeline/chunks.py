"""The build's one pass over the source records, in worker processes: each worker reads a chunk of record
files, checks them and converts them, and sends back only the N-Triples text and what the parent needs
to check the whole (keys, files and lines) and to trace validation results back to records. The parent
never holds the records' data (publisher/pipeline/build.py).

A check that needs every record (two records with one key, a publication naming a practice) is the
parent's; the others run here on each record, and the first failure of each kind in the chunk comes back,
so that the parent raises the same first error, in the same order of checks, as checking all records one
check after the other would (reading, unique keys, documents' references, documents, linksets,
organisations)."""

from __future__ import annotations

import gc
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode

from publisher.errors import SourceError
from publisher.pipeline.changes import Entry, references
from publisher.pipeline.validate import Problem, checked_iris
from publisher.records import convert as conv
from publisher.records import documents
from publisher.records.read import Record, RecordRef, check_references, read_record

# The fields whose lines a validation problem may name (validate.problem: a result path's field, or the
# same field under place.), kept for each record.
_NAMED = {"", "key", *conv.FIELDS.values()}
LINE_FIELDS: tuple[str, ...] = tuple(sorted(_NAMED | {f"place.{f}" for f in _NAMED}))

# The checks run here, in the order the parent reports them.
REFERENCES, DOCUMENTS, ORGANISATIONS = "references", "documents", "organisations"


@dataclass
class Chunk:
    """One chunk's N-Triples and, for each record in order, its RecordRef and the IRIs it owns (N-Triples
    form, one a line); the files to publish (published path, source); the triples left out for an IRI
    that is not valid (as Violations); the first error of each check; the publications themselves (few:
    the parent checks the practices they name); each record's row of OUT/records.json (changes.py)."""

    text: str = ""
    count: int = 0
    refs: list[RecordRef] = field(default_factory=list)
    owned: list[str] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    errors: dict[str, SourceError] = field(default_factory=dict)
    publications: list[Record] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


_worker: dict[str, Any] = {}


def init_worker(settings: dict[str, Any]) -> None:
    """`settings`: base, lang, data_dir, max_bytes, organisations and publications (keys, or None while
    they are being read: a chunk of organisations or publications does not need them), and `vocab`, made
    by the parent (an initializer that raises makes multiprocessing respawn workers forever)."""
    _worker.clear()
    _worker.update(settings)


def _check(rec: Record, errors: dict[str, SourceError], files: list[tuple[str, Path]]) -> bool:
    w = _worker
    ok = True
    checks = []
    if rec.kind == "practice" and rec.data.get("publications"):
        checks.append((REFERENCES, lambda: documents.check_references([rec, *w["publications"]])))
    checks.append((DOCUMENTS, lambda: files.extend(
        (documents.published_path(entry) or "", path) for prefix, entry in documents.entries(rec)
        if (path := documents.check_entry(rec, prefix, entry, w["data_dir"], w["max_bytes"])) is not None)))
    if rec.kind == "practice":
        checks.append((ORGANISATIONS, lambda: check_references(rec, w["organisations"])))
    for name, check in checks:
        try:
            check()
        except SourceError as exc:
            errors.setdefault(name, exc)
            ok = False
    return ok


def records_chunk(task: tuple[str, list[str]]) -> Chunk | SourceError:
    """Read, check and convert the record files `task` = (kind, paths); a file that cannot be read ends
    the chunk (the first such error in file order is the build's). The cyclic garbage collector waits
    until the chunk is done (its objects go by reference counting), which saves CPU."""
    gc.disable()
    try:
        return _records_chunk(task)
    finally:
        gc.enable()


def _records_chunk(task: tuple[str, list[str]]) -> Chunk | SourceError:
    kind, paths = task
    try:
        records = [read_record(Path(p), kind) for p in paths]
    except SourceError as exc:
        return exc
    w = _worker
    chunk = Chunk(refs=[rec.ref(LINE_FIELDS) for rec in records])
    good, published = [], {}
    for rec in records:
        before = len(chunk.files)
        if _check(rec, chunk.errors, chunk.files):
            good.append(rec)
        published[id(rec)] = tuple(rel for rel, _ in chunk.files[before:])
    items, chunk.invalid = checked_iris(conv.convert(good, w["base"], w["vocab"]), w["lang"])
    owned = {id(item.record): "\n".join(f"<{n}>" for n in item.nodes if not isinstance(n, BNode))
             for item in items}
    chunk.owned = [owned.get(id(rec), "") for rec in records]
    texts = {id(item.record): [conv.nt_row(t) for t in item.triples] for item in items}
    chunk.entries = [entry(rec, "".join(texts.get(id(rec), ())), w["data_dir"], published[id(rec)])
                     for rec in records]
    chunk.text = "".join(row for rows in texts.values() for row in rows)
    chunk.count = sum(len(rows) for rows in texts.values())
    if kind == "publication":
        chunk.publications = records
    return chunk


def entry(rec: Record, text: str, data_dir: Path, files: tuple[str, ...]) -> Entry:
    """The record's row of OUT/records.json: its file's size, mtime and hash, its triples' hash and length."""
    path = Path(rec.path)
    raw, stat = path.read_bytes(), os.stat(path)
    data = text.encode("utf-8")
    return Entry(path.relative_to(data_dir).as_posix(), rec.kind, rec.key, stat.st_size, stat.st_mtime_ns,
                 hashlib.sha256(raw).hexdigest(), hashlib.sha1(data).hexdigest(), len(data),
                 references(rec.kind, rec.data), files)
