"""Fuseki, the reference SPARQL server of tests/fuseki.py, starts, takes triples through the Graph Store
Protocol and answers a SELECT over them."""

from __future__ import annotations

import requests

from tests.fuseki import fuseki_server

GRAPH = "http://example.org/graph/smoke"
TURTLE = """@prefix ex: <http://example.org/> .
ex:a ex:name "alpha" .
ex:b ex:name "beta" .
ex:c ex:name "gamma"@pl .
"""
QUERY = "SELECT ?s ?name WHERE { GRAPH <http://example.org/graph/smoke> { ?s <http://example.org/name> ?name } } ORDER BY ?s"


def test_fuseki_takes_triples_by_gsp_and_answers_a_select(tmp_path):
    with fuseki_server(tmp_path) as fuseki:
        put = requests.put(fuseki.gsp_url, params={"graph": GRAPH}, data=TURTLE.encode(),
                           headers={"Content-Type": "text/turtle; charset=utf-8"}, timeout=30)
        assert put.status_code in (200, 201, 204), put.text
        response = requests.post(fuseki.query_url, data={"query": QUERY}, timeout=30,
                                 headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.text
        rows = [(b["s"]["value"], b["name"]["value"], b["name"].get("xml:lang"))
                for b in response.json()["results"]["bindings"]]
        assert rows == [("http://example.org/a", "alpha", None), ("http://example.org/b", "beta", None),
                        ("http://example.org/c", "gamma", "pl")]
        back = requests.get(fuseki.gsp_url, params={"graph": GRAPH}, headers={"Accept": "application/n-triples"},
                            timeout=30)
        assert back.status_code == 200 and len(back.text.strip().splitlines()) == 3
