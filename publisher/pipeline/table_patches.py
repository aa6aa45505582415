"""An incremental build's patches of the CSV of practices and the sitemaps (outputs/table_patches.py),
from `context.delta`: the rows of the practices it touched made from the new store (those practices
only, practice_table.collect_practices), the sitemap lines of the resources whose triples it took out or
put in. A part patched goes into `context.patched`, and the output step's jobs leave it alone; a previous
build whose files cannot be cut (no row lengths, another layout) leaves it to the jobs, as a full build."""

from __future__ import annotations

import time

import pyoxigraph as ox

from publisher.iris import doc_iri, mint
from publisher.namespaces import DCTERMS, RDF
from publisher.outputs import table_patches
from publisher.outputs.practice_table import DOCUMENT_CLASSES
from publisher.outputs.practices_csv import row
from publisher.outputs.sitemap import url_line
from publisher.outputs.tables import SITE_PAGES
from publisher.pipeline.context import BuildContext

CSV = "dumps/practices.csv"
_DEFAULT = ox.DefaultGraph()


def patch_csv(context: BuildContext) -> None:
    """OUT/dumps/practices.csv: the rows of the touched practices made again, of the removed ones left out."""
    delta, base = context.delta, context.settings.base_uri
    if delta is None or "csv" in context.patched:
        return
    started = time.perf_counter()
    touched = sorted(mint(base, "practice", key) for key in delta.touched)
    table = context.touched_table()
    rows: dict[str, list[str] | None] = {mint(base, "practice", key): None for kind, key in delta.removed
                                         if kind == "practice"}
    rows.update({iri: row(table, table.practices[iri]) if iri in table.practices else None for iri in touched})
    if table_patches.patch_csv(delta.previous / CSV, context.out / CSV, rows):
        context.patched.add("csv")
    context.report.stages["patch:csv"] = time.perf_counter() - started


def _subjects(*texts: bytes) -> set[str]:
    return {t.subject.value for text in texts if text
            for t in ox.parse(text, format=ox.RdfFormat.N_TRIPLES) if type(t.subject) is ox.NamedNode}


def patch_sitemaps(context: BuildContext, public: str, limit: int) -> bool:
    """The sitemaps: a document's line depends only on its own rdf:type and dct:modified triples, so the
    lines made again are those of the subjects of the triples the build took out or put in."""
    delta, base, store = context.delta, context.settings.base_uri, context.store
    if delta is None or "sitemaps" in context.patched:
        return False
    started = time.perf_counter()
    classes = [ox.NamedNode(str(c)) for c in DOCUMENT_CLASSES]
    kind, modified = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(DCTERMS.modified))
    lines: dict[str, bytes | None] = {}
    for iri in _subjects(delta.removed_nt, delta.added_nt):
        doc = doc_iri(iri, base)
        if doc is None:
            continue
        node, path = ox.NamedNode(iri), doc[len(base):]
        listed = any(ox.Quad(node, kind, c, _DEFAULT) in store for c in classes)
        latest = max((q.object.value for q in store.quads_for_pattern(node, modified, None, _DEFAULT)
                      if isinstance(q.object, ox.Literal | ox.NamedNode)), default=None)
        lines[path] = url_line(public, path, latest) if listed else None
    pages = [url_line(public, page, None) for page in SITE_PAGES]
    done = table_patches.patch_sitemaps(delta.previous, context.out, public, pages, lines, limit) is not None
    if done:
        context.patched.add("sitemaps")
    context.report.stages["patch:sitemaps"] = time.perf_counter() - started
    return done
