"""The site-wide HTTP rules of publisher/web/headers.py and publisher/formats.py, over a real server on
127.0.0.1: CORS preflights on every data URL (as a browser linked-data client sends them), Vary with
Accept-Language on HTML, one `*/*` rule, JSON-LD for `application/json`, N-Quads and TriG from /sparql,
and /sparql/ as the endpoint."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests

from publisher.config import load_settings
from publisher.web import create_app
from tests.conftest import LiveServer

SEED = "trzy-filary-bank-partnerow-lokalnych"
PRACTICE = "https://w3id.org/bdp/id/practice/" + SEED
# What Comunica sends from a browser (324 bytes): too long to be a CORS-safelisted Accept.
COMUNICA_ACCEPT = ("application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples"
                   ";q=0.8,text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,"
                   "image/svg+xml;q=0.3,text/xml;q=0.3,text/html;q=0.2,application/xhtml+xml;q=0.18,"
                   "application/json;q=0.135,text/shaclc;q=0.1,text/shaclc-ext;q=0.05")
DATA_URLS = (f"id/practice/{SEED}", f"doc/practice/{SEED}", "catalog", ".well-known/void", "sparql")


@pytest.fixture(scope="module")
def server(built):
    app = create_app(load_settings({"out": str(built)}, environ={}))
    with LiveServer(app) as running:
        yield running
    store = app.extensions.get("bdp_store")
    if store is not None:
        store.close()


def test_the_comunica_accept_is_as_long_as_a_browser_sends_it():
    assert len(COMUNICA_ACCEPT) == 324


@pytest.mark.parametrize("path", DATA_URLS)
def test_a_preflight_with_a_long_accept_and_if_none_match_is_allowed(server, path):
    response = requests.options(server.url + path, timeout=30, headers={
        "Origin": "http://other.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "accept,if-none-match"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"accept", "if-none-match"} <= allowed
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_the_data_comes_with_cors_and_its_validators_readable(server):
    response = requests.get(server.url + f"doc/practice/{SEED}", headers={"Accept": COMUNICA_ACCEPT,
                                                                          "Origin": "http://other.example"})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Link" in exposed
    again = requests.get(response.url, headers={"Accept": COMUNICA_ACCEPT, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["", "catalog", "sparql"])
def test_html_varies_with_accept_language(server, path):
    polish = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    english = requests.get(server.url + path, headers={"Accept": "text/html", "Accept-Language": "en"}, timeout=30)
    assert polish.status_code == english.status_code == 200
    assert polish.text != english.text                           # the reason for the header
    vary = {v.strip().lower() for v in english.headers["Vary"].split(",")}
    assert "accept-language" in vary


@pytest.mark.parametrize("path", [f"doc/practice/{SEED}", "catalog", ".well-known/void", "sparql"])
@pytest.mark.parametrize("accept", ["*/*", ""])
def test_any_type_or_none_gets_turtle_everywhere(server, path, accept):
    response = requests.get(server.url + path, headers={"Accept": accept or ""}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "text/turtle", path


def test_html_only_when_named(server):
    response = requests.get(server.url + "catalog", headers={"Accept": "text/html,*/*;q=0.8"}, timeout=30)
    assert response.headers["Content-Type"].startswith("text/html")


def test_application_json_on_a_document_is_json_ld(server):
    response = requests.get(server.url + f"doc/practice/{SEED}", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "application/ld+json"
    quads = list(ox.parse(response.content, format=ox.RdfFormat.JSON_LD))
    assert any(q.subject == ox.NamedNode(PRACTICE) for q in quads)


@pytest.mark.parametrize("media, fmt", [("application/n-quads", ox.RdfFormat.N_QUADS),
                                        ("application/trig", ox.RdfFormat.TRIG)])
@pytest.mark.parametrize("form", ["CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <%s>) }", "DESCRIBE <%s>"])
def test_construct_and_describe_as_datasets(server, media, fmt, form):
    response = requests.post(server.url + "sparql", data=(form % PRACTICE).encode(), timeout=30,
                             headers={"Content-Type": "application/sparql-query", "Accept": media})
    assert response.status_code == 200 and response.headers["Content-Type"].split(";")[0] == media
    quads = list(ox.parse(response.content, format=fmt))
    assert quads and all(q.subject == ox.NamedNode(PRACTICE) for q in quads)
    assert all(q.graph_name == ox.DefaultGraph() for q in quads)


def test_relative_iris_resolve_against_the_endpoint(server):
    for path in ("sparql", "sparql/"):
        response = requests.post(server.url + path, data=b"CONSTRUCT { <s> <p> 1 } WHERE {}", timeout=30,
                                 headers={"Content-Type": "application/sparql-query",
                                          "Accept": "application/n-triples"})
        assert response.status_code == 200, response.text
        (triple,) = [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)]
        assert triple.subject == ox.NamedNode(server.url + "s")
