"""The canned queries (queries/*.rq) over the small fixture (tests/fixtures/small, see its README.md): each
answer is worked out by hand from the records and compared row for row, through the real `bdp query`
command and through a real HTTP server. Parameters that try to change the query are refused or match
nothing."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, ROOT, close_store, invoke_bdp

from publisher.errors import SourceError
from publisher.namespaces import PREFIXES
from publisher.read.canned import load_catalogue, parse_query
from publisher.web import create_app

SMALL = FIXTURES / "small"
INJECTIONS = ('"} . ?s ?p ?o . {"', "<http://x> } DELETE {")
REQUIRED = {"cross-sector-partnerships", "three-sector-partnerships", "partnerships-by-voivodeship",
            "organisation-partners", "top-partner-organisations", "practices-by-theme", "practices-by-funding",
            "partner-network", "organisations-with-registry-ids"}


@pytest.fixture(scope="module")
def small_out(tmp_path_factory, settings) -> Path:
    from publisher.pipeline.build import build

    out = tmp_path_factory.mktemp("small") / "out"
    build(settings, SMALL, out, workers=2)
    return out


@pytest.fixture(scope="module")
def app(small_out, settings):
    """This module's app serves the small data set (the `server` fixture of conftest serves it)."""
    app = create_app(settings.with_(out=str(small_out)))
    yield app
    close_store(app)


# --- reading answers ----------------------------------------------------------------------------------

def _simple(term: dict) -> str:
    """An IRI as its last path segment (a key, a concept notation), a literal as its text."""
    return term["value"].rsplit("/", 1)[-1] if term["type"] == "uri" else term["value"]


def rows_of(body: bytes | str, *columns: str) -> list[tuple[str, ...]]:
    data = json.loads(body)
    return [tuple(_simple(b[c]) if c in b else "" for c in columns) for b in data["results"]["bindings"]]


def get(server, path: str, params: dict | None = None, accept: str = "application/sparql-results+json"):
    url = server.url + path.lstrip("/") + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def cli(small_out: Path, name: str, params: dict | None = None, fmt: str = "json"):
    args = ["query", name, "--out", str(small_out), "--format", fmt]
    for k, v in (params or {}).items():
        args += ["--param", f"{k}={v}"]
    return invoke_bdp(*args)


# --- the answers, worked out by hand from tests/fixtures/small ------------------------------------------

CROSS = [("orzel-sport", "3"), ("pomorski-dialog", "3"), ("alfa-razem", "3"), ("transport-epsilon", "2"),
         ("gamma-energia", "2"), ("beta-seniorzy", "2")]              # most sectors, then newest first
THREE = [("orzel-sport", "4", "3"), ("pomorski-dialog", "4", "3"), ("alfa-razem", "3", "3")]   # newest first
BY_VOIVODESHIP = {"12": ("2", "1"), "14": ("2", "2"), "22": ("3", "2"), "24": ("1", "0"), "30": ("1", "1")}
BETA_PARTNERS = [("bank-spoldzielczy-alfa", "orzel-sport"), ("gmina-delta", "delta-gminy"),
                 ("gmina-zeta", "delta-gminy"), ("klub-sportowy-orzel", "orzel-sport"),
                 ("stowarzyszenie-kultury", "orzel-sport"), ("towarzystwo-seniorow", "beta-seniorzy")]
SASIEDZI_PARTNERS = [("federacja-organizacji", "pomorski-dialog"), ("federacja-organizacji", "siec-organizacji"),
                     ("fundacja-zielona", "siec-organizacji"), ("pks-komunikacja", "pomorski-dialog"),
                     ("urzad-marszalkowski-pomorskie", "pomorski-dialog")]
TOP = [("powiat-beta", "public", "3"),
       ("bank-spoldzielczy-alfa", "business", "2"), ("eko-bud", "business", "2"),
       ("federacja-organizacji", "ngo", "2"), ("pks-komunikacja", "business", "2"),
       ("stowarzyszenie-sasiedzi", "ngo", "2"), ("zaklad-energetyczny", "business", "2"),
       ("fundacja-razem", "ngo", "1"), ("fundacja-zielona", "ngo", "1"), ("gmina-alfa", "public", "1"),
       ("gmina-delta", "public", "1"), ("gmina-zeta", "public", "1"), ("klub-sportowy-orzel", "ngo", "1"),
       ("miasto-gamma", "public", "1"), ("powiat-epsilon", "public", "1"),
       ("stowarzyszenie-kultury", "ngo", "1"), ("towarzystwo-seniorow", "ngo", "1"),
       ("urzad-marszalkowski-pomorskie", "public", "1")]                 # by count, then name
IDS = [("bank-spoldzielczy-alfa", "nip", "5932000001"), ("bank-spoldzielczy-alfa", "regon", "190000018"),
       ("federacja-organizacji", "krs", "0000345678"), ("fundacja-razem", "krs", "0000123456"),
       ("gmina-alfa", "teryt", "2201012"), ("miasto-gamma", "teryt", "1261011"),
       ("powiat-beta", "teryt", "1402"), ("powiat-epsilon", "teryt", "3001"),
       ("stowarzyszenie-sasiedzi", "krs", "0000234567"), ("stowarzyszenie-sasiedzi", "regon", "123456785"),
       ("zaklad-energetyczny", "nip", "6760000003")]                     # by name
EDGES_POMORSKIE = {
    ("bank-spoldzielczy-alfa", "fundacja-razem"), ("bank-spoldzielczy-alfa", "gmina-alfa"),
    ("fundacja-razem", "gmina-alfa"),                                                      # alfa-razem
    ("federacja-organizacji", "fundacja-zielona"), ("federacja-organizacji", "stowarzyszenie-sasiedzi"),
    ("fundacja-zielona", "stowarzyszenie-sasiedzi"),                                       # siec-organizacji
    ("federacja-organizacji", "urzad-marszalkowski-pomorskie"), ("federacja-organizacji", "pks-komunikacja"),
    ("stowarzyszenie-sasiedzi", "urzad-marszalkowski-pomorskie"),
    ("pks-komunikacja", "urzad-marszalkowski-pomorskie"),
    ("pks-komunikacja", "stowarzyszenie-sasiedzi")}                     # pomorski-dialog (one pair again)
EDGES = EDGES_POMORSKIE | {
    ("powiat-beta", "towarzystwo-seniorow"),                                               # beta-seniorzy
    ("eko-bud", "miasto-gamma"), ("eko-bud", "zaklad-energetyczny"),
    ("miasto-gamma", "zaklad-energetyczny"),                                               # gamma-energia
    ("gmina-delta", "gmina-zeta"), ("gmina-delta", "powiat-beta"), ("gmina-zeta", "powiat-beta"),  # delta
    ("pks-komunikacja", "powiat-epsilon"),                                                 # transport
    ("klub-sportowy-orzel", "powiat-beta"), ("bank-spoldzielczy-alfa", "powiat-beta"),
    ("powiat-beta", "stowarzyszenie-kultury"), ("bank-spoldzielczy-alfa", "klub-sportowy-orzel"),
    ("klub-sportowy-orzel", "stowarzyszenie-kultury"),
    ("bank-spoldzielczy-alfa", "stowarzyszenie-kultury")}               # orzel-sport; energia-firm adds none

# (query, parameters, columns, expected rows in order)
CASES = [
    ("cross-sector-partnerships", {}, ("practice", "sectors"), CROSS),
    ("cross-sector-partnerships", {"voivodeship": "pomorskie"}, ("practice", "voivodeship"),
     [("pomorski-dialog", "22"), ("alfa-razem", "22")]),
    ("cross-sector-partnerships", {"voivodeship": "22", "theme": "uslugi-spoleczne"}, ("practice", "theme"),
     [("alfa-razem", "uslugi-spoleczne")]),
    ("cross-sector-partnerships", {"theme": "Usługi społeczne"}, ("practice",),
     [("orzel-sport",), ("alfa-razem",), ("beta-seniorzy",)]),
    ("cross-sector-partnerships", {"minSectors": "3"}, ("practice", "partners"),
     [("orzel-sport", "4"), ("pomorski-dialog", "4"), ("alfa-razem", "3")]),
    ("cross-sector-partnerships", {"minSectors": "1"}, ("practice",),
     [("orzel-sport",), ("pomorski-dialog",), ("alfa-razem",), ("transport-epsilon",), ("gamma-energia",),
      ("beta-seniorzy",), ("energia-firm",), ("siec-organizacji",), ("delta-gminy",)]),
    ("three-sector-partnerships", {}, ("practice", "partners", "sectors"), THREE),
    ("organisation-partners", {"organisation": "powiat-beta"}, ("partner", "practice"), BETA_PARTNERS),
    ("organisation-partners", {"organisation": "https://w3id.org/bdp/id/organisation/stowarzyszenie-sasiedzi"},
     ("partner", "practice"), SASIEDZI_PARTNERS),
    ("top-partner-organisations", {}, ("organisation", "sector", "partnerships"), TOP),
    ("top-partner-organisations", {"sector": "business"}, ("organisation", "partnerships"),
     [("bank-spoldzielczy-alfa", "2"), ("eko-bud", "2"), ("pks-komunikacja", "2"), ("zaklad-energetyczny", "2")]),
    ("practices-by-theme", {}, ("practice", "town", "voivodeship", "partners"),
     [("orzel-sport", "Betanów", "14", "4"), ("beta-seniorzy", "Betanów", "14", "2"),
      ("alfa-razem", "Alfowo", "22", "3")]),                              # newest first
    ("practices-by-theme", {"theme": "smup"}, ("practice", "town", "partners", "partnerNames"),
     [("zeta-smup", "Zetów", "0", "")]),
    ("practices-by-theme", {"theme": "efektywnosc-energetyczna", "text": "FIRM"}, ("practice", "partners"),
     [("energia-firm", "2")]),
    ("practices-by-funding", {}, ("practice", "entered"),
     [("alfa-razem", "2010-05-10"), ("pomorski-dialog", "2015-09-09"), ("orzel-sport", "2018-08-08")]),
    ("practices-by-funding", {"funding": "rpo", "since": "2013-01-01"}, ("practice", "funding", "since"),
     [("transport-epsilon", "rpo", "2013-01-01")]),
    ("organisations-with-registry-ids", {}, ("organisation", "identifierType", "identifier"), IDS),
    ("organisations-with-registry-ids", {"sector": "business"}, ("organisation", "identifier"),
     [("bank-spoldzielczy-alfa", "5932000001"), ("bank-spoldzielczy-alfa", "190000018"),
      ("zaklad-energetyczny", "6760000003")]),
]
CLI_CASES = [c for c in CASES if c[1] == {}] + [CASES[2], CASES[7], CASES[15]]


def test_catalogue_holds_the_required_questions_in_both_languages():
    catalogue = load_catalogue()
    assert REQUIRED <= set(catalogue)
    for query in catalogue.values():
        assert query.titles["pl"] and query.titles["en"] and query.descriptions["pl"] and query.descriptions["en"]
        prologue = re.findall(r"^PREFIX (\w+): <([^>]+)>$", query.text, re.MULTILINE)
        assert prologue and all(PREFIXES[p] == iri for p, iri in prologue)   # the one prefix table
    assert catalogue["partner-network"].form == "CONSTRUCT"
    assert catalogue["organisation-partners"].param("organisation").required


@pytest.mark.parametrize("header, message", [
    ("# title@pl: a\n# title@en: a\n# description@pl: a\n", "lacks description@en"),
    ("# title@pl: a\n# title@en: a\n# description@pl: a\n# description@en: a\n# param: x integer\n",
     "no variable ?x"),
    ("# title@pl: a\n# title@en: a\n# description@pl: a\n# description@en: a\n# param: format string\n",
     "param 'format'"),
    ("# title@pl: a\n# title@en: a\n# description@pl: a\n# description@en: a\n# param: s integer default=x\n",
     "not an integer"),
    ("# title@pl: a\n# free text here\n", "test.rq:2"),
])
def test_a_bad_header_names_file_and_line(header, message):
    with pytest.raises(SourceError, match=re.escape(message)):
        parse_query("test", header + "SELECT ?s WHERE { ?s ?p ?o }\n", "test.rq")


def test_a_query_may_not_bring_its_own_prefixes():
    header = "# title@pl: a\n# title@en: a\n# description@pl: a\n# description@en: a\n"
    with pytest.raises(SourceError, match="PREFIX"):
        parse_query("test", header + "PREFIX ex: <http://example.org/>\nSELECT * { ?s ?p ?o }\n")


@pytest.mark.parametrize("name, params, columns, expected", CASES)
def test_answers_over_http_equal_the_hand_worked_ones(server, name, params, columns, expected):
    status, headers, body = get(server, f"queries/{name}", params)
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert rows_of(body, *columns) == expected


@pytest.mark.parametrize("name, params, columns, expected", CLI_CASES)
def test_answers_through_the_command_equal_the_hand_worked_ones(small_out, name, params, columns, expected):
    done = cli(small_out, name, params)
    assert done.returncode == 0, done.stderr
    assert rows_of(done.stdout, *columns) == expected


def test_partnerships_by_voivodeship_lists_all_sixteen_with_hand_counted_numbers(server, small_out):
    status, _, body = get(server, "queries/partnerships-by-voivodeship")
    assert status == 200
    rows = rows_of(body, "voivodeship", "partnerships", "crossSector")
    assert len(rows) == 16
    assert {v: (n, c) for v, n, c in rows if (n, c) != ("0", "0")} == BY_VOIVODESHIP
    assert sum(int(n) for _, n, _ in rows) == 9 and sum(int(c) for _, _, c in rows) == 6
    done = cli(small_out, "partnerships-by-voivodeship")
    assert done.returncode == 0 and rows_of(done.stdout, "voivodeship", "partnerships", "crossSector") == rows


def _edges(data: bytes, fmt: ox.RdfFormat) -> tuple[set[tuple[str, str]], list[ox.Triple]]:
    triples = list(ox.parse(data, format=fmt))
    linked = PREFIXES["org"] + "linkedTo"
    edges = [(t.subject.value, t.object.value) for t in triples if t.predicate.value == linked]
    assert all(a < b for a, b in edges)            # one edge per pair, from the smaller IRI
    return {(a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1]) for a, b in edges}, triples


def test_partner_network_is_the_hand_drawn_graph(server, small_out):
    status, headers, body = get(server, "queries/partner-network", accept="application/n-triples")
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    edges, triples = _edges(body, ox.RdfFormat.N_TRIPLES)
    assert edges == EDGES and len(EDGES) == 25
    assert len(triples) == 25 + 18 * 2             # and a name and a sector for each of the 18 partners
    _, _, body = get(server, "queries/partner-network", {"voivodeship": "pomorskie"}, accept="text/turtle")
    assert _edges(body, ox.RdfFormat.TURTLE)[0] == EDGES_POMORSKIE and len(EDGES_POMORSKIE) == 11
    done = invoke_bdp("query", "partner-network", "--out", str(small_out), "--format", "nt")
    assert done.returncode == 0, done.stderr
    assert _edges(done.stdout.encode(), ox.RdfFormat.N_TRIPLES)[0] == EDGES


def test_practices_by_theme_lists_each_practice_with_its_partners(server):
    _, _, body = get(server, "queries/practices-by-theme")
    names = {r[0]: set(r[1].split("; ")) for r in rows_of(body, "practice", "partnerNames")}
    assert names["alfa-razem"] == {"Gmina Alfa", "Fundacja Razem", "Bank Spółdzielczy Alfa"}
    assert names["beta-seniorzy"] == {"Powiat Betański", "Towarzystwo Przyjaciół Seniorów"}


def test_three_sector_partnerships_on_the_bundled_data_is_the_tczew_practice(built, live_server, settings):
    done = invoke_bdp("query", "three-sector-partnerships", "--out", str(built), "--format", "json")
    assert done.returncode == 0, done.stderr
    expected = [("trzy-filary-bank-partnerow-lokalnych", "Tczew", "3")]
    assert rows_of(done.stdout, "practice", "town", "partners") == expected
    server = live_server(create_app(settings.with_(out=str(built))))
    _, _, body = get(server, "queries/three-sector-partnerships")
    assert rows_of(body, "practice", "town", "partners") == expected


# --- formats, pages and errors -------------------------------------------------------------------------

def test_http_and_command_answer_byte_for_byte_the_same_csv(server, small_out):
    status, headers, body = get(server, "queries/three-sector-partnerships", accept="text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    done = subprocess.run([sys.executable, "-m", "publisher", "query", "three-sector-partnerships", "--out",
                           str(small_out), "--format", "csv"], cwd=ROOT, capture_output=True, timeout=120)
    assert body == done.stdout and body.count(b"\r\n") == 4         # bytes, not text: CRLF kept
    status, headers, _ = get(server, "queries/three-sector-partnerships", {"format": "tsv"}, accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    assert '; rel="alternate"; type="text/csv"' in headers["Link"]


def test_the_list_is_html_and_json(server):
    status, headers, body = get(server, "queries", accept="application/json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    listed = {q["name"]: q for q in json.loads(body)["queries"]}
    assert REQUIRED <= set(listed)
    cross = listed["cross-sector-partnerships"]
    assert [p["name"] for p in cross["parameters"]] == ["voivodeship", "theme", "minSectors"]
    assert cross["url"] == server.url + "queries/cross-sector-partnerships" and "SELECT" in cross["sparql"]
    status, _, page = get(server, "queries", accept="text/html")
    assert status == 200 and b'href="/queries/partner-network"' in page
    assert "Partnerstwa międzysektorowe" in page.decode()


def test_the_query_page_shows_a_table_of_links_the_sparql_and_the_query_page_link(server):
    status, headers, body = get(server, "queries/top-partner-organisations", {"lang": "en"},
                                accept="text/html")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert page.count("<tr>") == 1 + len(TOP)
    assert f'href="{server.url}doc/organisation/powiat-beta?lang=en"' in page       # rebased, in English
    assert "Eko-Bud &lt;Synowie&gt; &amp; Spółka" in page and "<Synowie>" not in page
    assert "GROUP BY ?organisation\n" in page and "PREFIX org:" in page
    link = re.search(r'href="([^"]*/sparql\?query=[^"]+)"', page)
    assert link and "top-partner-organisations" in urllib.parse.unquote_plus(link.group(1))
    _, _, empty = get(server, "queries/organisation-partners", accept="text/html")
    assert 'name="organisation"' in empty.decode() and 'class="results' not in empty.decode()


@pytest.mark.parametrize("name, params, named", [
    ("cross-sector-partnerships", {"voivodeship": INJECTIONS[0]}, "voivodeship"),
    ("cross-sector-partnerships", {"theme": INJECTIONS[1]}, "theme"),
    ("cross-sector-partnerships", {"minSectors": "2 } UNION { ?s ?p ?o"}, "minSectors"),
    ("cross-sector-partnerships", {"minSectors": "7"}, "minSectors"),
    ("organisation-partners", {"organisation": INJECTIONS[1]}, "organisation"),
    ("organisation-partners", {"organisation": INJECTIONS[0]}, "organisation"),
    ("organisation-partners", {"organisation": "alfa-razem"}, "organisation"),      # a practice, not an org
    ("organisation-partners", {}, "organisation"),                                 # required
    ("practices-by-funding", {"since": "2015-13-01"}, "since"),
    ("practices-by-funding", {"funding": "fundusz-marsjanski"}, "funding"),
    ("practices-by-theme", {"colour": "blue"}, "colour"),
])
def test_a_bad_parameter_is_a_400_naming_it(server, name, params, named):
    status, headers, body = get(server, f"queries/{name}", params, accept="application/json")
    assert status == 400
    assert named in json.loads(body)["error"]["detail"]
    status, _, page = get(server, f"queries/{name}", params, accept="text/html")
    assert status in (200, 400) and b"Traceback" not in page     # the page shows the form again


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_string_that_looks_like_sparql_matches_nothing_and_keeps_the_shape(server, small_out, value):
    _, _, plain = get(server, "queries/practices-by-theme")
    status, _, body = get(server, "queries/practices-by-theme", {"text": value})
    assert status == 200
    answer = json.loads(body)
    assert answer["head"] == json.loads(plain)["head"] and answer["results"]["bindings"] == []
    done = cli(small_out, "practices-by-theme", {"text": value})
    assert done.returncode == 0 and json.loads(done.stdout) == answer


def test_the_command_refuses_a_bad_parameter_with_exit_2_naming_it(small_out):
    done = cli(small_out, "cross-sector-partnerships", {"voivodeship": INJECTIONS[0]})
    assert done.returncode == 2 and "voivodeship" in done.stderr and "Traceback" not in done.stderr
    done = invoke_bdp("query", "organisation-partners", "--out", str(small_out), "--param", "organisation")
    assert done.returncode == 2 and "NAME=VALUE" in done.stderr
    done = invoke_bdp("query", "no-such-question", "--out", str(small_out))
    assert done.returncode == 2 and "--list" in done.stderr
    done = invoke_bdp("query", "partner-network", "--out", str(small_out), "--format", "csv")
    assert done.returncode == 2 and "CONSTRUCT" in done.stderr


def test_the_command_lists_the_queries_and_prints_a_table(small_out):
    done = invoke_bdp("query", "--list")
    assert done.returncode == 0
    assert all(name in done.stdout for name in REQUIRED) and "--param voivodeship=" in done.stdout
    done = invoke_bdp("query", "three-sector-partnerships", "--out", str(small_out))
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[0].split()[:2] == ["practice", "title"] and len(lines) == 2 + 3


def test_unknown_query_and_unacceptable_type(server):
    status, _, body = get(server, "queries/no-such-question", accept="application/json")
    assert status == 404 and "no-such-question" in json.loads(body)["error"]["detail"]
    status, _, _ = get(server, "queries/three-sector-partnerships", accept="image/png")
    assert status == 406
    status, _, _ = get(server, "queries/three-sector-partnerships", {"format": "ttl"})
    assert status == 400                           # a SELECT has no Turtle
    status, _, _ = get(server, "queries/practices-by-theme?theme=smup&theme=dialog-spoleczny")
    assert status == 400


def test_the_queries_answer_the_same_on_a_remote_store(small_out, settings, oxigraph_server, tmp_path):
    """Over SPARQL 1.1 the bindings become a VALUES block: every case must still give the hand answer."""
    from publisher.read.canned import run
    from publisher.store.remote import RemoteStore

    location = tmp_path / "remote"
    loader = ox.Store(str(location))
    with gzip.open(small_out / "dumps" / "bdp.nt.gz") as dump:
        loader.bulk_load(dump, format=ox.RdfFormat.N_TRIPLES)
    loader.flush()
    del loader
    remote = RemoteStore(settings.with_(sparql_endpoint=oxigraph_server(location).query_url))
    catalogue = load_catalogue()
    try:
        for name, params, columns, expected in CASES:
            result, _ = run(catalogue[name], params, remote, settings)
            got = [tuple(("" if c not in row else row[c].value.rsplit("/", 1)[-1]
                          if isinstance(row[c], ox.NamedNode) else row[c].value) for c in columns)
                   for row in result.rows]
            assert got == expected, name
        graph, _ = run(catalogue["partner-network"], {"voivodeship": "pomorskie"}, remote, settings)
        assert len([t for t in graph.triples if t.predicate.value.endswith("linkedTo")]) == len(EDGES_POMORSKIE)
    finally:
        remote.close()
