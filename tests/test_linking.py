"""Issue 8: links to other registries. A real `oxigraph serve` on loopback, loaded with a small fixture in
Wikidata's shape, stands in for Wikidata: `bdp link wikidata` writes exactly the expected owl:sameAs links,
name-only matches only as suggestions, and fails cleanly (non-zero exit, a message, no file touched) when the
endpoint is down or answers garbage. The build loads the linkset (VoID counts it); pages show "also in";
the inbound lookup by code answers 303, 300, 404 or 400."""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from publisher.config import load_settings
from publisher.errors import SourceError
from publisher.namespaces import VOID
from publisher.pipeline.build import build
from publisher.web import create_app
from tests.conftest import DATA, FIXTURES, POLL_INTERVAL, OxigraphServer, free_port, invoke_bdp, tree_digest

BASE = "https://w3id.org/bdp/"
WD = Namespace("http://www.wikidata.org/entity/")
PLACE = "id/place/trzy-filary-bank-partnerow-lokalnych"
ORGS = {  # records added to the bundled data for these tests
    "gmina-pelplin": "key: gmina-pelplin\nname: {pl: Gmina Pelplin}\nsector: public\n"
                     "unit_type: gmina-miejsko-wiejska\nvoivodeship: pomorskie\n",
    "gmina-gniew": "key: gmina-gniew\nname: {pl: Gmina Gniew}\nsector: public\nunit_type: gmina-miejsko-wiejska\n"
                   "voivodeship: pomorskie\nidentifiers: {teryt: \"2214033\"}\n",
    "urzad-miasta-i-gminy-gniew": "key: urzad-miasta-i-gminy-gniew\nname: {pl: Urząd Miasta i Gminy Gniew}\n"
                                  "sector: public\nvoivodeship: pomorskie\nidentifiers: {teryt: \"2214033\"}\n",
}
SAME_AS = {(BASE + "id/organisation/powiat-tczewski", WD.Q900000001), (BASE + PLACE, WD.Q900000002)}
SUGGESTED = {(BASE + "id/organisation/gmina-pelplin", WD.Q900000004)} | {
    (BASE + f"id/organisation/{key}", WD[q]) for key in ("gmina-gniew", "urzad-miasta-i-gminy-gniew")
    for q in ("Q900000006", "Q900000007")}


def _links(path: Path, predicate: URIRef) -> set[tuple[str, URIRef]]:
    graph = Graph().parse(path, format="turtle", publicID=BASE)
    assert set(graph.predicates()) <= {predicate}, path
    return {(str(s), o) for s, o in graph.subject_objects(predicate)}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("linking") / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("links"))
    for key, text in ORGS.items():
        (target / "organisations" / f"{key}.yaml").write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def units_out(data_dir) -> Path:
    """The test data built without any linkset: what `bdp link` reads."""
    out = data_dir.parent / "out-units"
    build(load_settings({}, environ={}), data_dir, out, workers=1)
    return out


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("wikidata-store")).start()
    body = (FIXTURES / "wikidata" / "wikidata.ttl").read_bytes()
    answer = requests.post(server.store_url + "?default", data=body, headers={"Content-Type": "text/turtle"}, timeout=30)
    assert answer.status_code in (200, 201, 204), answer.text
    yield server
    server.stop()


def _link(units_out: Path, endpoint: str, out: Path, *more: str):
    return invoke_bdp("link", "wikidata", "--endpoint", endpoint, "--out", str(out), "--build", str(units_out),
                   "--backoff", "0.01", *more)


@pytest.fixture(scope="module")
def linkset(units_out, wikidata, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("links-run") / "links" / "wikidata.ttl"
    result = _link(units_out, wikidata.query_url, out)
    assert result.returncode == 0, result.stderr
    assert "2 owl:sameAs link(s)" in result.stdout and "5 suggestion(s)" in result.stdout
    return out


def test_link_wikidata_writes_exactly_the_expected_sameas_links(linkset):
    assert _links(linkset, OWL.sameAs) == SAME_AS
    text = linkset.read_text(encoding="utf-8")
    assert "<id/organisation/powiat-tczewski> owl:sameAs wd:Q900000001 ." in text   # relative to the base
    assert "Q900000009" not in text                                                # dissolved (P576)


def test_name_only_and_ambiguous_matches_are_only_suggestions(linkset):
    suggestions = linkset.parent / "suggestions" / "wikidata.ttl"
    assert _links(suggestions, SKOS.closeMatch) == SUGGESTED
    assert "Q900000005" not in suggestions.read_text(encoding="utf-8")            # same name, other voivodeship
    assert "NEVER loaded" in suggestions.read_text(encoding="utf-8")


def test_batches_give_the_same_file_in_more_requests(units_out, wikidata, linkset, tmp_path):
    out = tmp_path / "wikidata.ttl"
    result = _link(units_out, wikidata.query_url, out, "--batch-size", "1")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == linkset.read_bytes()
    # 3 TERYT codes + 3 spellings of "Gmina Pelplin", one request each; 2 in batches of 200 (below)
    assert "; 6 request(s)" in result.stdout
    again = _link(units_out, wikidata.query_url, tmp_path / "again.ttl")
    assert "; 2 request(s)" in again.stdout


def _untouched(tmp_path: Path) -> tuple[Path, dict]:
    links = tmp_path / "links"
    links.mkdir()
    (links / "wikidata.ttl").write_text("# reviewed earlier\n", encoding="utf-8")
    return links / "wikidata.ttl", tree_digest(links)


def test_fails_cleanly_when_the_endpoint_is_down(units_out, tmp_path):
    target, before = _untouched(tmp_path)
    url = f"http://127.0.0.1:{free_port()}/query"      # nothing listens there
    result = _link(units_out, url, target, "--retries", "2")
    assert result.returncode != 0
    assert f"error: the SPARQL endpoint {url} did not answer after 3 attempt(s)" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(target.parent) == before                # no partial file, no temporary file left


class _Garbage(http.server.BaseHTTPRequestHandler):
    status, kind, body, agents = 200, "text/html", b"", []

    def do_POST(self) -> None:  # noqa: N802 - the http.server interface
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).agents.append(self.headers.get("User-Agent", ""))
        self.send_response(self.status)
        self.send_header("Content-Type", self.kind)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("status", "kind", "body", "message", "attempts"), [
    (200, "text/html", b"<html><body>Wikidata is down</body></html>", "not SPARQL JSON results (text/html)", 1),
    (200, "application/sparql-results+json", b'{"head": {"vars": [', "not SPARQL JSON results (invalid JSON)", 1),
    (200, "application/json", b'{"boolean": true}', "not SPARQL JSON results (no results.bindings)", 1),
    (500, "text/html", b"<h1>Internal error</h1>", "did not answer after 3 attempt(s): HTTP 500", 3),
    (503, "text/plain", b"busy", "did not answer after 3 attempt(s): HTTP 503", 3),
])
def test_fails_cleanly_when_the_endpoint_answers_garbage(units_out, tmp_path, status, kind, body, message,
                                                         attempts):
    handler = type("Handler", (_Garbage,), {"status": status, "kind": kind, "body": body, "agents": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), daemon=True)
    thread.start()
    try:
        target, before = _untouched(tmp_path)
        result = _link(units_out, f"http://127.0.0.1:{server.server_port}/sparql", target, "--retries", "2")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode != 0
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert tree_digest(target.parent) == before
    assert len(handler.agents) == attempts
    assert all(a.startswith("bdp-publisher/") and "mailto:bdp@example.org" in a for a in handler.agents)


def test_a_build_is_needed(tmp_path):
    result = invoke_bdp("link", "wikidata", "--endpoint", "http://127.0.0.1:9/query", "--build", str(tmp_path),
                     "--out", str(tmp_path / "w.ttl"))
    assert result.returncode == 1 and "run `bdp build` first" in result.stderr


# --- the linkset in the build --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def linked_out(data_dir, linkset) -> Path:
    """The test data with the linkset (and its suggestions folder) in data/links/, built."""
    links = data_dir.parent / "data-linked"
    shutil.copytree(data_dir, links)
    shutil.copytree(linkset.parent, links / "links")
    out = data_dir.parent / "out-linked"
    build(load_settings({}, environ={}), links, out, workers=1)
    return out


def _void_linksets(void: Graph) -> dict:
    counts = {}
    for ls in void.subjects(RDF.type, VOID.Linkset):
        target = void.value(void.value(ls, VOID.objectsTarget), VOID.uriSpace)
        source = void.value(ls, VOID.dataDump)
        counts[(void.value(ls, VOID.linkPredicate), str(target), str(source) if source else None)] = \
            (int(void.value(ls, VOID.triples)), ls)
    return counts


def test_void_linkset_counts_equal_the_links(linked_out, linkset):
    void = Graph().parse(linked_out / "void.ttl")
    found = _void_linksets(void)
    links = len(_links(linkset, OWL.sameAs))
    overall, overall_node = found[(OWL.sameAs, "http://www.wikidata.org/", None)]
    mine, mine_node = found[(OWL.sameAs, "http://www.wikidata.org/", BASE + "links/wikidata.nt")]
    assert overall == mine == links == 2
    assert (overall_node, VOID.subset, mine_node) in void


def test_the_linkset_is_published_and_served_with_its_void(linked_out, site):
    served = Graph().parse(data=_get(site + ".well-known/void", Accept="text/turtle").text, format="turtle")
    count, _node = _void_linksets(served)[(OWL.sameAs, "http://www.wikidata.org/", site + "links/wikidata.nt")]
    answer = _get(site + "links/wikidata.nt")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/n-triples")
    assert len(answer.text.splitlines()) == count == 2
    assert {tuple(line.split(" ", 3)[:3]) for line in answer.text.splitlines()} == {
        (f"<{s}>", f"<{OWL.sameAs}>", f"<{o}>") for s, o in SAME_AS}
    for missing in ("links/nothing.nt", "links/..%2Fbuild.json", "links/wikidata.ttl"):
        assert _get(site + missing).status_code == 404


def test_links_are_in_the_store_and_queryable(linked_out):
    import pyoxigraph as ox

    store = ox.Store.read_only(str(linked_out / "store"))
    rows = store.query("SELECT ?s ?o WHERE { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }")
    assert {(r["s"].value, r["o"].value) for r in rows} == {(s, str(o)) for s, o in SAME_AS}
    suggested = store.query("ASK { ?s ?p <http://www.wikidata.org/entity/Q900000004> }")
    assert not suggested                                       # links/suggestions/ is never loaded


@pytest.mark.parametrize(("text", "line", "message"), [
    ("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n\n<id/organisation/nobody> owl:sameAs "
     "<http://www.wikidata.org/entity/Q1> .\n", 3, "none of our organisations or places"),
    ("<id/organisation/powiat-tczewski> <http://purl.org/dc/terms/title> <http://example.org/x> .\n", 1,
     "is not a link property"),
    ("<id/organisation/powiat-tczewski> <http://www.w3.org/2002/07/owl#sameAs> \"Q1\" .\n", 1,
     "is not an http(s) IRI of another dataset"),
    ("<id/organisation/powiat-tczewski> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q1> "
     ".\n<id/organisation/powiat-tczewski> <http://www.w3.org/2002/07/owl#sameAs> .\n", 2, "not valid Turtle"),
])
def test_a_bad_linkset_fails_the_build_naming_file_and_line(data_dir, tmp_path, text, line, message):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    (data / "links").mkdir()
    (data / "links" / "mine.ttl").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build(load_settings({}, environ={}), data, tmp_path / "out", workers=1)
    assert caught.value.path.endswith("links/mine.ttl") and caught.value.line == line
    assert message in str(caught.value)
    assert not (tmp_path / "out").exists()


# --- inbound links and "also in" over real HTTP --------------------------------------------------------

@pytest.fixture(scope="module")
def site(linked_out):
    from tests.conftest import LiveServer

    with LiveServer(create_app(load_settings({"out": linked_out}, environ={}))) as server:
        yield server.url


def _get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, allow_redirects=False, timeout=30)


@pytest.mark.parametrize(("path", "target"), [
    ("id/organisation/teryt/2214", "doc/organisation/powiat-tczewski"),
    ("lookup?teryt=2214", "doc/organisation/powiat-tczewski"),
    ("lookup?teryt=2214011", "doc/place/trzy-filary-bank-partnerow-lokalnych"),
    ("id/place/teryt/2214011", "doc/place/trzy-filary-bank-partnerow-lokalnych"),
    ("id/organisation/powiat-tczewski", "doc/organisation/powiat-tczewski"),   # /id/{type}/{key} unchanged
])
def test_inbound_codes_answer_303(site, path, target):
    answer = _get(site + path)
    assert answer.status_code == 303 and answer.headers["Location"] == site + target


@pytest.mark.parametrize(("path", "status", "detail"), [
    ("lookup?teryt=9999", 404, "no organisation or place here carries the TERYT code 9999"),
    ("id/organisation/teryt/2299", 404, "no organisation here carries the TERYT code 2299"),
    ("lookup?teryt=221", 400, "not a TERYT code: expected 2, 4 or 7 digits"),
    ("lookup?nip=5260250275", 400, "its check digit is wrong"),
    ("lookup?regon=12345", 400, "not a REGON code"),
    ("lookup?isbn=123", 400, "unknown parameter 'isbn'"),
    ("lookup", 400, "give exactly one code"),
    ("lookup?teryt=22&krs=0000123456", 400, "give exactly one code"),
    ("id/place/nip/5260250274", 404, "a place carries no NIP number"),
    ("id/practice/teryt/2214", 404, "only organisations and places are found by code"),
    ("id/organisation/isbn/123", 404, "there is no identifier scheme 'isbn'"),
])
def test_inbound_codes_unknown_or_malformed(site, path, status, detail):
    answer = _get(site + path, Accept="application/json")
    assert answer.status_code == status
    assert detail in answer.json()["error"]["detail"]


def test_a_code_several_organisations_carry_answers_300(site):
    answer = _get(site + "lookup?teryt=2214033", Accept="application/json")
    assert answer.status_code == 300
    assert [c["document"] for c in answer.json()["choices"]] == [
        site + "doc/organisation/gmina-gniew", site + "doc/organisation/urzad-miasta-i-gminy-gniew"]
    page = _get(site + "id/organisation/teryt/2214033", Accept="text/html")
    assert page.status_code == 300 and f'href="{site}doc/organisation/gmina-gniew"' in page.text


def test_the_issue_lookup_on_the_bundled_build(built, live_server):
    server = live_server(create_app(load_settings({"out": built}, environ={})))
    assert _get(server.url + "lookup?teryt=2214").headers["Location"] == server.url + "doc/organisation/powiat-tczewski"
    assert _get(server.url + "lookup?teryt=2214099").status_code == 404


@pytest.mark.parametrize(("path", "item", "teryt"), [
    ("doc/organisation/powiat-tczewski", "Q900000001", "2214"),
    ("doc/practice/trzy-filary-bank-partnerow-lokalnych", "Q900000002", "2214011"),
])
def test_pages_show_also_in(site, path, item, teryt):
    page = _get(site + path + "?lang=en", Accept="text/html").text
    also = page.split('<p class="also-in">', 1)[1].split("</p>", 1)[0]
    assert also.startswith("Also in:")
    assert f'<a href="http://www.wikidata.org/entity/{item}" rel="external">Wikidata {item}</a>' in also
    assert f"TERYT <code>{teryt}</code>" in also
