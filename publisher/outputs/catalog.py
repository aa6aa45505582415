"""The harvesting outputs' description of one build: OUT/catalog.json (the facts: counts, sizes, SHA-256),
OUT/catalog.ttl, OUT/catalog.jsonld and OUT/void.ttl, and the catalogue and VoID triples in the store's
named graph `{base}catalog` (never the default graph, whose size is what the dumps, VoID and COUNT(*) on
/sparql all report). The files described (OUT/dumps/, the sitemaps) are written first (outputs.py)."""

from __future__ import annotations

import gzip
import hashlib
import re
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from publisher.clock import build_time
from publisher.config import Settings
from publisher.dataset.dcat import describe
from publisher.dataset.facts import DUMPS, FACTS_FILE, Facts, FileFacts, load_facts
from publisher.dataset.linksets import linkset_facts
from publisher.dataset.terms import catalog_iri
from publisher.dataset.void import describe_void
from publisher.formats import BY_NAME
from publisher.namespaces import PREFIXES


def write_dump(store: ox.Store, path: Path, fmt_name: str) -> None:
    """The store's default graph as one gzip file (no name or time in the gzip header: same data, same bytes)."""
    fmt = BY_NAME[fmt_name]
    prefixes = PREFIXES if fmt_name == "ttl" else None
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6,
                                                mtime=0) as out:
        store.dump(cast(IO[bytes], out), fmt.rdf_format, from_graph=ox.DefaultGraph(), prefixes=prefixes)


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(partial(f.read, 1 << 20), b""):
            digest.update(block)
    return path.stat().st_size, digest.hexdigest()


def previous_out(out: Path) -> Path | None:
    """The OUT this build will replace (the pipeline builds in `.{name}.building-{pid}` beside it)."""
    match = re.fullmatch(r"\.(.+)\.building-\d+", out.name)
    return out.parent / match.group(1) if match else None


def _stamped(facts: Facts, previous: Facts | None, now: str) -> Facts:
    """Time stamps (`now`: the build's clock) that survive an identical rebuild, so If-Modified-Since still
    answers 304."""
    old = previous.files if previous else {}
    files = {name: FileFacts(f.size, f.sha256, old[name].modified if name in old and old[name].sha256 == f.sha256
                             else now) for name, f in facts.files.items()}
    facts = facts.with_(files=files)
    same = previous is not None and previous.fingerprint() == facts.fingerprint() and previous.stamp
    return facts.with_(stamp=previous.stamp if same and previous else now)


def write_catalog(settings: Settings, out: Path, store: ox.Store, counts: dict[str, Any], public: str,
                  digests: dict[str, tuple[int, str]] | None = None, *, built: str | None = None) -> Facts:
    """Describe the files now in OUT (`digests`: size and SHA-256 of those already taken) with `counts`
    (read.catalog.dataset_counts) for URLs under `public`; `built`: the build's clock (publisher.clock)."""
    dumps, digests = out / "dumps", digests or {}
    sitemaps = sorted(out.glob("sitemap*.xml"))
    sitemap_sha = hashlib.sha256(b"".join(p.read_bytes() for p in sitemaps)).hexdigest()
    files = {d.name: FileFacts(*(digests.get(d.name) or file_digest(dumps / d.name)), "") for d in DUMPS
             if (dumps / d.name).exists()}
    facts = Facts(public=public, files=files, sitemaps=sum(p.name != "sitemap.xml" for p in sitemaps),
                  sitemap_sha256=sitemap_sha, linkset_files=linkset_facts(out / "links"), **counts)
    before = previous_out(out)
    facts = _stamped(facts, load_facts(before) if before and before.is_dir() else None, built or build_time())
    (out / FACTS_FILE).write_text(facts.to_json(), encoding="utf-8")

    triples = list(describe(facts, settings, public))
    graph = ox.NamedNode(catalog_iri(settings.base_uri))
    store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
    ox.serialize(triples, str(out / "catalog.ttl"), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    ox.serialize(triples, str(out / "catalog.jsonld"), format=ox.RdfFormat.JSON_LD)
    ox.serialize(describe_void(facts, settings, public), str(out / "void.ttl"), format=ox.RdfFormat.TURTLE,
                 prefixes=PREFIXES)
    return facts
