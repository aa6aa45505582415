"""What a build's output depends on besides the records, as one hash kept in OUT/build.json: the next build
may reuse the previous one's work (publisher/pipeline/incremental.py) only when it is unchanged.

It covers the bdp version and the code that makes the output (the package without the server, the
commands and the generator: a changed converter or output writer changes the output), the ontology,
vocabularies and shapes, every setting except those that only
the server or other commands read, the build's message language, and the data directory's files that
are not records (data/links/*.ttl, attachments: named, sized and dated)."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import publisher
from publisher.assets import ONTOLOGY, SHAPES
from publisher.records.read import KINDS

# Parts of the package that make no build output (the server's pages are made when served).
NOT_BUILD = frozenset({"web", "commands", "cli.py", "synthetic", "__main__.py"})
# Settings read only by the server, `bdp publish` or `bdp link`: changing them leaves the build's output as it was.
SERVE_ONLY = frozenset({
    "out", "data", "store", "sparql_endpoint", "update_endpoint", "graph_store", "graph", "query_timeout",
    "query_workers", "row_cap", "max_request_bytes", "service_allowlist", "page_size", "tile_url",
    "wikidata_endpoint", "intake", "intake_max_bytes", "intake_rate_limit", "intake_secret"})


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(settings: Any, data_dir: Path, lang: str) -> str:
    h = hashlib.sha256(f"bdp {publisher.__version__}\nlang {lang}\n".encode())
    for name, value in sorted(dataclasses.asdict(settings).items()):
        if name not in SERVE_ONLY:
            h.update(f"setting {name}={value!r}\n".encode())
    package = Path(publisher.__file__).resolve().parent
    for folder in (package, ONTOLOGY.parent, SHAPES.parent):
        for path in (p for p in _files(folder) if p.relative_to(folder).parts[0] not in NOT_BUILD):
            h.update(f"file {path.relative_to(folder.parent)}\n".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    others = sorted(p for p in data_dir.iterdir() if p.name not in KINDS) if data_dir.is_dir() else []
    for path in (f for top in others for f in ([top] if top.is_file() else _files(top))):
        stat = path.stat()
        h.update(f"data {path.relative_to(data_dir).as_posix()} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return h.hexdigest()
