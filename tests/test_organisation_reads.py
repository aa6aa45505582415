"""Reads made of bound steps instead of one query that Oxigraph answered by reading every membership or
every triple at 100,000 practices: an organisation's partners and practices (publisher/read/network.py,
practice_list.py) and what a change touches (publisher/read/touched.py). For every organisation and
practice of the bundled build they answer what the single query they replace answered."""

from __future__ import annotations

import pyoxigraph as ox

from publisher.namespaces import sparql_prologue
from publisher.read.network import partners, practices_of, roles
from publisher.read.practice_list import MEMBERS, ORDER_ROWS, Ordered, details, fold_rows, members
from publisher.read.touched import exists, neighbours
from publisher.store.embedded import EmbeddedStore

# The query partners() replaced (slow at 100,000 practices, the same answers).
ONE_QUERY = sparql_prologue(("bdp", "org")) + """
SELECT ?org ?partner ?sector (COUNT(DISTINCT ?x) AS ?shared) WHERE {
  { ?x bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?org } UNION { ?x bdp:implementingUnit ?org }
  { ?x bdp:partnership ?ps2 . ?ps2 org:hasMembership ?m2 . ?m2 org:member ?partner }
  UNION { ?x bdp:implementingUnit ?partner }
  FILTER(?partner != ?org)
  OPTIONAL { ?partner bdp:sector ?sector }
} GROUP BY ?org ?partner ?sector ORDER BY DESC(?shared) ?partner"""
# The query neighbours() replaced.
NEIGHBOURS = """SELECT DISTINCT ?x ?prefix ?d WHERE {
  { ?x ?p1 ?d } UNION { ?x ?p1 ?a . ?a ?p2 ?d } UNION { ?x ?p1 ?a . ?a ?p2 ?b . ?b ?p3 ?d }
  UNION { ?d ?p1 ?x } UNION { ?d ?p1 ?a . ?a ?p2 ?x }
  FILTER(isIRI(?d) && STRSTARTS(STR(?d), ?prefix))
}"""
ORGS = "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?o WHERE { ?o a org:Organization }"

def test_partners_and_practices_of_every_organisation_as_one_query_answered(built, settings):
    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        orgs = [r["o"] for r in site.select(ORGS).rows]
        assert len(orgs) > 3
        with_partners = 0
        for org in orgs:
            rows = site.select(ONE_QUERY, bindings={"org": org}).rows
            expected = [(r["partner"].value, r["sector"].value if "sector" in r else "", int(r["shared"].value))
                        for r in rows]
            assert partners(site, org.value) == expected, org
            with_partners += bool(expected)
            old = site.select(ORDER_ROWS.format(members=MEMBERS["organisation"]), bindings={"c": org}).rows
            assert members(site, "organisation", org.value).rows.keys() == {r["x"].value for r in old}
            for sort in ("newest", "title", "updated"):
                assert members(site, "organisation", org.value).order(sort, "pl") == _old_order(old, sort)
        assert with_partners > 3
    finally:
        store.close()


def _old_order(rows: list[dict], sort: str) -> list[str]:
    return Ordered(fold_rows(rows, {})).order(sort, "pl")


# The query roles() replaced (an organisation's roles now come from the rows of its network's walk).
ROLES = sparql_prologue(("bdp", "org")) + """
SELECT ?x ?org ?role WHERE {{
  VALUES ?x {{ {values} }}
  {{ ?x bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?org ; org:role ?role }}
  UNION {{ ?x bdp:implementingUnit ?org BIND(bdp:implementingUnit AS ?role) }}
}}"""


def test_roles_and_details_from_one_walk_as_their_own_queries_answered(built):
    """An organisation's roles in each of its practices (in order: the implementing unit first, as pages
    showed them) and its practices' details with the members' sectors from its network's rows. (The
    bundled data has no organisation with two roles in one practice; the order was checked on 413
    organisations of the 100k build, bench/README.)"""
    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        with_roles = 0
        for org in (r["o"] for r in site.select(ORGS).rows):
            practices = practices_of(site, org.value)
            expected: dict[str, list[ox.NamedNode]] = {}
            if practices:
                values = " ".join(f"<{i}>" for i in practices)
                for r in site.select(ROLES.format(values=values), bindings={"org": org}).rows:
                    found = expected.setdefault(r["x"].value, [])
                    if r["role"] not in found:
                        found.append(r["role"])
            assert roles(site, org.value, practices) == expected, org
            with_roles += bool(expected)
            assert details(site, practices, (), org.value) == details(site, practices), org
        assert with_roles > 3
    finally:
        store.close()


def test_an_unknown_organisation_has_no_partners(built):
    store = EmbeddedStore(built / "store")
    try:
        assert partners(store.site(), "https://w3id.org/bdp/id/organisation/nobody") == []
        assert len(members(store.site(), "organisation", "https://w3id.org/bdp/id/organisation/nobody")) == 0
    finally:
        store.close()


def test_what_a_change_touches_is_what_one_query_found(built):
    base = "https://w3id.org/bdp/"
    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        typed = "SELECT DISTINCT ?prefix ?o WHERE { ?o a ?t FILTER(STRSTARTS(STR(?o), ?prefix)) }"
        resources = [r["o"] for r in site.select(typed, bindings={"prefix": ox.Literal(base + "id/")}).rows]
        assert len(resources) > 6
        for iri in [*resources, ox.NamedNode(base + "id/practice/gone")]:
            rows = site.select(NEIGHBOURS, bindings={"x": iri, "prefix": ox.Literal(base + "id/")}).rows
            expected = {r["d"].value for r in rows}
            expected |= {p for p, _, _ in partners(site, iri.value) if p.startswith(base + "id/")}
            expected |= {iri.value} if exists(site, iri.value) else set()
            assert neighbours(site, iri.value, base) == expected, iri
            assert len(expected) > 1 or iri.value.endswith("/gone")
    finally:
        store.close()
