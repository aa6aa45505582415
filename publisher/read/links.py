"""Read models for links to other registries: what a page shows under "also in" (identifiers and links to
the same thing elsewhere), which of our resources carries a code (the inbound lookup), and the local
government units and places that `bdp link wikidata` reconciles."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox

from publisher.identifiers import SCHEMES
from publisher.namespaces import PREFIXES, sparql_prologue
from publisher.read.resources import Description, Extra
from publisher.store import Store
from publisher.store.embedded import DirectStore

_P = sparql_prologue()

# Registries reached by IRI (owl:sameAs / skos:exactMatch targets): the name a page shows for each.
SITES = {"http://www.wikidata.org/entity/": "Wikidata", "https://www.wikidata.org/entity/": "Wikidata"}

# A practice shows the links of its place; anything else its own. Groups in the columns of a description's
# first look (read.resources.Extra), so that a page asks them in the same query as the rest (ALSO_IN), or
# alone (`also_in`); "same" rows carry a link (?o), "id" rows the triples of an identifier (?x).
# (Spelled out, not `?s dct:spatial? ?t`: oxigraph evaluates the zero-length path over every node, so a
# page would cost time in proportion to the whole data set.)
# And `?s ?sp ?o FILTER(?sp IN (...))`, not the path `owl:sameAs|skos:exactMatch`: Virtuoso 7's compiler fails
# on the path beside the blank-node groups (SP031).
_SAME = frozenset(PREFIXES[p] + n for p, n in (("owl", "sameAs"), ("skos", "exactMatch")))
_SPATIAL, _IDENTIFIER = PREFIXES["dct"] + "spatial", PREFIXES["adms"] + "identifier"
_TAGS = {"same": ox.Literal("same"), "id": ox.Literal("id")}


def _own_rows(_store: DirectStore, d: Description) -> list[dict] | None:
    """The ALSO_IN rows of a resource without a place (an organisation) from its description, which holds
    its triples and its blank nodes': no query. None when it cannot tell (a place, an identifier that is
    not a blank node, a description cut short)."""
    if d.truncated or d.objects(_SPATIAL):
        return None
    rows: list[dict] = []
    for t in d.triples:
        if t.subject != d.iri:
            continue
        if t.predicate.value in _SAME and isinstance(t.object, ox.NamedNode):
            rows.append({"g": _TAGS["same"], "o": t.object})
        elif t.predicate.value == _IDENTIFIER:
            if not isinstance(t.object, ox.BlankNode):
                return None
            rows += [{"g": _TAGS["id"], "x": t.object, "p": b.predicate, "o": b.object}
                     for b in d.triples if b.subject == t.object]
    return rows


ALSO_IN = Extra(groups=(
    '{ ?s ?sp ?o FILTER(?sp IN (owl:sameAs, skos:exactMatch) && isIRI(?o)) BIND("same" AS ?g) }',
    '{ ?s dct:spatial ?t . ?t ?sp ?o FILTER(?sp IN (owl:sameAs, skos:exactMatch) && isIRI(?o)) '
    'BIND("same" AS ?g) }',
    '{ ?s adms:identifier ?x . ?x ?p ?o BIND("id" AS ?g) }',
    '{ ?s dct:spatial ?t . ?t adms:identifier ?x . ?x ?p ?o BIND("id" AS ?g) }'),
    prefixes=("dct", "owl", "skos", "adms"), direct=_own_rows)
NOTATION, ID_TYPE = PREFIXES["skos"] + "notation", PREFIXES["dct"] + "type"

BY_CODE = _P + """SELECT DISTINCT ?s ?class ?code WHERE {
  ?s a ?class ; adms:identifier ?id . ?id skos:notation ?code .
} ORDER BY ?s"""

UNITS = _P + """SELECT ?s ?kind (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?teryt) (SAMPLE(?v) AS ?voivodeship) WHERE {
  { ?s a org:Organization . BIND("organisation" AS ?kind) } UNION { ?s a dct:Location . BIND("place" AS ?kind) }
  OPTIONAL { ?s adms:identifier/skos:notation ?t FILTER(DATATYPE(?t) = bdp:TERYT) }
  OPTIONAL { ?s bdp:unitType ?unit }
  FILTER(?kind = "place" || BOUND(?t) || BOUND(?unit))
  OPTIONAL { ?s skos:prefLabel|rdfs:label ?l FILTER(LANG(?l) = "pl") }
  OPTIONAL { ?s bdp:voivodeship/skos:notation ?v }
} GROUP BY ?s ?kind ORDER BY ?s"""

CLASSES = {"organisation": PREFIXES["org"] + "Organization", "place": PREFIXES["dct"] + "Location"}


@dataclass(frozen=True)
class AlsoIn:
    name: str                 # the registry: "Wikidata", "TERYT", "KRS", ... or the site's host
    code: str                 # the identifier there (Q-number, TERYT code, ...)
    url: str | None = None    # where to see it, when it has an http(s) address


def also_in(store: Store, iri: str) -> list[AlsoIn]:
    """Registries that know the resource (a practice: its place), identifiers first, in a stable order."""
    return also_in_from_rows(store.select(ALSO_IN.query(), bindings={"s": ox.NamedNode(iri)}).rows)


def also_in_from_rows(rows: list[dict]) -> list[AlsoIn]:
    """`also_in` from the rows of the ALSO_IN groups (asked alone or in a description's first look)."""
    found: set[AlsoIn] = set()
    identifiers: dict[ox.NamedNode | ox.BlankNode, dict[str, str]] = {}
    for row in rows:
        tag = row["g"].value
        if tag == "id" and row["p"].value in (NOTATION, ID_TYPE):
            identifiers.setdefault(row["x"], {}).setdefault(row["p"].value, row["o"].value)
        elif tag == "same":
            link = row["o"].value
            parts = urlsplit(link)
            if parts.scheme not in ("http", "https"):
                continue
            site = next((name for prefix, name in SITES.items() if link.startswith(prefix)), None)
            code = link.rsplit("/", 1)[-1] if site else link
            found.add(AlsoIn(site or parts.hostname or link, code, link))
    for fields in identifiers.values():
        if NOTATION in fields:
            kind = fields[ID_TYPE].rsplit("/", 1)[-1] if ID_TYPE in fields else ""
            scheme = SCHEMES.get(kind)
            found.add(AlsoIn(scheme.label if scheme else kind.upper() or "ID", fields[NOTATION]))
    order = [s.label for s in SCHEMES.values()]
    return sorted(found, key=lambda a: (a.url is not None, order.index(a.name) if a.name in order else 99,
                                        a.name, a.code))


def by_identifier(store: Store, scheme: str, code: str, type_: str, limit: int) -> tuple[list[str], bool]:
    """IRIs of our resources of `type_` ('organisation' or 'place') whose `scheme` identifier is `code`;
    and whether there were more than `limit`."""
    code_term = ox.Literal(code, datatype=ox.NamedNode(SCHEMES[scheme].datatype))
    result = store.select(BY_CODE, bindings={"code": code_term, "class": ox.NamedNode(CLASSES[type_])},
                          limit=limit)
    return [row["s"].value for row in result.rows if "s" in row], result.truncated


@dataclass(frozen=True)
class Unit:
    """A local government unit (an organisation with a unit type or a TERYT code) or a practice's place."""

    iri: str
    kind: str                 # "organisation" | "place"
    label: str
    teryt: str | None
    voivodeship: str | None   # TERYT code of the voivodeship


def local_units(store: Store) -> list[Unit]:
    """Every unit `bdp link wikidata` may link, in IRI order (no row cap: a maintenance read)."""
    units = []
    for row in store.select(UNITS).rows:
        text = {name: term.value for name, term in row.items() if isinstance(term, (ox.NamedNode, ox.Literal))}
        units.append(Unit(text["s"], text["kind"], text.get("label", ""), text.get("teryt"), text.get("voivodeship")))
    return units
