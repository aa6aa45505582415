"""The search index (build step) and its read models: ranking, diacritics folding, facets, the map's
bounding boxes. The index is written from a small hand-written graph (three practices, below) loaded
into an in-memory Oxigraph store together with the real vocabularies; the web layer is checked on the
bundled build."""

from __future__ import annotations

import sqlite3

import pyoxigraph as ox
import pytest

from publisher.assets import VOCABULARIES
from publisher.errors import QueryError
from publisher.outputs.search_index import FILE, write_index
from publisher.outputs.search_words import query_words
from publisher.polish import fold_text
from publisher.read.geo import BBox, features, parse_bbox
from publisher.read.search import SearchQuery, open_index, parse_query, search
from publisher.read.snippet import snippet
from publisher.web import create_app

BASE = "https://example.org/bdp/"
TTL = """
@prefix bdp: <https://w3id.org/bdp/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> . @prefix theme: <https://w3id.org/bdp/def/theme/> .
@prefix sector: <https://w3id.org/bdp/def/sector/> . @prefix unit: <https://w3id.org/bdp/def/unit-type/> .
@prefix voiv: <https://w3id.org/bdp/def/voivodeship/> . @prefix fund: <https://w3id.org/bdp/def/funding/> .
@prefix o: <https://example.org/bdp/id/organisation/> . @prefix p: <https://example.org/bdp/id/practice/> .

o:urzad a org:Organization ; skos:prefLabel "Urząd Miasta Sieradza"@pl ; bdp:sector sector:public .
o:fundacja a org:Organization ; skos:prefLabel "Fundacja Rowerowa"@pl ; bdp:sector sector:ngo .
o:firma a org:Organization ; skos:prefLabel "Firma Kolej"@pl ; bdp:sector sector:business .

p:wolontariat a bdp:Practice ; dct:title "Centrum Wolontariatu"@pl , "Volunteer Centre"@en ;
  dct:abstract "Wolontariusze pomagają seniorom w Łodzi."@pl ;
  dct:issued "2012-05-01"^^xsd:date ; bdp:unitType unit:miasto-na-prawach-powiatu ;
  dct:subject theme:uslugi-spoleczne ; bdp:funding fund:fio ;
  bdp:implementingUnit o:urzad ;
  bdp:partnership [ org:hasMember o:urzad , o:fundacja ] ;
  dct:spatial [ rdfs:label "Łódź"@pl ; bdp:voivodeship voiv:10 ;
                geo:lat "51.7592"^^xsd:decimal ; geo:long "19.4560"^^xsd:decimal ] .

p:rowerowy-tczew a bdp:Practice ; dct:title "Rowerowy Tczew"@pl ;
  dct:abstract "Sieć dróg dla rowerów w mieście."@pl ;
  dct:issued "2011-03-03"^^xsd:date ; bdp:unitType unit:gmina-miejska ;
  dct:subject theme:uslugi-techniczne , theme:uslugi-spoleczne ; bdp:funding fund:rpo ;
  bdp:partnership [ org:hasMember o:urzad , o:fundacja , o:firma ] ;
  dct:spatial [ rdfs:label "Tczew"@pl ; bdp:voivodeship voiv:22 ;
                geo:lat "54.0924"^^xsd:decimal ; geo:long "18.7779"^^xsd:decimal ] .

p:zakupy-energii a bdp:Practice ; dct:title "Wspólne zakupy energii"@pl ;
  dct:description "Gminy kupują prąd razem; wzorem był Tczew, a w Tczewie także rowery miejskie."@pl ;
  dct:issued "2013-01-10"^^xsd:date ; bdp:unitType unit:gmina-miejska ;
  dct:subject theme:efektywnosc-energetyczna ; bdp:implementingUnit o:firma ;
  dct:spatial [ rdfs:label "Gdańsk"@pl ; bdp:voivodeship voiv:22 ] .
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    store = ox.Store()
    store.load(path=str(VOCABULARIES), format=ox.RdfFormat.TURTLE)
    store.load(TTL.encode(), format=ox.RdfFormat.TURTLE)
    out = tmp_path_factory.mktemp("index")
    write_index(store, BASE, out / FILE)
    idx = open_index(out)
    yield idx
    idx.close()


def keys(result) -> list[str]:
    return [h.key for h in result.hits]


def test_fold_keeps_offsets_and_folds_polish_letters():
    assert fold_text("ŁÓDŹ, Żółć") == "lodz, zolc"
    assert len(fold_text("Łódź")) == len("Łódź")
    assert [w.folded for w in query_words("  Łódź-Bałuty!! ")] == ["lodz", "baluty"]


@pytest.mark.parametrize("typed", ["lodz", "Łódź", "LODZ", "łodz", "lódź"])
def test_diacritics_and_case_do_not_matter(index, typed):
    assert keys(search(index, SearchQuery(typed))) == ["wolontariat"]


def test_prefix_finds_inflected_forms(index):
    # "Tczew" finds "Tczewie" (a description); organisation names are searched too
    assert "zakupy-energii" in keys(search(index, SearchQuery("tczew")))
    assert set(keys(search(index, SearchQuery("urzad sieradz")))) == {"rowerowy-tczew", "wolontariat"}


def test_title_ranks_above_description(index):
    # "Tczew" is the title (and the place) of one practice, a word of another's description
    assert keys(search(index, SearchQuery("tczew"))) == ["rowerowy-tczew", "zakupy-energii"]
    assert keys(search(index, SearchQuery("rower")))[0] == "rowerowy-tczew"


def test_very_common_words_rank_the_newest_then_follow_newest_first(index):
    # "rower": a title (rowerowy, 2011), a partner's name (Fundacja Rowerowa: rowerowy, wolontariat 2012), a
    # text (zakupy 2013). rank_all=2: the two newest matches (zakupy, wolontariat) are ranked, then rowerowy
    ranked = keys(search(index, SearchQuery("rower")))
    assert ranked[0] == "rowerowy-tczew" and len(ranked) == 3
    bounded = search(index, SearchQuery("rower"), rank_all=2)
    assert bounded.total == 3 and keys(bounded)[2] == "rowerowy-tczew"
    assert set(keys(bounded)[:2]) == {"zakupy-energii", "wolontariat"}
    pages = [keys(search(index, SearchQuery("rower", page=n), page_size=1, rank_all=2)) for n in (1, 2, 3)]
    assert sum(pages, []) == keys(bounded)
    filtered = search(index, SearchQuery("rower", (("voivodeship", "22"),)), rank_all=1)
    assert keys(filtered) == ["zakupy-energii", "rowerowy-tczew"]


def test_all_words_must_match(index):
    assert keys(search(index, SearchQuery("rowery energii"))) == ["zakupy-energii"]
    assert keys(search(index, SearchQuery("seniorom energii"))) == []
    # "rowerowy" meets its partner Fundacja Rowerowa by lemma
    assert keys(search(index, SearchQuery("seniorom rowerowy"))) == ["wolontariat"]


def test_search_text_is_never_query_syntax(index):
    for text in ['"', "NOT", "a OR b", "tczew*)", "NEAR(a b)", "-", "col:tczew", "^tczew"]:
        search(index, SearchQuery(text))  # no error
    assert keys(search(index, SearchQuery("title:tczew"))) == []  # 'title' is a word, not a column


def test_snippet_marks_the_words_in_the_original_text(index):
    hit = search(index, SearchQuery("lodz")).hits[0]
    marked = [text for text, on in hit.snippet if on]
    assert marked == ["Łodzi"]
    assert hit.snippet_text == "Wolontariusze pomagają seniorom w Łodzi."
    long = "słowo " * 100 + "Tczewie" + " koniec" * 100
    parts = snippet([long], query_words("tczew"), width=60)
    assert parts[0] == ("…", False) and parts[-1] == ("…", False) and ("Tczewie", True) in parts


def test_without_words_newest_first(index):
    assert keys(search(index, SearchQuery())) == ["zakupy-energii", "wolontariat", "rowerowy-tczew"]


def test_pages(index):
    first, second = (search(index, SearchQuery(page=n), page_size=2) for n in (1, 2))
    assert keys(first) + keys(second) == ["zakupy-energii", "wolontariat", "rowerowy-tczew"]
    assert first.pages == second.pages == 2 and first.total == 3
    assert keys(search(index, SearchQuery("tczew", page=2), page_size=1)) == ["zakupy-energii"]


def test_facet_counts_and_filters(index):
    result = search(index, SearchQuery())
    counts = {name: {v.value: v.count for v in values} for name, values in result.facets.items()}
    assert result.total == 3
    assert counts["theme"] == {"uslugi-spoleczne": 2, "uslugi-techniczne": 1, "efektywnosc-energetyczna": 1}
    assert counts["voivodeship"] == {"10": 1, "22": 2}
    assert counts["unit_type"] == {"gmina-miejska": 2, "miasto-na-prawach-powiatu": 1}
    assert counts["cross_sector"] == {"yes": 2, "no": 1}
    assert counts["three_sector"] == {"yes": 1, "no": 2}
    assert counts["funding"] == {"fio": 1, "rpo": 1}
    assert counts["year"] == {"2013": 1, "2012": 1, "2011": 1}
    narrowed = search(index, SearchQuery(filters=(("voivodeship", "22"), ("three_sector", "no"))))
    assert keys(narrowed) == ["zakupy-energii"] and narrowed.total == 1
    both = search(index, SearchQuery(filters=(("theme", "uslugi-spoleczne"), ("theme", "uslugi-techniczne"))))
    assert keys(both) == ["rowerowy-tczew"]
    with_text = search(index, SearchQuery("tczew", (("theme", "efektywnosc-energetyczna"),)))
    assert keys(with_text) == ["zakupy-energii"]
    selected = {v.value: v.selected for v in with_text.facets["theme"]}
    assert selected == {"efektywnosc-energetyczna": True}


def test_labels_come_from_the_vocabularies(index):
    result = search(index, SearchQuery("lodz"))
    assert result.hits[0].voivodeship == {"pl": "łódzkie", "en": "Łódź Voivodeship"}
    theme = next(v for v in result.facets["theme"] if v.value == "uslugi-spoleczne")
    assert theme.label["pl"] == "Usługi społeczne"


def test_state_urls_round_trip(index):
    q = parse_query({"q": ["tczew"], "theme": ["uslugi-spoleczne"], "year": ["2011"]}, index, 50)
    assert q.params() == [("q", "tczew"), ("theme", "uslugi-spoleczne"), ("year", "2011")]
    assert q.params(add=("year", "2012")) == [("q", "tczew"), ("theme", "uslugi-spoleczne"), ("year", "2012")]
    assert q.params(remove=("theme", "uslugi-spoleczne")) == [("q", "tczew"), ("year", "2011")]
    assert dict(q.params(page=3))["page"] == "3"


@pytest.mark.parametrize("args, where", [
    ({"voivodeship": ["99"]}, "'voivodeship'"), ({"theme": ["nope"]}, "'theme'"),
    ({"cross_sector": ["maybe"]}, "'cross_sector'"), ({"year": ["20x1"]}, "'year'"),
    ({"page": ["0"]}, "'page'"), ({"page": ["x"]}, "'page'"), ({"page": ["99999"]}, "'page'"),
    ({"voivodeship": ["22", "10"]}, "'voivodeship'"),
])
def test_bad_parameters_are_named(index, args, where):
    with pytest.raises(QueryError, match=where):
        parse_query(args, index, 50)


def test_bbox(index):
    url = lambda key: "/doc/practice/" + key  # noqa: E731
    everything = features(index, parse_bbox(None), url)
    assert {f["id"] for f in everything["features"]} == {"wolontariat", "rowerowy-tczew"}
    assert everything["properties"] == {"total": 2, "clustered": False, "max_features": 500}
    north = features(index, parse_bbox("18,53.5,19.5,54.5"), url)
    [point] = north["features"]
    assert point["geometry"]["coordinates"] == [18.7779, 54.0924]
    assert point["properties"]["url"] == "/doc/practice/rowerowy-tczew"
    capped = features(index, BBox(14, 49, 25, 55), url, max_features=1, grid=1)
    assert capped["properties"]["clustered"] is True
    assert capped["features"][0]["properties"] == {"cluster": True, "count": 2,
                                                   "bbox": pytest.approx([18.7779, 51.7592, 19.456, 54.0924])}


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "10,50,5,55", "0,0,200,10", "1,2,3,4,5"])
def test_bad_bbox(text):
    with pytest.raises(QueryError, match="'bbox'"):
        parse_bbox(text)


def test_index_is_a_plain_sqlite_file(index, tmp_path):
    rows = index.db.execute("SELECT key, cross_sector, three_sector, lat FROM practice ORDER BY key").fetchall()
    assert rows == [("rowerowy-tczew", 1, 1, 54.0924), ("wolontariat", 1, 0, 51.7592),
                    ("zakupy-energii", 0, 0, None)]
    with pytest.raises(sqlite3.OperationalError):
        index.db.execute("DELETE FROM practice")  # opened read-only


# --- the web layer on the bundled build -------------------------------------------------------------

@pytest.fixture(scope="module")
def client(built):
    return create_app(out=built, tile_url="").test_client()


def test_search_page_html_and_json(client):
    page = client.get("/search?q=Tczew")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/doc/practice/trzy-filary-bank-partnerow-lokalnych" in html and "<mark>Tczew" in html
    assert 'rel="alternate"' in page.headers["Link"]
    data = client.get("/search?q=tczew", headers={"Accept": "application/json"}).get_json()
    assert data["total"] == 1 and data["results"][0]["key"] == "trzy-filary-bank-partnerow-lokalnych"
    assert data["results"][0]["iri"] == "https://w3id.org/bdp/id/practice/trzy-filary-bank-partnerow-lokalnych"
    start, end = data["results"][0]["highlights"][0]
    assert data["results"][0]["snippet"][start:end].lower().startswith("tczew")
    assert {v["value"] for v in data["facets"]["voivodeship"]} == {"22"}
    same = client.get(data["facets"]["voivodeship"][0]["url"]).get_json()
    assert same["query"]["filters"] == {"voivodeship": ["22"]} and same["total"] == 1


def test_search_escapes_what_it_shows(client):
    html = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("url, where", [
    ("/search?voivodeship=mazowsze", "voivodeship"), ("/search?page=-1", "page"),
    ("/search?format=xml", "format"), ("/geojson?bbox=1,2", "bbox"), ("/map?zoom=99", "zoom"),
])
def test_bad_requests_get_a_400_naming_the_parameter(client, url, where):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert where in response.get_json()["error"]["detail"]


def test_geojson_endpoint(client):
    response = client.get("/geojson?bbox=18,53.5,19.5,54.5")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    [feature] = response.get_json()["features"]
    assert feature["properties"]["url"].endswith("/doc/practice/trzy-filary-bank-partnerow-lokalnych")
    assert "X-BDP-Truncated" not in response.headers


def test_map_page_uses_local_leaflet_and_the_tile_setting(built):
    app = create_app(out=built, tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png")
    html = app.test_client().get("/map").get_data(as_text=True)
    assert "/vendor/leaflet/leaflet.js" in html and "/vendor/leaflet-markercluster/" in html
    assert 'data-tiles="http://127.0.0.1:9/{z}/{x}/{y}.png"' in html
    assert "unpkg" not in html and "cdn" not in html.lower()
    with app.test_client().get("/vendor/leaflet/leaflet.js") as js:
        assert js.status_code == 200 and b"Leaflet" in js.data[:500]
    assert app.test_client().get("/vendor/nothing/x.js").status_code == 404


def test_sorts_by_title_in_polish_order_or_newest_whatever_the_words(index):
    everything = SearchQuery(sort="title")
    # Polish collation: "Centrum" < "Rowerowy" < "Wspólne"; English titles where they exist ("Volunteer")
    assert keys(search(index, everything)) == ["wolontariat", "rowerowy-tczew", "zakupy-energii"]
    assert keys(search(index, everything, lang="en")) == ["rowerowy-tczew", "wolontariat", "zakupy-energii"]
    assert keys(search(index, SearchQuery("tczew", sort="title"))) == ["rowerowy-tczew", "zakupy-energii"]
    assert keys(search(index, SearchQuery("tczew", sort="newest"))) == ["zakupy-energii", "rowerowy-tczew"]
    assert keys(search(index, SearchQuery(sort="title", page=2), page_size=2)) == ["zakupy-energii"]
    assert SearchQuery("tczew").order == "relevance" and SearchQuery().order == "newest"
    assert SearchQuery("tczew", sort="title").params(page=2) == [("q", "tczew"), ("sort", "title"), ("page", "2")]
    assert parse_query({"sort": ["title"]}, index, 50).sort == "title"
    with pytest.raises(QueryError, match="'sort'"):
        parse_query({"sort": ["rank; DROP"]}, index, 50)


def test_hits_carry_their_partners_sectors(index):
    found = {h.key: h for h in search(index, SearchQuery()).hits}
    assert [k for k, _ in found["rowerowy-tczew"].sectors] == ["public", "ngo", "business"]
    assert [labels["pl"] for _, labels in found["wolontariat"].sectors] == ["publiczny (samorządowy)", "pozarządowy"]
    assert found["zakupy-energii"].sectors == []


def test_large_sets_page_in_another_order_as_small_ones_do():
    import random

    from publisher.read.bitmaps import SORT_BELOW, all_ids, bitmap, page_in_order

    rng = random.Random(14)
    size = 3 * SORT_BELOW
    order = list(range(1, size))
    rng.shuffle(order)
    rank = [0] * size
    for position, pid in enumerate(order):
        rank[pid] = position
    for count in (30, SORT_BELOW // 2, 2 * SORT_BELOW):     # sorted below SORT_BELOW, walked above
        ids = rng.sample(range(1, size), count)
        bits = bitmap(ids, size)
        assert all_ids(bits) == sorted(ids)
        expected = sorted(ids, key=rank.__getitem__)
        for offset in (0, 7, count - 3, count):
            assert page_in_order(bits, order, rank, offset, 10) == expected[offset:offset + 10]


def test_frequent_words_read_from_bitmaps_find_what_fts_finds(index, tmp_path):
    """The build's word bitmaps (here for every word of 1+ practices) answer as FTS5 does."""
    import shutil

    from publisher.outputs.search_words import known_lemmas, word_query, write_word_bitmaps

    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(index.db.execute("PRAGMA database_list").fetchone()[2], out / FILE)
    db = sqlite3.connect(out / FILE)
    db.execute("DROP TABLE word_bitmap")
    assert write_word_bitmaps(db, 3, least=1) > 20
    db.commit()
    stored = dict(db.execute("SELECT expression, bits FROM word_bitmap"))
    db.close()
    assert int.from_bytes(stored['"tczew"*'], "little") == 0b1010        # ids 1 and 3: the newest and oldest
    frequent = open_index(out)
    try:
        for typed in ("Tczew", "tczew", "Łodzi", "lodzi", "wolontariusze"):    # with diacritics or without
            word = query_words(typed, lambda folded: known_lemmas(frequent.db, folded))[0]
            assert word_query(word) in stored, typed
        for text in ("tczew", "Tczewie rowery", "gmina", "wolontariusz", "wolontariuszy", "Łódź", "lodz", "sieć", "siec", "energii tczew", "zzz"):
            for sort in ("", "newest", "title"):
                query = SearchQuery(text, sort=sort)
                assert keys(search(frequent, query)) == keys(search(index, query)), (text, sort)
                assert search(frequent, query).total == search(index, query).total
    finally:
        frequent.close()
