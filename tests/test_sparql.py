"""/sparql over a real HTTP server on 127.0.0.1: the SPARQL 1.1 Protocol with ordinary clients (SPARQLWrapper,
rdflib's SPARQLStore), the Service Description, the query page, read-only, row cap, size limits, errors,
CORS; and the store interface the other views use (terms, bindings, blank nodes, limits)."""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from publisher.config import load_settings
from publisher.namespaces import PREFIXES
from publisher.web import create_app

ROOT = Path(__file__).resolve().parents[1]
BDP = Namespace(PREFIXES["bdp"])
SD = Namespace(PREFIXES["sd"])
VOID = Namespace(PREFIXES["void"])
SEED = "https://w3id.org/bdp/id/practice/trzy-filary-bank-partnerow-lokalnych"
TITLE = "Trzy Filary - Bank Partnerów Lokalnych"
PROLOGUE = f"PREFIX bdp: <{PREFIXES['bdp']}>\nPREFIX dct: <{PREFIXES['dct']}>\n"
SELECT = PROLOGUE + """SELECT ?practice ?title WHERE {
  ?practice a bdp:Practice ; dct:title ?title . FILTER(lang(?title) = "pl")
}"""
CONSTRUCT = PROLOGUE + """CONSTRUCT { ?practice dct:title ?title } WHERE {
  ?practice a bdp:Practice ; dct:title ?title . FILTER(lang(?title) = "pl")
}"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# (SPARQLWrapper method, request method) for GET, POST of a form, POST of the query itself
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


def make_app(built: Path, **overrides):
    return create_app(load_settings({"out": str(built), **overrides}, environ={}))


def wrapper(server, method: str, request_method: str, fmt: str, query: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "sparql")
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setReturnFormat(fmt)
    client.setQuery(query)
    return client


def parse(data: bytes | str, rdflib_format: str) -> Graph:
    with warnings.catch_warnings():  # rdflib 7.6's JSON-LD parser warns about its own deprecated internals
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(data=data, format=rdflib_format)


def count(server) -> int:
    body = requests.get(server.url + "sparql", params={"query": COUNT}, timeout=30).json()
    return int(body["results"]["bindings"][0]["n"]["value"])


# --- ordinary clients ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method,request_method", METHODS)
def test_select_json_by_every_method(server, method, request_method):
    result = wrapper(server, method, request_method, JSON, SELECT).query().convert()
    rows = result["results"]["bindings"]
    assert [(r["practice"]["value"], r["title"]["value"], r["title"]["xml:lang"]) for r in rows] == \
        [(SEED, TITLE, "pl")]


@pytest.mark.parametrize("method,request_method", METHODS)
def test_select_xml_by_every_method(server, method, request_method):
    doc = wrapper(server, method, request_method, XML, SELECT).query().convert()
    assert [u.firstChild.data for u in doc.getElementsByTagName("uri")] == [SEED]
    assert [lit.firstChild.data for lit in doc.getElementsByTagName("literal")] == [TITLE]


@pytest.mark.parametrize("method,request_method", METHODS)
def test_select_csv_by_every_method(server, method, request_method):
    body = wrapper(server, method, request_method, CSV, SELECT).query().convert()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows == [["practice", "title"], [SEED, TITLE]]


@pytest.mark.parametrize("method,request_method", METHODS)
def test_select_tsv_by_every_method(server, method, request_method):
    body = wrapper(server, method, request_method, TSV, SELECT).query().convert()
    lines = body.decode("utf-8").rstrip("\n").split("\n")
    assert lines == ["?practice\t?title", f'<{SEED}>\t"{TITLE}"@pl']


@pytest.mark.parametrize("method,request_method", METHODS)
@pytest.mark.parametrize("fmt,rdflib_format", [(TURTLE, "turtle"), (JSONLD, "json-ld")])
def test_construct_by_every_method(server, method, request_method, fmt, rdflib_format):
    response = wrapper(server, method, request_method, fmt, CONSTRUCT).query()
    body = response.response.read()
    graph = parse(body, rdflib_format)
    assert set(graph) == {(URIRef(SEED), DCTERMS.title, Literal(TITLE, lang="pl"))}


def test_ask(server):
    assert wrapper(server, GET, URLENCODED, JSON, "ASK { ?s ?p ?o }").query().convert()["boolean"] is True


def test_rdflib_sparqlstore_reads_through_the_endpoint(server):
    graph = Graph(store=SPARQLStore(query_endpoint=server.url + "sparql", returnFormat="xml"))
    assert (URIRef(SEED), RDF.type, BDP.Practice) in graph
    titles = {str(row.title) for row in graph.query(SELECT)}
    assert titles == {TITLE}
    assert len(graph) == count(server)


# --- service description and the query page -----------------------------------------------------------

@pytest.mark.parametrize("accept,rdflib_format", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                                  ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_service_description(server, accept, rdflib_format):
    response = requests.get(server.url + "sparql", headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(accept)
    graph = parse(response.content, rdflib_format)
    endpoint = URIRef(server.url + "sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert len(set(graph.objects(endpoint, SD.resultFormat))) == 8
    triples = [int(t) for t in graph.objects(None, VOID.triples)]
    assert triples == [count(server)]


def test_description_by_format_parameter(server):
    response = requests.get(server.url + "sparql", params={"format": "ttl"}, timeout=30)
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert "sd:endpoint" in response.text


def test_query_page_works_offline(server):
    response = requests.get(server.url + "sparql", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    page = response.text
    assert '<textarea id="sparql-query" name="query"' in page
    for prefix, iri in PREFIXES.items():
        assert f"PREFIX {prefix}: &lt;{iri}&gt;" in page
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources
    for static in ("sparql.js", "sparql.css"):
        assert requests.get(server.url + "static/" + static, timeout=30).status_code == 200


def test_query_page_lists_and_runs_the_example_queries(server):
    page = requests.get(server.url + "sparql", headers={"Accept": "text/html"}, timeout=30).text
    names = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    links = re.findall(r'<a href="([^"]+)" data-example="\d+">', page)
    assert len(links) == len(names)
    for name in names:
        assert f"<code class=\"muted\">{name}</code>" in page
    for link in links:
        href = link.replace("&amp;", "&")
        response = requests.get(server.url.rstrip("/") + href, headers={"Accept": "application/sparql-results+json, "
                                                                          "text/turtle;q=0.9"}, timeout=30)
        assert response.status_code == 200, (href, response.text)


def test_result_page_links_resources_on_this_server(server):
    response = requests.get(server.url + "sparql", params={"query": SELECT}, headers={"Accept": "text/html"},
                            timeout=30)
    assert response.status_code == 200
    hrefs = re.findall(r'<td><a href="([^"]+)"', response.text)
    assert any(h.startswith(server.url) and h.endswith("practice/trzy-filary-bank-partnerow-lokalnych")
               for h in hrefs), hrefs
    assert TITLE in response.text
    downloads = re.findall(r'href="([^"]+)" type="([^"]+)" download=', response.text)
    assert {t for _, t in downloads} == {"application/sparql-results+json", "application/sparql-results+xml",
                                         "text/csv", "text/tab-separated-values"}
    for href, media_type in downloads:
        got = requests.get(server.url.rstrip("/") + href.replace("&amp;", "&"), timeout=30)
        assert got.status_code == 200 and got.headers["Content-Type"].startswith(media_type)
        assert SEED in got.text


def test_result_page_escapes_everything(server):
    query = 'SELECT ("<script>alert(1)</script>" AS ?x) ?y WHERE { BIND(<javascript:alert(2)> AS ?y) }'
    response = requests.get(server.url + "sparql", params={"query": query}, headers={"Accept": "text/html"},
                            timeout=30)
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert 'href="javascript:' not in response.text


def test_syntax_error_page_points_at_the_position(server):
    response = requests.get(server.url + "sparql", params={"query": "SELECT * WHERE {\n  ?s ?p }"},
                            headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 400
    found = re.search(r"line 2, column (\d+)", response.text)
    assert found, response.text
    assert f'data-line="2" data-column="{found.group(1)}"' in response.text


# --- protocol details -----------------------------------------------------------------------------------

def test_accept_q_values_and_format_parameter(server):
    url = server.url + "sparql"
    accept = "text/csv;q=0.5, application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.1"
    response = requests.get(url, params={"query": SELECT}, headers={"Accept": accept}, timeout=30)
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    response = requests.get(url, params={"query": SELECT, "format": "tsv"}, headers={"Accept": accept}, timeout=30)
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    response = requests.get(url, params={"query": CONSTRUCT, "format": "nt"}, timeout=30)
    assert response.text.strip() == f'<{SEED}> <{PREFIXES["dct"]}title> "{TITLE}"@pl .'
    response = requests.get(url, params={"query": SELECT}, headers={"Accept": "image/png"}, timeout=30)
    assert response.status_code == 406
    response = requests.get(url, params={"query": CONSTRUCT, "format": "csv"}, timeout=30)
    assert response.status_code == 406 and "CONSTRUCT" in response.text
    response = requests.get(url, params={"query": SELECT, "format": "png"}, timeout=30)
    assert response.status_code == 400 and "format" in response.text


def test_updates_are_refused_and_change_nothing(server):
    url = server.url + "sparql"
    before = count(server)
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    refused = [
        requests.post(url, data={"update": update}, timeout=30),
        requests.post(url, data=update.encode(), headers={"Content-Type": "application/sparql-update"}, timeout=30),
        requests.get(url, params={"update": update}, timeout=30),
        requests.post(url, data={"query": update}, timeout=30),
        requests.post(url, data={"query": "LOAD <file:///etc/hostname>"}, timeout=30),
        requests.post(url, data={"query": "DROP ALL"}, timeout=30),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert "read-only" in response.text
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert count(server) == before


def test_syntax_error_is_400_with_position_and_cors(server):
    response = requests.get(server.url + "sparql", params={"query": "SELECT ?x WHERE {\n  ?x ?y \n"},
                            headers={"Accept": "application/json", "Origin": "http://example.org"}, timeout=30)
    assert response.status_code == 400
    detail = response.json()["error"]["detail"]
    assert re.search(r"syntax error at line 3, column \d+", detail), detail
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Traceback" not in response.text


def test_cors_preflight_for_a_sparql_query_post(server):
    response = requests.options(server.url + "sparql", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept"}, timeout=30)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    answer = requests.post(server.url + "sparql", data=SELECT.encode(), timeout=30, headers={
        "Origin": "http://example.org", "Content-Type": "application/sparql-query"})
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"


def test_head_answers_like_get(server):
    response = requests.head(server.url + "sparql", params={"query": SELECT}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")


def test_other_post_bodies_are_415(server):
    response = requests.post(server.url + "sparql", data=SELECT.encode(), headers={"Content-Type": "text/plain"},
                             timeout=30)
    assert response.status_code == 415


def test_dataset_parameters_name_graphs_and_those_not_held_are_empty(server):
    """A dataset IRI is a name, never fetched: a local graph gives its triples, any other an empty graph
    (as in Oxigraph and the W3C protocol tests), never a refusal."""
    url = server.url + "sparql"
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    local = requests.get(url, params={"query": count, "default-graph-uri": "https://w3id.org/bdp/catalog"},
                         timeout=30)
    assert local.status_code == 200 and int(local.json()["results"]["bindings"][0]["n"]["value"]) > 0
    for name in ("default-graph-uri", "named-graph-uri"):
        other = requests.get(url, params={"query": count, name: "http://example.org/g"}, timeout=30)
        assert other.status_code == 200, other.text
        assert other.json()["results"]["bindings"][0]["n"]["value"] == "0"
    named = requests.get(url, params={"query": "SELECT * FROM NAMED <http://example.org/g> "
                                               "{ GRAPH ?g { ?s ?p ?o } }"}, timeout=30)
    assert named.status_code == 200 and named.json()["results"]["bindings"] == []


def test_row_cap_says_it_truncates(built, live_server):
    server = live_server(make_app(built, row_cap=3))
    url = server.url + "sparql"
    response = requests.get(url, params={"query": "SELECT * { ?s ?p ?o }"}, timeout=30)
    assert len(response.json()["results"]["bindings"]) == 3
    assert response.headers["X-BDP-Truncated"] == "true"
    response = requests.get(url, params={"query": "SELECT * { ?s ?p ?o } LIMIT 3"}, timeout=30)
    assert len(response.json()["results"]["bindings"]) == 3
    assert "X-BDP-Truncated" not in response.headers
    response = requests.get(url, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"}, timeout=30)
    assert len(response.text.strip().split("\n")) == 3 and response.headers["X-BDP-Truncated"] == "true"
    for fmt, lines in (("csv", 4), ("tsv", 4)):
        response = requests.get(url, params={"query": "SELECT * { ?s ?p ?o }", "format": fmt}, timeout=30)
        assert len(response.text.strip().splitlines()) == lines
    page = requests.get(url, params={"query": "SELECT * { ?s ?p ?o }"}, headers={"Accept": "text/html"},
                        timeout=30)
    assert "<!-- X-BDP-Truncated: true" in page.text
    assert page.text.count("<tr><td>") == 3


def test_request_size_limit(built, live_server):
    server = live_server(make_app(built, max_request_bytes=2000))
    url = server.url + "sparql"
    big = SELECT + "\n#" + "x" * 3000
    assert requests.get(url, params={"query": big}, timeout=30).status_code == 413
    assert requests.post(url, data={"query": big}, timeout=30).status_code == 413
    assert requests.post(url, data=big.encode(), headers={"Content-Type": "application/sparql-query"},
                         timeout=30).status_code == 413
    assert requests.post(url, data={"query": SELECT}, timeout=30).status_code == 200


# --- the store interface the other views use -------------------------------------------------------------

def test_store_interface_terms_bindings_and_blank_nodes(app):
    with app.app_context():
        from publisher.web import current_store

        store = current_store()
        result = store.select(SELECT)
        assert result.rows == [{"practice": ox.NamedNode(SEED), "title": ox.Literal(TITLE, language="pl")}]
        bound = store.select(PROLOGUE + "SELECT ?p ?title WHERE { ?p dct:title ?title }",
                             bindings={"p": ox.NamedNode(SEED)})
        assert ox.Literal(TITLE, language="pl") in [r["title"] for r in bound.rows]
        # a blank node from one answer names the same node in the next query
        node = store.select("SELECT ?b WHERE { ?s ?p ?b FILTER(isBlank(?b)) } LIMIT 1").rows[0]["b"]
        assert isinstance(node, ox.BlankNode)
        assert store.select("SELECT ?b ?p ?o WHERE { ?b ?p ?o }", bindings={"b": node}).rows
        graph = store.construct(CONSTRUCT)
        assert graph.triples == [ox.Triple(ox.NamedNode(SEED), ox.NamedNode(PREFIXES["dct"] + "title"),
                                           ox.Literal(TITLE, language="pl"))]
        assert store.ask("ASK { ?s ?p ?o }") is True
        capped = store.select("SELECT * { ?s ?p ?o }", limit=2)
        assert len(capped.rows) == 2 and capped.truncated
