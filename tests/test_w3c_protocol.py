"""The W3C SPARQL 1.1 Protocol test suite (tests/fixtures/w3c-protocol, from w3c/rdf-tests) run against our
/sparql/ and against `oxigraph serve` holding the same data (the bundled build plus the suite's data1-3
graphs). The tests are read from the manifest with rdflib, not written out here: each `mf:ProtocolTest`
is one pytest case, sent to both servers as the manifest says (path, method, headers, body and its
encoding), and judged as the manifest says (status class, result kind, ASK answer).

Ours must pass every test Oxigraph passes, except those named in EXCEPTIONS with the clause of the
Protocol that allows it; an exception must still be answered as the clause says (a refusal, 4xx)."""

from __future__ import annotations

import gc
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
import requests
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection

from publisher.config import load_settings
from publisher.web import create_app
from tests.conftest import LiveServer, OxigraphServer

SUITE = Path(__file__).resolve().parent / "fixtures" / "w3c-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
STATUS_CLASSES = {HTS.StatusCode2xx: 2, HTS.StatusCode3xx: 3, HTS.StatusCode4xx: 4, HTS.StatusCode5xx: 5}
# What "boolean", "tabular" and "RDF" (mf:expectedFormat) may be sent as: the kinds the manifest names.
KINDS = {
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml"},
}
READ_ONLY = ("SPARQL 1.1 Protocol section 2 defines the query and the update operation separately and "
             "section 4 (conformance) lets a service implement the query operation alone; our Service "
             "Description says so (sd:supportedLanguage sd:SPARQL11Query only), and an update is refused "
             "with 403, changing nothing")
# Tests ours may fail where Oxigraph passes, each with the clause that allows it.
EXCEPTIONS = {name: READ_ONLY for name in (
    "update_dataset_default_graph", "update_dataset_default_graphs", "update_dataset_named_graphs",
    "update_dataset_full", "update_post_form", "update_post_direct", "update_base_uri")}


@dataclass(frozen=True)
class Exchange:
    """One ht:Request of a test and what its response must be."""

    path: str                       # the manifest's ht:absolutePath (starts with /sparql/)
    method: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]        # status classes: 2 for 2xx, ...
    kind: str | None                # mf:expectedFormat
    boolean: bool | None            # mf:expectedBoolean


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    graphs: dict[str, Path]         # ut:graphData: graph IRI -> file
    exchanges: tuple[Exchange, ...]

    @property
    def is_update(self) -> bool:
        """The first request goes to the update endpoint (where a service has two)."""
        return self.name.startswith(("update_", "bad_update"))


def _items(graph: Graph, head) -> list:
    return list(Collection(graph, head))


def read_manifest(path: Path = SUITE / "manifest.ttl") -> list[ProtocolTest]:
    g = Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in _items(g, g.value(manifest, MF.entries)):
        name = str(test).rsplit("#", 1)[-1]
        graphs = {str(g.value(d, RDFS.label)): Path(urlsplit(str(g.value(d, UT.graph))).path)
                  for d in g.objects(test, UT.graphData)}
        action = g.value(test, MF.action)
        exchanges = []
        for req in _items(g, g.value(action, HT.requests)):
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in _items(g, g.value(req, HT.headers))} if g.value(req, HT.headers) else {}
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding.lower())
            resp = g.value(req, HT.resp)
            boolean = g.value(resp, MF.expectedBoolean)
            kind = g.value(resp, MF.expectedFormat)
            exchanges.append(Exchange(str(g.value(req, HT.absolutePath)), str(g.value(req, HT.methodName)),
                                      headers, body,
                                      frozenset(STATUS_CLASSES[s] for s in g.objects(resp, MF.expectedStatus)),
                                      None if kind is None else str(kind),
                                      None if boolean is None else bool(boolean.toPython())))
        tests.append(ProtocolTest(name, graphs, tuple(exchanges)))
    return tests


TESTS = read_manifest()


def _boolean(response: requests.Response) -> bool | None:
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    if media == "application/sparql-results+json":
        return json.loads(response.content).get("boolean")
    if media == "application/sparql-results+xml":
        found = ElementTree.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if found is None else found.text.strip() == "true"
    return None


def verdict(exchange: Exchange, response: requests.Response) -> str | None:
    """None when the response is what the manifest expects, else what is wrong."""
    if response.status_code // 100 not in exchange.statuses:
        return f"status {response.status_code}, expected {sorted(exchange.statuses)}xx: {response.text[:200]}"
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    if exchange.kind is not None and media not in KINDS[exchange.kind]:
        return f"{media!r} is not {exchange.kind}"
    if exchange.boolean is not None and _boolean(response) is not exchange.boolean:
        return f"ASK answered {_boolean(response)!r}, expected {exchange.boolean}"
    return None


def run(test: ProtocolTest, query_url: str, update_url: str) -> list[tuple[requests.Response, str | None]]:
    """Send the test's requests in order (the first to `update_url` for an update test); each response with
    its verdict, up to the first that fails."""
    done = []
    for index, exchange in enumerate(test.exchanges):
        endpoint = update_url if index == 0 and test.is_update else query_url
        assert exchange.path.startswith("/sparql/")
        url = endpoint + exchange.path[len("/sparql/"):]
        response = requests.request(exchange.method, url, headers=exchange.headers, data=exchange.body,
                                    timeout=30, allow_redirects=False)
        done.append((response, verdict(exchange, response)))
        if done[-1][1] is not None:
            break
    return done


@pytest.fixture(scope="module")
def suite_out(built, tmp_path_factory) -> Path:
    """A copy of the bundled build whose store also holds the suite's graphs (data1-3, named graphs)."""
    out = tmp_path_factory.mktemp("w3c-protocol") / "out"
    shutil.copytree(built, out)
    store = ox.Store(str(out / "store"))
    for test in TESTS:
        for iri, path in test.graphs.items():
            store.load(path=str(SUITE / path.name), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    store.flush()
    del store
    gc.collect()
    return out


@pytest.fixture(scope="module")
def ours(suite_out):
    app = create_app(load_settings({"out": str(suite_out)}, environ={}))
    with LiveServer(app) as server:
        yield server.url + "sparql/"       # the manifest's own path: /sparql/
    store = app.extensions.get("bdp_store")
    if store is not None:
        store.close()


@pytest.fixture(scope="module")
def oxigraph(suite_out, tmp_path_factory):
    """`oxigraph serve` loaded with the same quads (its store is written by the update tests; those run
    after every query test that reads data, in the manifest's order)."""
    server = OxigraphServer(tmp_path_factory.mktemp("w3c-oxigraph") / "store").start()
    try:
        quads = ox.Store.read_only(str(suite_out / "store")).dump(format=ox.RdfFormat.N_QUADS)
        loaded = requests.post(server.store_url, data=quads, headers={"Content-Type": "application/n-quads"},
                               timeout=60)
        assert loaded.status_code in (200, 201, 204), loaded.text
        yield server
    finally:
        server.stop()


def test_the_manifest_is_read_whole():
    names = [t.name for t in TESTS]
    assert len(names) == len(set(names)) == 34
    assert sum(n.startswith("query_") for n in names) == 13 and sum(n.startswith("bad_") for n in names) == 14
    assert set(EXCEPTIONS) <= set(names)
    dataset = next(t for t in TESTS if t.name == "query_dataset_full")
    assert set(dataset.graphs) == {f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)}
    non_utf8 = next(t for t in TESTS if t.name == "bad_query_non_utf8").exchanges[0]
    assert non_utf8.body == "ASK {}".encode("utf-16")


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(test, ours, oxigraph):
    reference = run(test, oxigraph.query_url, oxigraph.update_url)
    reference_passes = all(v is None for _, v in reference) and len(reference) == len(test.exchanges)
    got = run(test, ours, ours)
    passes = all(v is None for _, v in got) and len(got) == len(test.exchanges)
    if test.name in EXCEPTIONS:
        first = got[0][0]
        assert first.status_code == 403 and "read-only" in first.text, (first.status_code, first.text[:200])
        description = requests.get(ours, headers={"Accept": "application/n-triples"}, timeout=30).text
        assert "SPARQL11Query" in description and "SPARQL11Update" not in description
        return
    if reference_passes:
        assert passes, f"{test.name}: Oxigraph passes, ours: {got[-1][1]}"
    else:   # a test Oxigraph fails is not binding, but ours is still asked to pass it
        assert passes, f"{test.name} (Oxigraph fails it too: {reference[-1][1]}): {got[-1][1]}"
