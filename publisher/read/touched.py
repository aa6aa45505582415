"""Which documents a changed practice or organisation touches: its own, those of the nodes its record makes
(partnership, memberships, place, contact persons: up to three links out), those of what it links to (an
organisation's page lists its practices; a membership shows its organisation's name), and those linking
to it up to two links back (a practice's card names its partners), and an organisation's partners (their
pages draw it in their partner network). Used by `bdp export` after a build to
rewrite only those documents."""

from __future__ import annotations

import pyoxigraph as ox

from publisher.read.network import partners
from publisher.store import Store

NEIGHBOURS = """SELECT DISTINCT ?x ?prefix ?d WHERE {
  { ?x ?p1 ?d } UNION { ?x ?p1 ?a . ?a ?p2 ?d } UNION { ?x ?p1 ?a . ?a ?p2 ?b . ?b ?p3 ?d }
  UNION { ?d ?p1 ?x } UNION { ?d ?p1 ?a . ?a ?p2 ?x }
  FILTER(isIRI(?d) && STRSTARTS(STR(?d), ?prefix))
}"""


def neighbours(store: Store, iri: str, base: str, limit: int = 1_000_000) -> set[str]:
    """The resources under {base}id/ whose documents show something of `iri` (itself included when it
    is still in the store)."""
    result = store.select(NEIGHBOURS, bindings={"x": ox.NamedNode(iri), "prefix": ox.Literal(base + "id/")},
                          limit=limit)
    found = {row["d"].value for row in result.rows}
    found |= {partner for partner, _, _ in partners(store, iri) if partner.startswith(base + "id/")}
    if exists(store, iri):
        found.add(iri)
    return found


def exists(store: Store, iri: str) -> bool:
    return bool(store.select("SELECT ?x ?p WHERE { ?x ?p ?o } LIMIT 1", bindings={"x": ox.NamedNode(iri)},
                             limit=1).rows)
