"""Every page for people, as a person opens it: Debian's headless Chromium (Playwright for Python) at a
desktop (1280x900) and a phone (390x844) viewport, over 120 generated practices plus the bundled data,
served by a real HTTP server on 127.0.0.1 (requests anywhere else are refused and fail the test). On each
page: no horizontal overflow, no console error, and axe-core (tests/fixtures/axe/, vendored from npm)
reports no violation (once per template and viewport: a page that only changes the language or the order of
a list another visit checks keeps the other assertions). The page visits are two classes, one per viewport,
so that pytest-xdist's loadscope gives them to both workers; the site is built
once per run (conftest.made_once). The visits of a viewport share one browser context, reset before each
(conftest.Tab says why that is safe)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.pipeline.build import build
from publisher.synthetic.generate import generate
from publisher.web import create_app
from tests.conftest import CHROMIUM, DATA, VIEWPORTS, axe_violations, made_once, screenshot

SEED = "trzy-filary-bank-partnerow-lokalnych"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run .ci/install-browser")

# Every kind of page for people; {org} and {partnership} are filled from the data.
PAGES = {
    "home": "/", "home-en": "/?lang=en", "search": "/search?q=Tczew", "search-empty": "/search?q=zzzzqqq",
    "browse": "/browse", "browse-theme": "/browse/theme/uslugi-spoleczne", "practice": f"/doc/practice/{SEED}",
    "practice-en": f"/doc/practice/{SEED}?lang=en", "organisation": "/doc/organisation/powiat-tczewski",
    "partnership": "/doc/partnership/{partnership}", "concept": "/def/theme/uslugi-spoleczne",
    "catalog": "/catalog", "queries": "/queries", "query-theme": "/queries/practices-by-theme",
    "query-voivodeship": "/queries/partnerships-by-voivodeship",
    "query-cross": "/queries/cross-sector-partnerships", "query-partners": "/queries/top-partner-organisations",
    "sparql": "/sparql", "map": "/map", "map-missing": "/map/without-coordinates",
    "not-found": "/doc/practice/no-such-practice", "ontology": "/def/ontology", "query-raw":
    "/queries/partnerships-by-voivodeship?view=table", "browse-title": "/browse/theme/uslugi-spoleczne?sort=title",
    "search-title": "/search?q=gmina&sort=title", "search-all-title": "/search?sort=title&lang=en",
}
# Visits whose template and content another visit already gives to axe: the same page in English, the same
# list in another order (the sorted search is also checked by test_search_results_sort_and_show_partner_sectors),
# the query answer page with one more table of the same kinds of cells.
AXE_COVERED_BY = {"home-en": "home", "practice-en": "practice", "search-title": "search",
                  "search-all-title": "search", "browse-title": "browse-theme", "query-cross": "query-theme"}


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    from publisher.config import load_settings

    settings = load_settings({}, environ={})

    def make(root: Path) -> None:
        data = root / "data"
        generate(120, data, seed=14)
        shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("links"), dirs_exist_ok=True)
        build(settings, data, root / "out", workers=2)

    out = made_once(tmp_path_factory, "people", make) / "out"     # one build for both workers' classes
    return create_app(settings.with_(out=out, tile_url=""))


@pytest.fixture(scope="session")
def server(site):
    from tests.conftest import LiveServer

    with LiveServer(site) as live:
        yield live


def partnership_key(server) -> str:
    import requests

    text = requests.get(server.url + f"doc/practice/{SEED}", headers={"Accept": "text/html"}, timeout=30).text
    marker = "/doc/partnership/"
    start = text.index(marker) + len(marker)
    return text[start:text.index('"', start)].split("?")[0]


# The page's width against the window's, and the first elements that run past its right edge (for the message).
OVERFLOW = """() => { const w = window.innerWidth; return [document.documentElement.scrollWidth, w,
    [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed'
                 && !e.closest('.table-wrap, .leaflet-container, pre'))
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))]; }"""


def check_page(tabs, server, name: str, viewport: str) -> None:
    path = PAGES[name]
    if "{partnership}" in path:
        path = path.format(partnership=partnership_key(server))
    tab = tabs(viewport)
    page = tab.open(server.url + path.lstrip("/"))
    screenshot(page, f"people-{name}-{viewport}")
    width, window, wide = page.evaluate(OVERFLOW)
    assert width <= window, f"{name} at {viewport}: {width} px wide in {window}: {wide}"
    assert not [e for e in tab.errors if "404" not in e or name != "not-found"], tab.errors
    if name not in AXE_COVERED_BY:
        violations = axe_violations(page)
        assert violations == [], violations
    assert tab.outside == []


class TestDesktop:
    @pytest.mark.parametrize("name", list(PAGES))
    def test_page_fits_is_quiet_and_axe_clean(self, tabs, server, name):
        check_page(tabs, server, name, "desktop")


class TestPhone:
    @pytest.mark.parametrize("name", list(PAGES))
    def test_page_fits_is_quiet_and_axe_clean(self, tabs, server, name):
        check_page(tabs, server, name, "phone")


# --- what the pages say -------------------------------------------------------------------------------

def get(server, path: str, **params: str):
    import requests

    return requests.get(server.url + path.lstrip("/"), params=params, headers={"Accept": "text/html"}, timeout=60)


def text_of(html: str) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_home_page_is_the_front_door(server):
    import re

    page = get(server, "/").text
    assert re.search(r'<form role="search" method="get" action="/search"', page)
    themes = re.findall(r'<span class="theme-name">([^<]+)</span>\s*<span class="theme-count">([^<]+)</span>', page)
    assert [t for t, _ in themes] == ["Dialog społeczny", "Efektywność energetyczna", "Rozwój instytucjonalny",
                                      "System Monitorowania Usług Publicznych (SMUP)", "Usługi społeczne",
                                      "Usługi techniczne", "Współpraca między JST"]
    assert all(re.fullmatch(r"\d+ praktyk[ai]?", n) for _, n in themes), themes
    assert page.count('<svg class="chart bars"') == 1 and "Praktyki według województw" in page
    newest = page.split('id="newest-h"')[1].split("</section>")[0]
    assert newest.count("<li>") == 6
    assert "2016" in text_of(newest)                     # the generator's newest year
    assert "122 praktyki" in page or re.search(r"\d+ praktyk", page)
    english = get(server, "/", lang="en").text
    assert "Newest practices" in english and re.search(r"\d+ practices", english) and "About the data" in english


def test_a_list_sorts_by_title_in_polish_order_and_by_date(server):
    import re

    from publisher.collation import sort_key

    def titles(html):
        return [text_of(t) for t in re.findall(r'<li><a href="[^"]+">(.*?)</a>\s*<span class="meta">', html)]

    by_title = titles(get(server, "/browse/theme/uslugi-spoleczne", sort="title").text)
    assert len(by_title) > 20
    assert by_title == sorted(by_title, key=sort_key)
    # the voivodeships in Polish alphabetical order: ł after l, ś after s (not after z, as code points sort)
    section = get(server, "/browse").text.split('<section id="voivodeship">')[1].split("</section>")[0]
    names = re.findall(r'<a href="[^"]+">([^<]+)</a>', section)
    assert names.index("lubuskie") < names.index("łódzkie") < names.index("małopolskie")
    assert names.index("pomorskie") < names.index("śląskie") < names.index("świętokrzyskie") < names.index(
        "warmińsko-mazurskie")
    newest = get(server, "/browse/theme/uslugi-spoleczne").text
    years = [int(y) for y in re.findall(r'<span class="meta">[^<]*· (\d{4})(?: ·|</span>)', newest)]
    assert len(years) > 20 and years == sorted(years, reverse=True)
    assert "42 praktyki" in newest or re.search(r"\d+ praktyk", newest)
    bad = get(server, "/browse/theme/uslugi-spoleczne", sort="'; DROP")
    assert bad.status_code == 400 and "sort" in bad.text


def test_an_organisation_shows_its_partners_across_sectors(server):
    page = get(server, "/doc/organisation/powiat-tczewski").text
    drawing = page.split('<svg class="chart network"')[1].split("</svg>")[0]
    assert drawing.count("<circle") == 3 + 1                # three partners and the organisation
    listed = page.split('<ul class="partners-list">')[1].split("</ul>")[0]
    assert "Fundacja Pokolenia" in listed and "pozarządowy" in listed and "1 praktyka" in listed


def test_a_query_answer_is_made_for_people(server):
    import re

    import requests

    page = get(server, "/queries/partnerships-by-voivodeship").text
    head = re.findall(r'<th scope="col">([^<]+)</th>', page)
    assert head == ["Województwo", "Partnerstwa", "Międzysektorowe"]
    assert "voivodeshipName" not in page.split("<h2")[1]     # no SPARQL variable in the answer (the query text is below)
    assert page.split('<svg class="chart bars"')[1].split("</svg>")[0].count("<rect") == 16
    assert 'data-label="Województwo"' in page               # cards on a phone
    assert re.search(r'<td data-label="Województwo"><a href="[^"]+/def/voivodeship/\d+">[a-ząćęłńóśźż-]+</a>', page)
    raw = get(server, "/queries/partnerships-by-voivodeship", view="table").text
    assert re.findall(r'<th scope="col">([^<]+)</th>', raw)[:2] == ["voivodeship", "name"]
    csv = re.search(r'<a href="([^"]+)" type="text/csv" download>CSV</a>', page).group(1).replace("&amp;", "&")
    answer = requests.get(server.url.rstrip("/") + csv, timeout=60)
    assert answer.headers["Content-Type"].startswith("text/csv") and answer.text.startswith("voivodeship,")
    english = get(server, "/queries/partnerships-by-voivodeship", lang="en").text
    assert re.findall(r'<th scope="col">([^<]+)</th>', english) == ["Voivodeship", "Partnerships", "Cross-sector"]


def test_not_found_is_translated_with_a_search_box(server):
    for lang, heading in (("pl", "Nie ma takiej strony"), ("en", "Page not found")):
        r = get(server, "/doc/practice/no-such-thing", lang=lang)
        assert r.status_code == 404 and f"<h1>{heading}</h1>" in r.text
        assert '<input type="search" id="error-q" name="q"' in r.text


def test_the_favicon_is_served(server):
    import requests

    r = requests.get(server.url + "favicon.ico", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/vnd.microsoft.icon"
    assert r.content[:4] == b"\x00\x00\x01\x00" and b"PNG" in r.content[:40]


def test_the_map_draws_poland_without_tiles_and_says_what_it_cannot_show(tabs, server):
    import re

    tab = tabs("desktop")
    page = tab.open(server.url + "map")
    page.wait_for_selector(".leaflet-overlay-pane path", timeout=15000)
    assert page.locator(".leaflet-overlay-pane path").count() >= 1      # the outline, tiles off
    assert page.locator(".leaflet-tile").count() == 0
    coverage = page.locator("p.coverage").inner_text()
    shown, total = (int(n.replace("\u00a0", "")) for n in re.findall(r"[\d\u00a0]+(?= )", coverage)[:2])
    assert 0 < shown < total
    page.locator("p.coverage a").click()
    page.wait_for_url(re.compile(r"/map/without-coordinates"))
    assert page.locator("ol.practice-list > li").count() == min(total - shown, 50)
    assert tab.errors == [] and tab.outside == []


def test_lists_hold_every_member_past_the_row_cap(site, server):
    """The row cap bounds answers sent to clients; a list of practices is made from all its members."""
    import re

    from tests.conftest import LiveServer

    full = get(server, "/browse/theme/uslugi-spoleczne").text
    count = re.search(r"(\d+) praktyk", full).group(1)
    capped = create_app(site.config["BDP"].with_(row_cap=40))     # fewer than the rows of the list
    with LiveServer(capped) as live:
        text = get(live, "/browse/theme/uslugi-spoleczne").text
        assert re.search(r"(\d+) praktyk", text).group(1) == count and int(count) > 40
        home = get(live, "/").text
        assert home.split('id="newest-h"')[1].split("</section>")[0].count("<li>") == 6
    if capped.extensions.get("bdp_store") is not None:
        capped.extensions["bdp_store"].close()


def test_a_long_answer_is_paged_for_people_and_whole_in_the_downloads(server):
    import re

    import requests

    first = get(server, "/queries/top-partner-organisations").text
    total = int(re.search(r"\((\d+) wiersz", first).group(1))
    assert total > 50 and first.count('<td data-label="Organizacja">') == 50
    following = re.search(r'<a rel="next" href="([^"]+)">', first).group(1).replace("&amp;", "&")
    second = requests.get(server.url.rstrip("/") + following, headers={"Accept": "text/html"}, timeout=60).text
    assert second.count('<td data-label="Organizacja">') == total - 50
    csv = requests.get(server.url + "queries/top-partner-organisations", params={"format": "csv"}, timeout=60)
    assert len(csv.text.strip().splitlines()) == total + 1
    assert get(server, "/queries/top-partner-organisations", page="9").status_code == 404


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_search_results_sort_and_show_partner_sectors(tabs, server, viewport):
    """The search page's list is the lists' component: the order links work (relevance, newest, title in
    Polish collation) and each item shows place · voivodeship · year · the sectors of its partners."""
    import re

    from publisher.collation import sort_key

    tab = tabs(viewport)
    page = tab.open(server.url + "search?q=gmina")
    sorts = page.locator("nav.sorts a")
    assert sorts.all_inner_texts() == ["według trafności", "najnowsze", "według tytułu"]
    assert page.locator("nav.sorts a[aria-current]").inner_text() == "według trafności"
    total = page.locator("#total").inner_text()
    relevant = page.locator("ol.hits h3").all_inner_texts()
    page.get_by_role("link", name="według tytułu").click()
    page.wait_for_url(re.compile(r"sort=title"))
    assert page.locator("#total").inner_text() == total          # the same hits, another order
    titles = page.locator("ol.hits h3").all_inner_texts()
    assert len(titles) > 10 and titles == sorted(titles, key=sort_key) and titles != relevant
    metas = page.locator("ol.hits .meta").all_inner_texts()
    sectors = {"publiczny", "pozarządowy", "biznesowy"}
    assert sum(any(s in m for s in sectors) for m in metas) > len(metas) // 2, metas
    assert all(re.search(r" · \d{4}", m) for m in metas), metas
    page.get_by_role("link", name="najnowsze").click()
    page.wait_for_url(re.compile(r"sort=newest"))
    years = [int(re.search(r" · (\d{4})", m).group(1)) for m in page.locator("ol.hits .meta").all_inner_texts()]
    assert len(years) > 10 and years == sorted(years, reverse=True) and years[0] > years[-1]
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1]
    assert axe_violations(page) == []
    screenshot(page, f"people-search-sorted-{viewport}")
    assert tab.errors == [] and tab.outside == []
