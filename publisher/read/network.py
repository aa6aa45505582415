"""Who an organisation worked with: its partners across all its practices (as a partner or the
implementing unit), with each partner's sector and how many practices they share. For the organisation
page's network drawing (publisher/web/charts.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from publisher.namespaces import sparql_prologue
from publisher.read.resources import labels
from publisher.store import Store

MAX_PARTNERS = 24

PARTNERS = sparql_prologue(("bdp", "org")) + """
SELECT ?org ?partner ?sector (COUNT(DISTINCT ?x) AS ?shared) WHERE {
  { ?x bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?org } UNION { ?x bdp:implementingUnit ?org }
  { ?x bdp:partnership ?ps2 . ?ps2 org:hasMembership ?m2 . ?m2 org:member ?partner }
  UNION { ?x bdp:implementingUnit ?partner }
  FILTER(?partner != ?org)
  OPTIONAL { ?partner bdp:sector ?sector }
} GROUP BY ?org ?partner ?sector ORDER BY DESC(?shared) ?partner"""


@dataclass
class Partner:
    iri: str
    sector: str            # the sector concept's IRI ('' when unknown)
    shared: int            # practices in common


@dataclass
class Network:
    centre: str
    partners: list[Partner]
    total: int             # partners in all (only the first MAX_PARTNERS are kept)
    labels: dict[str, list[ox.Triple]]


def partner_network(store: Store, organisation: str) -> Network:
    rows = store.select(PARTNERS, bindings={"org": ox.NamedNode(organisation)}, limit=100_000).rows
    seen: dict[str, Partner] = {}
    for r in rows:
        iri = r["partner"].value
        if iri not in seen:
            seen[iri] = Partner(iri, r["sector"].value if "sector" in r else "", int(r["shared"].value))
    partners = list(seen.values())
    kept = partners[:MAX_PARTNERS]
    wanted = [organisation, *(p.iri for p in kept), *{p.sector for p in kept if p.sector}]
    return Network(organisation, kept, len(partners), labels(store, wanted))
