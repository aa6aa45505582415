"""A resource's description read straight from the indexes of an embedded store, without a SPARQL query:
its own triples and those of the blank nodes below it, the labels of what they link to, and one page of
the links pointing at it with their counts. `read.resources.describe` takes this path whenever the store
is in this process (`bdp serve`'s site reads and `bdp export` alike, so the two write the same bytes),
the SPARQL one for a remote store.

The order is the store's: a subject's triples as its index lists them, the blank nodes' after, in the
order they are linked; the links sorted by predicate, in the store's order within one. Labels come from
`labels`, a cache the caller keeps (a concept or an organisation is named on thousands of pages)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, MutableMapping

import pyoxigraph as ox

Node = ox.NamedNode | ox.BlankNode
DEFAULT = ox.DefaultGraph()
LABEL_PREDICATES = frozenset(("http://www.w3.org/2004/02/skos/core#prefLabel",
                              "http://www.w3.org/2000/01/rdf-schema#label", "http://purl.org/dc/terms/title"))
# Labels kept by a cache before it starts again: enough for every concept and organisation named often.
LABEL_CACHE = 50_000


def _triples(store: ox.Store, subject: Node) -> list[ox.Triple]:
    return [q.triple for q in store.quads_for_pattern(subject, None, None, DEFAULT)]


class AllLabels(dict[str, list[ox.Triple]]):
    """The label triples of every IRI in a store (`all_labels`): a cache that is never cleared, in which an
    IRI not found has no labels."""


def all_labels(store: ox.Store) -> AllLabels:
    """The label triples of every IRI that has any, each IRI's in the store's order (as `label_triples`
    reads them), in one pass over the label predicates' index rather than a read of each IRI: what a whole
    `bdp export` names (every organisation, partnership, concept, ... many times over), read once."""
    out, mixed = AllLabels(), set()
    for predicate in sorted(LABEL_PREDICATES):
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, DEFAULT):
            subject = quad.subject
            if type(subject) is not ox.NamedNode:
                continue
            found = out.get(subject.value)
            if found is None:
                out[subject.value] = [quad.triple]
            else:
                if found[-1].predicate.value != predicate:
                    mixed.add(subject.value)
                found.append(quad.triple)
    # One predicate's triples come in the store's order (the object's, as a subject's own index has them);
    # an IRI labelled by two or three predicates has them in the order of its own index: read once for each
    # combination of predicates, from one IRI that has it.
    orders: dict[tuple[str, ...], dict[str, int] | None] = {}
    for key in mixed:
        found = out[key]
        read = tuple(dict.fromkeys(t.predicate.value for t in found))
        if read not in orders:
            stored = tuple(dict.fromkeys(t.predicate.value for t in _triples(store, ox.NamedNode(key))
                                         if t.predicate.value in LABEL_PREDICATES))
            orders[read] = None if stored == read else {p: i for i, p in enumerate(stored)}
        rank = orders[read]
        if rank is not None:
            found.sort(key=lambda t: rank[t.predicate.value])
    return out


def label_triples(store: ox.Store, term: Node, labels: MutableMapping[str, list[ox.Triple]]) -> list[ox.Triple]:
    """The label triples of `term` (skos:prefLabel, rdfs:label, dct:title), in the store's order."""
    key = term.value
    found = labels.get(key) if isinstance(term, ox.NamedNode) else None
    if found is None and isinstance(labels, AllLabels) and isinstance(term, ox.NamedNode):
        return []
    if found is None:
        found = [t for t in _triples(store, term) if t.predicate.value in LABEL_PREDICATES]
        if len(labels) >= LABEL_CACHE:
            labels.clear()
        if isinstance(term, ox.NamedNode):     # blank nodes are named per store handle: not cached
            labels[key] = found
    return found


def labels_of(store: ox.Store, terms: Iterable[object], cache: MutableMapping[str, list[ox.Triple]],
              read: dict[str, list[ox.Triple]] | None = None) -> dict[str, list[ox.Triple]]:
    """IRI (or blank node id) -> label triples, for each of `terms` that has labels; `read`: the triples
    of blank nodes already read (`own`), whose labels are taken from them rather than read again."""
    named: dict[str, list[ox.Triple]] = {}
    read = read or {}
    every = isinstance(cache, AllLabels)        # (a whole export's: an IRI not in it has no labels)
    for term in terms:
        if type(term) is ox.NamedNode:
            key = term.value
            if key in named:
                continue
            found = cache.get(key)
            if found is None and not every:
                found = label_triples(store, term, cache)
        elif type(term) is ox.BlankNode:
            key = term.value
            if key in named:
                continue
            below = read.get(key)
            found = label_triples(store, term, cache) if below is None else \
                [t for t in below if t.predicate.value in LABEL_PREDICATES]
        else:
            continue
        if found:
            named[key] = found
    return named


def own(store: ox.Store, iri: Node, limit: int) -> tuple[list[ox.Triple], bool, dict[str, list[ox.Triple]]]:
    """The triples about `iri` and the blank nodes it owns, two levels down (the data never nests deeper);
    at most `limit`, whether some were left out, and each blank node's own triples as read (by id)."""
    out = _triples(store, iri)
    read: dict[str, list[ox.Triple]] = {}
    blank = [o for t in out if type(o := t.object) is ox.BlankNode]
    if blank:                                   # (most resources have none: no set to build)
        seen = set(out)
        for node in blank:
            below = read[node.value] = _triples(store, node)
            deeper: list[ox.Triple] = []
            for b in below:
                if type(o := b.object) is ox.BlankNode:
                    found = read[o.value] = _triples(store, o)
                    deeper += found
            for triple in below + deeper:
                if triple not in seen:
                    seen.add(triple)
                    out.append(triple)
    return (out[:limit], True, read) if len(out) > limit else (out, False, read)


def incoming(store: ox.Store, iri: ox.NamedNode, offset: int, size: int, most: int
             ) -> tuple[list[ox.Triple], dict[str, int], int] | None:
    """The links to `iri` from `offset` on (at most `size`; sorted by predicate, the store's order within
    one), how many links each predicate has, and how many in all; None past `most` links (a class or a
    concept linked from every practice: the caller counts and pages those in the store)."""
    links = [q.triple for q in itertools.islice(store.quads_for_pattern(None, None, iri, DEFAULT), most + 1)]
    if len(links) > most:
        return None
    counts: dict[str, int] = {}
    for t in links:
        p = t.predicate.value
        counts[p] = counts.get(p, 0) + 1
    if len(counts) > 1:
        links.sort(key=lambda t: t.predicate.value)
    return links[offset:offset + size] if offset < len(links) else [], dict(sorted(counts.items())), len(links)
