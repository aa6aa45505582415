"""Every page for people, as a person opens it: Debian's headless Chromium (Playwright for Python) at a
desktop (1280x900) and a phone (390x844) viewport, over 120 generated practices plus the bundled data,
served by a real HTTP server on 127.0.0.1 (requests anywhere else are refused and fail the test). On each
page: no horizontal overflow, no console error, and axe-core (tests/fixtures/axe/, vendored from npm)
reports no violation."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from publisher.pipeline.build import build
from publisher.synthetic.generate import generate
from publisher.web import create_app
from tests.conftest import DATA, ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).resolve().parent / "fixtures" / "axe" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
SEED = "trzy-filary-bank-partnerow-lokalnych"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

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
    "sparql": "/sparql", "map": "/map", "not-found": "/doc/practice/no-such-practice", "ontology": "/def/ontology",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from publisher.config import load_settings

    root = tmp_path_factory.mktemp("people")
    data = root / "data"
    generate(120, data, seed=14)
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("links"), dirs_exist_ok=True)
    settings = load_settings({}, environ={})
    build(settings, data, root / "out", workers=2)
    return create_app(settings.with_(out=root / "out", tile_url=""))


@pytest.fixture(scope="module")
def server(site):
    from tests.conftest import LiveServer

    with LiveServer(site) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def partnership_key(server) -> str:
    import requests

    text = requests.get(server.url + f"doc/practice/{SEED}", headers={"Accept": "text/html"}, timeout=30).text
    marker = "/doc/partnership/"
    start = text.index(marker) + len(marker)
    return text[start:text.index('"', start)].split("?")[0]


def visit(browser, server, path: str, viewport: str):
    """(page, console errors, requests off 127.0.0.1) after loading `path` in a fresh context."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="pl-PL")
    errors: list[str] = []
    outside: list[str] = []

    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + path.lstrip("/"), wait_until="load")
    page.wait_for_load_state("networkidle")
    return context, page, errors, outside


def axe_violations(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_is_quiet_and_axe_clean(browser, server, name, viewport):
    path = PAGES[name]
    if "{partnership}" in path:
        path = path.format(partnership=partnership_key(server))
    context, page, errors, outside = visit(browser, server, path, viewport)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"people-{name}-{viewport}.png"), full_page=True)
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate("""() => { const w = window.innerWidth; return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed'
                         && !e.closest('.table-wrap, .leaflet-container, pre'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)); }""")
        assert overflow[0] <= overflow[1], f"{name} at {viewport}: {overflow[0]} px wide in {overflow[1]}: {wide}"
        assert not [e for e in errors if "404" not in e or name != "not-found"], errors
        violations = axe_violations(page)
        assert violations == [], "\n".join(violations)
        assert outside == []
    finally:
        context.close()
