"""Issue 3: the pages for people, over real HTTP — the practice page ("Skrót i Metryka": summary,
description, metric table, partners with sectors and roles, themes, funding, format links, schema.org
JSON-LD), organisation, concept, term and browse pages; Polish by default, English on request with
fall-back; everything from the data escaped (a title `<script>alert(1)</script>`, a `javascript:` IRI)."""

from __future__ import annotations

import html
import json
import re
import shutil

import pyoxigraph as ox
import pytest
import requests

from publisher.config import load_settings
from publisher.pipeline.build import build
from publisher.web import create_app
from tests.conftest import DATA, LiveServer

BASE = "https://w3id.org/bdp/"
SEED = "trzy-filary-bank-partnerow-lokalnych"
SCRIPT = "<script>alert(1)</script>"
WIKIDATA = "http://www.wikidata.org/entity/Q1815463"

TRICKY = f"""key: skrypt-w-tytule
title: {{pl: "{SCRIPT}"}}
summary: {{pl: "Skrót z </script><b>pogrubieniem</b> & znakami"}}
entered: 2020-05-05
unit_type: gmina-wiejska
themes: [smup]
place: {{town: "Wieś <i>", voivodeship: "12", postal_code: 30-001}}
partners:
  - {{organisation: powiat-tczewski, role: lead}}
  - {{organisation: fundacja-pokolenia, role: partner}}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The bundled records plus a practice whose title is a script (built through the real pipeline), and
    two triples no record can produce: a `javascript:` web page and an owl:sameAs to Wikidata."""
    root = tmp_path_factory.mktemp("pages")
    data = root / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("links"))
    (data / "practices" / "skrypt-w-tytule.yaml").write_text(TRICKY, encoding="utf-8")
    out = root / "out"
    build(load_settings({}, environ={}), data, out, workers=2, steps=[])
    store = ox.Store(str(out / "store"))
    tricky = ox.NamedNode(BASE + "id/practice/skrypt-w-tytule")
    store.add(ox.Quad(tricky, ox.NamedNode("http://xmlns.com/foaf/0.1/page"), ox.NamedNode("javascript:alert(2)")))
    store.add(ox.Quad(ox.NamedNode(BASE + "id/organisation/powiat-tczewski"),
                      ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"), ox.NamedNode(WIKIDATA)))
    store.flush()
    del store
    app = create_app(load_settings({"out": str(out)}, environ={}))
    live = LiveServer(app).__enter__()
    yield live
    live.__exit__(None, None, None)
    if app.extensions.get("bdp_store") is not None:
        app.extensions["bdp_store"].close()


def page(site, path: str, **headers: str) -> str:
    r = requests.get(site.url + path.lstrip("/"), headers={"Accept": "text/html", **headers}, timeout=30)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].startswith("text/html")
    return r.text


def json_ld(text: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def cell(text: str, heading: str) -> str:
    """The table cell next to the row heading `heading` (tags removed, whitespace squeezed)."""
    m = re.search(r'<th scope="row">(?:<a href="[^"]*">)?' + re.escape(heading) + r"(?:</a>)?</th><td>(.*?)</td></tr>",
                  text, re.S)
    assert m, f"no row {heading!r}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split()).replace(" ,", ",")


# --- the practice page ------------------------------------------------------------------------------------

def test_practice_page_has_summary_description_and_metric_table(site):
    text = page(site, f"doc/practice/{SEED}")
    assert "<h1>Trzy Filary - Bank Partnerów Lokalnych</h1>" in text
    assert "<h2>Skrót</h2>" in text and "Projekt realizowany był w partnerstwie 3 sektorów" in text
    body = text[text.index("<main"):]
    assert "<h2>Opis</h2>" in body and body.count("<p>Giełda to drugi innowacyjny składnik projektu") == 1
    assert "<h2>Metryka</h2>" in text
    expected = {"Data wprowadzenia": "3 marca 2011", "Typ jednostki": "gmina miejska", "Miejscowość": "Tczew",
                "Województwo": "pomorskie", "Kod pocztowy": "83-110",
                "Jednostka realizująca": "Starostwo Powiatowe w Tczewie", "Ulica": "Ul. Piaskowa 2",
                "Liczba mieszkańców": "112 495",
                "Strony internetowe": "http://www.fundacjapokolenia.pl http://www.powiat.tczew.pl",
                "Obszary tematyczne": "Rozwój instytucjonalny, Dialog społeczny",
                "Źródła finansowania": "Program Operacyjny Kapitał Ludzki, Europejski Fundusz Społeczny"}
    for heading, value in expected.items():
        assert cell(text, heading) == value
    # contacts are personal data: the seed's two are not marked publish, so neither name appears
    assert cell(text, "Osoby do kontaktu") == "nie opublikowano"
    assert "Jagodda" not in text and "Jabłonowska" not in text and "fundusze@powiat" not in text


def test_practice_page_lists_the_three_partners_with_sectors_and_roles(site):
    text = page(site, f"doc/practice/{SEED}")
    section = text[text.index('<section class="partners">'):]
    rows = re.findall(r"<tr><td><a href=\"[^\"]+\">([^<]+)</a></td><td><a href=\"[^\"]+\">([^<]+)</a></td>"
                      r"<td><a href=\"[^\"]+\">([^<]+)</a></td></tr>", section)
    assert sorted(rows) == [("Bank Spółdzielczy w Tczewie", "biznesowy (prywatny)", "partner"),
                            ("Fundacja Pokolenia", "pozarządowy", "partner"),
                            ("Powiat Tczewski", "publiczny (samorządowy)", "lider")]
    assert f'href="{site.url}doc/organisation/powiat-tczewski"' in section


def test_practice_page_links_every_data_format_and_embeds_schema_org(site):
    text = page(site, f"doc/practice/{SEED}")
    for suffix, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                          ("rdf", "application/rdf+xml"), ("nt", "application/n-triples")):
        assert f'<a href="{site.url}doc/practice/{SEED}.{suffix}" type="{media}">' in text
    data = json_ld(text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "CreativeWork"
    assert data["@id"] == BASE + f"id/practice/{SEED}"
    assert data["name"] == "Trzy Filary - Bank Partnerów Lokalnych"
    assert data["dateCreated"] == "2011-03-03"
    assert data["spatialCoverage"]["address"]["postalCode"] == "83-110"
    assert {c["name"] for c in data["contributor"]} == {"Powiat Tczewski", "Fundacja Pokolenia",
                                                         "Bank Spółdzielczy w Tczewie"}


def test_english_by_parameter_or_accept_language(site):
    for text in (page(site, f"doc/practice/{SEED}?lang=en"),
                 page(site, f"doc/practice/{SEED}", **{"Accept-Language": "en-GB,en;q=0.9"})):
        assert "<h1>Three Pillars - Local Partners&#39; Bank</h1>" in text
        assert "<h2>Summary</h2>" in text and cell(text, "Voivodeship") == "Pomeranian Voivodeship"
        assert '<html lang="en">' in text
    assert "<h2>Skrót</h2>" in page(site, f"doc/practice/{SEED}", **{"Accept-Language": "pl"})


def test_site_header_follows_each_requests_prefix_and_language(site):
    """The header's links and strings are made once per process: a request behind a proxy prefix, one
    without, and one in English each get their own (nothing carried over from the request before)."""
    behind = page(site, f"doc/practice/{SEED}", **{"X-Forwarded-Prefix": "/bdp"})
    plain = page(site, f"doc/practice/{SEED}")
    english = page(site, f"doc/practice/{SEED}?lang=en")
    assert '<link rel="stylesheet" href="/bdp/static/bdp.css">' in behind
    assert '<li><a href="/bdp/browse">Przeglądaj</a></li>' in behind
    assert '<link rel="stylesheet" href="/static/bdp.css">' in plain and 'href="/bdp/' not in plain
    assert '<li><a href="/browse">Przeglądaj</a></li>' in plain
    assert '<li><a href="/browse?lang=en">Browse</a></li>' in english
    assert '<a href="/?lang=en">Good Practice Bank</a>' in english


def test_missing_english_label_falls_back_to_polish(site):
    text = page(site, "doc/practice/skrypt-w-tytule?lang=en")
    assert "<h2>Summary</h2>" in text
    assert f'<h1><span lang="pl">{html.escape(SCRIPT)}</span></h1>' in text     # marked as Polish


# --- escaping --------------------------------------------------------------------------------------------

def test_data_is_escaped_everywhere(site):
    text = page(site, "doc/practice/skrypt-w-tytule")
    assert SCRIPT not in text and "<b>pogrubieniem</b>" not in text and "Wieś <i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;pogrubieniem&lt;/b&gt; &amp; znakami" in text
    # in the JSON-LD block '<' is escaped, so the title cannot close the script element
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1)
    assert "<" not in block and json.loads(block)["name"] == SCRIPT
    # a javascript: IRI in the data is shown, never linked
    assert 'href="javascript:' not in text and "javascript:alert(2)" in text


def test_escaped_in_lists_and_incoming_links_too(site):
    for path in ("doc/organisation/powiat-tczewski", "def/theme/smup", "browse/theme/smup"):
        text = page(site, path)
        assert SCRIPT not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- other pages ---------------------------------------------------------------------------------------------

def test_organisation_page_lists_its_practices_with_roles_and_same_as(site):
    text = page(site, "doc/organisation/powiat-tczewski")
    assert "<h1>Powiat Tczewski</h1>" in text
    assert cell(text, "Sektor") == "publiczny (samorządowy)"
    assert cell(text, "kod TERYT") == "2214 stały adres według tego numeru"
    assert '<code>2214</code> <a class="code-link" href="/id/organisation/teryt/2214">' in text
    item = text.split(f'<li><a href="{site.url}doc/practice/{SEED}">Trzy Filary - Bank Partnerów Lokalnych</a>')[1]
    # place · voivodeship · year · partner sectors · its roles (the lead partner and the implementing unit)
    meta = item.split("</li>")[0]
    assert "Tczew · pomorskie · 2011 · biznesowy (prywatny), pozarządowy, publiczny (samorządowy) · lider" in meta
    # the seed and the tricky practice, counted as practices (not as the rows of its links)
    assert "2 praktyki</h2>" in text
    also_in = text.split('<p class="also-in">Także w:', 1)[1].split("</p>", 1)[0]      # issue 8: named registries
    assert f'<a href="{WIKIDATA}" rel="external">Wikidata Q1815463</a>' in also_in and "TERYT <code>2214</code>" in also_in
    assert json_ld(text)["@type"] == "Organization" and json_ld(text)["sameAs"] == [WIKIDATA]


def test_partnership_page_shows_members_by_name(site):
    text = page(site, f"doc/partnership/{SEED}")
    for name in ("Powiat Tczewski", "Fundacja Pokolenia", "Bank Spółdzielczy w Tczewie"):
        assert f">{name}</a>" in text
    assert "org:hasMember" in text          # reused predicates without a label show as CURIEs


def test_concept_page_lists_the_practices_that_use_it(site):
    text = page(site, "def/theme/dialog-spoleczny")
    assert "<h1>Dialog społeczny</h1>" in text
    assert f'href="{site.url}doc/practice/{SEED}"' in text
    assert f'href="{site.url}def/theme"' in text
    assert 'href="/browse/theme/dialog-spoleczny"' in text
    assert json_ld(text)["@type"] == "DefinedTerm"


def test_def_index_and_term_pages(site):
    text = page(site, "def/")
    assert f'href="{site.url}def/ontology/Practice"' in text and f'href="{site.url}def/theme/smup"' in text
    assert 'id="Practice"' in text
    term = page(site, "def/ontology/Practice")
    assert "<h1>dobra praktyka</h1>" in term and "Przedsięwzięcie (projekt, usługa, rozwiązanie)" in term
    assert "dobra praktyka" in page(site, "def/ontology")
    shapes = page(site, "shapes")
    assert "&lt;https://w3id.org/bdp/shapes#&gt;" in shapes


def test_browse_lists_by_theme_voivodeship_and_sector_with_counts(site):
    text = page(site, "browse")
    assert re.search(r'<a href="/browse/theme/smup">[^<]+</a> <span class="muted">\(1\)</span>', text)
    assert '<a href="/browse/voivodeship/22">pomorskie</a> <span class="muted">(1)</span>' in text
    assert '<a href="/browse/sector/public">publiczny (samorządowy)</a> <span class="muted">(2)</span>' in text
    listing = page(site, "browse/voivodeship/22")
    assert f'href="{site.url}doc/practice/{SEED}"' in listing
    sector = page(site, "browse/sector/ngo")
    assert ">Fundacja Pokolenia</a>" in sector
    for bad in ("browse/colour/red", "browse/theme/no-such-theme", "browse/theme/smup?page=2"):
        assert requests.get(site.url + bad, timeout=30).status_code == 404
    assert requests.get(site.url + "browse/theme/smup?page=x", timeout=30).status_code == 400
