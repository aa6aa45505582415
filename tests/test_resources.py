"""Issue 3: dereferenceable IRIs against a real HTTP server on 127.0.0.1 — 303 from /id/ to /doc/, content
negotiation (q-values, suffixes, 406), validators (304), Link/Vary/CORS headers, reverse proxies, keys
with Polish letters, bad paths, an organisation with 5,000 partnerships, /def/ and /shapes, `serve --get`."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH

from publisher.config import load_settings
from publisher.iris import mint
from publisher.pipeline.build import build
from publisher.web import create_app
from tests.conftest import LiveServer, invoke_bdp

BASE = "https://w3id.org/bdp/"
SEED = "trzy-filary-bank-partnerow-lokalnych"
PRACTICE = URIRef(BASE + "id/practice/" + SEED)
HYDRA = "http://www.w3.org/ns/hydra/core#"
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
             "application/n-triples": "nt"}
HUB_PRACTICES = 5000


def parse(body: bytes, media: str) -> Graph:
    with warnings.catch_warnings():
        # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph internally.
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(data=body, format=RDF_TYPES[media])


def serve(out: Path, **overrides: str) -> tuple[LiveServer, object]:
    app = create_app(load_settings({"out": str(out), **overrides}, environ={}))
    return LiveServer(app).__enter__(), app


def stop(server: LiveServer, app: object) -> None:
    server.__exit__(None, None, None)
    store = app.extensions.get("bdp_store")  # type: ignore[attr-defined]
    if store is not None:
        store.close()


def get(url: str, accept: str | None = None, **headers: str) -> requests.Response:
    if accept:
        headers["Accept"] = accept
    return requests.get(url, headers=headers, allow_redirects=False, timeout=30)


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """A request with the path sent byte for byte (no client-side normalisation of '..' or '%2F')."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


# --- 303 and negotiation ----------------------------------------------------------------------------

def test_id_answers_303_see_other_to_the_document(server):
    r = get(server.url + f"id/practice/{SEED}", "text/turtle")
    assert r.status_code == 303
    assert r.headers["Location"] == server.url + f"doc/practice/{SEED}"
    followed = requests.get(server.url + f"id/practice/{SEED}", headers={"Accept": "text/turtle"}, timeout=30)
    assert followed.status_code == 200 and followed.headers["Content-Type"].startswith("text/turtle")
    assert (PRACTICE, RDF.type, None) in parse(followed.content, "text/turtle")


@pytest.mark.parametrize("media", list(RDF_TYPES))
def test_each_rdf_format_parses_with_the_practice_as_subject(server, media):
    r = get(server.url + f"doc/practice/{SEED}", media)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media
    g = parse(r.content, media)
    assert (PRACTICE, URIRef("http://purl.org/dc/terms/title"),
            Literal("Trzy Filary - Bank Partnerów Lokalnych", lang="pl")) in g
    # labels of what it links to travel with it: the implementing unit has its name in the document
    unit = URIRef(BASE + "id/organisation/starostwo-powiatowe-w-tczewie")
    assert any(str(o) == "Starostwo Powiatowe w Tczewie" for o in g.objects(unit, None))


def test_html_parses_through_its_json_ld_with_the_practice_as_subject(server):
    r = get(server.url + f"doc/practice/{SEED}", "text/html")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', r.text, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["@id"] == str(PRACTICE)
    data["@context"] = {"@vocab": "https://schema.org/"}  # no network: the schema.org context inline
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        g = Graph().parse(data=json.dumps(data), format="json-ld")
    assert (PRACTICE, URIRef("https://schema.org/name"), None) in g


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/turtle;q=0.2, application/rdf+xml;q=0.8, text/html;q=0.5", "application/rdf+xml"),
    ("application/ld+json;q=0.3, application/n-triples;q=0.31", "application/n-triples"),
    ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "text/html"),
    ("application/ld+json;q=0, */*;q=0.1", "text/turtle"),
    ("text/*;q=0.5, application/ld+json", "application/ld+json"),
])
def test_q_values_are_honoured(server, accept, expected):
    r = get(server.url + f"doc/practice/{SEED}", accept)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected


def test_nothing_acceptable_is_406_listing_what_is_offered(server):
    r = get(server.url + f"doc/practice/{SEED}", "image/png")
    assert r.status_code == 406
    for media in (*RDF_TYPES, "text/html"):
        assert media in r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("suffix", ["ttl", "jsonld", "rdf", "nt"])
def test_suffix_overrides_accept(server, suffix):
    r = get(server.url + f"doc/practice/{SEED}.{suffix}", "text/html")
    media = next(m for m in RDF_TYPES if m.endswith({"ttl": "turtle", "jsonld": "ld+json", "rdf": "rdf+xml",
                                                       "nt": "n-triples"}[suffix]))
    assert r.headers["Content-Type"].split(";")[0] == media
    assert (PRACTICE, None, None) in parse(r.content, media)
    assert "Accept" not in r.headers.get("Vary", "")
    html = get(server.url + f"doc/practice/{SEED}.html", "text/turtle")
    assert html.headers["Content-Type"].startswith("text/html")


def test_format_parameter_overrides_accept(server):
    r = get(server.url + f"doc/practice/{SEED}?format=nt", "text/html")
    assert r.headers["Content-Type"].startswith("application/n-triples")
    bad = get(server.url + f"doc/practice/{SEED}?format=csv", "text/html")
    assert bad.status_code == 400 and "ttl" in bad.text


def test_headers_vary_link_cors(server):
    r = get(server.url + f"doc/practice/{SEED}", "text/turtle")
    assert "Accept" in r.headers["Vary"]
    links = r.headers["Link"]
    for suffix, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml"),
                          ("nt", "application/n-triples"), ("html", "text/html")):
        assert f'<{server.url}doc/practice/{SEED}.{suffix}>; rel="alternate"; type="{media}"' in links
    assert f'<{server.url}doc/practice/{SEED}>; rel="canonical"' in links
    assert r.headers["Content-Location"] == f"{server.url}doc/practice/{SEED}.ttl"
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_etag_and_last_modified_give_304(server):
    url = server.url + f"doc/practice/{SEED}"
    first = get(url, "text/turtle")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = get(url, "text/turtle", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert get(url, "text/turtle", **{"If-Modified-Since": modified}).status_code == 304
    # another format is another representation: its validator differs, so the old one does not match
    other = get(url, "application/n-triples", **{"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    assert get(url, "text/turtle", **{"If-None-Match": '"something-else"'}).status_code == 200
    assert get(server.url + "doc/practice/nope", "text/turtle", **{"If-None-Match": "*"}).status_code == 404


def test_head_answers_like_get_without_a_body(server):
    url = server.url + f"doc/practice/{SEED}"
    head = requests.head(url, headers={"Accept": "text/turtle"}, timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == get(url, "text/turtle").headers["ETag"]


def test_row_cap_bounds_a_document_and_says_so(built):
    live, app = serve(built, row_cap="5")
    try:
        r = get(live.url + f"doc/practice/{SEED}", "application/n-triples")
        assert r.status_code == 200 and r.headers["X-BDP-Truncated"] == "true"
        assert len(set(parse(r.content, "application/n-triples").predicate_objects(PRACTICE))) <= 5
    finally:
        stop(live, app)


# --- errors ---------------------------------------------------------------------------------------------

def test_unknown_resource_is_404_in_the_negotiated_format(server):
    html = get(server.url + "doc/practice/no-such-practice", "text/html")
    assert html.status_code == 404 and html.headers["Content-Type"].startswith("text/html")
    assert "no-such-practice" in html.text
    text = get(server.url + "doc/practice/no-such-practice", "text/turtle")
    assert text.status_code == 404 and text.headers["Content-Type"].startswith("text/plain")
    assert text.headers["Access-Control-Allow-Origin"] == "*"
    assert get(server.url + "id/practice/no-such-practice", "text/turtle").status_code == 404
    assert get(server.url + "id/colour/red", "text/turtle").status_code == 404
    assert get(server.url + "doc/colour/red", "text/turtle").status_code == 404


@pytest.mark.parametrize("path", [
    "/doc/practice/..", "/doc/practice/%2e%2e", "/doc/practice/..%2F..%2Fpyproject.toml",
    "/doc/practice/a%2Fb", "/doc/practice/a%00b", "/id/practice/%00", "/def/..%2F..%2Fpyproject.toml",
    "/def/../../pyproject.toml", "/doc/../../pyproject.toml", "/def/theme/..%2F..%2F..%2Fpyproject.toml",
    "/shapes/../pyproject.toml", "/browse/theme/..%2F..",
])
def test_bad_paths_are_refused_and_never_reach_a_file(server, path):
    status, body = raw_get(server.url, path)
    assert status in (400, 404)
    assert b"[project]" not in body and b"Traceback" not in body


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999", "1.5"])
def test_bad_page_numbers_are_400(server, page):
    r = get(server.url + f"doc/practice/{SEED}?page={page}", "text/turtle")
    assert r.status_code == 400 and "page" in r.text


def test_page_past_the_end_is_404(server):
    assert get(server.url + f"doc/practice/{SEED}?page=2", "text/turtle").status_code == 404
    assert get(server.url + "doc/organisation/powiat-tczewski?page=9", "text/html").status_code == 404


# --- proxies and IRIs --------------------------------------------------------------------------------------

def test_behind_a_proxy_with_a_prefix_links_use_the_public_base(server):
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "dane.example.org", "X-Forwarded-Prefix": "/bdp"}
    r = get(server.url + f"id/practice/{SEED}", "text/html", **proxy)
    assert r.status_code == 303
    assert r.headers["Location"] == f"https://dane.example.org/bdp/doc/practice/{SEED}"
    page = get(server.url + f"doc/practice/{SEED}", "text/html", **proxy)
    assert 'href="https://dane.example.org/bdp/doc/organisation/powiat-tczewski"' in page.text
    assert "127.0.0.1" not in page.text and "127.0.0.1" not in page.headers["Link"]
    assert f"<https://dane.example.org/bdp/doc/practice/{SEED}.ttl>" in page.headers["Link"]
    # RDF keeps the real IRIs
    ttl = get(server.url + f"doc/practice/{SEED}", "text/turtle", **proxy)
    assert (PRACTICE, None, None) in parse(ttl.content, "text/turtle")


def test_public_url_setting_fixes_the_base(built):
    live, app = serve(built, public_url="https://bdp.example.net/dane/")
    try:
        r = get(live.url + f"id/practice/{SEED}", "text/turtle", **{"X-Forwarded-Host": "evil.example"})
        assert r.headers["Location"] == f"https://bdp.example.net/dane/doc/practice/{SEED}"
    finally:
        stop(live, app)


@pytest.fixture(scope="module")
def polish(built, tmp_path_factory):
    """The bundled build plus an organisation whose key has Polish letters (records allow only
    [a-z0-9-]; IRIs minted elsewhere, e.g. by a linked data set, may not)."""
    out = tmp_path_factory.mktemp("polish") / "out"
    shutil.copytree(built, out)
    store = ox.Store(str(out / "store"))
    org = ox.NamedNode(mint(BASE, "organisation", "gmina-łódź-ząbki"))
    store.add(ox.Quad(org, ox.NamedNode(str(RDF.type)), ox.NamedNode("http://www.w3.org/ns/org#Organization")))
    store.add(ox.Quad(org, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                      ox.Literal("Gmina Łódź-Ząbki", language="pl")))
    store.flush()
    del store
    live, app = serve(out)
    yield live
    stop(live, app)


def test_keys_with_polish_letters_round_trip(polish):
    iri = mint(BASE, "organisation", "gmina-łódź-ząbki")
    assert iri.endswith("gmina-%C5%82%C3%B3d%C5%BA-z%C4%85bki")
    r = get(polish.url + "id/organisation/gmina-łódź-ząbki", "text/turtle")   # requests encodes as UTF-8
    assert r.status_code == 303
    assert r.headers["Location"] == polish.url + "doc/organisation/gmina-%C5%82%C3%B3d%C5%BA-z%C4%85bki"
    doc = get(r.headers["Location"], "text/turtle")
    assert doc.status_code == 200
    assert (URIRef(iri), RDF.type, None) in parse(doc.content, "text/turtle")
    page = get(r.headers["Location"], "text/html")
    assert "Gmina Łódź-Ząbki" in page.text


def links_to(g: Graph, iri: URIRef) -> set:
    return {(s, p) for s, p in g.subject_predicates(iri) if str(p).startswith("http://www.w3.org/ns/org#")}


# --- a resource with thousands of links -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """5,000 tiny practices, each a partnership of the organisation 'hub' and one of ten others."""
    data = tmp_path_factory.mktemp("hub") / "data"
    (data / "practices").mkdir(parents=True)
    (data / "organisations").mkdir()
    (data / "organisations" / "hub.yaml").write_text("key: hub\nname: {pl: Centrum}\nsector: public\n")
    for i in range(10):
        (data / "organisations" / f"other-{i}.yaml").write_text(
            f"key: other-{i}\nname: {{pl: Partner {i}}}\nsector: ngo\n")
    for i in range(HUB_PRACTICES):
        (data / "practices" / f"p{i:05d}.yaml").write_text(
            f"key: p{i:05d}\ntitle: {{pl: Praktyka {i}}}\nentered: 2020-01-01\nthemes: [smup]\n"
            f"partners:\n  - {{organisation: hub, role: lead}}\n  - {{organisation: other-{i % 10}, role: partner}}\n")
    out = data.parent / "out"
    build(load_settings({}, environ={}), data, out, workers=2, validate=False, steps=[])
    live, app = serve(out)
    yield live
    stop(live, app)


def test_an_organisation_with_5000_partnerships_is_paged_in_html(hub):
    r = get(hub.url + "doc/organisation/hub", "text/html")
    assert r.status_code == 200
    rows = re.findall(r'<li><a href="[^"]*/doc/practice/p\d{5}">', r.text)
    assert len(rows) == 50
    assert f"{HUB_PRACTICES:,} praktyk".replace(",", "\u00a0") in r.text       # each practice once
    assert f'<a rel="next" href="{hub.url}doc/organisation/hub?page=2"' in r.text
    assert f'<{hub.url}doc/organisation/hub?page=2>; rel="next"' in r.headers["Link"]
    second = get(hub.url + "doc/organisation/hub?page=2", "text/html")
    assert set(re.findall(r"/doc/practice/(p\d{5})", second.text)).isdisjoint(re.findall(r"/doc/practice/(p\d{5})",
                                                                                          r.text))
    last = get(hub.url + f"doc/organisation/hub?page={HUB_PRACTICES // 50}", "text/html")
    assert last.status_code == 200 and 'rel="next"' not in last.text
    assert get(hub.url + f"doc/organisation/hub?page={HUB_PRACTICES // 50 + 1}", "text/html").status_code == 404


def test_an_organisation_with_5000_partnerships_is_paged_in_rdf(hub):
    r = get(hub.url + "doc/organisation/hub", "text/turtle")
    assert r.status_code == 200
    g = parse(r.content, "text/turtle")
    hub_iri = URIRef(BASE + "id/organisation/hub")
    assert len(links_to(g, hub_iri)) == 50
    totals = [int(t) for t in g.objects(None, URIRef(HYDRA + "totalItems"))]
    assert totals == [2 * HUB_PRACTICES]      # org:hasMember from each partnership, org:member from each membership
    assert (None, URIRef(HYDRA + "next"), URIRef(BASE + "doc/organisation/hub?page=2")) in g
    assert f'<{hub.url}doc/organisation/hub?page=2>; rel="next"' in r.headers["Link"]
    page = get(hub.url + "doc/organisation/hub?page=150", "application/n-triples")
    assert len(links_to(parse(page.content, "application/n-triples"), hub_iri)) == 50


# --- the ontology, the vocabularies and the shapes -------------------------------------------------------------

@pytest.mark.parametrize("media", list(RDF_TYPES))
def test_def_serves_ontology_and_vocabularies_in_every_format(server, media):
    r = get(server.url + "def/", media)
    assert r.status_code == 200
    g = parse(r.content, media)
    assert (URIRef("https://w3id.org/bdp/ontology"), RDF.type, OWL.Ontology) in g
    assert (URIRef("https://w3id.org/bdp/def/theme/uslugi-spoleczne"), None, None) in g


def test_def_terms_and_concepts_dereference(server):
    concept = get(server.url + "def/theme/uslugi-spoleczne", "text/turtle")
    assert concept.status_code == 200
    assert (URIRef("https://w3id.org/bdp/def/theme/uslugi-spoleczne"), None, None) in parse(concept.content,
                                                                                           "text/turtle")
    term = get(server.url + "def/ontology/Practice.ttl")
    assert (URIRef("https://w3id.org/bdp/ontology#Practice"), RDF.type, OWL.Class) in parse(term.content,
                                                                                          "text/turtle")
    assert get(server.url + "def/ontology/NoSuchTerm", "text/html").status_code == 404
    assert get(server.url + "def/theme/no-such-theme", "text/turtle").status_code == 404
    ontology = get(server.url + "ontology")
    assert ontology.status_code == 303 and ontology.headers["Location"] == server.url + "def/ontology"
    whole = get(server.url + "def/ontology.nt")
    assert (URIRef("https://w3id.org/bdp/ontology#partnership"), None, None) in parse(whole.content,
                                                                                     "application/n-triples")


def test_shapes_are_served(server):
    r = get(server.url + "shapes", "text/turtle")
    assert r.status_code == 200
    assert len(list(parse(r.content, "text/turtle").subjects(RDF.type, SH.NodeShape))) > 3
    assert get(server.url + "shapes.jsonld").headers["Content-Type"].startswith("application/ld+json")
    assert get(server.url + "shapes.exe").status_code == 404
    html = get(server.url + "shapes", "text/html")
    assert html.status_code == 200 and "sh:NodeShape" in html.text


# --- the CLI as a smoke test ----------------------------------------------------------------------------------

def test_serve_get_prints_the_document_and_fails_on_non_200(built):
    ok = invoke_bdp("serve", "--out", str(built), "--get", f"/doc/practice/{SEED}.ttl")
    assert ok.returncode == 0, ok.stderr
    assert str(PRACTICE) in ok.stdout
    html = invoke_bdp("serve", "--out", str(built), "--get", f"/id/practice/{SEED}", "--accept", "text/html")
    assert html.returncode == 0 and "Trzy Filary" in html.stdout      # the 303 is followed
    missing = invoke_bdp("serve", "--out", str(built), "--get", "/doc/practice/nope")
    assert missing.returncode != 0 and "404" in missing.stderr
    no_build = invoke_bdp("serve", "--out", str(built.parent / "nothing-here"), "--get", "/")
    assert no_build.returncode != 0 and "Traceback" not in no_build.stderr
