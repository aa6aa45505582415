"""The links pointing at each organisation, counted by predicate for a whole store in one query, and a page
of them read from those counts: what read.quads.incoming answers for a description, without decoding
every link to count them (a big organisation has thousands: org:member from its memberships,
org:hasMember from their partnerships, bdp:implementingUnit from practices) nor asking SPARQL to count
and page those past read.resources.FIRST_LOOK. `bdp export` reads the counts with the organisations'
table (read.network_table) before its workers fork; a page then decodes only the links it shows, each
predicate's links decoded once however many pages follow (`Runs`, kept while the pages of one
document are written: recent.remembered)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES

DEFAULT = ox.DefaultGraph()
# Every organisation, with no link (?p unbound, 0) or with its links counted by predicate.
COUNTS = f"""SELECT ?o ?p (COUNT(?x) AS ?n) WHERE {{
  ?o a <{PREFIXES["org"]}Organization> OPTIONAL {{ ?x ?p ?o }}
}} GROUP BY ?o ?p"""
Counts = dict[str, tuple[tuple[str, int], ...]]


def read_counts(store: ox.Store) -> Counts:
    """Organisation IRI -> (predicate, links) sorted by predicate (as read.quads.incoming counts them);
    () for one that nothing links to. Each predicate one string."""
    found: dict[str, dict[str, int]] = {}
    predicates: dict[str, str] = {}
    solutions = store.query(COUNTS)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        organisation, predicate = row[0], row[1]
        counted = found.setdefault(organisation.value, {})
        if predicate is not None:
            p = predicate.value
            counted[predicates.setdefault(p, p)] = int(row[2].value)
    return {iri: tuple(sorted(counted.items())) for iri, counted in found.items()}


class Runs:
    """The links to one IRI, predicate by predicate: from `known` (predicate -> the linking IRIs in the
    store's order, as a table holds them: no term to decode) or decoded from the store only as far as a
    page has asked (the pages of a document come in order: each link decoded once)."""

    def __init__(self, store: ox.Store, iri: ox.NamedNode, known: dict[str, list[str]] | None = None) -> None:
        self.store, self.iri, self.known = store, iri, known or {}
        self.runs: dict[str, tuple[Iterator[Any], list[ox.Triple]]] = {}
        self.lock = threading.Lock()           # (`bdp serve` answers in threads)

    def triples(self, predicate: str, first: int, last: int) -> list[ox.Triple]:
        """The links of `predicate` from `first` to `last` (0-based, `last` excluded), in the store's order."""
        subjects = self.known.get(predicate)
        if subjects is not None:
            term, iri = ox.NamedNode(predicate), self.iri
            return [ox.Triple(ox.NamedNode(s), term, iri) for s in subjects[first:last]]
        with self.lock:
            found = self.runs.get(predicate)
            if found is None:
                quads = self.store.quads_for_pattern(None, ox.NamedNode(predicate), self.iri, DEFAULT)
                found = self.runs[predicate] = (quads, [])
            quads, read = found
            if len(read) < last:
                read += [q.triple for q in itertools.islice(quads, last - len(read))]
            return read[first:last]


def page(runs: Runs, counts: tuple[tuple[str, int], ...], offset: int, size: int
         ) -> tuple[list[ox.Triple], dict[str, int], int]:
    """What read.quads.incoming answers: the links from `offset` on (at most `size`), sorted by predicate,
    the store's order within one; the links of each predicate; how many in all."""
    out: list[ox.Triple] = []
    position, end = 0, offset + size
    for predicate, count in counts:
        first, last = max(offset, position), min(end, position + count)
        if first < last:
            out += runs.triples(predicate, first - position, last - position)
        position += count
        if position >= end:
            break
    return out, dict(counts), sum(n for _, n in counts)
