"""Every practice's facts, gathered in one pass over the triples, for the build's tables: the CSV of
practices (practices_csv.py), the search index (search_index.py) and the sitemap (tables.py).

In the build the triples come from the N-Triples dump OUT/dumps/bdp.nt.gz, which holds exactly the store's
default graph: parsing it is cheaper than reading the same facts back out of the on-disk store (each IRI
and literal a RocksDB lookup, each join a seek), and a child process can read a file without sharing the store. `collect(store)` reads a store's default graph
through the same code (tests, benchmarks). Values are kept as they are in the RDF (lexical forms, IRIs,
`_:id` for blank nodes); each table picks and formats what it shows."""

from __future__ import annotations

import gzip
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from publisher.iris import mint
from publisher.namespaces import ADMS, BDP, DCTERMS, FOAF, GEO, ORG, RDF, RDFS, SKOS, VCARD

# The properties read, by the short name the tables use. Those in TEXTS keep their language.
PROPERTIES = {
    "title": DCTERMS.title, "abstract": DCTERMS.abstract, "description": DCTERMS.description,
    "issued": DCTERMS.issued, "modified": DCTERMS.modified, "unit_type": BDP.unitType,
    "subject": DCTERMS.subject, "funding": BDP.funding, "implementing_unit": BDP.implementingUnit,
    "partnership": BDP.partnership, "spatial": DCTERMS.spatial, "page": FOAF.page,
    "label": RDFS.label, "voivodeship": BDP.voivodeship, "lat": GEO.lat, "long": GEO.long,
    "population": BDP.population, "address": VCARD.hasAddress, "identifier": ADMS.identifier,
    "postal_code": VCARD["postal-code"], "street": VCARD["street-address"], "notation": SKOS.notation,
    "member": ORG.hasMember, "pref_label": SKOS.prefLabel, "sector": BDP.sector, "in_scheme": SKOS.inScheme,
    "type": RDF.type,
}
PROPERTIES_BY_IRI = {str(iri): name for name, iri in PROPERTIES.items()}
TEXTS = ("title", "abstract", "description", "pref_label")
# The classes whose instances have a page worth listing in the sitemap; only these rdf:type are kept.
DOCUMENT_CLASSES = (BDP.Practice, ORG.Organization, ORG.OrganizationalCollaboration)

Facts = dict[str, list[Any]]      # name -> values (for TEXTS: (language, text) pairs)


@dataclass
class Practice:
    iri: str
    key: str
    texts: dict[str, dict[str, str]]          # title / abstract / description -> language ('' none) -> text
    values: Facts

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
    practices: dict[str, Practice]             # by IRI, in IRI order
    nodes: dict[str, Facts]                    # every other subject read: places, addresses, partnerships, ...
    concepts: dict[str, Concept]               # concept IRI -> scheme, notation, labels
    documents: dict[str, str | None]           # IRI of each DOCUMENT_CLASSES instance -> latest dct:modified

    def node(self, key: str | None) -> Facts:
        return self.nodes.get(key, {}) if key else {}

    def place(self, p: Practice) -> Facts:
        return self.node(p.first("spatial"))

    def partners(self, p: Practice) -> list[str]:
        return [o for node in p.values.get("partnership", ()) for o in self.node(node).get("member", ())]

    def notation(self, concept: str | None) -> str | None:
        found = self.concepts.get(concept or "")
        return found.notation if found else None

    def name(self, organisation: str, lang: str | None = "pl") -> str | None:
        """The organisation's skos:prefLabel in `lang`; with None, the Polish one, else the first."""
        names = self.node(organisation).get("pref_label", ())
        for language, text in names:
            if language == lang or (lang is None and language == "pl"):
                return text
        return names[0][1] if names and lang is None else None


def _key(term: Any) -> str:
    """The value of an IRI or a literal; `_:id` for a blank node (so that it never equals an IRI)."""
    return "_:" + term.value if type(term) is ox.BlankNode else term.value


def new_facts() -> dict[str, Facts]:
    return defaultdict(lambda: defaultdict(list))


def recording(triples: Iterable[Any], facts: dict[str, Facts]) -> Iterator[Any]:
    """Each of `triples` (ox.Triple or ox.Quad) passed on, after its value is put in `facts` (subject ->
    name -> values) when its property is one of PROPERTIES: one pass can also write a dump."""
    names = {ox.NamedNode(str(iri)): name for name, iri in PROPERTIES.items()}
    texts, classes = frozenset(TEXTS), frozenset(ox.NamedNode(str(c)) for c in DOCUMENT_CLASSES)
    blank, literal = ox.BlankNode, ox.Literal
    for t in triples:
        name = names.get(t.predicate)
        if name is not None and (name != "type" or t.object in classes):
            s, o = t.subject, t.object
            values = facts["_:" + s.value if type(s) is blank else s.value][name]
            if name in texts:
                values.append((o.language or "", o.value) if type(o) is literal else ("", o.value))
            else:
                values.append("_:" + o.value if type(o) is blank else o.value)
        yield t


def gather(triples: Iterable[Any]) -> dict[str, Facts]:
    facts = new_facts()
    for _ in recording(triples, facts):
        pass
    return facts


def table_of(facts: dict[str, Facts], base: str) -> PracticeTable:
    prefix, practice = f"{base}id/practice/", str(BDP.Practice)
    documents = {str(c) for c in DOCUMENT_CLASSES}
    practices: dict[str, Practice] = {}
    concepts: dict[str, Concept] = {}
    pages: dict[str, str | None] = {}
    for s in sorted(facts):
        f = facts[s]
        types = f.get("type", ())
        if any(t in documents for t in types) and not s.startswith("_:"):
            pages[s] = max(f.get("modified", ()), default=None)
        if practice in types and s.startswith(prefix):
            texts: dict[str, dict[str, str]] = {name: {} for name in TEXTS[:3]}
            for name, found in texts.items():
                for lang, text in f.get(name, ()):
                    found.setdefault(lang, text)
            practices[s] = Practice(s, unquote(s[len(prefix):]), texts, f)
        if "in_scheme" in f:
            labels: dict[str, str] = {}
            for lang, text in f.get("pref_label", ()):
                labels.setdefault(lang, text)
            notations = f.get("notation")
            concepts[s] = Concept(f["in_scheme"][0], notations[0] if notations else None, labels)
    return PracticeTable(practices, facts, concepts, pages)


def collect(store: ox.Store, base: str) -> PracticeTable:
    """The table of the store's default graph."""
    return table_of(gather(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), base)


def ntriples(source: Path, block: int = 16 << 20) -> Iterator[ox.Triple]:
    """The triples of an N-Triples file (gzip when it ends in .gz), parsed block by block."""
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as f:
        while lines := f.readlines(block):
            yield from ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)


def collect_ntriples(source: Path, base: str) -> PracticeTable:
    return table_of(gather(ntriples(source)), base)


# The properties followed from a practice to the nodes its rows read (place, its address, identifier and
# voivodeship, the partnership and its members, organisations, concepts).
FOLLOW = frozenset({"spatial", "address", "identifier", "voivodeship", "partnership", "member",
                    "implementing_unit", "unit_type", "subject", "funding"})


def collect_practices(store: ox.Store, base: str, keys: Iterable[str]) -> PracticeTable:
    """The table of the practices named by `keys` only, from a store's default graph: their triples, those
    of the nodes reached through FOLLOW, and every concept (facet bits number a whole scheme). An
    incremental build patches the CSV and the search index with it instead of reading every triple."""
    default = ox.DefaultGraph()
    subjects: list[Any] = [ox.NamedNode(mint(base, "practice", key)) for key in sorted(keys)]
    subjects += sorted({q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(SKOS.inScheme)),
                                                                 None, default)}, key=str)
    facts, seen = new_facts(), set(subjects)
    while subjects:
        subject = subjects.pop(0)
        for t in recording(store.quads_for_pattern(subject, None, None, default), facts):
            if (type(t.object) is not ox.Literal and t.object not in seen
                    and PROPERTIES_BY_IRI.get(t.predicate.value) in FOLLOW):
                seen.add(t.object)
                subjects.append(t.object)
    return table_of(facts, base)
