"""Every practice's facts, read once from the loaded store for the build's tables: the CSV of practices
(publisher/build/catalog.py) and the search index (publisher/build/search_index.py).

A handful of streaming queries, each one predicate scan or one lookup per place, put together in Python:
a query with a join per practice (or an OPTIONAL per column) costs a RocksDB seek per practice and
column, which at 100k practices is what made the old per-column queries slow. Values are kept as they
are in the store (lexical forms, IRIs); each table picks and formats what it shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from publisher.namespaces import ADMS, BDP, DCTERMS, FOAF, GEO, RDFS, SKOS, VCARD, sparql_prologue

# The practice's own properties read, by the short name the tables use.
PRACTICE = {"title": DCTERMS.title, "abstract": DCTERMS.abstract, "description": DCTERMS.description,
            "issued": DCTERMS.issued, "modified": DCTERMS.modified, "unit_type": BDP.unitType,
            "subject": DCTERMS.subject, "funding": BDP.funding, "implementing_unit": BDP.implementingUnit,
            "partnership": BDP.partnership, "spatial": DCTERMS.spatial, "page": FOAF.page}
TEXTS = ("title", "abstract", "description")          # language-tagged: kept as {language: text}
PLACE = {"label": RDFS.label, "voivodeship": BDP.voivodeship, "lat": GEO.lat, "long": GEO.long,
         "population": BDP.population, "address": VCARD.hasAddress, "identifier": ADMS.identifier}
ADDRESS = {"postal_code": VCARD["postal-code"], "street": VCARD["street-address"]}

_P = sparql_prologue(("bdp", "dct", "skos", "org", "adms", "vcard"))


def _values(names: dict[str, Any]) -> str:
    return " ".join(f"<{iri}>" for iri in names.values())


Q_PRACTICES = _P + "SELECT ?p WHERE { ?p a bdp:Practice }"
Q_PROPERTIES = f"SELECT ?s ?what ?o WHERE {{ VALUES ?what {{ {_values(PRACTICE)} }} ?s ?what ?o }}"
Q_PLACES = _P + "SELECT DISTINCT ?place ?what ?o WHERE { ?p dct:spatial ?place . ?place ?what ?o }"
# Every address (a scan is cheaper than the join from the places; the tables look up the places' ones).
Q_ADDRESSES = f"SELECT ?address ?what ?o WHERE {{ VALUES ?what {{ {_values(ADDRESS)} }} ?address ?what ?o }}"
Q_IDENTIFIERS = _P + """SELECT DISTINCT ?id ?o WHERE {
  ?p dct:spatial ?place . ?place adms:identifier ?id . ?id skos:notation ?o }"""
Q_MEMBERS = _P + "SELECT ?partnership ?o WHERE { ?partnership org:hasMember ?o }"
Q_ORGANISATIONS = _P + """SELECT ?o ?what ?value WHERE {
  VALUES ?what { skos:prefLabel bdp:sector } ?o ?what ?value }"""
Q_CONCEPTS = _P + """SELECT ?concept ?scheme ?what ?value WHERE {
  ?concept skos:inScheme ?scheme . VALUES ?what { skos:prefLabel skos:notation } ?concept ?what ?value }"""


@dataclass
class Practice:
    iri: str
    key: str
    texts: dict[str, dict[str, str]] = field(default_factory=lambda: {t: {} for t in TEXTS})
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None


@dataclass
class Concept:
    scheme: str
    notation: str | None = None
    labels: dict[str, str] = field(default_factory=dict)     # language ('' for none) -> label


@dataclass
class PracticeTable:
    practices: dict[str, Practice]                  # by IRI, in IRI order
    places: dict[str, dict[str, list[str]]]         # node (IRI or blank node id) -> PLACE name -> values
    addresses: dict[str, dict[str, str]]            # address node -> ADDRESS name -> value
    identifiers: dict[str, str]                     # identifier node -> notation
    members: dict[str, list[str]]                   # partnership -> member organisations
    names: dict[str, dict[str, str]]                # organisation -> language -> skos:prefLabel
    sectors: dict[str, str]                         # organisation -> sector concept IRI
    concepts: dict[str, Concept]                    # concept IRI -> scheme, notation, labels

    def place(self, p: Practice) -> dict[str, list[str]]:
        node = p.first("spatial")
        return self.places.get(node, {}) if node else {}

    def partners(self, p: Practice) -> list[str]:
        return [o for node in p.values.get("partnership", ()) for o in self.members.get(node, ())]

    def notation(self, concept: str | None) -> str | None:
        found = self.concepts.get(concept or "")
        return found.notation if found else None

    def name(self, organisation: str, lang: str | None = "pl") -> str | None:
        """The organisation's skos:prefLabel in `lang`; with None, the Polish one, else any."""
        names = self.names.get(organisation, {})
        if lang is not None:
            return names.get(lang)
        return names.get("pl") or next(iter(names.values()), None)


def _node(term: Any) -> str:
    """The value of an IRI or a literal; `_:id` for a blank node (so that it never equals an IRI)."""
    return "_:" + term.value if type(term) is ox.BlankNode else term.value


def _rows(store: ox.Store, query: str) -> Any:
    return store.query(query)


def _names(table: dict[str, Any]) -> dict[ox.NamedNode, str]:
    """Property term -> short name: rows are matched on the terms, without making their strings."""
    return {ox.NamedNode(str(iri)): name for name, iri in table.items()}


def collect(store: ox.Store, base: str) -> PracticeTable:
    """The facts of every practice whose IRI is under `{base}id/practice/`."""
    prefix = f"{base}id/practice/"
    iris = sorted(row[0].value for row in _rows(store, Q_PRACTICES) if row[0].value.startswith(prefix))
    practices = {ox.NamedNode(iri): Practice(iri, unquote(iri[len(prefix):])) for iri in iris}
    names, texts, blank = _names(PRACTICE), frozenset(TEXTS), ox.BlankNode
    for s, what, o in _rows(store, Q_PROPERTIES):
        p = practices.get(s)
        if p is None:
            continue
        name = names[what]
        if name in texts:
            p.texts[name].setdefault(o.language or "", o.value)
        else:
            p.values[name].append("_:" + o.value if type(o) is blank else o.value)
    return PracticeTable({p.iri: p for p in practices.values()}, *_places(store), *_organisations(store),
                         _concepts(store))


def _places(store: ox.Store) -> tuple[dict, dict, dict]:
    names = _names(PLACE)
    places: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for node, what, o in _rows(store, Q_PLACES):
        name = names.get(what)
        if name is not None:
            places[_node(node)][name].append(_node(o))
    address_names = _names(ADDRESS)
    addresses: dict[str, dict[str, str]] = defaultdict(dict)
    for node, what, o in _rows(store, Q_ADDRESSES):
        addresses[_node(node)].setdefault(address_names[what], o.value)
    identifiers: dict[str, str] = {}
    for node, o in _rows(store, Q_IDENTIFIERS):
        identifiers.setdefault(_node(node), o.value)
    return places, addresses, identifiers


def _organisations(store: ox.Store) -> tuple[dict, dict, dict]:
    members: dict[str, list[str]] = defaultdict(list)
    for partnership, o in _rows(store, Q_MEMBERS):
        members[_node(partnership)].append(o.value)
    names: dict[str, dict[str, str]] = defaultdict(dict)
    sectors: dict[str, str] = {}
    label = str(SKOS.prefLabel)
    for o, what, value in _rows(store, Q_ORGANISATIONS):
        if what.value == label:
            names[o.value].setdefault(value.language or "", value.value)
        else:
            sectors.setdefault(o.value, value.value)
    return members, names, sectors


def _concepts(store: ox.Store) -> dict[str, Concept]:
    concepts: dict[str, Concept] = {}
    label = str(SKOS.prefLabel)
    for concept, scheme, what, value in _rows(store, Q_CONCEPTS):
        c = concepts.setdefault(concept.value, Concept(scheme.value))
        if what.value == label:
            c.labels.setdefault(value.language or "", value.value)
        elif c.notation is None:
            c.notation = value.value
    return concepts

