"""The submission form as a person uses it: Debian's Chromium driven by Playwright, in Polish and in
English, against a real server on 127.0.0.1 (requests anywhere else fail the test). A valid proposal
lands in the queue; each broken field shows the shapes' own sh:message (read from shapes/bdp-shapes.ttl
here) at that field; the page is axe-clean on a desktop and on a phone. Screenshots go to
test-artifacts/ when TEST_SCREENSHOTS=1. The tests of a viewport share one browser context, reset before
each (conftest.Tab says why that is safe: the form's session cookie goes with the others)."""

from __future__ import annotations

import re
from functools import cache

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from tests.conftest import CHROMIUM, ROOT, VIEWPORTS, axe_violations, screenshot
from tests.intake_support import PDF, intake_app, queued

SEND = {"pl": "Wyślij zgłoszenie", "en": "Send the proposal"}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run .ci/install-browser")


@pytest.fixture
def form(tabs, built, settings, tmp_path, live_server):
    """form(lang, viewport='desktop') -> page at /submit; the queue is `form.queue`."""
    queue = tmp_path / "queue"
    server = live_server(intake_app(settings, built, queue))
    opened: list = []

    def open_form(lang: str, viewport: str = "desktop"):
        tab = tabs(viewport)
        assert tab not in opened, "one form a viewport a test: reset() would forget the first one's requests"
        opened.append(tab)
        page = tab.reset()
        page.goto(f"{server.url}submit?lang={lang}")
        return page

    open_form.queue = queue
    yield open_form
    outside = [url for tab in opened for url in tab.outside]
    assert outside == [], f"the form asked for something off 127.0.0.1: {outside}"


@cache
def shapes() -> Graph:
    return Graph().parse(ROOT / "shapes" / "bdp-shapes.ttl")


def shape_messages(path: str, lang: str) -> set[str]:
    """Every sh:message in `lang` of the property shapes on `path` (a full IRI)."""
    return {str(m) for shape in shapes().subjects(SH.path, URIRef(path))
            for m in shapes().objects(shape, SH.message) if getattr(m, "language", None) == lang}


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_valid_proposal_lands_in_the_queue(form, lang, tmp_path):
    page = form(lang)
    assert page.locator("html").get_attribute("lang") == lang
    page.locator("#f-title_pl").fill("Klub seniora w Pelplinie")
    page.locator("#f-summary_pl").fill("Gmina i parafialny zespół Caritas prowadzą klub.")
    page.locator("input[name=themes][value=uslugi-spoleczne]").check()
    page.locator("#f-voivodeship").select_option("pomorskie")
    page.locator("#f-town").fill("Pelplin")
    page.locator("#f-postal_code").fill("83-130")
    partner = page.locator("#f-partner-0-name")
    partner.press_sequentially("Pokol")
    suggestion = "Fundacja Pokolenia" if lang == "pl" else "Pokolenia Foundation"
    page.wait_for_function("() => [...document.querySelectorAll('#orgs-0 option')].length > 0")
    assert page.locator("#orgs-0 option").first.get_attribute("value") == suggestion
    partner.fill(suggestion)
    page.locator("#f-partner-0-role").select_option("lead")
    page.locator("#f-partner-1-name").fill("Caritas Pelplin")
    page.locator("#f-partner-1-sector").select_option("ngo")
    page.locator("#f-contact-0-name").fill("Ewa Kowalska")
    page.locator("#f-contact-0-email").fill("ewa@example.org")
    assert not page.locator("#f-contact-0-publish").is_checked()       # consent is never assumed
    page.locator("#f-attachment-0-title").fill("Regulamin klubu")
    pdf = tmp_path / "regulamin.pdf"
    pdf.write_bytes(PDF)
    page.locator("#f-attachment-0-file").set_input_files(str(pdf))
    screenshot(page, f"submit-filled-{lang}")
    page.get_by_role("button", name=SEND[lang]).click()
    page.wait_for_url(re.compile(r"/submit/received/"))
    number = page.locator("#proposal-number").inner_text()
    assert axe_violations(page) == []
    screenshot(page, f"submit-received-{lang}")
    [folder] = queued(form.queue)
    assert folder.name == number
    proposal = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))
    practice = proposal["practice"]
    assert practice["title"] == {"pl": "Klub seniora w Pelplinie"}
    assert practice["partners"][0] == {"organisation": "fundacja-pokolenia", "role": "lead"}
    assert proposal["organisations"] == [{"key": "caritas-pelplin", "name": {"pl": "Caritas Pelplin"},
                                          "sector": "ngo"}]
    assert practice["contacts"] == [{"name": "Ewa Kowalska", "email": "ewa@example.org", "publish": False}]
    assert practice["attachments"][0]["media_type"] == "application/pdf"


# field -> (what is typed, the predicate whose shape refuses it)
BROKEN = {
    "title_pl": ("", "http://purl.org/dc/terms/title"),
    "postal_code": ("83140", "http://www.w3.org/2006/vcard/ns#postal-code"),
    "population": ("-5", "https://w3id.org/bdp/ontology#population"),
    "lat": ("80", "http://www.w3.org/2003/01/geo/wgs84_pos#lat"),
    "websites": ("ftp://example.org", "http://xmlns.com/foaf/0.1/page"),
    "partner-1-sector": ("", "https://w3id.org/bdp/ontology#sector"),
    "partner-1-nip": ("1234567890", "http://www.w3.org/2004/02/skos/core#notation"),
    "contact-0-email": ("nie-mail", "http://www.w3.org/2006/vcard/ns#hasEmail"),
}


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_each_broken_field_shows_its_shape_message(form, lang):
    page = form(lang)
    page.locator("#f-summary_pl").fill("Skrót.")
    page.locator("#f-town").fill("Pelplin")
    page.locator("#f-lon").fill("18.7")
    page.locator("#f-partner-0-name").fill("Fundacja Pokolenia")
    page.locator("#f-partner-1-name").fill("Nowe stowarzyszenie")
    page.locator("#f-contact-0-name").fill("Ewa Kowalska")
    page.locator("#f-contact-0-publish").check()
    for name, (typed, _) in BROKEN.items():
        if typed:
            page.locator(f"#f-{name}").fill(typed)
    page.get_by_role("button", name=SEND[lang]).click()
    page.wait_for_selector("#problems")
    screenshot(page, f"submit-errors-{lang}")
    for name, (_, path) in BROKEN.items():
        field = page.locator(f"#f-{name}")
        assert field.get_attribute("aria-invalid") == "true", name
        assert f"err-{name}" in field.get_attribute("aria-describedby").split(), name
        shown = page.locator(f"#err-{name} p").all_inner_texts()
        expected = shape_messages(path, lang)
        assert shown and all(text in expected for text in shown), (name, shown, expected)
        # the message sits with its field: in the same .field box, right before the control
        assert page.locator(f".field:has(#f-{name}) #err-{name}").count() == 1, name
    assert page.locator("#f-postal_code").input_value() == "83140"     # what was typed is kept
    assert queued(form.queue) == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_form_is_axe_clean(form, lang, viewport):
    page = form(lang, viewport)
    for state in ("empty", "errors"):
        if state == "errors":
            page.locator("#f-postal_code").fill("1")
            page.locator("#f-partner-0-name").fill("Nowa fundacja")
            page.get_by_role("button", name=SEND[lang]).click()
            page.wait_for_selector("#problems")
        assert axe_violations(page) == [], state
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], (state, width)        # nothing runs off the screen
        screenshot(page, f"submit-{state}-{lang}-{viewport}")
