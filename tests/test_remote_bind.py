"""Bindings written into query text for stores that take no parameters (publisher/store/bind.py): the
VALUES block lands where the query's own group pattern starts, whatever comments, strings and IRIs say,
and gives the answers pyoxigraph's own substitutions give, on a small in-memory store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from publisher.errors import QueryError
from publisher.store.bind import query_form, term_text, with_bindings

EX = "http://example.org/"
DATA = f"""
<{EX}a> <{EX}p> "x {{ }} # y"@pl ; <{EX}n> 1 ; <{EX}q> <{EX}b> .
<{EX}b> <{EX}p> "second" ; <{EX}n> 2 ; <{EX}q> <{EX}a> .
<{EX}c> <{EX}p> "third\\nline" ; <{EX}n> 3 .
"""
A, B = ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b")

# (query, bindings): each bound variable is projected, as pyoxigraph's substitutions require.
CASES = [
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}", {"s": A}),
    (f"PREFIX select: <{EX}>\n# a comment with {{ braces }} and SELECT\nSELECT ?s ?o WHERE {{ ?s select:p ?o }}",
     {"s": B}),
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(?o != \"}} {{\") }}", {"o": ox.Literal("x { } # y", language="pl")}),
    (f"SELECT ?s ?n WHERE {{ ?s <{EX}n> ?n FILTER(?n<3) }}", {"n": ox.Literal(2)}),
    ("SELECT ?s (COUNT(*) AS ?c) WHERE { ?s ?p ?o } GROUP BY ?s", {"s": A}),
    (f"SELECT ?s ?o WHERE {{ {{ SELECT ?s ?o WHERE {{ ?s <{EX}q> ?o }} }} }}", {"s": A}),
    (f"SELECT ?s ?o WHERE {{ SELECT ?s ?o WHERE {{ ?s <{EX}q> ?o }} }}", {"o": A}),
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?x }} }}", {"o": ox.Literal("third\nline")}),
    (f"SELECT ?s WHERE {{ ?s <{EX}n> ?n FILTER EXISTS {{ ?s <{EX}q> ?s2 }} }}", {"s": B}),
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}", {"o": ox.Literal('" } ; DROP ALL ; SELECT * { "\\u0022')}),
]


@pytest.fixture(scope="module")
def store():
    s = ox.Store()
    s.load(DATA.encode(), ox.RdfFormat.TURTLE)
    return s


def rows(result) -> list:
    return sorted(tuple(sorted((v.value, str(sol[v])) for v in result.variables if sol[v] is not None))
                  for sol in result)


@pytest.mark.parametrize("query,bindings", CASES)
def test_values_block_answers_as_substitutions(store, query, bindings):
    substituted = store.query(query, substitutions={ox.Variable(k): v for k, v in bindings.items()})
    assert rows(store.query(with_bindings(query, bindings))) == rows(substituted)


def test_graph_forms_and_ask(store):
    for query in (f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ ?s <{EX}p> ?o }}",
                  f"CONSTRUCT WHERE {{ ?s <{EX}p> ?o }}", "DESCRIBE ?s", f"DESCRIBE ?s WHERE {{ ?s <{EX}n> 1 }}"):
        triples = list(store.query(with_bindings(query, {"s": A})))
        assert triples and all(t.subject == A for t in triples), query
    assert store.query(with_bindings(f"ASK {{ ?s <{EX}n> 3 }}", {"s": A})) is not None
    assert not bool(store.query(with_bindings(f"ASK {{ ?s <{EX}n> 3 }}", {"s": A})))
    assert bool(store.query(with_bindings(f"ASK WHERE {{ ?s <{EX}n> 1 }}", {"s": A})))


def test_query_form():
    assert query_form("# SELECT in a comment\nPREFIX ask: <x:>\nCONSTRUCT { ?s ?p ?o } WHERE {}") == "construct"
    assert query_form("  describe <x:y>") == "describe"
    with pytest.raises(QueryError):
        query_form("INSERT DATA { <x:a> <x:b> <x:c> }")


def test_terms_that_cannot_be_written_are_refused():
    assert term_text(ox.Literal("a\\b\"c\n", language="pl")) == '"a\\\\b\\"c\\n"@pl'
    assert term_text(ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))) == \
        '"5"^^<http://www.w3.org/2001/XMLSchema#integer>'
    for bad in (ox.BlankNode("b"), ox.Triple(A, A, A)):
        with pytest.raises(QueryError):
            term_text(bad)
    with pytest.raises(QueryError):
        with_bindings("SELECT ?s WHERE { ?s ?p ?o }", {"s } DROP ALL": A})
