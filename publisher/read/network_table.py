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
of (subject, predicate) gives them, and each object's subjects in that of (predicate, object).

Most of a scan's time is the store decoding each term, which holds the GIL: given the store's directory,
a forked child scans IN_CHILD (a practice's partnerships, their memberships and members) while the parent
scans the rest, and sends them back as plain strings, then the links to each organisation counted
(read.link_counts). The objects of NODES (partnerships, memberships, places, members, roles) and every
subject walked back to are kept as IRI strings (`node` makes a term of one a page shows), each other IRI
object as one term however often it recurs: a third of the objects the table held as terms."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import sys
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES
from publisher.read.link_counts import Counts, read_counts
from publisher.store.embedded import SiteStore

DEFAULT = ox.DefaultGraph()
_BDP, _ORG, _DCT = PREFIXES["bdp"], PREFIXES["org"], PREFIXES["dct"]
Identity = tuple[int, int]


@dataclass
class NetworkTable:
    """Each predicate's subjects -> objects (`forward`, keyed by IRI) and, for those walked backwards,
    objects -> subjects (`backward`, as IRI strings), in the store's order. Objects are terms, but for the
    predicates of NODES: IRI strings."""

    forward: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    backward: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    labels: dict[str, list[ox.Triple]] | None = None     # every IRI's label triples, when given
    links: Counts | None = None       # the links to each organisation by predicate (read.link_counts)

    def objects(self, predicate: str, subject: str) -> list[Any]:
        return self.forward[predicate].get(subject, _NONE)

    def subjects(self, predicate: str, obj: str) -> list[str]:
        return self.backward[predicate].get(obj, _NONE)


_NONE: list[Any] = []
# (namespace, name, read backwards too): what read.network_quads walks
PREDICATES = ((_BDP, "partnership", True), (_ORG, "hasMembership", True), (_ORG, "member", True),
              (_ORG, "role", False), (_BDP, "implementingUnit", True), (_BDP, "sector", False),
              (_DCT, "title", False), (_DCT, "issued", False), (_DCT, "modified", False),
              (_DCT, "spatial", False), (PREFIXES["rdfs"], "label", False), (_BDP, "voivodeship", False),
              (PREFIXES["skos"], "prefLabel", False))
# Predicates whose IRI objects are kept as strings (those only walked through, and what the child sends:
# read.network_quads makes terms of a practice's members and roles when it reads them)
NODES = frozenset((_BDP + "partnership", _ORG + "hasMembership", _DCT + "spatial", _ORG + "member",
                   _ORG + "role"))
LABELS = frozenset((_DCT + "title", PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel"))
# Scanned by the child (IRIs only: what it sends the parent takes as it is): about half of the scans'
# time when the labels are given, org:role too when they are not (bench/README.md, s10-org)
IN_CHILD = (_BDP + "partnership", _ORG + "hasMembership", _ORG + "member")
LINKS = "links"             # what else the child sends: the links to each organisation, counted


TERMS = 200_000             # terms kept for the IRIs the table holds as strings (`node`)
_terms: dict[str, ox.NamedNode] = {}


def node(found: Any) -> Any:
    """A term for what the table holds: an IRI held as a string (NODES' objects) made a term, one for each
    IRI, kept for the next page that names it; a term as it is."""
    if type(found) is not str:
        return found
    term = _terms.get(found)
    if term is None:
        if len(_terms) >= TERMS:
            _terms.clear()
        term = _terms[found] = ox.NamedNode(found)
    return term


def read_table(store: ox.Store, path: Path | str | None = None,
               labels: dict[str, list[ox.Triple]] | None = None) -> NetworkTable:
    """Every triple of PREDICATES in `store`'s default graph, one scan each; with `path` (the store's
    directory) a forked child scans IN_CHILD (and org:role without `labels`) meanwhile (scanned here if
    the child fails). `labels`: every IRI's label triples in the store's order (read.quads.all_labels), which
    answer for the label predicates (LABELS), not scanned then."""
    with _collector_held():
        table, terms = NetworkTable(labels=labels), _Terms()
        predicates = [(ns + name, backwards) for ns, name, backwards in PREDICATES
                      if labels is None or ns + name not in LABELS]
        in_child = IN_CHILD if labels is not None else (*IN_CHILD, _ORG + "role")
        child = _Child.start(path, [(p, b) for p, b in predicates if p in in_child]) if path else None
        for predicate, backwards in predicates:
            if child is None or predicate not in in_child:
                _add(table, predicate, backwards,
                     store.quads_for_pattern(None, ox.NamedNode(predicate), None, DEFAULT), terms)
        if labels is not None:              # (a dict lookup a page then, as for the predicates scanned)
            _add_labels(table, labels)
        sent = child.results() if child is not None else {}
        links = sent.pop(LINKS, None)
        table.links = links[0] if links is not None else read_counts(store)
        for predicate, backwards in predicates:
            if predicate in sent:
                table.forward[predicate], backward = sent.pop(predicate)
                if backwards:
                    table.backward[predicate] = backward
            elif child is not None and predicate in in_child:
                _add(table, predicate, backwards,
                     store.quads_for_pattern(None, ox.NamedNode(predicate), None, DEFAULT), terms)
        return table


def _add_labels(table: NetworkTable, labels: dict[str, list[ox.Triple]]) -> None:
    """The label predicates' objects from every IRI's label triples (in the store's order, as a scan)."""
    forward = {predicate: table.forward.setdefault(predicate, {}) for predicate in LABELS}
    for iri, triples in labels.items():
        for t in triples:
            found = forward[t.predicate.value]
            objects = found.get(iri)
            if objects is None:
                found[iri] = [t.object]
            else:
                objects.append(t.object)


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


class _Terms:
    """One term (or string) for each IRI, however many triples it is the object of."""

    def __init__(self) -> None:
        self.nodes: dict[str, ox.NamedNode] = {}
        self.iris: dict[str, str] = {}


def _add(table: NetworkTable, predicate: str, backwards: bool, triples: Iterable[Any], terms: _Terms) -> None:
    """`predicate`'s triples (quads or triples, in the store's scan order: an object's run together)."""
    forward: dict[str, list[Any]] = {}
    backward: dict[str, list[str]] = {}
    found, iri, nodes = forward.get, terms.iris.setdefault, terms.nodes
    node = nodes.get
    as_iri = predicate in NODES
    last, run = None, _NONE
    for t in triples:
        s, o = t.subject.value, t.object
        if type(o) is ox.NamedNode:
            value = o.value
            o = iri(value, value) if as_iri else node(value) or nodes.setdefault(value, o)
        objects = found(s)
        if objects is None:
            forward[iri(s, s)] = [o]
        else:
            objects.append(o)
        if backwards:
            if o is not last:
                last, run = o, backward.setdefault(o if type(o) is str else o.value, [])
            run.append(iri(s, s))
    table.forward[predicate] = forward
    if backwards:
        table.backward[predicate] = backward


class _Child:
    """A forked process scanning some predicates of a store by its directory (a handle of its own: the
    parent's is not used across a fork), each sent back as its (forward, backward) while the parent
    scans the others; a thread here receives them as they come (the child never waits on a full pipe)."""

    def __init__(self, process: Any, receiving: Any) -> None:
        self.process = process
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._receive, args=(receiving,), daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, path: Path | str, predicates: list[tuple[str, bool]]) -> _Child | None:
        context = multiprocessing.get_context("fork")
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_scan, args=(str(path), predicates, sending), daemon=True)
        try:
            process.start()
        except OSError:
            return None
        finally:
            sending.close()
        return cls(process, receiving)

    def _receive(self, receiving: Any) -> None:
        try:
            while True:
                self.received.append(receiving.recv_bytes())
        except (EOFError, OSError):
            pass
        finally:
            receiving.close()

    def results(self) -> dict[str, tuple[Any, Any]]:
        """Predicate -> its (forward, backward) from the child, LINKS -> (the counts, None); none if it
        failed."""
        self.thread.join()
        self.process.join()
        if self.process.exitcode != 0:
            return {}
        out = {}
        while self.received:                      # (each message let go once read: less memory at peak)
            predicate, forward, backward = pickle.loads(self.received.pop(0))
            out[predicate] = (forward, backward)
        return out


def _scan(path: str, predicates: list[tuple[str, bool]], sending: Any) -> None:
    """The child: each of `predicates` (with whether it is read backwards) scanned and sent as the
    table's (forward, backward) of it, IRIs as strings, each IRI one string (pickled once). On any
    failure (a literal object among them, say) it exits with 1, quietly: the parent scans them itself."""
    gc.disable()
    try:
        store, terms = ox.Store.read_only(path), _Terms()
        for predicate, backwards in predicates:
            table = NetworkTable()
            _add(table, predicate, backwards, _iris(store.quads_for_pattern(None, ox.NamedNode(predicate), None,
                                                                           DEFAULT)), terms)
            sending.send_bytes(pickle.dumps((predicate, table.forward[predicate], table.backward.get(predicate)),
                                            pickle.HIGHEST_PROTOCOL))
        sending.send_bytes(pickle.dumps((LINKS, read_counts(store), None), pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 -- any failure here is the parent's to recover from
        sys.exit(1)
    finally:
        sending.close()


def _iris(triples: Iterable[Any]) -> Iterator[Any]:
    for t in triples:
        if type(t.object) is not ox.NamedNode:
            raise TypeError(f"not an IRI: {t.object}")
        yield t


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


_by_handle: weakref.WeakKeyDictionary[Any, NetworkTable | None] = weakref.WeakKeyDictionary()


def shared_for(site: Any) -> NetworkTable | None:
    """The table shared for a site store handle's store (`shared`), looked for once a handle; None for
    any other store (a build's own, which changes as it is written)."""
    if not isinstance(site, SiteStore):
        return None
    found = _by_handle.get(site, _by_handle)
    if found is _by_handle:
        found = _by_handle[site] = shared(site.path)
    return found  # type: ignore[return-value]


def shared(store_dir: Path | str | None) -> NetworkTable | None:
    """The table shared for the store at `store_dir`, if any."""
    if not _shared or store_dir is None:
        return None
    key = identity(store_dir)
    return _shared.get(key) if key is not None else None
