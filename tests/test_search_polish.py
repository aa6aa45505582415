"""Search in Polish (issue 14): word forms that are NOT in the indexed text find it by lemma, with and
without diacritics; the forms found are highlighted; practices having the form as typed come first; a
search that finds nothing offers the nearest terms of the index; and any text typed into the search box
is answered by a 200 page, never an error, through a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
import requests

from publisher.assets import VOCABULARIES
from publisher.outputs.search_index import FILE, write_index
from publisher.outputs.search_words import query_words
from publisher.polish import fold_text
from publisher.read.search import SearchQuery, open_index, parse_query, search
from publisher.read.snippet import snippet
from publisher.read.suggest import distance
from publisher.web import create_app
from tests.conftest import LiveServer

SEED = "trzy-filary-bank-partnerow-lokalnych"
# Forms typed by a user, none of them a word of the bundled practice's texts, and the forms the text has.
NOT_IN_TEXT = {
    "przedsiębiorca": "przedsiębiorców", "seminarium": "seminaria", "giełdy": "giełdę",
    "inicjatywa": "inicjatyw", "współpraca": "współpracy", "wspolpraca": "współpracy",
    "przedsiebiorca": "przedsiębiorców", "GIEŁDZIE": "giełdę", "seminariach": "seminaria",
}


@pytest.fixture(scope="module")
def app(built):
    return create_app(out=built, tile_url="")


@pytest.fixture(scope="module")
def server(app):
    with LiveServer(app) as running:
        yield running.url.rstrip("/")


def words_of_texts(index) -> set[str]:
    found: set[str] = set()
    for row in index.db.execute("SELECT * FROM practice_text"):
        for text in row[1:]:
            found |= set(re.findall(r"[^\W_]+", fold_text(text or "")))
    return found


@pytest.mark.parametrize("typed, in_text", NOT_IN_TEXT.items())
def test_forms_not_in_the_text_find_it(built, server, typed, in_text):
    index = open_index(built)
    try:
        vocabulary = words_of_texts(index)
    finally:
        index.close()
    assert fold_text(typed.lower()) not in vocabulary      # the form typed is not a word of any text
    assert fold_text(in_text) in vocabulary                # the form the text has
    data = requests.get(f"{server}/search", params={"q": typed, "format": "json"}, timeout=30).json()
    assert [r["key"] for r in data["results"]] == [SEED]
    page = requests.get(f"{server}/search", params={"q": typed}, timeout=30)
    assert page.status_code == 200
    marked = re.findall(r"<mark>([^<]*)</mark>", page.text)
    assert marked and all(fold_text(m.lower()) != fold_text(typed.lower()) for m in marked)
    assert any(fold_text(m.lower()) == fold_text(in_text) for m in marked)


def test_highlights_are_the_forms_that_matched(server):
    data = requests.get(f"{server}/search", params={"q": "przedsiębiorca", "format": "json"}, timeout=30).json()
    [hit] = data["results"]
    marked = [hit["snippet"][a:b] for a, b in hit["highlights"]]
    assert marked and {m.lower() for m in marked} == {"przedsiębiorców"}


# --- ranking and suggestions on a hand-written index ------------------------------------------------------

TTL = """
@prefix bdp: <https://w3id.org/bdp/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix p: <https://example.org/bdp/id/practice/> .
p:tytul a bdp:Practice ; dct:title "Giełdy pracy dla młodzieży"@pl ; dct:issued "2012-01-01"^^xsd:date .
p:opis a bdp:Practice ; dct:title "Spotkania"@pl ; dct:issued "2011-01-01"^^xsd:date ;
  dct:description "Zorganizowano giełdę zasobów dla organizacji pozarządowych."@pl .
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    store = ox.Store()
    store.load(path=str(VOCABULARIES), format=ox.RdfFormat.TURTLE)
    store.load(TTL.encode(), format=ox.RdfFormat.TURTLE)
    out = tmp_path_factory.mktemp("polish")
    write_index(store, "https://example.org/bdp/", out / FILE)
    idx = open_index(out)
    yield idx
    idx.close()


def keys(result) -> list[str]:
    return [h.key for h in result.hits]


def test_the_form_as_typed_ranks_first(index):
    # a title outweighs a description, yet the practice having the very form typed comes first
    assert keys(search(index, SearchQuery("giełdę"))) == ["opis", "tytul"]
    assert keys(search(index, SearchQuery("giełdy"))) == ["tytul", "opis"]
    assert keys(search(index, SearchQuery("giełda"))) == ["tytul", "opis"]     # neither: by bm25
    second = search(index, SearchQuery("giełdę", page=2), page_size=1)
    assert keys(second) == ["tytul"] and second.total == 2


def test_lemmas_of_words_typed_without_diacritics_come_from_the_vocabulary(index):
    # "gielde" is unknown to the dictionary; the index knows that "giełdę" (folded "gielde") is a form of giełda
    assert keys(search(index, SearchQuery("gielde"))) == ["opis", "tytul"]
    assert keys(search(index, SearchQuery("mlodziez"))) == ["tytul"]


def test_nearest_terms_on_an_empty_result(index):
    result = search(index, SearchQuery("gieldzie zasobuw"))
    assert result.total == 0
    assert (result.suggestions[0].text, result.suggestions[0].kind) == ("giełdę zasobów", "spelling")
    assert keys(search(index, SearchQuery(result.suggestions[0].text))) == ["opis"]
    typo = search(index, SearchQuery("orgnizacje"))
    assert typo.total == 0 and typo.suggestions[0].text in ("organizacja", "organizacji")
    apart = search(index, SearchQuery("młodzież zasobów"))
    assert apart.total == 0 and [(s.text, s.count) for s in apart.suggestions] == [("młodzież", 1), ("zasobów", 1)]
    assert search(index, SearchQuery("qqqqqqq")).suggestions == []
    # a word matching nothing, with no term near it, is left out of the words offered alone
    offered = search(index, SearchQuery("młodzież zasobów qqqqqqq")).suggestions
    assert [(s.text, s.kind) for s in offered] == [("młodzież", "alone"), ("zasobów", "alone")]
    # nothing because of a filter, not of the words: no spelling to offer
    filtered = search(index, SearchQuery("giełda", (("year", "2010"),)))
    assert filtered.total == 0 and filtered.suggestions == []


@pytest.mark.parametrize("a, b, d", [("kot", "kot", 0), ("kot", "kota", 1), ("giełda", "gielda", 1),
                                     ("abc", "xyz", 3), ("seminarium", "seminaria", 2)])
def test_distance(a, b, d):
    assert distance(a, b, 5) == d
    assert distance(a, b, 1) == min(d, 2)


def test_long_queries_are_cut_and_said(index):
    query = parse_query({"q": ["giełdę " * 1500]}, index, 50)
    assert query.shortened and len(query.text) <= 200
    result = search(index, query)
    assert keys(result) == ["opis", "tytul"] and "shortened" in result.notes
    many = search(index, SearchQuery("a b c d e f g h i j"))
    assert "too_many_words" in many.notes
    assert search(index, SearchQuery("?!")).notes == ("no_words",)


# --- any text typed: a page, never an error, through a real server ----------------------------------------

BAD = ["", " ", "   \t ", "x" * 10_000, "giełda " * 1500, "ł" * 10_000, "!!!", "?.,;:", "\"", "\"\"\"", "*",
       "**", "NEAR", "NEAR(a b)", "NEAR(\"a\" \"b\", 2)", "-", "--", "-giełda", "AND", "OR", "NOT", "a AND b",
       "a OR b", "a NOT b", "(", ")", "((giełda", "giełda)", "\"giełda", "giełda\"", "\"unbalanced 'quotes",
       "title:giełda", "{title}:giełda", "^giełda", "giełda*", "+", "'; DROP TABLE practice; --", "%",
       "\\", "\u0000", "a\u0000b", "\u200b", "é", "e\u0301", "🙂", "ﬁ", "İstanbul", "ß" * 50,
       "<script>alert(1)</script>", "&amp;", "x" * 199 + " y", "1" * 300, "2011"]


@pytest.mark.parametrize("text", BAD, ids=lambda t: repr(t[:24]) + (f"..{len(t)}" if len(t) > 24 else ""))
def test_any_query_text_gives_a_page(server, text):
    page = requests.get(f"{server}/search", params={"q": text}, timeout=60)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert 'role="search"' in html and 'id="total"' in html and "Traceback" not in html
    assert "<script>alert" not in html
    data = requests.get(f"{server}/search", params={"q": text, "format": "json"}, timeout=60)
    assert data.status_code == 200
    body = data.json()
    assert len(body["query"]["q"]) <= 200 and isinstance(body["total"], int)


def test_undecodable_query_bytes_give_a_page(server):
    for raw in ("%ff%fe", "%ED%A0%80", "%C3", "%00"):
        page = requests.get(f"{server}/search?q={raw}", timeout=30)
        assert page.status_code == 200 and 'role="search"' in page.text


def test_empty_result_page_offers_suggestions(server):
    page = requests.get(f"{server}/search", params={"q": "przedsiembiorcow"}, timeout=30)
    assert page.status_code == 200 and 'id="total">0<' in page.text
    assert 'class="suggestions"' in page.text and "przedsiębiorców" in page.text
    data = requests.get(f"{server}/search", params={"q": "przedsiembiorcow", "format": "json"}, timeout=30).json()
    first = data["suggestions"][0]
    assert first["q"] == "przedsiębiorców" and first["kind"] == "spelling"
    assert requests.get(first["url"], timeout=30).json()["total"] == 1


def test_the_snippet_shows_the_window_with_most_words():
    text = "Giełda na początku. " + "słowo " * 60 + "Seminaria i giełdę zorganizowano razem. " + "koniec " * 60
    parts = snippet([text], query_words("giełda seminarium"), width=120)
    assert [t for t, on in parts if on] == ["Seminaria", "giełdę"]
    assert snippet(["Tylko Giełda tutaj."], query_words("giełda seminarium")) == [
        ("Tylko ", False), ("Giełda", True), (" tutaj.", False)]


def test_an_index_of_an_older_version_is_refused_by_name(tmp_path, built):
    import shutil
    import sqlite3

    from publisher.errors import StoreUnavailable

    shutil.copy(built / FILE, tmp_path / FILE)
    db = sqlite3.connect(tmp_path / FILE)
    with db:
        db.execute("UPDATE meta SET value = '2' WHERE name = 'version'")
    db.close()
    with pytest.raises(StoreUnavailable, match="older version"):
        open_index(tmp_path)
    page = create_app(out=tmp_path, tile_url="").test_client().get("/search?q=giełda")
    assert page.status_code == 503 and "bdp build" in page.get_data(as_text=True)
