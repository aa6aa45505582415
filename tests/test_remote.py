"""The remote backend against a real `oxigraph serve`: `bdp publish` into it, the store interface and the
whole web app in remote mode answer as the embedded store does, the store going away gives 503 and the
server recovers, and two stateless server processes share one store."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from conftest import ROOT, OxigraphServer, free_port, invoke_bdp, tree_digest, wait_for_port

from publisher.config import load_settings
from publisher.errors import QueryError, StoreUnavailable
from publisher.pipeline.publish import Endpoints
from publisher.pipeline.publish import publish as run_publish
from publisher.store.embedded import EmbeddedStore
from publisher.store.remote import CURRENT, RemoteStore
from publisher.web import create_app

GRAPH = "https://w3id.org/bdp/graph/data"
CATALOG = "https://w3id.org/bdp/catalog"
PUBLIC = "http://bdp.test/"
PRACTICE = ox.NamedNode("https://w3id.org/bdp/id/practice/trzy-filary-bank-partnerow-lokalnych")
DCT = "http://purl.org/dc/terms/"
TITLE = ox.Literal("Trzy Filary - Bank Partnerów Lokalnych", language="pl")

# (query, bindings): every form, with and without bindings, aggregates, sub-selects, filters.
QUERIES: list[tuple[str, dict | None]] = [
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", None),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", None),
    ("SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) ?type", None),
    ("SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s", {"s": PRACTICE}),
    (f"SELECT ?s ?t WHERE {{ ?s <{DCT}title> ?t }}", {"t": TITLE}),
    (f"SELECT ?s ?t WHERE {{ {{ SELECT ?s ?t WHERE {{ ?s <{DCT}title> ?t }} }} }}", {"s": PRACTICE}),
    (f"SELECT ?s ?o WHERE {{ ?s <{DCT}issued> ?o FILTER(?o > \"2000-01-01\"^^<http://www.w3.org/2001/"
     "XMLSchema#date>) }", {"s": PRACTICE}),
    (f"SELECT ?s ?t WHERE {{ ?s <{DCT}title> ?t }}",
     {"t": ox.Literal('x" } ; DROP ALL ; SELECT * { "\n\\u0022 # ', language="pl")}),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", None),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": PRACTICE}),
    (f"CONSTRUCT WHERE {{ ?s <{DCT}title> ?t }}", {"s": PRACTICE}),
    ("DESCRIBE ?s", {"s": PRACTICE}),
    (f"DESCRIBE <{PRACTICE.value}>", None),
    ("ASK { ?s ?p ?o }", {"s": PRACTICE}),
    ("ASK { ?s ?p ?o }", {"s": ox.NamedNode("https://w3id.org/bdp/id/practice/none")}),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", None),
    ("SELECT ?s WHERE { ?s ?p }", None),
]


def canonical(result) -> object:
    """A result with blank-node labels made comparable (each store names them its own way)."""
    if isinstance(result, Exception):
        return type(result).__name__
    if hasattr(result, "triples"):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in result.triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return sorted(str(q) for q in dataset), result.truncated
    if hasattr(result, "rows"):
        def cell(term):
            return "_:b" if isinstance(term, ox.BlankNode) else str(term)
        rows = sorted(tuple(sorted((k, cell(v)) for k, v in row.items())) for row in result.rows)
        return result.variables, rows, result.truncated
    return result


def answer(store, query: str, **kw) -> object:
    try:
        return canonical(store.query(query, **kw))
    except (QueryError, StoreUnavailable) as exc:
        return canonical(exc)


def publish(built: Path, server, graph: str | None = GRAPH, out: Path | None = None):
    args = ["publish", "--out", str(out or built), "--endpoint", server.query_url]
    return invoke_bdp(*args, *(["--graph", graph] if graph else []))


def remote_settings(built: Path, server, graph: str | None = GRAPH, **more):
    return load_settings({"out": built, "sparql_endpoint": server.query_url, "graph": graph or "",
                          "public_url": PUBLIC, **more}, environ={})


@pytest.fixture
def published(built, oxigraph_server):
    """A store of its own, published through the real command line: for tests that change or stop it."""
    server = oxigraph_server()
    result = publish(built, server)
    assert result.returncode == 0, result.stderr
    return server


@pytest.fixture(scope="module")
def shared(built, tmp_path_factory):
    """One store for the tests that only read, published in-process."""
    server = OxigraphServer(tmp_path_factory.mktemp("shared-oxigraph")).start()
    try:
        report = run_publish(built, Endpoints.from_urls(server.query_url), GRAPH)
        assert report.triples > 0
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stores(built, shared):
    """The embedded and the remote store over the same data, for the tests that only query them: one pair
    for the module (an embedded store starts its query worker processes on its first query)."""
    embedded = EmbeddedStore(built / "store")
    remote = RemoteStore(remote_settings(built, shared))
    yield embedded, remote
    remote.close()
    embedded.close()


# --- bdp publish ------------------------------------------------------------------------------------

def _graphs(server) -> dict[str, int]:
    """Every named graph of the store with its number of triples."""
    direct = RemoteStore(load_settings({"sparql_endpoint": server.query_url}, environ={}))
    rows = direct.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
    direct.close()
    return {r["g"].value: int(r["n"].value) for r in rows}


def test_publish_into_a_version_graph_named_by_a_pointer(built, published):
    embedded = EmbeddedStore(built / "store")
    expected = int(embedded.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value)
    catalogue = int(embedded.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CATALOG}> {{ ?s ?p ?o }} }}")
                    .rows[0]["n"].value)
    graphs = _graphs(published)
    versions = [g for g in graphs if g.startswith(GRAPH + "-")]
    # the data in one version graph, the pointer alone in GRAPH, the catalogue beside them; nothing else
    assert len(versions) == 1 and graphs[versions[0]] == expected
    assert graphs == {GRAPH: 1, versions[0]: expected, CATALOG: catalogue}
    direct = RemoteStore(load_settings({"sparql_endpoint": published.query_url}, environ={}))
    assert direct.ask(f"ASK {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <{CURRENT}> <{versions[0]}> }} }}")
    assert not direct.ask("ASK { ?s ?p ?o }")                  # nothing in the default graph
    for _ in range(2):                                         # the version replaced is kept, older dropped
        report = run_publish(built, Endpoints.from_urls(published.query_url), GRAPH)
    graphs = _graphs(published)
    assert sorted(g for g in graphs if g.startswith(GRAPH + "-"))[-1] == report.version
    assert len([g for g in graphs if g.startswith(GRAPH + "-")]) == 2 and graphs[GRAPH] == 1


def test_publish_into_the_default_graph_twice(built, oxigraph_server):
    server = oxigraph_server()
    for _ in range(2):
        result = publish(built, server, graph=None)
        assert result.returncode == 0, result.stderr
        assert "published" in result.stdout and "the default graph" in result.stdout
    embedded, remote = EmbeddedStore(built / "store"), RemoteStore(remote_settings(built, server, None))
    for query in ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                  "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        assert answer(remote, query) == answer(embedded, query)    # no staging graph is left


def test_a_failed_upload_leaves_the_old_data_serving(built, published, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(built, broken, ignore=shutil.ignore_patterns("store"))
    with gzip.open(broken / "dumps" / "bdp.nt.gz", "wb") as f:
        f.write(b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\nthis is not RDF\n")
    before = _graphs(published)
    result = publish(built, published, out=broken)
    assert result.returncode == 1
    assert "error: upload: the SPARQL store answered HTTP 400" in result.stderr
    assert published.url not in result.stderr and "Traceback" not in result.stderr
    assert _graphs(published) == before                       # no new graph left behind
    remote = RemoteStore(remote_settings(built, published))
    assert remote.ask("ASK { ?s ?p ?o }", bindings={"s": PRACTICE})


def test_readers_see_the_old_or_the_new_dataset_never_a_mix(built, published, tmp_path):
    bigger = tmp_path / "bigger"
    shutil.copytree(built, bigger, ignore=shutil.ignore_patterns("store"))
    with gzip.open(built / "dumps" / "bdp.nt.gz", "rb") as f:
        original = f.read()
    extra = "".join(f"<https://w3id.org/bdp/id/x/{i}> <{DCT}title> \"x{i}\" .\n" for i in range(5000))
    with gzip.open(bigger / "dumps" / "bdp.nt.gz", "wb") as f:
        f.write(original + extra.encode())
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def current() -> int:
        remote = RemoteStore(remote_settings(built, published))   # a fresh server's view: no cache
        try:
            return int(remote.select(count).rows[0]["n"].value)
        finally:
            remote.close()

    old = current()
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(current())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        run_publish(bigger, Endpoints.from_urls(published.query_url), GRAPH)
    finally:
        done.set()
        reader.join(30)
    assert seen <= {old, old + 5000} and old in seen
    assert current() == old + 5000


def test_publish_errors_are_one_line(built, tmp_path):
    from click.testing import CliRunner

    from publisher.cli import main

    port = free_port()
    down = invoke_bdp("publish", "--out", str(built), "--endpoint", f"http://127.0.0.1:{port}/query")
    assert down.returncode == 1 and "cannot be reached" in down.stderr and str(port) not in down.stderr
    assert "Traceback" not in down.stderr
    runner = CliRunner()
    missing = runner.invoke(main, ["publish", "--out", str(tmp_path), "--endpoint",
                                   f"http://127.0.0.1:{port}/query"])
    assert missing.exit_code == 1 and "build.json is missing" in missing.output
    bad = runner.invoke(main, ["publish", "--out", str(built), "--endpoint", "not-a-url"])
    assert bad.exit_code == 2 and "--endpoint" in bad.output
    no_gsp = runner.invoke(main, ["publish", "--out", str(built), "--endpoint", f"http://127.0.0.1:{port}/sparql"])
    assert no_gsp.exit_code == 2 and "--graph-store" in no_gsp.output
    bad_graph = runner.invoke(main, ["publish", "--out", str(built), "--endpoint", f"http://127.0.0.1:{port}/query",
                                     "--graph", "not an iri"])
    assert bad_graph.exit_code == 2 and "--graph" in bad_graph.output
    for result in (missing, bad, no_gsp, bad_graph):
        assert result.exception is None or isinstance(result.exception, SystemExit)


# --- the store interface: remote equals embedded ---------------------------------------------------

@pytest.mark.parametrize("query,bindings", QUERIES)
def test_remote_answers_as_embedded(stores, query, bindings):
    embedded, remote = stores
    assert answer(remote, query, bindings=bindings) == answer(embedded, query, bindings=bindings)


def test_row_cap_and_truncation(stores):
    embedded, remote = stores
    for query in ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"):
        result = remote.query(query, limit=5)
        assert result.truncated and len(getattr(result, "rows", getattr(result, "triples", []))) == 5
    assert not remote.query("ASK { ?s ?p ?o }", limit=5).truncated


def test_bindings_are_terms_never_text(stores):
    _, remote = stores
    with pytest.raises(QueryError):
        remote.select("SELECT ?x WHERE { ?x ?p ?o }", bindings={"x": ox.BlankNode("b")})
    with pytest.raises(QueryError):
        remote.select("SELECT ?x WHERE { ?x ?p ?o }", bindings={"x } DROP ALL": PRACTICE})
    assert remote.ask("ASK { ?s ?p ?o }", bindings={"s": PRACTICE})   # the data is all there


# Values for the canned queries' parameters (by name), as a user would type them.
SAMPLES = {"organisation": "powiat-tczewski", "voivodeship": "pomorskie", "theme": "uslugi-spoleczne",
           "sector": "ngo", "funding": "efs", "minSectors": "1", "since": "2000-01-01", "text": "Tczew"}


def test_canned_queries_answer_the_same(built, stores):
    """Every canned query (queries/*.rq, issue 5) through its own catalogue and parameter binding: with
    its defaults and with every parameter given, the same answer (or the same error) in both modes."""
    queries = pytest.importorskip("publisher.read.canned")
    embedded, remote = stores
    settings = load_settings({"out": built}, environ={})
    catalogue = queries.load_catalogue()
    assert catalogue
    for name, query in catalogue.items():
        required = {p.name: SAMPLES[p.name] for p in query.params if p.required}
        every = {p.name: SAMPLES[p.name] for p in query.params}
        for values in (required, every):
            outcomes = []
            for store in (embedded, remote):
                try:
                    outcomes.append(canonical(queries.run(query, values, store, settings)[0]))
                except (QueryError, StoreUnavailable) as exc:
                    outcomes.append(canonical(exc))
            assert outcomes[0] == outcomes[1], (name, values)
            assert not isinstance(outcomes[0], str), (name, values, outcomes[0])


def test_remote_store_down_is_unavailable(built, oxigraph_server):
    server = oxigraph_server()
    server.stop()
    remote = RemoteStore(remote_settings(built, server))
    with pytest.raises(StoreUnavailable) as info:
        remote.ask("ASK { ?s ?p ?o }")
    assert server.url not in str(info.value) and str(server.port) not in str(info.value)


# --- the web app in remote mode ----------------------------------------------------------------------

HTML, TTL, JSON = "text/html", "text/turtle", "application/sparql-results+json"
# Pages of the other parts of the publisher, asked of both modes when their blueprint is there.
PAGES = [("/", HTML), ("/browse", HTML), ("/search?q=Tczew", HTML), ("/search?q=Tczew", "application/json"),
         ("/geojson", "application/geo+json"), ("/catalog", TTL), ("/catalog", HTML), ("/.well-known/void", TTL),
         ("/queries", HTML), ("/queries", "application/json"), ("/ontology", TTL), ("/def/", HTML),
         ("/sitemap.xml", "application/xml"), ("/sparql", TTL), ("/sparql", HTML)]
SPARQL_ACCEPTS = (JSON, "application/sparql-results+xml", "text/tab-separated-values", "text/csv", HTML)


def _paths(app, built: Path) -> list[tuple[str, str]]:
    """(path, Accept) to compare: pages, every resource's document in each format, its /id/ redirect,
    /sparql in every result format, and each canned query, as far as those blueprints exist."""
    from urllib.parse import quote

    rules = {r.rule.split("<")[0] for r in app.url_map.iter_rules()}
    paths = [(p, a) for p, a in PAGES if p.split("?")[0] in rules or p == "/"]
    if "/doc/" in rules:
        embedded = EmbeddedStore(built / "store")
        rows = embedded.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "
                               "\"https://w3id.org/bdp/id/\")) } ORDER BY ?s").rows
        embedded.close()
        for row in rows:
            local = row["s"].value[len("https://w3id.org/bdp/id/"):]
            paths += [(f"/doc/{local}", HTML), (f"/doc/{local}", TTL), (f"/doc/{local}.jsonld", "*/*"),
                      (f"/doc/{local}.nt", "*/*"), (f"/id/{local}", TTL)]
    if "/sparql" in rules:
        for query, bindings in QUERIES:
            if bindings is None:
                graph = query.startswith(("CONSTRUCT", "DESCRIBE"))
                accepts = (TTL, "application/ld+json") if graph else SPARQL_ACCEPTS
                for accept in accepts:
                    if accept == HTML and "ORDER BY" not in query:
                        continue                # a page shows rows in the store's order
                    paths.append((f"/sparql?query={quote(query)}", accept))
    if "/queries/" in rules:
        names = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
        paths += [(f"/queries/{name}", accept) for name in names for accept in (JSON, HTML)]
    return paths


def _get(base: str, path: str, accept: str) -> requests.Response:
    return requests.get(base.rstrip("/") + path, headers={"Accept": accept}, allow_redirects=False, timeout=30)


_BNODE = re.compile(rb"_:[A-Za-z0-9_-]+|nodeID=\"[^\"]+\"")
_SELF = re.compile(rb"http://127\.0\.0\.1:\d+")   # a page may name the server it was asked of
_RDF = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML}
_RESULTS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
            "text/tab-separated-values": ox.QueryResultsFormat.TSV}


def _body(response: requests.Response) -> object:
    """A response body to compare across backends: RDF as a canonical graph, SPARQL results as sorted
    rows, both with blank nodes made comparable; anything else as bytes, blank-node labels masked."""
    kind = response.headers.get("Content-Type", "").split(";")[0]
    if kind in _RDF:
        dataset = ox.Dataset(ox.parse(response.content, _RDF[kind], base_iri=PUBLIC))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return sorted(map(str, dataset))
    if kind in _RESULTS:
        parsed = ox.parse_query_results(response.content, _RESULTS[kind])
        if isinstance(parsed, ox.QueryBoolean):
            return bool(parsed)
        variables = [v.value for v in parsed.variables]
        return variables, canonical(ox_rows(parsed, variables))
    masked = _SELF.sub(b"http://SERVER", _BNODE.sub(b"_:b", response.content))
    if kind == "text/csv":                     # rows in the store's order: compare them as a multiset
        head, *rows = masked.split(b"\r\n")
        return head, sorted(rows)
    return masked


def ox_rows(parsed, variables):
    from publisher.store.results import SelectResult

    return SelectResult(variables, [{v: s[v] for v in variables if s[v] is not None} for s in parsed])


def test_web_app_remote_equals_embedded(built, shared, live_server):
    embedded = live_server(create_app(load_settings({"out": built, "public_url": PUBLIC}, environ={})))
    remote_app = create_app(remote_settings(built, shared))
    remote = live_server(remote_app)
    paths = _paths(remote_app, built)
    assert len(paths) > 1
    with ThreadPoolExecutor(2) as pool:     # two requests in flight, as many as the embedded store's workers
        answers = list(pool.map(lambda job: (_get(embedded.url, *job), _get(remote.url, *job)), paths))
    for (path, accept), (a, b) in zip(paths, answers, strict=True):
        assert (a.status_code, a.headers.get("Content-Type"), a.headers.get("Location")) == \
            (b.status_code, b.headers.get("Content-Type"), b.headers.get("Location")), (path, accept)
        assert _body(a) == _body(b), (path, accept)
        if path.startswith(("/doc/", "/id/")):            # documents are what remote mode must serve
            assert b.status_code in (200, 303), (path, accept, b.status_code)


def test_store_down_gives_503_and_the_server_recovers(built, published, live_server):
    server = live_server(create_app(remote_settings(built, published)))
    assert requests.get(server.url).status_code == 200
    published.stop()
    down = requests.get(server.url, headers={"Accept": "application/json"})
    assert down.status_code == 503 and down.headers.get("Retry-After")
    detail = down.json()["error"]["detail"]
    assert "SPARQL store cannot be reached" in detail and str(published.port) not in detail
    assert published.url not in down.text
    published.start()       # same port, same location: the data is still there
    assert requests.get(server.url).status_code == 200


def test_two_server_processes_on_one_store(built, shared):
    before = tree_digest(built)
    ports = [free_port(), free_port()]
    env = {"BDP_GRAPH": GRAPH, "BDP_PUBLIC_URL": PUBLIC}
    processes = [subprocess.Popen([sys.executable, "-m", "publisher", "serve", "--out", str(built), "--port",
                                   str(port), "--sparql-endpoint", shared.query_url],
                                  cwd=ROOT, env={**os.environ, **env},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port in ports:
            wait_for_port(port)
        app = create_app(remote_settings(built, shared))
        # test_web_app_remote_equals_embedded's paths (it compares them all with the embedded store), the
        # documents thinned to every third (each format of each kind still comes up): what this test adds
        # is two processes answering alike from one store.
        every = _paths(app, built)
        paths = [job for n, job in enumerate(every) if n % 3 == 0 or not job[0].startswith(("/doc/", "/id/"))]
        assert {accept for _, accept in paths} == {accept for _, accept in every}
        # Both servers asked at once, a few requests in flight (each runs two gunicorn workers): the
        # test's time is the servers' answers, not one request after another.
        with ThreadPoolExecutor(4) as pool:
            answers = pool.map(lambda job: [_get(f"http://127.0.0.1:{port}", *job) for port in ports], paths)
            for (path, accept), (first, second) in zip(paths, answers, strict=True):
                assert first.status_code == second.status_code, (path, accept)
                assert _body(first) == _body(second), (path, accept)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    assert tree_digest(built) == before      # nothing written under OUT at request time


def test_answer_passes_the_stores_bytes_through_or_cuts_them(stores):
    from publisher.errors import QueryRefused
    from publisher.formats import BY_NAME

    embedded, remote = stores
    select = {"select": BY_NAME["json"], "ask": BY_NAME["json"], "graph": BY_NAME["ttl"]}
    whole = remote.answer("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", formats=select, limit=100000)
    cut = remote.answer("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", formats=select, limit=7)
    assert not whole.truncated and cut.truncated
    assert sum(1 for _ in ox.parse_query_results(cut.body, ox.QueryResultsFormat.JSON)) == 7
    mine = embedded.answer("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", formats=select, limit=100000)
    assert sum(1 for _ in ox.parse_query_results(whole.body, ox.QueryResultsFormat.JSON)) == \
        sum(1 for _ in ox.parse_query_results(mine.body, ox.QueryResultsFormat.JSON))
    csv = remote.answer("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", formats={"select": BY_NAME["csv"]})
    assert csv.body.startswith(b"s\r\n") and csv.body.count(b"\r\n") == 4
    with pytest.raises(QueryRefused):          # the guard runs in remote mode too: no SERVICE calls
        remote.answer("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", formats=select)
    with pytest.raises(QueryError, match="line 1"):
        remote.answer("SELECT * WHERE { ?s ?p }", formats=select)
