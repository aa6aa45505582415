"""The VoID counts of an incremental build without catalog.measure's aggregates over the whole store,
from the previous build's counts and extremes and the triples the build took out of
and put into the default graph, checked against the new store where a term may still be used elsewhere:

- triples, properties, classes, practices: counted over the triples taken out and put in (a triple of a
  blank node always goes out and comes in again: the store's blank nodes are new ones);
- distinct subjects, objects, entities: each term of those triples is looked up in the new store: used
  now, and used before (taken out with a triple, or still used by a triple the build did not put in);
- the earliest dct:issued, latest dct:modified and least IRI of the example classes: the previous one if
  it is still there, compared (by the same SPARQL aggregate) with those of the subjects changed, else
  the whole store's query (when the previous extreme itself went);
- linksets: the same LINKS query over the triples taken out and those put in.

Returns None when the new store does not hold what the difference says (the caller then measures it all)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES
from publisher.read.catalog import DATES, EXAMPLE_CLASSES, LINKS, examples, least_instance, vocabularies
from publisher.store.embedded import DirectStore

_DEFAULT = ox.DefaultGraph()
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_PRACTICE = ox.NamedNode(PREFIXES["bdp"] + "Practice")
_ISSUED, _MODIFIED = ox.NamedNode(PREFIXES["dct"] + "issued"), ox.NamedNode(PREFIXES["dct"] + "modified")
_VALUE = ox.NamedNode("urn:x-bdp:value")
Shape = tuple[Any, ox.NamedNode, Any]


def _blank(q: ox.Quad) -> bool:
    return type(q.subject) is ox.BlankNode or type(q.object) is ox.BlankNode


def _shape(q: ox.Quad) -> Shape:
    """A triple with its blank nodes left out: how a triple put in is recognised in the store."""
    return (None if type(q.subject) is ox.BlankNode else q.subject, q.predicate,
            None if type(q.object) is ox.BlankNode else q.object)


def _apply(before: Iterable[tuple[Any, int]], gone: Counter, new: Counter) -> list[tuple[Any, int]]:
    counts = Counter(dict(before))
    counts.update(new)
    counts.subtract(gone)
    return sorted((k, n) for k, n in counts.items() if n > 0)


def _term(text: str | None) -> Any:
    if text is None:
        return None
    return next(iter(ox.parse(f"<urn:x-bdp:s> <urn:x-bdp:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))).object


def _aggregate(function: str, terms: list[Any]) -> Any:
    """MIN or MAX of `terms` as the store's SPARQL orders them."""
    if not terms:
        return None
    tiny = ox.Store()
    tiny.extend(ox.Quad(ox.BlankNode(), _VALUE, t, _DEFAULT) for t in terms)
    rows = DirectStore(tiny).select(f"SELECT ({function}(?v) AS ?x) WHERE {{ ?s <{_VALUE.value}> ?v }}").rows
    return rows[0].get("x") if rows else None


def _linksets(quads: list[ox.Quad], base: str) -> Counter:
    tiny = ox.Store()
    tiny.extend(quads)
    rows = DirectStore(tiny).select(LINKS, bindings={"base": ox.Literal(base)}).rows
    return Counter({(r["p"].value, r["target"].value): int(r["n"].value) for r in rows})


class _Uses:
    """Whether a term is used in a position (0 subject, 2 object) of the new store, and was in the old one."""

    def __init__(self, store: ox.Store, gone: list[ox.Quad], new: list[ox.Quad]) -> None:
        self.store, self.added = store, Counter(_shape(q) for q in new)
        self.removed = ({q.subject for q in gone}, {q.object for q in gone})

    def _quads(self, term: Any, position: int) -> Iterable[ox.Quad]:
        if position == 0:
            return self.store.quads_for_pattern(term, None, None, _DEFAULT)
        return self.store.quads_for_pattern(None, None, term, _DEFAULT)

    def change(self, term: Any, position: int) -> int:
        """+1: used now, not before; -1: the reverse; 0: no change."""
        now, was = False, term in self.removed[position // 2]
        seen: Counter = Counter()
        for q in self._quads(term, position):
            now = True
            shape = _shape(q)
            if seen[shape] < self.added[shape]:
                seen[shape] += 1
                continue
            was = True
            break
        return int(now) - int(was)


def counts_after(store: ox.Store, base: str, before: dict[str, Any], extremes: dict[str, Any],
                 removed_nt: bytes, added_nt: bytes) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(counts, extremes) of the new `store` as catalog.measure gives them, or None (module docstring)."""
    out = {q for q in ox.parse(removed_nt, format=ox.RdfFormat.N_TRIPLES)} if removed_nt else set()
    into = {q for q in ox.parse(added_nt, format=ox.RdfFormat.N_TRIPLES)} if added_nt else set()
    gone = [q for q in out if _blank(q) or q not in into]
    new = [q for q in into if _blank(q) or q not in out]
    if any(q in store for q in gone if not _blank(q)) or not all(q in store for q in new if not _blank(q)):
        return None
    properties = _apply(before["properties"], Counter(q.predicate.value for q in gone),
                        Counter(q.predicate.value for q in new))

    def typed(quads: list[ox.Quad]) -> Counter:
        return Counter(q.object.value for q in quads if q.predicate == _TYPE and type(q.object) is ox.NamedNode)

    classes = _apply(before["classes"], typed(gone), typed(new))
    uses, space = _Uses(store, gone, new), base + "id/"
    subjects = objects = entities = 0
    for term in {q.subject for q in gone + new if type(q.subject) is not ox.BlankNode}:
        change = uses.change(term, 0)
        subjects += change
        entities += change if type(term) is ox.NamedNode and term.value.startswith(space) else 0
    for term in {q.object for q in gone + new if type(q.object) is not ox.BlankNode}:
        objects += uses.change(term, 2)
    for sign, quads in ((-1, gone), (1, new)):
        subjects += sign * len({q.subject for q in quads if type(q.subject) is ox.BlankNode})
        objects += sign * len({q.object for q in quads if type(q.object) is ox.BlankNode})
    changed = {q.subject for q in gone + new if type(q.subject) is ox.NamedNode}
    dates = _dates(store, extremes, changed)
    if dates is None:
        return None
    least = {cls: _least(store, cls, extremes["least"].get(cls), changed) for cls in EXAMPLE_CLASSES}
    links = _apply(((tuple(x[:2]), x[2]) for x in before["linksets"]), _linksets(gone, base), _linksets(new, base))
    counts = {
        "triples": sum(n for _, n in properties),
        "distinct_subjects": before["distinct_subjects"] + subjects,
        "distinct_objects": before["distinct_objects"] + objects,
        "entities": before["entities"] + entities,
        "practices": dict(classes).get(_PRACTICE.value, 0),
        "issued": dates[0].value if dates[0] is not None else None,
        "modified": dates[1].value if dates[1] is not None else None,
        "classes": classes, "properties": properties, "vocabularies": vocabularies(classes, properties),
        "examples": examples(least, base),
        "linksets": [(p, target, n) for (p, target), n in links],
    }
    return counts, {"issued": None if dates[0] is None else str(dates[0]),
                    "modified": None if dates[1] is None else str(dates[1]), "least": least}


def _dates(store: ox.Store, extremes: dict[str, Any], changed: set[ox.NamedNode]) -> tuple[Any, Any] | None:
    """The earliest dct:issued and latest dct:modified of a practice in the new store."""
    practices = [s for s in changed if ox.Quad(s, _TYPE, _PRACTICE, _DEFAULT) in store]
    found = []
    for function, predicate, key in (("MIN", _ISSUED, "issued"), ("MAX", _MODIFIED, "modified")):
        old = _term(extremes.get(key))
        if old is not None and not any(ox.Quad(q.subject, _TYPE, _PRACTICE, _DEFAULT) in store
                                       for q in store.quads_for_pattern(None, predicate, old, _DEFAULT)):
            rows = DirectStore(store).select(DATES).rows[0]      # the extreme itself went: the whole query
            return rows.get("first"), rows.get("last")
        values = [q.object for s in practices for q in store.quads_for_pattern(s, predicate, None, _DEFAULT)]
        found.append(_aggregate(function, values + ([old] if old is not None else [])))
    return found[0], found[1]


def _least(store: ox.Store, cls: str, old: str | None, changed: set[ox.NamedNode]) -> str | None:
    node = ox.NamedNode(cls)
    if old is not None and ox.Quad(ox.NamedNode(old), _TYPE, node, _DEFAULT) not in store:
        return least_instance(DirectStore(store), cls)        # the least instance went: the whole query
    found = [s for s in changed if ox.Quad(s, _TYPE, node, _DEFAULT) in store]
    least = _aggregate("MIN", found + ([ox.NamedNode(old)] if old is not None else []))
    return None if least is None else least.value
