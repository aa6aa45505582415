"""Attachments of practices and publications: which files are accepted, where they are published, and the
checks the build runs on them before anything is written.

A file is given relative to the data directory and must lie under its `attachments/` folder
(`attachments/x.pdf` is published at `{base}attachments/x.pdf` and copied to OUT/attachments/x.pdf).
Only the document and image types of `formats.DOCUMENT_TYPES` are accepted, checked by suffix, declared
media type and the file's first bytes, and no file may exceed the `attachment_max_bytes` setting."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

from publisher.errors import SourceError
from publisher.formats import DOCUMENT_BY_MEDIA_TYPE, DOCUMENT_BY_SUFFIX, DOCUMENT_TYPES, DocumentType
from publisher.records.read import Record, RecordRef

FOLDER = "attachments"
ACCEPTED = ", ".join(d.media_type for d in DOCUMENT_TYPES)


def data_dir_of(rec: Record) -> Path:
    """The data directory a record was read from (records live in data/{kind}s/{key}.yaml)."""
    return Path(rec.path).resolve().parent.parent


def entries(rec: Record) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field prefix, entry) of each document a record carries: a practice's attachments, a publication."""
    if rec.kind == "practice":
        for i, att in enumerate(rec.data.get("attachments") or ()):
            yield f"attachments[{i}]", att if isinstance(att, dict) else {}
    elif rec.kind == "publication":
        yield "", rec.data


def _field(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def document_type(entry: dict[str, Any]) -> DocumentType | None:
    """The declared media type, else the one the file or URL suffix names."""
    declared = entry.get("media_type")
    if declared:
        return DOCUMENT_BY_MEDIA_TYPE.get(str(declared).strip().lower())
    target = str(entry.get("file") or urlsplit(str(entry.get("url") or "")).path)
    return DOCUMENT_BY_SUFFIX.get(PurePosixPath(target).suffix.lower().lstrip("."))


def published_path(entry: dict[str, Any]) -> str | None:
    """'attachments/x.pdf' for a file entry (the path under OUT and under the site), else None."""
    file = entry.get("file")
    return str(PurePosixPath(str(file))) if file else None


def download_iri(base: str, entry: dict[str, Any]) -> str | None:
    path = published_path(entry)
    return base + quote(path, safe="/-._~") if path else None


def byte_size(rec: Record, entry: dict[str, Any]) -> int | None:
    path = published_path(entry)
    if path is None:
        return None
    try:
        return (data_dir_of(rec) / path).stat().st_size
    except OSError:
        return None


def _looks_like(path: Path, kind: DocumentType) -> bool:
    with open(path, "rb") as f:
        head = f.read(4096)
    if kind.magic:
        return any(head.startswith(m) for m in kind.magic)
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte letter cut at the end of the block is fine
        return exc.start >= len(head) - 3
    return True


def check_entry(rec: Record, prefix: str, entry: dict[str, Any], data_dir: Path, max_bytes: int
                ) -> Path | None:
    """Raise a SourceError naming file, record and field for a document that cannot be published;
    return the file to copy (None for a URL)."""
    def fail(name: str, message: str) -> NoReturn:
        where = _field(prefix, name)
        raise SourceError(rec.path, message, line=rec.line(where), record=rec.label, field=where)

    file, url = entry.get("file"), entry.get("url")
    if prefix and not entry.get("title"):
        fail("title", "an attachment needs a title, e.g. {pl: '...', en: '...'}")
    if file and url:
        fail("url", "give either a file (under data/attachments/) or a url, not both")
    if not file and not url:
        if prefix:
            fail("file", "an attachment needs a file (under data/attachments/) or a url")
        return None  # a publication without a file or URL is only described
    kind = document_type(entry)
    if entry.get("media_type") and kind is None:
        fail("media_type", f"{entry['media_type']!r} is not accepted: only documents and images ({ACCEPTED})")
    if url:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fail("url", f"{url!r} is not an http(s) URL")
        if kind is None:
            fail("media_type", f"give the media type of {url!r} (one of {ACCEPTED})")
        return None
    rel = PurePosixPath(str(file))
    if rel.is_absolute() or ".." in rel.parts or rel.parts[:1] != (FOLDER,) or len(rel.parts) < 2:
        fail("file", f"{file!r} must be a path under the data directory's {FOLDER}/ folder, "
                     f"e.g. {FOLDER}/report.pdf")
    suffix_kind = DOCUMENT_BY_SUFFIX.get(rel.suffix.lower().lstrip("."))
    if suffix_kind is None:
        fail("file", f"{file!r}: files of type {rel.suffix or '(no suffix)'!r} are not accepted: only "
                     f"documents and images ({ACCEPTED})")
    if kind is not suffix_kind:
        fail("media_type", f"{entry.get('media_type')!r} does not match the file {file!r} "
                           f"({suffix_kind.media_type})")
    path = data_dir / rel
    if not path.is_file():
        fail("file", f"no such file: {file} (in the data directory)")
    size = path.stat().st_size
    if size > max_bytes:
        fail("file", f"{file} has {size} bytes, more than the limit of {max_bytes} (attachment_max_bytes)")
    if not _looks_like(path, suffix_kind):
        fail("file", f"{file} is not a {suffix_kind.media_type} file (its content does not match)")
    return path


def check_references(records: Sequence[Record | RecordRef]) -> None:
    """A practice's publications and a publication's practices must exist as records."""
    keys = {kind: {r.key for r in records if r.kind == kind} for kind in ("practice", "publication")}
    for rec in records:
        other = {"practice": ("publications", "publication"), "publication": ("practices", "practice")}
        if rec.kind not in other:
            continue
        name, kind = other[rec.kind]
        for i, key in enumerate(rec.data.get(name) or ()):
            if key not in keys[kind]:
                where = f"{name}[{i}]"
                raise SourceError(rec.path, f"no {kind} with key {key!r} (data/{kind}s/{key}.yaml)",
                                  line=rec.line(where), record=rec.label, field=where)


def check_documents(records: list[Record], data_dir: Path, max_bytes: int) -> list[tuple[Path, str]]:
    """Check every document of every record; (source file, published path) of each file to copy."""
    check_references(records)
    files: dict[str, Path] = {}
    for rec in records:
        for prefix, entry in entries(rec):
            path = check_entry(rec, prefix, entry, data_dir, max_bytes)
            if path is not None:
                files[published_path(entry) or ""] = path
    return sorted((path, rel) for rel, path in files.items())


def copy_documents(files: list[tuple[Path, str]], out: Path) -> None:
    """Copy the checked files into the output directory being built."""
    for source, rel in files:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
