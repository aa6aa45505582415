"""A practice page's card read from the store's indexes (read.cards.practice_page_rows, what `bdp serve`
and `bdp export` use with the store in their process) holds the rows the SPARQL groups of PRACTICE_PAGE
give a remote store: the same rows, so the same card, "also in" and attachments on every practice."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from publisher.read.cards import PRACTICE_PAGE, card_from_rows
from publisher.read.documents import documents_from_rows
from publisher.read.links import also_in_from_rows
from publisher.read.resources import describe, with_extra
from publisher.store.embedded import EmbeddedStore

PRACTICE = ox.NamedNode("https://w3id.org/bdp/ontology#Practice")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _rows(rows: list[dict]) -> Counter:
    return Counter(tuple(sorted((k, str(v)) for k, v in row.items() if k != "s")) for row in rows)


@pytest.mark.parametrize("out", ["built", "generated_practices"])
def test_the_card_read_from_the_indexes_holds_the_rows_the_query_gives(out, request):
    store = EmbeddedStore(request.getfixturevalue(out) / "store")
    try:
        site = store.site()
        practices = [q.subject for q in site.oxigraph.quads_for_pattern(None, RDF_TYPE, PRACTICE)]
        tags: Counter = Counter()
        for iri in practices:
            d = describe(site, iri, page_size=50, limit=10000)
            direct = with_extra(site, d, PRACTICE_PAGE, 10000).extra_rows or []
            queried = store.select(PRACTICE_PAGE.query(), bindings={"s": iri}, limit=10000).rows
            assert _rows(direct) == _rows(queried), iri
            assert card_from_rows(direct) == card_from_rows(queried), iri
            assert documents_from_rows(direct) == documents_from_rows(queried), iri
            assert also_in_from_rows(direct) == also_in_from_rows(queried), iri
            tags.update(row["g"].value for row in direct)
        assert practices and store.worker_pids()          # the query went to the pool, not to the indexes
        assert {"place", "address", "partner"} <= set(tags), tags
        if out == "generated_practices":
            assert len(practices) == 40 and {"contact", "publication"} <= set(tags), tags
        else:
            assert {"id", "teryt", "attachment"} <= set(tags), tags
    finally:
        store.close()


def test_links_kept_for_the_build_follow_each_requests_host_and_language(built, settings):
    """The practice page's concept and date links are kept between pages (present.Names._named,
    present.SharedLinks): asked through two hosts in two languages by one app, each page is what an app
    asked only that gives."""
    from publisher.web import create_app
    from tests.conftest import close_store

    path = "/doc/practice/trzy-filary-bank-partnerow-lokalnych"
    asks = [(host, lang) for host in ("http://a.example", "http://b.example") for lang in ("pl", "en")]

    def page(app, host: str, lang: str) -> str:
        answer = app.test_client().get(path, headers={"Accept": "text/html", "Accept-Language": lang},
                                       base_url=host)
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    shared = create_app(settings.with_(out=str(built)))
    try:
        pages = {ask: page(shared, *ask) for ask in asks}
    finally:
        close_store(shared)
    assert 'href="http://b.example/def/' in pages["http://b.example", "en"]
    assert "http://a.example/" not in pages["http://b.example", "en"]
    assert pages["http://a.example", "pl"] != pages["http://a.example", "en"]
    for ask in asks:
        alone = create_app(settings.with_(out=str(built)))
        try:
            assert page(alone, *ask) == pages[ask], ask
        finally:
            close_store(alone)


@pytest.mark.parametrize("out", ["built", "generated_practices"])
def test_the_card_from_the_shared_table_holds_the_rows_of_the_lookups(out, request, monkeypatch):
    """With the organisations' table `bdp export` reads before its workers fork shared for the store
    (read.network_table), a site handle takes a practice's memberships and partners from it: the same rows
    in the same order as its lookups."""
    from publisher.read import cards, network_table

    path = request.getfixturevalue(out) / "store"
    looked_up, tabled = EmbeddedStore(path), EmbeddedStore(path)
    key = None
    try:
        site = looked_up.site()
        practices = [q.subject for q in site.oxigraph.quads_for_pattern(None, RDF_TYPE, PRACTICE)]
        before = {iri: with_extra(site, describe(site, iri), PRACTICE_PAGE, 10000).extra_rows for iri in practices}
        key = network_table.share(path, network_table.read_table(site.oxigraph))
        shared = tabled.site()
        assert network_table.shared_for(shared) is network_table.shared(path) is not None and network_table.shared_for(site) is None
        partners, looked = 0, []
        about = cards._about

        def counted(store, subject):
            looked.append(subject.value)
            return about(store, subject)
        monkeypatch.setattr(cards, "_about", counted)           # counts the real lookups
        for iri in practices:
            rows = with_extra(shared, describe(shared, iri), PRACTICE_PAGE, 10000).extra_rows
            assert rows == before[iri], iri
            partners += sum(row["g"].value == "partner" for row in rows or [])
        monkeypatch.undo()
        assert partners > len(practices)
        # a partner named by both label predicates is looked up once, to learn their order; the others
        # named so are taken from the table as it lists them
        organisations = [s for s in looked if "/id/organisation/" in s]
        assert len(organisations) == 1 and cards._label_order.get(shared) is not None, organisations
    finally:
        network_table.unshare(key)
        looked_up.close()
        tabled.close()
