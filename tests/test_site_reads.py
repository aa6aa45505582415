"""The site's own reads (issue 3's speed): with the embedded store, pages and documents are read in the
server's process (`Store.site()`), while /sparql keeps its pool of query processes with real cancellation;
a build swapped in under a running server is seen by the next request; the `query_workers` setting."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from publisher.config import load_settings
from publisher.errors import SettingsError
from publisher.namespaces import BDPV
from publisher.read.resources import LABELS, describe
from publisher.store.embedded import EmbeddedStore
from publisher.web import create_app

BASE = "https://w3id.org/bdp/"
SEED = "trzy-filary-bank-partnerow-lokalnych"
PRACTICE = ox.NamedNode(BASE + "id/practice/" + SEED)
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
# Every practice's every triple against every triple twice: far longer than the time limit below.
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def app_for(out: Path, **overrides: object):
    return create_app(load_settings({"out": str(out), **overrides}, environ={}))


@pytest.fixture
def live(live_server):
    """live(app) -> a started server; the app's store is closed (its query processes stopped) after."""
    apps = []

    def start(app):
        apps.append(app)
        return live_server(app)
    yield start
    for app in apps:
        store = app.extensions.get("bdp_store")
        if store is not None:
            store.close()


def test_the_site_reads_in_process_and_answers_as_the_pool_does(built):
    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        assert site is not store and site is store.site()        # one in-process handle, kept
        a = describe(site, PRACTICE, page_size=50, limit=10000)
        assert store.worker_pids() == []                         # no query process was needed
        b = describe(store, PRACTICE, page_size=50, limit=10000)
        assert store.worker_pids()                               # the pool answered this one
        assert a.found and set(a.triples) == set(b.triples) and a.incoming_counts == b.incoming_counts
        assert {k: set(v) for k, v in a.labels.items()} == {k: set(v) for k, v in b.labels.items()}
    finally:
        store.close()


def test_pages_start_no_query_process(built, live):
    app = app_for(built)
    server = live(app)
    for suffix in ("ttl", "html", "jsonld"):
        assert requests.get(f"{server.url}doc/practice/{SEED}.{suffix}", timeout=30).status_code == 200
    assert requests.get(f"{server.url}id/practice/{SEED}", allow_redirects=False, timeout=30).status_code == 303
    browse = requests.get(f"{server.url}browse/theme/dialog-spoleczny", timeout=30)
    assert browse.status_code == 200 and "Trzy Filary" in browse.text
    assert app.extensions["bdp_store"].worker_pids() == []
    answer = requests.get(server.url + "sparql", params={"query": "ASK { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert len(app.extensions["bdp_store"].worker_pids()) == 1   # /sparql went to a query process


def test_a_page_answers_while_a_sparql_cross_join_is_being_cancelled(built, live):
    app = app_for(built, query_timeout=2.5, query_workers=1)    # the cross join burns a core until then
    server = live(app)
    outcome: dict[str, requests.Response] = {}

    def cross_join() -> None:
        outcome["sparql"] = requests.get(server.url + "sparql", params={"query": CROSS_JOIN},
                                         headers={"Accept": "application/sparql-results+json"}, timeout=60)
    thread = threading.Thread(target=cross_join)
    thread.start()
    try:
        pages = []
        while not app.extensions.get("bdp_store") or not app.extensions["bdp_store"].worker_pids():
            thread.join(0.05)                    # until the only query process holds the cross join
            assert thread.is_alive(), "the cross join ended before it was seen running"
        for suffix in ("html", "ttl"):
            pages.append(requests.get(f"{server.url}doc/practice/{SEED}.{suffix}", timeout=30))
        still_running = thread.is_alive()
    finally:
        thread.join(60)
    assert [p.status_code for p in pages] == [200, 200]
    assert "Trzy Filary" in pages[0].text
    assert still_running, "the pages were answered only after the cross join ended"
    assert outcome["sparql"].status_code == 503                  # stopped at the time limit


def _swap_in_a_new_build(out: Path, tmp: Path, title: str) -> None:
    """A copy of `out` with the seed practice retitled, swapped in the way `bdp build` does (two renames)."""
    new, old = tmp / "new-out", tmp / "old-out"
    shutil.copytree(out, new)
    store = ox.Store(str(new / "store"))
    for predicate in LABELS:                # dct:title and the rdfs:label the build copies from it
        for quad in list(store.quads_for_pattern(PRACTICE, predicate, None)):
            store.remove(quad)
            store.add(ox.Quad(PRACTICE, predicate, ox.Literal(title, language="pl"), quad.graph_name))
    store.flush()
    del store
    manifest = json.loads((new / "build.json").read_text())
    manifest["built"] = "2031-01-02T03:04:05Z"
    (new / "build.json").write_text(json.dumps(manifest))
    os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old)


def test_a_build_swapped_in_under_a_running_server_is_seen_by_the_next_request(built, tmp_path, live):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    app = app_for(out)
    server = live(app)
    url = f"{server.url}doc/practice/{SEED}"
    before = requests.get(url + ".html", timeout=30)
    sparql = {"query": f"SELECT ?t WHERE {{ <{PRACTICE.value}> <{TITLE.value}> ?t }}"}
    assert requests.get(server.url + "sparql", params=sparql, timeout=30).status_code == 200
    assert before.status_code == 200 and "Trzy Filary" in before.text

    _swap_in_a_new_build(out, tmp_path, "Nowy tytuł <po przebudowie>")

    after = requests.get(url + ".html", timeout=30)
    assert after.status_code == 200 and "Nowy tytuł &lt;po przebudowie&gt;" in after.text
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "2031" in after.headers["Last-Modified"]
    turtle = requests.get(url + ".ttl", timeout=30).content
    titles = {q.object.value for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)
              if q.subject == PRACTICE and q.predicate == TITLE}
    assert titles == {"Nowy tytuł <po przebudowie>"}
    answer = requests.get(server.url + "sparql", params=sparql,
                          headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    assert [b["t"]["value"] for b in answer["results"]["bindings"]] == ["Nowy tytuł <po przebudowie>"]


def test_query_workers_is_a_validated_setting(built):
    assert load_settings({}, environ={}).query_workers == 2
    settings = load_settings({"out": str(built), "query_workers": "3"}, environ={})
    assert EmbeddedStore.from_settings(settings).workers == 3
    assert load_settings({}, environ={"BDP_QUERY_WORKERS": "4"}).query_workers == 4
    for bad in ("0", "65", "two"):
        with pytest.raises(SettingsError, match="query_workers"):
            load_settings({"query_workers": bad}, environ={})


def test_one_first_look_gives_what_the_separate_reads_give(built):
    from publisher.read.cards import CARD, PRACTICE_PAGE, card_from_rows
    from publisher.read.documents import documents_from_rows, practice_documents
    from publisher.read.links import also_in, also_in_from_rows

    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        d = describe(site, PRACTICE, page_size=50, limit=10000, extra=PRACTICE_PAGE)
        alone = describe(site, PRACTICE, page_size=50, limit=10000, extra=CARD)
        assert d.extra_rows and set(d.triples) == set(alone.triples)
        assert card_from_rows(d.extra_rows) == card_from_rows(alone.extra_rows or [])
        found = also_in_from_rows(d.extra_rows)
        assert found == also_in(site, PRACTICE.value) == also_in(store, PRACTICE.value)
        assert "TERYT" in {a.name for a in found}
        documents = documents_from_rows(d.extra_rows)
        assert documents == practice_documents(site, PRACTICE.value) == practice_documents(store, PRACTICE.value)
        assert [doc.kind for doc in documents][:1] == ["attachment"] and all(doc.url for doc in documents)
    finally:
        store.close()


def test_descriptions_read_from_the_indexes_hold_what_the_sparql_path_finds(built):
    """Every resource under /id/ and the ontology's classes (linked from every practice), pages of 2 links:
    the in-process store reads its indexes (read.quads), the query processes answer the SPARQL path."""
    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        iris = sorted({q.subject.value for q in site.oxigraph.quads_for_pattern(None, rdf_type, None)
                       if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(BASE + "id/")})
        iris += [BASE + "ontology#Practice", str(BDPV) + "theme/dialog-spoleczny"]
        paged = 0
        for iri in iris:
            for page in (1, 2, 3):
                a = describe(site, ox.NamedNode(iri), page=page, page_size=2, limit=10000)
                b = describe(store, ox.NamedNode(iri), page=page, page_size=2, limit=10000)
                assert a.found and b.found, iri
                assert set(a.triples) == set(b.triples) and a.incoming_counts == b.incoming_counts, iri
                assert a.page == b.page and set(a.incoming) == set(b.incoming), (iri, page)
                assert set(a.label_triples()) == set(b.label_triples()) and a.linked == b.linked, (iri, page)
                paged += page > 1 and bool(a.incoming)
        assert len(iris) > 10 and paged > 0
    finally:
        store.close()
