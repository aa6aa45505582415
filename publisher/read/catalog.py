"""Read models for the catalogue and VoID: the dataset's own counts, partitions and links, all over the
default graph. (The CSV of practices and the sitemaps: publisher/outputs/tables.py.)"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from publisher.namespaces import PREFIXES, sparql_prologue
from publisher.store import Store

_P = sparql_prologue()

# Full scans, each one pass in the store (no ORDER BY over every node; on a large data set a sort or a
# string test per triple costs more than the scan): distinct subjects with those under the base counted in the same pass.
SUBJECTS = """SELECT ?space (COUNT(*) AS ?subjects) (SUM(IF(isIRI(?s) && STRSTARTS(STR(?s), ?space), 1, 0)) AS ?entities)
WHERE { { SELECT DISTINCT ?s WHERE { ?s ?p ?o } } } GROUP BY ?space"""
OBJECTS = "SELECT (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }"
CLASSES = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"
PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
EXAMPLE = "SELECT ?class (MIN(?s) AS ?first) WHERE { ?s a ?class FILTER(isIRI(?s)) } GROUP BY ?class"
DATES = _P + """SELECT (COUNT(DISTINCT ?practice) AS ?practices) (MIN(?issued) AS ?first) (MAX(?modified) AS ?last)
WHERE { ?practice a bdp:Practice OPTIONAL { ?practice dct:issued ?issued } OPTIONAL { ?practice dct:modified ?modified } }"""

# Properties that link a resource to the same or a related thing elsewhere: each (property, target site)
# is one void:Linkset. Objects in a namespace of ours or of a vocabulary we use are not links out.
LINK_PROPERTIES = ("owl:sameAs", "skos:exactMatch", "skos:closeMatch", "skos:relatedMatch", "skos:broadMatch",
                   "skos:narrowMatch", "rdfs:seeAlso")
LINKS = _P + """SELECT ?base ?p ?target (COUNT(*) AS ?n) WHERE {
  VALUES ?p { $PROPERTIES }
  ?s ?p ?o FILTER(isIRI(?o) && !STRSTARTS(STR(?o), ?base))
  FILTER NOT EXISTS { VALUES ?ns { $NAMESPACES } FILTER(STRSTARTS(STR(?o), ?ns)) }
  BIND(REPLACE(STR(?o), "^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*/?).*$", "$1") AS ?target)
} GROUP BY ?base ?p ?target ORDER BY ?p ?target""".replace("$PROPERTIES", " ".join(LINK_PROPERTIES)).replace(
    "$NAMESPACES", " ".join(f'"{ns}"' for ns in PREFIXES.values()))

def _value(term: Any) -> str | None:
    return None if term is None else term.value


EXAMPLE_CLASSES = (PREFIXES["bdp"] + "Practice", PREFIXES["org"] + "Organization")


def dataset_counts(store: Store, base: str) -> dict[str, Any]:
    """Everything VoID says about the size and shape of the default graph."""
    return measure(store, base)[0]


def measure(store: Store, base: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """`dataset_counts` and the extremes behind it that an incremental build starts from
    (counts_delta.py): the earliest dct:issued and latest dct:modified as N-Triples terms, and the least
    IRI of each of EXAMPLE_CLASSES, under the base or not."""
    subjects = (store.select(SUBJECTS, bindings={"space": ox.Literal(base + "id/")}).rows or [{}])[0]
    objects = store.select(OBJECTS).rows[0]
    dates = store.select(DATES).rows[0]
    classes = [(r["class"].value, int(r["n"].value)) for r in store.select(CLASSES).rows
               if isinstance(r.get("class"), ox.NamedNode)]
    properties = [(r["p"].value, int(r["n"].value)) for r in store.select(PROPERTIES).rows]
    least = {cls: least_instance(store, cls) for cls in EXAMPLE_CLASSES}
    links = store.select(LINKS, bindings={"base": ox.Literal(base)}).rows
    counts = {
        "triples": sum(n for _, n in properties),          # every triple has one predicate
        "distinct_subjects": int(subjects["subjects"].value) if "subjects" in subjects else 0,
        "distinct_objects": int(objects["objects"].value),
        "entities": int(subjects["entities"].value) if "entities" in subjects else 0,
        "practices": int(dates["practices"].value),
        "issued": _value(dates.get("first")), "modified": _value(dates.get("last")),
        "classes": classes, "properties": properties, "vocabularies": vocabularies(classes, properties),
        "examples": examples(least, base),
        "linksets": [(r["p"].value, r["target"].value, int(r["n"].value)) for r in links],
    }
    extremes = {"issued": _term(dates.get("first")), "modified": _term(dates.get("last")), "least": least}
    return counts, extremes


def _term(term: Any) -> str | None:
    return None if term is None else str(term)


def least_instance(store: Store, cls: str) -> str | None:
    rows = store.select(EXAMPLE, bindings={"class": ox.NamedNode(cls)}).rows
    return next((r["first"].value for r in rows if "first" in r), None)


def examples(least: dict[str, str | None], base: str) -> list[str]:
    return [found for cls in EXAMPLE_CLASSES if (found := least.get(cls)) and found.startswith(base)]


def vocabularies(classes: list[tuple[str, int]], properties: list[tuple[str, int]]) -> list[str]:
    used = {iri for iri, _ in classes + properties}
    return sorted(ns for ns in PREFIXES.values() if any(i.startswith(ns) for i in used))
