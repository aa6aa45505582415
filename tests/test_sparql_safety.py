"""/sparql in public: no reach outside (a listener the test opens gets no connection, /etc/passwd never shows),
time limits with real cancellation (the runaway worker process is killed and replaced while another client is
answered), and 1,000 generated malformed or hostile requests without a single 5xx."""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.config import load_settings
from publisher.errors import QueryError, QueryRefused, QueryTimeout
from publisher.namespaces import PREFIXES
from publisher.store import guard
from publisher.store.embedded import EmbeddedStore
from publisher.web import create_app

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = "SELECT ?s WHERE { ?s a ?type } LIMIT 1"


def make_app(built: Path, **overrides):
    return create_app(load_settings({"out": str(built), **overrides}, environ={}))


@pytest.fixture
def listener():
    """A socket listening on a free loopback port: whatever connects to it is counted."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def connections(sock: socket.socket, wait: float = 0.5) -> int:
    """Connections waiting on the listener (accepted and closed here)."""
    count = 0
    while select.select([sock], [], [], wait)[0]:
        conn, _ = sock.accept()
        conn.close()
        count += 1
        wait = 0.05
    return count


# --- the guard -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:x { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?q ?r } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { SERVICE ?endpoint { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o } VALUES ?x { 1 } # a comment\n",
    "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DESCRIBE ?s FROM <ftp://127.0.0.1/x> WHERE { ?s ?p ?o }",
])
def test_guard_refuses_what_reaches_outside(query):
    if "SERVICE" not in query.upper():
        guard.inspect(query)  # a plain query passes, FROM included: dataset IRIs are names, never fetched
        return
    with pytest.raises(QueryRefused) as refused:
        guard.inspect(query)
    assert refused.value.status == 400
    assert "refused" in str(refused.value)


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',
    "SELECT ?service ?from WHERE { ?service ?p ?from }",
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:from ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> in a comment",
])
def test_guard_does_not_refuse_the_words_elsewhere(query):
    guard.inspect(query)


def test_guard_lets_an_allowed_service_through():
    guard.inspect("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { } }",
                  allowed_services=frozenset({"http://127.0.0.1:9/"}))


def test_guard_reports_what_it_cannot_parse():
    with pytest.raises(QueryError, match="line 2"):
        guard.inspect("SELECT *\nWHERE { ?s ?p SERVICE <http://x/> { } }")


# --- no reach outside through the endpoint ----------------------------------------------------------------

def test_service_and_from_never_connect(built, live_server, listener):
    server = live_server(make_app(built))
    target = f"http://127.0.0.1:{listener.getsockname()[1]}"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{target}/> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}/sparql> {{ ?s ?p ?o }} }}",
        f"ASK {{ ?s ?p ?o OPTIONAL {{ SERVICE <{target}/> {{ ?s ?p ?x }} }} }}",
        f"LOAD <{target}/x>",
    ]
    empty = [f"SELECT * FROM <{target}/x> WHERE {{ ?s ?p ?o }}",           # names of graphs not held:
             f"SELECT * FROM NAMED <{target}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"]   # empty, not fetched
    url = server.url + "sparql"
    for query in queries:
        for response in (requests.get(url, params={"query": query}, timeout=30),
                         requests.post(url, data={"query": query}, timeout=30),
                         requests.post(url, data=query.encode(), timeout=30,
                                       headers={"Content-Type": "application/sparql-query"})):
            assert response.status_code in (400, 403), (query, response.status_code, response.text)
            assert "refused" in response.text or "read-only" in response.text
    for query in empty:
        response = requests.post(url, data={"query": query}, timeout=30)
        assert response.status_code == 200 and response.json()["results"]["bindings"] == []
    for name in ("default-graph-uri", "named-graph-uri"):
        response = requests.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o }", name: f"{target}/x"},
                                timeout=30)
        assert response.status_code == 200 and response.json()["results"]["bindings"] == []
    assert connections(listener) == 0


def test_the_allow_list_opens_service_to_a_named_endpoint(built, live_server):
    remote = live_server(make_app(built))
    allowed = remote.url + "sparql"
    server = live_server(make_app(built, service_allowlist=allowed))
    query = (f"SELECT ?title WHERE {{ SERVICE <{allowed}> {{ ?p a <{PREFIXES['bdp']}Practice> ; "
             f"<{PREFIXES['dct']}title> ?title }} }}")
    response = requests.get(server.url + "sparql", params={"query": query}, timeout=60)
    assert response.status_code == 200, response.text
    titles = {b["title"]["value"] for b in response.json()["results"]["bindings"]}
    assert "Trzy Filary - Bank Partnerów Lokalnych" in titles
    other = query.replace(allowed, remote.url + "other")
    assert requests.get(server.url + "sparql", params={"query": other}, timeout=60).status_code == 400


def test_the_store_interface_refuses_service_too(built, listener):
    store = EmbeddedStore(built / "store", timeout=10)
    try:
        port = listener.getsockname()[1]
        with pytest.raises(QueryRefused):
            store.select(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")
        assert connections(listener) == 0
    finally:
        store.close()


def test_file_iris_are_never_read(built, live_server):
    passwd = Path("/etc/passwd")
    if not passwd.is_file():
        pytest.skip("no /etc/passwd here")
    lines = [line for line in passwd.read_text(errors="replace").splitlines() if line.strip()]
    server = live_server(make_app(built))
    url = server.url + "sparql"
    responses = [
        requests.get(url, params={"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}, timeout=30),
        requests.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o }",
                                  "default-graph-uri": "file:///etc/passwd"}, timeout=30),
        requests.get(url, params={"query": "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }"},
                     timeout=30),
        requests.post(url, data={"query": "LOAD <file:///etc/passwd>"}, timeout=30),
        requests.get(url, params={"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
                     headers={"Accept": "text/html"}, timeout=30),
    ]
    # FROM / default-graph-uri name a graph this store does not hold: an empty graph (200, no rows)
    assert [r.status_code for r in responses] == [200, 200, 400, 403, 200]
    assert responses[0].json()["results"]["bindings"] == responses[1].json()["results"]["bindings"] == []
    for response in responses:
        for line in lines:
            assert line not in response.text


# --- time limit with real cancellation -------------------------------------------------------------------

def test_runaway_query_is_stopped_and_its_worker_killed(built, live_server):
    app = make_app(built, query_timeout=2)
    server = live_server(app)
    url = server.url + "sparql"
    assert requests.get(url, params={"query": SIMPLE}, timeout=30).status_code == 200  # a worker is up
    heavy: dict[str, object] = {}

    def run_heavy() -> None:
        started = time.monotonic()
        response = requests.get(url, params={"query": CROSS_JOIN}, timeout=30)
        heavy.update(status=response.status_code, text=response.text, seconds=time.monotonic() - started,
                     done=time.monotonic(), retry=response.headers.get("Retry-After"))

    thread = threading.Thread(target=run_heavy)
    thread.start()
    time.sleep(0.5)
    simple = requests.get(url, params={"query": SIMPLE}, timeout=30)
    simple_done = time.monotonic()
    store = app.extensions["bdp_store"]
    busy = set(store.worker_pids())          # the runaway one and the one that answered the simple query
    thread.join(30)
    assert simple.status_code == 200 and "results" in simple.json()
    assert "done" in heavy and simple_done < heavy["done"]  # answered while the runaway query ran
    assert heavy["status"] == 503 and "time limit" in heavy["text"], heavy
    assert heavy["seconds"] < 2 + 2
    assert heavy["retry"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(store.worker_pids()) < 2:
        time.sleep(0.05)                     # the replacement is started in the background
    after = set(store.worker_pids())
    killed = busy - after
    assert len(killed) == 1 and len(after) == 2
    pid = killed.pop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)                      # gone, not burning a core
    assert not Path(f"/proc/{pid}").exists()
    assert requests.get(url, params={"query": SIMPLE}, timeout=30).status_code == 200


def test_store_interface_is_bounded_too(built):
    store = EmbeddedStore(built / "store", timeout=0.5)       # the cross join burns a core until then
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.select(CROSS_JOIN)
        assert time.monotonic() - started < 0.5 + 2
        assert store.ask("ASK { ?s ?p ?o }", timeout=30) is True   # (a new worker starts first: slow when busy)
    finally:
        store.close()
    assert store.worker_pids() == []


# --- 1,000 generated malformed or hostile requests ---------------------------------------------------------

PIECES = [
    "SELECT", "CONSTRUCT", "ASK", "DESCRIBE", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", "*", ".", ";", ",",
    "<http://127.0.0.1:9/>", "<file:///etc/passwd>", "SERVICE", "SILENT", "FROM", "NAMED", "GRAPH", "LOAD",
    "INSERT DATA", "DELETE WHERE", "DROP ALL", "CLEAR DEFAULT", "LIMIT 5", "OFFSET 2", "ORDER BY ?s",
    "FILTER(?o > 3)", "OPTIONAL", "UNION", "MINUS", "BIND(1 AS ?x)", "VALUES ?x { 1 2 }", "PREFIX ex: <http://e/>",
    "ex:a", "\"str\"@pl", "'\\u0022'", "\"\"\"long\"\"\"", "#comment\n", "\\u0053ERVICE", "\x00", "\ufffd",
    "GROUP BY ?s", "COUNT(*)", "(COUNT(*) AS ?n)", "<< ?s ?p ?o >>", "LATERAL", "REGEX(?o, \"(a+)+$\")",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "ASK {}", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", "DESCRIBE <http://x>",
]
queries = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=14).map(" ".join),
    st.text(max_size=300),
    st.sampled_from(PIECES),
    st.text(alphabet="SELECTWHRFOMVIR{}?<>:/.# \n\"'\\", max_size=80),
)
MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/turtle",
         "application/ld+json", "text/html", "*/*", "image/png", "application/json;q=0", "text/*;q=0.5",
         "application/xml", "text/plain", "", ";;;", "*/*;q=abc", "text/html;q=2"]
accepts = st.one_of(st.sampled_from(MEDIA), st.lists(st.sampled_from(MEDIA), max_size=4).map(", ".join),
                    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
params = st.dictionaries(
    st.sampled_from(["query", "update", "default-graph-uri", "named-graph-uri", "format", "lang", "x"]),
    st.one_of(queries, st.sampled_from(["json", "csv", "ttl", "html", "png", "json-ld", "file:///etc/passwd",
                                        "http://127.0.0.1:9/x", ""])), max_size=4)
content_types = st.sampled_from(["application/x-www-form-urlencoded", "application/sparql-query",
                                 "application/sparql-update", "text/plain", "multipart/form-data",
                                 "application/json", "", "application/sparql-query; charset=latin-1",
                                 "application/x-www-form-urlencoded; charset=utf-8"])
bodies = st.one_of(st.none(), queries, st.binary(max_size=200), st.just("q" * 5000))


@pytest.fixture(scope="module")
def hostile_client(built):
    app = make_app(built, query_timeout=10, max_request_bytes=4096, row_cap=50)
    yield app.test_client()
    store = app.extensions.get("bdp_store")
    if store is not None:
        store.close()


@settings(max_examples=1000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(method=st.sampled_from(["GET", "POST", "POST", "OPTIONS", "PUT", "DELETE", "HEAD"]), args=params,
       accept=accepts, content_type=content_types, body=bodies, form=st.booleans())
def test_hostile_requests_never_get_a_5xx(hostile_client, method, args, accept, content_type, body, form):
    headers = {"Accept": accept}
    kwargs: dict[str, object] = {"headers": headers}
    if method == "GET" or not form:
        kwargs["query_string"] = args
    if method == "POST":
        if form:
            kwargs["data"] = args
        else:
            kwargs["data"] = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else (body or b"")
            headers["Content-Type"] = content_type
    response = hostile_client.open("/sparql", method=method, **kwargs)
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "/store/" not in text
