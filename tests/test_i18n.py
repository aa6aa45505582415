"""One string catalogue (gettext, pl and en) and the language choice: the catalogue covers every text of the
code and templates, the committed .mo files are the .po files compiled, Polish plural forms, locale
formatting, and the language kept in a cookie and in links."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import requests
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from publisher.web import create_app
from publisher.web.i18n import TRANSLATIONS

ROOT = Path(__file__).resolve().parents[1]
SEED = "trzy-filary-bank-partnerow-lokalnych"


@pytest.fixture(scope="module")
def site(built, settings):
    from tests.conftest import LiveServer

    app = create_app(settings.with_(out=built))
    with LiveServer(app) as live:
        yield live
    if app.extensions.get("bdp_store") is not None:
        app.extensions["bdp_store"].close()


def catalogue(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def extracted() -> set[str]:
    """The msgids the code and templates use now (as `make i18n` extracts them)."""
    method_map = [("publisher/**.py", "python"), ("publisher/web/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_text_of_the_pages_is_translated_into_polish():
    pl = catalogue("pl")
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in pl if m.id}
    used = extracted()
    assert len(used) > 100
    missing = sorted(used - set(ids))
    assert not missing, f"run `make i18n` and translate: {missing}"
    untranslated = sorted(k for k in used if not all(s for s in (ids[k].string if isinstance(ids[k].string, tuple)
                                                                   else (ids[k].string,))))
    assert not untranslated, f"no Polish text in publisher/web/translations/pl: {untranslated}"
    assert set(ids) <= used | {""}, f"obsolete entries: {sorted(set(ids) - used)}"


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_the_committed_mo_is_the_po_compiled(lang):
    def key(m):
        return (tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id,
                tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string)

    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = dict(key(m) for m in read_mo(f) if m.id)
    fresh = io.BytesIO()
    write_mo(fresh, catalogue(lang))
    fresh.seek(0)
    source = dict(key(m) for m in read_mo(fresh) if m.id)
    assert len(source) > (100 if lang == "pl" else 0)
    assert compiled == source, "run `make i18n` (pybabel compile) and commit the .mo"


def test_polish_plural_forms(settings, built):
    from flask_babel import ngettext

    app = create_app(settings.with_(out=built))
    with app.test_request_context("/?lang=pl"):
        app.preprocess_request()
        said = {n: ngettext("%(num)s practice", "%(num)s practices", n) for n in (1, 2, 5, 12, 22, 25, 101)}
    assert said == {1: "1 praktyka", 2: "2 praktyki", 5: "5 praktyk", 12: "12 praktyk", 22: "22 praktyki",
                    25: "25 praktyk", 101: "101 praktyk"}
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert ngettext("%(num)s practice", "%(num)s practices", 2) == "2 practices"


def test_numbers_dates_and_phones_follow_the_locale(settings, built):
    from publisher.web.i18n import number, phone

    app = create_app(settings.with_(out=built))
    with app.test_request_context("/?lang=pl"):
        app.preprocess_request()
        assert number(112495) == "112\u00a0495"
        assert phone("+48832573466") == "+48 83 257 34 66"
        assert phone("not a phone") == "not a phone"
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert number(112495) == "112,495"


def test_the_language_is_kept_in_a_cookie_and_in_links(site):
    session = requests.Session()
    first = session.get(site.url + f"doc/practice/{SEED}", params={"lang": "en", "page": "1"},
                        headers={"Accept": "text/html"}, timeout=30)
    assert first.status_code == 200 and '<html lang="en">' in first.text
    assert first.cookies.get("lang") == "en"
    assert "Cookie" in first.headers["Vary"]
    # the switch keeps the query string
    switch = re.search(r'<a href="([^"]+)" hreflang="pl" lang="pl">Polski</a>', first.text)
    assert switch and "page=1" in switch.group(1) and "lang=pl" in switch.group(1)
    # links of the page carry the language
    nav = re.search(r'<nav aria-label="Navigation">(.*?)</nav>', first.text, re.S).group(1)
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert all("lang=en" in h or "lang=pl" in h for h in hrefs), hrefs
    partners = first.text[first.text.index('<section class="partners">'):]
    assert '/doc/organisation/fundacja-pokolenia?lang=en"' in partners
    # the cookie alone keeps English on a page opened without ?lang
    again = session.get(site.url + "queries", headers={"Accept": "text/html"}, timeout=30)
    assert '<html lang="en">' in again.text and "Questions about cooperation" in again.text
    # ?lang=pl switches back and the cookie follows; Polish links carry no lang
    back = session.get(site.url + "queries", params={"lang": "pl"}, headers={"Accept": "text/html"}, timeout=30)
    assert '<html lang="pl">' in back.text and session.cookies.get("lang") == "pl"
    assert back.text.count("lang=en") == 1          # the switch to English only


def test_text_in_another_language_is_marked(site):
    text = requests.get(site.url + f"doc/practice/{SEED}", params={"lang": "en"}, headers={"Accept": "text/html"},
                        timeout=30).text
    # the practice has an English title but only a Polish summary: the English page says it is Polish
    assert "<h1>Three Pillars - Local Partners&#39; Bank</h1>" in text
    assert '<p lang="pl">Projekt realizowany był w partnerstwie 3 sektorów' in text
    polish = requests.get(site.url + f"doc/practice/{SEED}", headers={"Accept": "text/html"}, timeout=30).text
    assert '<h1>Trzy Filary - Bank Partnerów Lokalnych</h1>' in polish and 'lang="pl"' not in polish.split("<main")[1]
