"""Pages for people in a real browser: Debian's headless Chromium driven by Playwright for Python (no
browser download; .ci/install-browser installs the package). The site is the bundled data plus one more
practice (in Łódź, another voivodeship and theme), built by the real pipeline and served by a real HTTP
server on 127.0.0.1. Requests anywhere else are refused and fail the test. A screenshot of each page is
saved under test-artifacts/ when TEST_SCREENSHOTS=1. The tests share one server and one browser context
(one with JavaScript, one without), reset before each (conftest.Tab says why that is safe)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from publisher.pipeline.build import build
from publisher.web import create_app
from tests.conftest import CHROMIUM, DATA, LiveServer, screenshot

SEED_KEY = "trzy-filary-bank-partnerow-lokalnych"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run .ci/install-browser "
                                                              "(apt-get install chromium)")

EXTRA_PRACTICE = {
    "key": "centrum-wolontariatu-lodz", "title": {"pl": "Centrum Wolontariatu w Łodzi"},
    "summary": {"pl": "Wolontariusze pomagają seniorom; miasto i fundacja prowadzą centrum razem."},
    "description": {"pl": "Centrum łączy urząd i organizacje pozarządowe."},
    "entered": dt.date(2012, 5, 1), "unit_type": "miasto-na-prawach-powiatu", "themes": ["uslugi-spoleczne"],
    "implementing_unit": "fundacja-pokolenia",
    "place": {"town": "Łódź", "voivodeship": "łódzkie", "postal_code": "90-001",
              "coordinates": {"lat": 51.7592, "lon": 19.456}},
    "partners": [{"organisation": "fundacja-pokolenia", "role": "lead"},
                 {"organisation": "powiat-tczewski", "role": "partner"}],
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The bundled data plus one practice, built once; an app over it (no map tiles: nothing leaves
    127.0.0.1)."""
    import shutil

    from publisher.config import load_settings

    root = tmp_path_factory.mktemp("browser")
    data = root / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("links"))
    (data / "practices" / "centrum-wolontariatu-lodz.yaml").write_text(
        yaml.safe_dump(EXTRA_PRACTICE, allow_unicode=True, sort_keys=False), encoding="utf-8")
    settings = load_settings({}, environ={})
    build(settings, data, root / "out", workers=1)
    return create_app(settings.with_(out=root / "out", tile_url=""))


@pytest.fixture(scope="module")
def server(site):
    with LiveServer(site) as running:
        yield running


@pytest.fixture
def open_page(tabs, server):
    """open_page(path, javascript=True) -> (page, server url); requests off 127.0.0.1 are refused and
    reported at the end of the test."""
    opened: list = []
    refused: list[str] = []

    def start(path: str, javascript: bool = True):
        tab = tabs({"width": 1200, "height": 900}, java_script_enabled=javascript)
        if tab in opened:
            refused.extend(tab.outside)       # reset() clears them
        else:
            opened.append(tab)
        page = tab.reset()
        page.goto(server.url + path.lstrip("/"))
        return page, server.url

    yield start
    outside = refused + [url for tab in opened for url in tab.outside]
    assert outside == [], f"the pages asked for something off 127.0.0.1: {outside}"


def result_keys(page) -> list[str]:
    hrefs = page.locator("ol.hits h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [h.rsplit("/", 1)[-1] for h in hrefs]


def test_search_for_tczew_lists_the_seed_practice_without_javascript(open_page):
    page, _ = open_page("/search", javascript=False)
    page.get_by_label("Szukaj praktyk").fill("Tczew")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=Tczew"))
    # the seed first (Tczew is its town and in its texts); the Łódź practice has Powiat Tczewski as a partner
    assert result_keys(page) == [SEED_KEY, "centrum-wolontariatu-lodz"]
    assert page.locator("ol.hits mark").first.inner_text().lower().startswith("tczew")
    screenshot(page, "search-tczew")


def test_diacritics_do_not_matter_in_the_browser(open_page):
    page, _ = open_page("/search?q=lodz&lang=en")
    assert result_keys(page) == ["centrum-wolontariatu-lodz"]
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_facet_click_narrows_the_list_and_the_url(open_page):
    page, _ = open_page("/search", javascript=False)
    assert sorted(result_keys(page)) == sorted([SEED_KEY, "centrum-wolontariatu-lodz"])
    assert page.locator("#total").inner_text() == "2"
    link = page.locator('nav.facets a[data-facet="voivodeship"][data-value="22"]')
    assert link.inner_text() == "pomorskie"
    link.click()
    page.wait_for_url(re.compile(r"voivodeship=22"))
    assert result_keys(page) == [SEED_KEY]
    assert page.locator("#total").inner_text() == "1"
    assert page.locator('nav.facets a[aria-current="true"][data-facet="voivodeship"]').count() == 1
    screenshot(page, "search-facet")
    page.get_by_role("link", name=re.compile("Wyczyść wszystko")).click()
    page.wait_for_url(re.compile(r"/search$"))
    assert page.locator("#total").inner_text() == "2"


def test_keyboard_reaches_the_search_box(open_page):
    page, _ = open_page("/search")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("wolontariat")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=wolontariat"))
    assert result_keys(page) == ["centrum-wolontariatu-lodz"]


def test_the_map_shows_the_seed_marker_and_its_popup_links_to_the_practice(open_page):
    page, url = open_page("/map?lat=54.09&lon=18.78&zoom=11")
    page.wait_for_selector("#map[data-loaded=true]")
    marker = page.locator(f'.bdp-marker[data-key="{SEED_KEY}"]')
    marker.wait_for()
    assert page.locator(".bdp-marker").count() == 1
    marker.click()
    link = page.locator(".leaflet-popup-content a")
    link.wait_for()
    assert link.get_attribute("href") == f"{url}doc/practice/{SEED_KEY}"
    assert "Trzy Filary" in link.inner_text()
    assert "1" in page.locator("#map-status").inner_text()
    screenshot(page, "map")


def test_the_whole_map_shows_both_practices(open_page):
    page, _ = open_page("/map")
    page.wait_for_selector("#map[data-loaded=true]")
    page.locator(".bdp-marker").nth(1).wait_for()
    keys = page.locator(".bdp-marker").evaluate_all("ms => ms.map(m => m.dataset.key)")
    assert sorted(keys) == sorted([SEED_KEY, "centrum-wolontariatu-lodz"])
    assert re.search(r"zoom=\d+", page.url)  # the view is kept in the URL


def test_the_practice_page_shows_its_attachments(open_page):
    page, url = open_page(f"/doc/practice/{SEED_KEY}")
    section = page.locator("section.attachments")
    section.wait_for()
    link = section.locator("a").first
    assert link.get_attribute("href") == f"{url}attachments/trzy-filary-opis-projektu.txt"
    assert "krótki opis praktyki" in link.inner_text()
    screenshot(page, "practice")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Giełda Zasobów" in response.text()


CONTRAST = """
(selectors) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) { return c.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const out = {};
  for (const sel of selectors) {
    const el = document.querySelector(sel);
    if (!el) { out[sel] = null; continue; }
    const [a, b] = [lum(rgb(getComputedStyle(el).color).slice(0, 3)), lum(background(el))];
    out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  return out;
}
"""


def test_text_has_enough_contrast_and_the_page_fits_a_phone(open_page):
    page, _ = open_page("/search?q=Tczew")
    ratios = page.evaluate(CONTRAST, ["main h1", "ol.hits h3 a", ".hit .meta", ".hit .snippet", "ol.hits mark",
                                      ".facet a", ".facet .count", "#q-hint", ".search-row button"])
    assert all(r is not None and r >= 4.5 for r in ratios.values()), ratios   # WCAG 2.1 AA
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # on a phone the facets follow the results in one column, and a link at the top leads to them
    assert page.locator("nav.facets").bounding_box()["y"] > page.locator("section.results").bounding_box()["y"]
    page.get_by_role("link", name=re.compile("Zawęź wyniki")).click()
    assert page.url.endswith("#facets")
    screenshot(page, "search-phone")
