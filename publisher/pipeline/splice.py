"""The incremental build's reuse of the previous build's store: copied with hard links and patched with the
changed records' triples (the dump's reuse: members.py).

The store is a RocksDB directory whose table files (*.sst) are immutable once written: the copy links them
and copies the rest (the write-ahead log, the MANIFEST, CURRENT, OPTIONS), so it costs a few milliseconds
whatever the size, and writing to it never touches the store the server is reading. (Oxigraph's own
`Store.backup` from a read-only handle leaves out what is still only in the log.)

A record's old triples are removed through its IRIs: a triple of IRIs and literals as it is; a blank node
(an address, an identifier) is found in the store as the object of the same subject and predicate, and
removed with everything below it. Blank nodes never cross records and a record's subjects are its own
IRIs (publisher/records/convert.py), so nothing of another record goes with them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

_SKIP = {"LOCK"}
_DEFAULT = ox.DefaultGraph()


def copy_store(old: Path, new: Path) -> None:
    """`new` as a copy of the store directory `old`: table files linked, the others copied."""
    new.mkdir(parents=True)
    for path in old.iterdir():
        if path.name in _SKIP or path.name.startswith("LOG"):
            continue
        if path.suffix == ".sst":
            try:
                os.link(path, new / path.name)
                continue
            except OSError:        # another file system: copied
                pass
        shutil.copy2(path, new / path.name)


def _remove_below(store: ox.Store, node: ox.BlankNode) -> None:
    for quad in list(store.quads_for_pattern(node, None, None, _DEFAULT)):
        if isinstance(quad.object, ox.BlankNode):
            _remove_below(store, quad.object)
        store.remove(quad)


def remove_triples(store: ox.Store, text: bytes) -> None:
    """Remove from `store` the triples of a record's N-Triples `text` (from the previous dump)."""
    for triple in ox.parse(text, format=ox.RdfFormat.N_TRIPLES):
        subject, predicate, obj = triple.subject, triple.predicate, triple.object
        if not isinstance(subject, ox.NamedNode):
            continue                                     # removed with the blank node it hangs from
        if isinstance(obj, ox.BlankNode):
            for quad in list(store.quads_for_pattern(subject, predicate, None, _DEFAULT)):
                if isinstance(quad.object, ox.BlankNode):
                    _remove_below(store, quad.object)
                    store.remove(quad)
        else:
            store.remove(ox.Quad(subject, predicate, obj, _DEFAULT))


def patch_store(store: ox.Store, stale: Iterable[bytes], fresh: Iterable[bytes]) -> None:
    """The records' triples `stale` removed, `fresh` added, and the named graphs emptied: the build's
    output steps write them (the catalogue's graph) and write them again."""
    for graph in list(store.named_graphs()):
        store.remove_graph(graph)
    for text in stale:
        remove_triples(store, text)
    added = b"".join(fresh)
    if added:
        store.load(added, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
