"""The links to an organisation paged from the counts `bdp export` reads before its workers fork
(publisher/read/link_counts.py, read.network_quads.links_to) are read.quads.incoming's: the same page of
triples in the same order, the same counts, for every organisation and every page of a generated build
whose organisations have many links, and past the last page."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.config import load_settings
from publisher.pipeline.build import build
from publisher.read import link_counts, network_quads, network_table, quads
from publisher.read.resources import describe
from publisher.store.embedded import EmbeddedStore

ORGS = "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?o WHERE { ?o a org:Organization }"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from publisher.synthetic.generate import generate

    root = tmp_path_factory.mktemp("link-counts")
    generate(60, root / "data", seed=5)
    build(load_settings({"out": str(root / "out")}, environ={}), root / "data", root / "out", workers=1)
    return root / "out"


def test_the_counts_are_every_organisations_links_by_predicate(generated):
    store = ox.Store.read_only(str(generated / "store"))
    counts = link_counts.read_counts(store)
    orgs = [r["o"].value for r in store.query(ORGS)]
    assert sorted(counts) == sorted(orgs)
    for org in orgs:
        found = quads.incoming(store, ox.NamedNode(org), 0, 1, 10**9)
        assert found is not None and dict(counts[org]) == found[1] and list(dict(counts[org])) == list(found[1])
    assert any(len(c) >= 3 for c in counts.values()) and any(sum(n for _, n in c) > 12 for c in counts.values())


@pytest.mark.parametrize("size", [1, 5, 50])
def test_a_page_of_links_from_the_shared_counts_is_the_indexes(generated, size):
    """Every page (and the one past the last) of every organisation's links, read in order as a document's
    pages are written, equals read.quads.incoming's; a store with no table shared reads them as before."""
    embedded = EmbeddedStore(generated / "store")
    key = None
    try:
        site = embedded.site()
        assert network_quads.links_to(site, ox.NamedNode("http://example.org/none"), 0, size) is None
        table = network_table.read_table(ox.Store.read_only(str(generated / "store")), generated / "store")
        assert table.links == link_counts.read_counts(site.oxigraph)       # (the child's, as the parent's)
        key = network_table.share(generated / "store", table)
        shared = EmbeddedStore(generated / "store")
        try:
            tabled = shared.site()
            pages = 0
            for org in (ox.NamedNode(r["o"].value) for r in site.select(ORGS).rows):
                total = quads.incoming(site.oxigraph, org, 0, 1, 10**9)[2]  # type: ignore[index]
                for offset in range(0, total + size + 1, size):
                    want = quads.incoming(site.oxigraph, org, offset, size, 10**9)
                    assert network_quads.links_to(tabled, org, offset, size) == want, (org, offset)
                    pages += 1
                assert network_quads.links_to(site, org, 0, size) is None      # (its handle: no table)
                d, e = describe(tabled, org, page=2, page_size=size), describe(site, org, page=2, page_size=size)
                assert (d.incoming, d.incoming_counts, d.page) == (e.incoming, e.incoming_counts, e.page)
            assert pages > 40
        finally:
            shared.close()
    finally:
        network_table.unshare(key)
        embedded.close()
