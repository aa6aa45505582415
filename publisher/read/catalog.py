"""Read models for the catalogue, VoID, the CSV of practices and the sitemap: the dataset's own counts,
partitions and links, one row per practice, the pages worth indexing. All over the default graph."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from publisher.iris import doc_iri
from publisher.namespaces import PREFIXES, sparql_prologue
from publisher.store import Store

_P = sparql_prologue()

SIZE = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"
DISTINCT = """SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }"""
ENTITIES = """SELECT ?space (COUNT(DISTINCT ?s) AS ?n)
WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?space)) } GROUP BY ?space"""
CLASSES = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"
PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
EXAMPLE = "SELECT ?s ?class WHERE { ?s a ?class FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1"
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

# Pages worth indexing: the documents of practices, organisations and partnerships.
SITEMAP = _P + """SELECT ?s (MAX(?m) AS ?modified) WHERE {
  VALUES ?class { bdp:Practice org:Organization org:OrganizationalCollaboration }
  ?s a ?class FILTER(isIRI(?s)) OPTIONAL { ?s dct:modified ?m }
} GROUP BY ?s ORDER BY ?s"""

# The CSV of practices: one row per practice; several values in one cell are joined by "; ".
CSV_COLUMNS = ("iri", "key", "title_pl", "title_en", "summary_pl", "summary_en", "description_pl",
               "description_en", "entered", "modified", "unit_type", "themes", "funding", "implementing_unit",
               "implementing_unit_name", "partners", "town", "voivodeship_teryt", "voivodeship", "place_teryt",
               "postal_code", "street", "population", "latitude", "longitude", "websites")
PRACTICES = _P + """SELECT * WHERE {
  ?iri a bdp:Practice .
  OPTIONAL { ?iri dct:title ?title_pl FILTER(LANG(?title_pl) = "pl") }
  OPTIONAL { ?iri dct:title ?title_en FILTER(LANG(?title_en) = "en") }
  OPTIONAL { ?iri dct:abstract ?summary_pl FILTER(LANG(?summary_pl) = "pl") }
  OPTIONAL { ?iri dct:abstract ?summary_en FILTER(LANG(?summary_en) = "en") }
  OPTIONAL { ?iri dct:description ?description_pl FILTER(LANG(?description_pl) = "pl") }
  OPTIONAL { ?iri dct:description ?description_en FILTER(LANG(?description_en) = "en") }
  OPTIONAL { ?iri dct:issued ?entered }
  OPTIONAL { ?iri dct:modified ?modified }
  OPTIONAL { ?iri bdp:unitType/skos:notation ?unit_type }
  OPTIONAL { ?iri bdp:implementingUnit ?implementing_unit
    OPTIONAL { ?implementing_unit skos:prefLabel ?implementing_unit_name FILTER(LANG(?implementing_unit_name) = "pl") } }
  OPTIONAL { ?iri dct:spatial ?place
    OPTIONAL { ?place rdfs:label ?town }
    OPTIONAL { ?place bdp:voivodeship ?v . ?v skos:notation ?voivodeship_teryt
      OPTIONAL { ?v skos:prefLabel ?voivodeship FILTER(LANG(?voivodeship) = "pl") } }
    OPTIONAL { ?place adms:identifier/skos:notation ?place_teryt }
    OPTIONAL { ?place bdp:population ?population }
    OPTIONAL { ?place geo:lat ?latitude }
    OPTIONAL { ?place geo:long ?longitude }
    OPTIONAL { ?place vcard:hasAddress ?address
      OPTIONAL { ?address vcard:postal-code ?postal_code } OPTIONAL { ?address vcard:street-address ?street } } }
} ORDER BY ?iri"""
MULTI = {
    "themes": "?iri a bdp:Practice ; dct:subject/skos:notation ?value",
    "funding": "?iri a bdp:Practice ; bdp:funding/skos:notation ?value",
    "websites": "?iri a bdp:Practice ; foaf:page ?value",
    "partners": """?iri a bdp:Practice ; bdp:partnership/org:hasMember ?org .
                   ?org skos:prefLabel ?value FILTER(LANG(?value) = "pl")""",
}


def _n(store: Store, query: str, name: str, **bindings: Any) -> int:
    row = store.select(query, bindings=bindings or None).rows[0]
    return int(row[name].value) if name in row else 0


def _value(term: Any) -> str | None:
    return None if term is None else term.value


def dataset_counts(store: Store, base: str) -> dict[str, Any]:
    """Everything VoID says about the size and shape of the default graph."""
    distinct = store.select(DISTINCT).rows[0]
    dates = store.select(DATES).rows[0]
    classes = [(r["class"].value, int(r["n"].value)) for r in store.select(CLASSES).rows
               if isinstance(r.get("class"), ox.NamedNode)]
    properties = [(r["p"].value, int(r["n"].value)) for r in store.select(PROPERTIES).rows]
    used = {iri for iri, _ in classes + properties}
    vocabularies = sorted(ns for ns in PREFIXES.values() if any(i.startswith(ns) for i in used))
    examples = []
    for cls in (PREFIXES["bdp"] + "Practice", PREFIXES["org"] + "Organization"):
        rows = store.select(EXAMPLE, bindings={"class": ox.NamedNode(cls)}).rows
        examples += [r["s"].value for r in rows if "s" in r and r["s"].value.startswith(base)]
    links = store.select(LINKS, bindings={"base": ox.Literal(base)}).rows
    return {
        "triples": _n(store, SIZE, "triples"),
        "distinct_subjects": int(distinct["subjects"].value), "distinct_objects": int(distinct["objects"].value),
        "entities": _n(store, ENTITIES, "n", space=ox.Literal(base + "id/")),
        "practices": int(dates["practices"].value),
        "issued": _value(dates.get("first")), "modified": _value(dates.get("last")),
        "classes": classes, "properties": properties, "vocabularies": vocabularies, "examples": examples,
        "linksets": [(r["p"].value, r["target"].value, int(r["n"].value)) for r in links],
    }


def practice_rows(store: Store, base: str) -> list[dict[str, str]]:
    """One dict per practice, keyed by CSV_COLUMNS, in IRI order."""
    rows: dict[str, dict[str, str]] = {}
    prefix = base + "id/practice/"
    for row in store.select(PRACTICES).rows:
        iri = row["iri"].value
        if iri in rows:
            continue
        values = {c: row[c].value if c in row else "" for c in CSV_COLUMNS}
        values["key"] = _key(iri, prefix)
        rows[iri] = values
    for column, pattern in MULTI.items():
        found: dict[str, set[str]] = defaultdict(set)
        for row in store.select(f"{_P}SELECT ?iri ?value WHERE {{ {pattern} }}").rows:
            found[row["iri"].value].add(row["value"].value)
        for iri, values in found.items():
            if iri in rows:
                rows[iri][column] = "; ".join(sorted(values))
    return list(rows.values())


def _key(iri: str, prefix: str) -> str:
    from urllib.parse import unquote

    return unquote(iri[len(prefix):]) if iri.startswith(prefix) else ""


def sitemap_entries(store: Store, base: str) -> list[tuple[str, str | None]]:
    """(path of the document under the public prefix, last modification date or None)."""
    entries = []
    for row in store.select(SITEMAP).rows:
        doc = doc_iri(row["s"].value, base)
        if doc is not None:
            entries.append((doc[len(base):], _value(row.get("modified"))))
    return entries
