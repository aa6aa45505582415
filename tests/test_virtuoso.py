"""Remote mode on a second, independent SPARQL 1.1 store: OpenLink Virtuoso Open Source 7 (tests/virtuoso.py;
installed from Debian by .ci/install-virtuoso). `bdp publish` writes the bundled build into it through the
Graph Store Protocol and SPARQL Update, `bdp serve` serves from it, and the documents, redirects and
canned answers are those of the embedded store. (Why not Fuseki: see tests/virtuoso.py.)

One difference is Virtuoso's, and is allowed by name: it stores integers natively and gives every derived
integer type back as xsd:integer (dcat:byteSize "1562"^^xsd:nonNegativeInteger comes back as xsd:integer);
the comparison maps those types to xsd:integer on both sides. Pages for people are compared by status,
title and heading only: lists whose sort keys tie (two partners with the same label) and the page's
schema.org arrays come in each store's own order; their data is compared as RDF documents."""

from __future__ import annotations

import re

import pytest

from publisher.config import load_settings
from publisher.store.embedded import EmbeddedStore
from publisher.web import create_app
from tests.conftest import ROOT, LiveServer, invoke_bdp
from tests.test_remote import GRAPH, PUBLIC, _body, _get
from tests.virtuoso import virtuoso_server

BASE = "https://w3id.org/bdp/"
_DERIVED_INTEGER = re.compile(r"(XMLSchema#)(?:nonNegativeInteger|positiveInteger|nonPositiveInteger|negativeInteger"
                              r"|long|int|short|byte|unsignedLong|unsignedInt|unsignedShort|unsignedByte)>")


def _integers_as_virtuoso_keeps_them(body: object) -> object:
    """`_body(...)` with derived XSD integer types written xsd:integer (see the module's docstring)."""
    if isinstance(body, list):
        return sorted(_DERIVED_INTEGER.sub(r"\1integer>", str(item)) for item in body)
    if isinstance(body, bytes):      # a page: its title and first heading
        text = body.decode("utf-8", "replace")
        return [m.group(0) for m in re.finditer(r"<title>.*?</title>|<h1[^>]*>.*?</h1>", text, re.S)][:2]
    return body


@pytest.fixture(scope="module")
def virtuoso(built, tmp_path_factory):
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        done = invoke_bdp("publish", "--out", str(built), "--endpoint", server.query_url, "--graph-store",
                          server.graph_store_url, "--graph", GRAPH)
        assert done.returncode == 0, done.stderr
        assert "published" in done.stdout
        yield server


def _diff(one: object, two: object) -> str:
    import difflib

    lines = [x if isinstance(x, list) else str(x).splitlines() for x in (one, two)]
    lines = [[str(item) for item in x] for x in lines]
    return "\n".join(list(difflib.unified_diff(*lines, lineterm="", n=1))[:40])


def _serve(settings):
    app = create_app(settings)
    return app, LiveServer(app).__enter__()


def _paths(built) -> list[tuple[str, str]]:
    store = EmbeddedStore(built / "store")
    rows = store.select(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{BASE}id/\")) }} "
                        "ORDER BY ?s").rows
    store.close()
    paths = []
    for row in rows:
        local = row["s"].value[len(BASE + "id/"):]
        paths += [(f"/id/{local}", "text/turtle"), (f"/doc/{local}", "text/turtle"), (f"/doc/{local}", "text/html"),
                  (f"/doc/{local}.jsonld", "*/*")]
    paths += [(f"/queries/{p.stem}", "application/sparql-results+json") for p in sorted((ROOT / "queries").glob("*.rq"))]
    paths += [("/queries/organisation-partners?organisation=powiat-tczewski", "application/sparql-results+json"),
              ("/queries/partner-network?voivodeship=pomorskie", "text/turtle")]
    paths += [("/catalog", "text/turtle"), ("/", "text/html"),
              ("/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
               "application/sparql-results+json")]
    return paths


def test_publish_into_virtuoso_and_serve_the_same_as_embedded(built, virtuoso):
    embedded_app, embedded = _serve(load_settings({"out": built, "public_url": PUBLIC}, environ={}))
    remote_app, remote = _serve(load_settings({"out": built, "public_url": PUBLIC,
                                               "sparql_endpoint": virtuoso.query_url, "graph": GRAPH},
                                              environ={}))
    try:
        paths = _paths(built)
        assert len(paths) > 20
        for path, accept in paths:
            a, b = _get(embedded.url, path, accept), _get(remote.url, path, accept)
            assert (a.status_code, a.headers.get("Content-Type"), a.headers.get("Location")) == \
                (b.status_code, b.headers.get("Content-Type"), b.headers.get("Location")), (path, accept, re.findall(r"class=\"error\">(.*?)</p>", b.text, re.S))
            if path.startswith(("/doc/", "/id/")) or "?" in path:
                assert a.status_code in (200, 303), (path, accept, a.text[:200])
            same = _integers_as_virtuoso_keeps_them
            one, two = same(_body(a)), same(_body(b))
            assert one == two, (path, accept, _diff(one, two))
    finally:
        for app, server in ((embedded_app, embedded), (remote_app, remote)):
            server.__exit__(None, None, None)
            if app.extensions.get("bdp_store") is not None:
                app.extensions["bdp_store"].close()


def test_bdp_serve_reads_its_base_from_virtuoso(built, virtuoso):
    done = invoke_bdp("serve", "--out", str(built), "--sparql-endpoint", virtuoso.query_url,
                      "--get", "/doc/practice/trzy-filary-bank-partnerow-lokalnych.ttl",
                      env={"BDP_GRAPH": GRAPH})
    assert done.returncode == 0, done.stderr
    assert "Trzy Filary" in done.stdout
