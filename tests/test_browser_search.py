"""The search page in a real browser (issue 14): Debian's headless Chromium driven by Playwright, at a
desktop (1280x900) and a phone (390x844), on the bundled build served by a real HTTP server on 127.0.0.1.
A word form that is not in the practice's text finds it; the forms found are highlighted; a misspelt word
gets a suggestion that leads to the practice; the page does not overflow sideways, logs no console error,
and axe-core (vendored under tests/fixtures/axe/, MPL-2.0) reports no violation. The tests of a viewport
share one browser context, reset before each (conftest.Tab says why that is safe)."""

from __future__ import annotations

import re

import pytest

from publisher.polish import fold_text
from publisher.web import create_app
from tests.conftest import CHROMIUM, VIEWPORTS, LiveServer, axe_violations
from tests.conftest import screenshot as shared_screenshot

SEED = "trzy-filary-bank-partnerow-lokalnych"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run .ci/install-browser "
                                                              "(apt-get install chromium)")


@pytest.fixture(scope="module")
def server(built):
    with LiveServer(create_app(out=built, tile_url="")) as running:
        yield running.url


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request, tabs, server):
    """A page at one viewport; requests off 127.0.0.1 are refused, and they and console errors fail the test."""
    tab = tabs(request.param)
    page = tab.reset()
    page.viewport_name = request.param
    page.base = server
    yield page
    assert tab.outside == [], f"the page asked for something off 127.0.0.1: {tab.outside}"
    assert tab.errors == [], f"console errors: {tab.errors}"


def fits(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wide = page.evaluate("""w => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.tagName + '.' + e.className)""", width)
    assert wide == []


def screenshot(page, name: str) -> None:
    shared_screenshot(page, f"{name}-{page.viewport_name}")


def test_a_form_not_in_the_text_finds_it_highlighted(page):
    page.goto(page.base + "search")
    page.get_by_label("Szukaj praktyk").fill("przedsiębiorca seminarium")
    page.get_by_role("button", name="Szukaj").click()
    page.wait_for_url(re.compile(r"/search\?q="))
    hrefs = page.locator("ol.hits h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert [h.rsplit("/", 1)[-1] for h in hrefs] == [SEED]
    marked = {fold_text(m.lower()) for m in page.locator("ol.hits mark").all_inner_texts()}
    assert "przedsiebiorcow" in marked                       # the form in the text, not the form typed
    assert not marked & {"przedsiebiorca", "seminarium"}
    fits(page)
    assert axe_violations(page) == []
    screenshot(page, "search-lemma")


def test_a_misspelt_word_gets_a_suggestion_that_finds_it(page):
    page.goto(page.base + "search?q=przedsiembiorcow")
    assert page.locator("#total").inner_text() == "0"
    suggestion = page.locator("ul.suggestions a").first
    assert suggestion.inner_text() == "przedsiębiorców"
    fits(page)
    assert axe_violations(page) == []
    screenshot(page, "search-suggestion")
    suggestion.click()
    page.wait_for_url(re.compile(r"q=przedsi%C4%99biorc%C3%B3w"))
    assert page.locator("#total").inner_text() == "1"


def test_a_long_query_of_query_syntax_gives_a_page_that_fits(page):
    page.goto(page.base + "search?q=" + "NEAR(%22a%22+*+-OR+(" * 300)
    assert page.locator("#total").is_visible()
    assert page.locator(".query-note").count() >= 1
    fits(page)
    assert axe_violations(page) == []
