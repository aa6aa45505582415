"""An organisation's practices and everyone in them, read straight from the indexes of a store in this
process (as read.quads reads a description): the same rows, in the same order, as the SPARQL queries of
read.network and read.practice_list give, with no query to parse and plan. An organisation's page asked
four of them (its practices, their members, their titles and dates, their places); these are index
lookups of a few keys each.

The order is the one Oxigraph's evaluation of those queries gives, pattern after pattern in the order
written, each pattern's matches in its index's order (tests/test_network_quads.py compares the two).

An index lookup costs about as much as reading ten triples, and one practice is on the pages of each of its
members: what a practice holds (its members and roles, titles, dates, place) and an organisation's sector
and names are kept per store (a read-only snapshot of one build) up to FACTS entries, then started again, so
`bdp export` reads each practice about once per worker instead of once per member. `bdp export` reads
them all before that, in one scan a predicate shared by its workers (read.network_table): a store with a
table shared takes its facts from there."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from functools import partial
from typing import Any, TypeVar

import pyoxigraph as ox

from publisher.namespaces import PREFIXES
from publisher.read import link_counts
from publisher.read.network_table import NetworkTable, node, shared_for
from publisher.read.recent import remembered
from publisher.store.embedded import DirectStore, SiteStore

DEFAULT = ox.DefaultGraph()
_BDP, _ORG, _DCT = PREFIXES["bdp"], PREFIXES["org"], PREFIXES["dct"]
MEMBER, HAS_MEMBERSHIP, ROLE = (ox.NamedNode(_ORG + n) for n in ("member", "hasMembership", "role"))
PARTNERSHIP, IMPLEMENTING_UNIT, SECTOR, VOIVODESHIP = (
    ox.NamedNode(_BDP + n) for n in ("partnership", "implementingUnit", "sector", "voivodeship"))
TITLE, ISSUED, MODIFIED, SPATIAL = (ox.NamedNode(_DCT + n) for n in ("title", "issued", "modified", "spatial"))
LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
VIA_MEMBERSHIP, VIA_UNIT = ox.Literal("m"), ox.Literal("u")
LABELS = tuple(ox.NamedNode(i) for i in ("http://www.w3.org/2004/02/skos/core#prefLabel", PREFIXES["rdfs"] + "label",
                                         _DCT + "title"))
FACTS = 400_000             # facts kept a store (a practice's: three; an organisation's: two)
T = TypeVar("T")
_facts: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()         # `bdp serve` answers in threads: one table a store


def _kept(site: DirectStore, read: Callable[[ox.Store, Any], T], term: Any) -> T:
    """`read(store, term)`, kept for `site` (the store handle the facts were read from: they live as long
    as it), or from the table shared for its store. Only a site handle's: a read-only snapshot of one
    finished build (a build's own store changes)."""
    if not isinstance(site, SiteStore):
        return read(site.oxigraph, term)
    table = shared_for(site)
    if table is not None and read.__name__ in _TABLED:
        tabled = _TABLED[read.__name__](table, term)
        if tabled is not None:                  # (None: not for the table to say, looked up below)
            return tabled
    facts = _facts.get(site)
    if facts is None:
        with _lock:
            facts = _facts.setdefault(site, {})
    key = (read.__name__, term.value if isinstance(term, ox.NamedNode) else term)
    found = facts.get(key, _facts)
    if found is _facts:
        if len(facts) >= FACTS:
            facts.clear()
        found = facts[key] = read(site.oxigraph, term)
    return found


def _subjects(store: ox.Store, predicate: ox.NamedNode, obj: ox.NamedNode) -> Iterator[ox.NamedNode]:
    return (q.subject for q in store.quads_for_pattern(None, predicate, obj, DEFAULT))  # type: ignore[misc]


def _objects(store: ox.Store, subject: Any, predicate: ox.NamedNode) -> list:
    return [q.object for q in store.quads_for_pattern(subject, predicate, None, DEFAULT)]


def practices_of(site: DirectStore, organisation: str) -> list[str]:
    """read.network.PRACTICES: the practices of `organisation`'s memberships, then those it was the
    implementing unit of, each once."""
    table = shared_for(site)
    if table is not None:
        return _practices_in_table(table, organisation)
    store = site.oxigraph
    org = ox.NamedNode(organisation)
    found: dict[str, None] = {}
    for m in _subjects(store, MEMBER, org):
        for ps in _subjects(store, HAS_MEMBERSHIP, m):
            for x in _subjects(store, PARTNERSHIP, ps):
                found[x.value] = None
    for x in _subjects(store, IMPLEMENTING_UNIT, org):
        found[x.value] = None
    return list(found)


def links_to(site: DirectStore, iri: ox.NamedNode, offset: int, size: int
             ) -> tuple[list[ox.Triple], dict[str, int], int] | None:
    """read.quads.incoming's answer for an organisation (a page of the links to it, the links of each
    predicate, how many in all) from the counts the shared table holds (read.link_counts): the page's
    links decoded, not every link to count them. None when no table holds `iri`'s counts."""
    table = shared_for(site)
    counts = table.links.get(iri.value) if table is not None and table.links is not None else None
    if table is None or counts is None:
        return None
    known = {p: table.subjects(p, iri.value) for p in table.backward}     # (no term to decode for these)
    runs = remembered(site, ("links", iri.value), lambda: link_counts.Runs(site.oxigraph, iri, known))
    return link_counts.page(runs, counts, offset, size)


def _members(store: ox.Store, x: ox.NamedNode) -> tuple[list[tuple[Any, Any]], list[Any]]:
    """A practice's (member, role or None) of each membership, and its implementing units."""
    rows: list[tuple[Any, Any]] = []
    for ps in _objects(store, x, PARTNERSHIP):
        for m in _objects(store, ps, HAS_MEMBERSHIP):
            roles = _objects(store, m, ROLE) or [None]
            rows += [(partner, role) for partner in _objects(store, m, MEMBER) for role in roles]
    return rows, _objects(store, x, IMPLEMENTING_UNIT)


def members_of(site: DirectStore, practices: list[str]
               ) -> tuple[list[tuple[str, list[tuple[Any, Any]], list[Any]]], Callable[[Any], list]]:
    """What people()'s rows hold, not yet spread into rows: each practice's (IRI, (member, role or None)
    of each membership, implementing units), and the reader of an organisation's sectors."""
    table = shared_for(site)
    if table is not None:                    # (the table's reads called straight: one call a fact less)
        members: Callable[[Any], Any] = partial(_members_in_table, table)
        sectors: Callable[[Any], list] = partial(_sectors_in_table, table)
    else:
        members, sectors = partial(_kept, site, _members), partial(_kept, site, _sectors)
    return [(iri, *members(ox.NamedNode(iri))) for iri in practices], sectors


def people(site: DirectStore, practices: list[str]) -> list[dict]:
    """read.network.PEOPLE's rows for `practices`: each practice's members (with their role) and its
    implementing unit, each with its sector."""
    out: list[dict] = []
    found, sectors_of = members_of(site, practices)
    for iri, members, units in found:
        x = ox.NamedNode(iri)
        for partner, role in members:
            row = {"x": x, "via": VIA_MEMBERSHIP, "partner": partner}
            if role is not None:
                row["role"] = role
            sectors = sectors_of(partner)
            out.extend([{**row, "sector": s} for s in sectors] if sectors else [row])
        for partner in units:
            row = {"x": x, "via": VIA_UNIT, "partner": partner}
            sectors = sectors_of(partner)
            out.extend([{**row, "sector": s} for s in sectors] if sectors else [row])
    return out


def _sectors(store: ox.Store, organisation: ox.NamedNode) -> list:
    return _objects(store, organisation, SECTOR)


def _dated(store: ox.Store, x: ox.NamedNode) -> tuple[list, list, list]:
    return _objects(store, x, TITLE), _objects(store, x, ISSUED), _objects(store, x, MODIFIED)


def dated_rows(site: DirectStore, practices: list[str]) -> dict[str, tuple[dict[str, str], str, str]]:
    """What read.practice_list.fold_rows makes of ROWS_OF's rows (each practice's titles, dates of entry
    and of change), made straight from the facts: each practice's first title in each language, its last
    date of entry and of change ('' if none)."""
    out: dict[str, tuple[dict[str, str], str, str]] = {}
    table = shared_for(site)
    if table is not None:           # (the table's dicts asked straight: every practice of a big organisation)
        title, entered, changed = (table.forward[p] for p in (_TITLE, _ISSUED, _MODIFIED))
        dated = [(iri, (title.get(iri, ()), entered.get(iri, ()), changed.get(iri, ()))) for iri in practices]
    else:
        dated = [(iri, _kept(site, _dated, ox.NamedNode(iri))) for iri in practices]
    for iri, (titles, issued, modified) in dated:
        named: dict[str, str] = {}
        for title in titles:
            named.setdefault(title.language or "", title.value)
        out[iri] = (named, issued[-1].value if issued else "", modified[-1].value if modified else "")
    return out


def _placed(store: ox.Store, x: ox.NamedNode) -> tuple[list, list]:
    places = _objects(store, x, SPATIAL)
    return ([o for p in places for o in _objects(store, p, LABEL)],
            [o for p in places for o in _objects(store, p, VOIVODESHIP)])


def details_plain(site: DirectStore, practices: list[str]) -> list[dict]:
    """read.practice_list.DETAILS_PLAIN's rows: titles, date of entry, the place's names and voivodeship."""
    out: list[dict] = []
    table = shared_for(site)
    for iri in practices:
        x = ox.NamedNode(iri)
        if table is not None:       # (the table's reads called straight, as members_of does)
            (titles, issued, _), (towns, voivodeships) = _dated_in_table(table, x), _placed_in_table(table, x)
        else:
            titles, issued, _ = _kept(site, _dated, x)
            towns, voivodeships = _kept(site, _placed, x)
        out += [{"x": x, "title": o} for o in titles]
        out += [{"x": x, "issued": o} for o in issued]
        out += [{"x": x, "town": o} for o in towns]
        out += [{"x": x, "voivodeship": o} for o in voivodeships]
    return out


def labels(site: DirectStore, iris: list[str]) -> dict[str, list[ox.Triple]]:
    """read.resources.labels: the label triples of each of `iris` that has any, in the store's order."""
    out: dict[str, list[ox.Triple]] = {}
    for iri in iris:
        found = _kept(site, _label_triples, iri)
        if found:
            out[iri] = found
    return out


def _label_triples(store: ox.Store, iri: str) -> list[ox.Triple]:
    wanted = frozenset(LABELS)
    return [q.triple for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, DEFAULT)
            if q.predicate in wanted]


# The same reads from a table (read.network_table): the same terms in the same order.
_PARTNERSHIP, _HAS_MEMBERSHIP, _MEMBER, _ROLE, _UNIT, _SECTOR, _TITLE, _ISSUED, _MODIFIED = (
    p.value for p in (PARTNERSHIP, HAS_MEMBERSHIP, MEMBER, ROLE, IMPLEMENTING_UNIT, SECTOR, TITLE, ISSUED, MODIFIED))
_SPATIAL, _LABEL, _VOIVODESHIP = SPATIAL.value, LABEL.value, VOIVODESHIP.value


def _practices_in_table(table: NetworkTable, organisation: str) -> list[str]:
    found: dict[str, None] = {}
    for m in table.subjects(_MEMBER, organisation):
        for ps in table.subjects(_HAS_MEMBERSHIP, m):
            for x in table.subjects(_PARTNERSHIP, ps):
                found[x] = None
    for x in table.subjects(_UNIT, organisation):
        found[x] = None
    return list(found)


def _members_in_table(table: NetworkTable, x: ox.NamedNode) -> tuple[list[tuple[Any, Any]], list[Any]]:
    rows: list[tuple[Any, Any]] = []
    for ps in table.objects(_PARTNERSHIP, x.value):    # (partnerships, memberships, members, roles: IRIs)
        for m in table.objects(_HAS_MEMBERSHIP, ps):
            roles = [node(r) for r in table.objects(_ROLE, m)] or [None]
            rows += [(node(partner), role) for partner in table.objects(_MEMBER, m) for role in roles]
    return rows, table.objects(_UNIT, x.value)


def _sectors_in_table(table: NetworkTable, organisation: ox.NamedNode) -> list:
    return table.objects(_SECTOR, organisation.value)


def _dated_in_table(table: NetworkTable, x: ox.NamedNode) -> tuple[list, list, list]:
    return table.objects(_TITLE, x.value), table.objects(_ISSUED, x.value), table.objects(_MODIFIED, x.value)


def _placed_in_table(table: NetworkTable, x: ox.NamedNode) -> tuple[list, list]:
    places = table.objects(_SPATIAL, x.value)                 # (IRIs)
    return ([o for p in places for o in table.objects(_LABEL, p)],
            [o for p in places for o in table.objects(_VOIVODESHIP, p)])


def _label_triples_in_table(table: NetworkTable, iri: str) -> list[ox.Triple] | None:
    """An IRI's label triples; None when it has labels by more than one predicate (their order is the
    store's order of the predicates' encodings, which only the store knows: looked up then), unless the
    table holds every IRI's labels in the store's order (read.quads.all_labels)."""
    if table.labels is not None:
        return table.labels.get(iri, [])
    found = [(p, objects) for p, objects in ((p, table.objects(p.value, iri)) for p in LABELS) if objects]
    if len(found) != 1:
        return [] if not found else None
    predicate, objects = found[0]
    node = ox.NamedNode(iri)
    return [ox.Triple(node, predicate, o) for o in objects]


_TABLED: dict[str, Callable[[NetworkTable, Any], Any]] = {
    "_members": _members_in_table, "_sectors": _sectors_in_table, "_dated": _dated_in_table,
    "_placed": _placed_in_table, "_label_triples": _label_triples_in_table}
