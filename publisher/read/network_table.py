"""The facts behind every organisation's page, read from a whole store in one pass a predicate, for
`bdp export`, which writes the page of every organisation: each practice's partnerships, memberships,
members and roles, implementing units, titles, dates and place (its names and voivodeship), and each
organisation's sectors and names (skos:prefLabel, rdfs:label, dct:title).

read.network_quads otherwise reads them a few keys at a time, once for each page that shows them (one
practice is on the page of each of its partners), and each forked worker of the export again; a lookup
costs more than the triples it finds cost in a scan. The export reads this table once in
its parent before the workers fork, so they share it (copy-on-write; gc.freeze keeps the collector from
touching it); `bdp serve` never reads it (it would read everything at start).

The table answers as the lookups do, in the same order: a scan of a predicate lists its triples in the
store's (predicate, object, subject) index order, so each subject's objects come in the order a lookup
of (subject, predicate) gives them, and each object's subjects in that of (predicate, object)."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES

DEFAULT = ox.DefaultGraph()
_BDP, _ORG, _DCT = PREFIXES["bdp"], PREFIXES["org"], PREFIXES["dct"]
Identity = tuple[int, int]


@dataclass
class NetworkTable:
    """Each predicate's subjects -> objects (`forward`, keyed by IRI) and, for those walked backwards,
    objects -> subjects (`backward`), as terms in the store's order."""

    forward: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    backward: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    def objects(self, predicate: str, subject: str) -> list[Any]:
        return self.forward[predicate].get(subject, _NONE)

    def subjects(self, predicate: str, obj: str) -> list[Any]:
        return self.backward[predicate].get(obj, _NONE)


_NONE: list[Any] = []
# (namespace, name, read backwards too): what read.network_quads walks
PREDICATES = ((_BDP, "partnership", True), (_ORG, "hasMembership", True), (_ORG, "member", True),
              (_ORG, "role", False), (_BDP, "implementingUnit", True), (_BDP, "sector", False),
              (_DCT, "title", False), (_DCT, "issued", False), (_DCT, "modified", False),
              (_DCT, "spatial", False), (PREFIXES["rdfs"], "label", False), (_BDP, "voivodeship", False),
              (PREFIXES["skos"], "prefLabel", False))


def read_table(store: ox.Store) -> NetworkTable:
    """Every triple of PREDICATES in `store`'s default graph, one scan each."""
    with _collector_held():
        table = NetworkTable()
        for namespace, name, backwards in PREDICATES:
            predicate = namespace + name
            _add(table, predicate, backwards,
                 store.quads_for_pattern(None, ox.NamedNode(predicate), None, DEFAULT))
        return table


@contextlib.contextmanager
def _collector_held() -> Iterator[None]:
    """The collector held off: its passes over the millions of lists and terms made while reading the
    table cost a good part of the scans' time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _add(table: NetworkTable, predicate: str, backwards: bool, triples: Iterable[Any]) -> None:
    """`predicate`'s triples (quads or triples, in the store's scan order: an object's run together)."""
    forward: dict[str, list[Any]] = {}
    backward: dict[str, list[Any]] = {}
    found = forward.get
    last, run = None, _NONE
    for t in triples:
        s, o = t.subject, t.object
        objects = found(s.value)
        if objects is None:
            forward[s.value] = [o]
        else:
            objects.append(o)
        if backwards:
            if o != last:
                last, run = o, backward.setdefault(o.value, [])
            run.append(s)
    table.forward[predicate] = forward
    if backwards:
        table.backward[predicate] = backward


def identity(store_dir: Path | str) -> Identity | None:
    """Which store directory this is (its device and inode: a new build's store is a new directory)."""
    try:
        stat = os.stat(store_dir)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


_shared: dict[Identity, NetworkTable] = {}
_lock = threading.Lock()


def share(store_dir: Path, table: NetworkTable) -> Identity | None:
    """Offer `table` (read from the store at `store_dir`) to every site handle of that store opened in this
    process or a fork of it, until `unshare`."""
    found = identity(store_dir)
    if found is not None:
        with _lock:
            _shared[found] = table
    return found


def unshare(key: Identity | None) -> None:
    with _lock:
        _shared.pop(key, None)  # type: ignore[arg-type]


def shared(store_dir: Path | str | None) -> NetworkTable | None:
    """The table shared for the store at `store_dir`, if any."""
    if not _shared or store_dir is None:
        return None
    key = identity(store_dir)
    return _shared.get(key) if key is not None else None
