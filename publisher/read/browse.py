"""Lists for people: practices by theme and by voivodeship, organisations by sector, one page at a time
with counts; and the index of the ontology and vocabularies. Lists come in the store's own order (stable
for a build): sorting tens of thousands of IRIs in oxigraph for every page would take seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from publisher.namespaces import BDPV, ONTOLOGY_IRI, sparql_prologue
from publisher.read.resources import Page, labels
from publisher.store import Store

_P = sparql_prologue(("bdp", "dct", "skos", "rdfs", "owl", "rdf"))

# facet -> (scheme, graph pattern linking a member ?x to the concept ?c)
FACETS: dict[str, tuple[str, str]] = {
    "theme": ("theme", "?x dct:subject ?c ."),
    # place first: oxigraph joins in the order written, and starting from every practice is much slower
    "voivodeship": ("voivodeship", "?place bdp:voivodeship ?c . ?x dct:spatial ?place ."),
    "sector": ("sector", "?x bdp:sector ?c ."),
}
MEMBER_KIND = {"theme": "practice", "voivodeship": "practice", "sector": "organisation"}

FACET_COUNTS = _P + "SELECT ?scheme ?c (COUNT(?x) AS ?n) WHERE {{ ?c skos:inScheme ?scheme . " \
                    "OPTIONAL {{ {pattern} }} }} GROUP BY ?scheme ?c ORDER BY ?c"
MEMBER_COUNT = _P + "SELECT ?c (COUNT(?x) AS ?n) WHERE {{ {pattern} }} GROUP BY ?c"
MEMBER_PAGE = _P + "SELECT ?c ?x WHERE {{ {pattern} }} LIMIT {limit} OFFSET {offset}"
IN_SCHEME = _P + "ASK { ?c skos:inScheme ?scheme }"

ONTOLOGY_TERMS = _P + """
SELECT ?o ?t ?type ?def WHERE {
  ?t rdfs:isDefinedBy ?o ; a ?type . FILTER(?t != ?o)
  OPTIONAL { ?t skos:definition ?def }
} ORDER BY ?type ?t"""
SCHEMES = _P + """
SELECT ?scheme ?c ?notation WHERE {
  ?scheme a skos:ConceptScheme . OPTIONAL { ?c skos:inScheme ?scheme OPTIONAL { ?c skos:notation ?notation } }
} ORDER BY ?scheme ?notation ?c"""


def concept_iri(facet: str, key: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BDPV}{FACETS[facet][0]}/{key}")


@dataclass
class Facet:
    name: str
    concepts: list[tuple[str, int]]                   # concept IRI, how many members
    labels: dict[str, list[ox.Triple]] = field(default_factory=dict)


def facets(store: Store) -> list[Facet]:
    """Every concept of the browsable schemes with its count of members (slow on a large data set, for
    the voivodeships' join: the web layer asks once per process)."""
    out = []
    for name, (scheme, pattern) in FACETS.items():
        rows = store.select(FACET_COUNTS.format(pattern=pattern),
                            bindings={"scheme": ox.NamedNode(f"{BDPV}{scheme}")}).rows
        concepts = [(r["c"].value, int(r["n"].value)) for r in rows]
        out.append(Facet(name, concepts, labels(store, [c for c, _ in concepts])))
    return out


@dataclass
class Listing:
    facet: str
    concept: str
    items: list[str]
    page: Page
    labels: dict[str, list[ox.Triple]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return MEMBER_KIND[self.facet]


def member_count(store: Store, facet: str, key: str) -> int | None:
    """How many members a concept has (None: no such concept in the facet's scheme). The voivodeship
    count joins every place of the voivodeship to its practice, slow on a large data set, so the web layer keeps the answer for the life of the process (the store does not change under it)."""
    scheme, pattern = FACETS[facet]
    concept = concept_iri(facet, key)
    if not store.ask(IN_SCHEME, bindings={"c": concept, "scheme": ox.NamedNode(f"{BDPV}{scheme}")}):
        return None
    rows = store.select(MEMBER_COUNT.format(pattern=pattern), bindings={"c": concept}).rows
    return int(rows[0]["n"].value) if rows else 0


def members(store: Store, facet: str, key: str, page: int, page_size: int, total: int) -> Listing:
    """One page of the `total` members of a concept (from `member_count`)."""
    pattern = FACETS[facet][1]
    concept = concept_iri(facet, key)
    where = Page(page, page_size, total)
    items: list[str] = []
    if where.exists and where.total:
        query = MEMBER_PAGE.format(pattern=pattern, limit=page_size, offset=where.offset)
        items = [r["x"].value for r in store.select(query, bindings={"c": concept}).rows]
    return Listing(facet, concept.value, items, where, labels(store, [*items, concept.value]))


def vocabulary_index(store: Store) -> dict[str, Any]:
    """The ontology's terms (IRI, type, definitions) and each scheme with its concepts, for /def/."""
    terms: dict[str, dict] = {}
    rows = store.select(ONTOLOGY_TERMS, bindings={"o": ox.NamedNode(ONTOLOGY_IRI)}).rows
    for r in rows:
        term = terms.setdefault(r["t"].value, {"iri": r["t"].value, "type": r["type"].value, "definition": {}})
        if "def" in r:
            term["definition"].setdefault(r["def"].language or "", r["def"].value)
    schemes: dict[str, dict] = {}
    for r in store.select(SCHEMES).rows:
        scheme = schemes.setdefault(r["scheme"].value, {"iri": r["scheme"].value, "concepts": []})
        if "c" in r and r["c"].value not in scheme["concepts"]:
            scheme["concepts"].append(r["c"].value)
    named = labels(store, [*terms, *schemes, *(c for s in schemes.values() for c in s["concepts"])])
    return {"terms": list(terms.values()), "schemes": list(schemes.values()), "labels": named}
