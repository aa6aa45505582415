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

# The paths, each a query bound at ?x (one UNION of them all, or a two-step path into ?x, had Oxigraph
# read every triple: a minute a resource at 100,000 practices; bound walks take milliseconds).
OUT = ("SELECT DISTINCT ?x ?d WHERE { ?x ?p1 ?d }",
       "SELECT DISTINCT ?x ?d WHERE { ?x ?p1 ?a . ?a ?p2 ?d }",
       "SELECT DISTINCT ?x ?d WHERE { ?x ?p1 ?a . ?a ?p2 ?b . ?b ?p3 ?d }")
INTO = "SELECT DISTINCT ?x ?d WHERE { ?d ?p1 ?x }"


def neighbours(store: Store, iri: str, base: str, limit: int = 1_000_000) -> set[str]:
    """The resources under {base}id/ whose documents show something of `iri` (itself included when it
    is still in the store): up to three links out, up to two links back, and its partners."""
    x = ox.NamedNode(iri)
    reached: set[ox.NamedNode | ox.BlankNode] = set()
    for query in OUT:
        reached |= {r["d"] for r in store.select(query, bindings={"x": x}, limit=limit).rows}
    back = {r["d"] for r in store.select(INTO, bindings={"x": x}, limit=limit).rows}
    reached |= back
    for node in back:           # two links back: what links to what links to `iri`
        reached |= {r["d"] for r in store.select(INTO, bindings={"x": node}, limit=limit).rows}
    prefix = base + "id/"
    found = {n.value for n in reached if isinstance(n, ox.NamedNode) and n.value.startswith(prefix)}
    found |= {partner for partner, _, _ in partners(store, iri) if partner.startswith(prefix)}
    if exists(store, iri):
        found.add(iri)
    return found


def exists(store: Store, iri: str) -> bool:
    return bool(store.select("SELECT ?x ?p WHERE { ?x ?p ?o } LIMIT 1", bindings={"x": ox.NamedNode(iri)},
                             limit=1).rows)
