"""An organisation's reads from the store's indexes (publisher/read/network_quads.py, taken whenever the store
is in this process) answer what the SPARQL queries they replace answer (taken for a remote store): the same
rows in the same order, so its pages keep every byte. Compared for every organisation of the bundled build
and of a generated one where organisations share many practices."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.config import load_settings
from publisher.pipeline.build import build
from publisher.read import network as net
from publisher.read import network_table
from publisher.read import practice_list as pl
from publisher.read.cards import ORGANISATION_PAGE
from publisher.read.links import ALSO_IN, also_in_from_rows
from publisher.read.quads import all_labels
from publisher.read.resources import describe, with_extra
from publisher.store.embedded import DirectStore, EmbeddedStore

ORGS = "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?o WHERE { ?o a org:Organization }"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """60 generated practices: organisations with several practices, partners in many of them."""
    from publisher.synthetic.generate import generate

    root = tmp_path_factory.mktemp("network-quads")
    generate(60, root / "data", seed=5)
    settings = load_settings({"out": str(root / "out")}, environ={})
    build(settings, root / "data", root / "out", workers=1)
    return root / "out"


def _reads(store, org: str) -> dict[str, object]:
    practices = net.practices_of(store, org)
    return {"practices": practices, "people": net.people(store, org),
            "roles": net.roles(store, org, practices), "sectors": net.member_sectors(store, org),
            "network": net.partner_network(store, org),
            "rows": list(pl.members(store, "organisation", org).rows.items()),
            "details": pl.details(store, practices, (), org)}


@pytest.mark.parametrize("which", ["bundled", "generated"])
def test_an_organisations_reads_from_the_indexes_are_the_queries_answers(which, built, generated):
    out = built if which == "bundled" else generated
    queried = EmbeddedStore(out / "store")          # not a DirectStore: its reads are the SPARQL queries
    try:
        site = queried.site()
        assert isinstance(site, DirectStore) and not isinstance(queried, DirectStore)
        orgs = [r["o"].value for r in site.select(ORGS).rows]
        several = 0
        for org in orgs:
            direct, sparql = _reads(site, org), _reads(queried, org)
            for name, value in direct.items():
                assert value == sparql[name], (org, name)
            several += len(direct["practices"]) > 1              # type: ignore[arg-type]
            assert direct["people"] or not direct["practices"]
        assert len(orgs) > 3 and (which == "bundled" or several > 5)
    finally:
        queried.close()


def test_an_unknown_organisation_reads_nothing_from_the_indexes(built):
    store = EmbeddedStore(built / "store")
    try:
        site = store.site()
        nobody = "https://w3id.org/bdp/id/organisation/nobody-at-all"
        assert net.practices_of(site, nobody) == [] and net.people(site, nobody) == []
        assert pl.details(site, [], (), nobody) == ([], {})
        assert net.partner_network(site, nobody).partners == []
    finally:
        store.close()


@pytest.mark.parametrize("which", ["bundled", "generated"])
def test_an_organisations_also_in_from_its_description_is_the_querys(which, built, generated):
    """An organisation's "also in" (identifiers, same-as links) made from its description, with no query,
    is what the ALSO_IN query answers (a practice's, its place's links among them, are read by
    cards.practice_page_rows: tests/test_practice_reads.py)."""
    out = built if which == "bundled" else generated
    store = EmbeddedStore(out / "store")
    try:
        site = store.site()
        assert ORGANISATION_PAGE.direct is ALSO_IN.direct is not None
        with_ids = 0
        for org in [r["o"] for r in site.select(ORGS).rows]:
            d = describe(site, org)
            made = ALSO_IN.direct(site.oxigraph, d)
            asked = site.select(ALSO_IN.query(), bindings={"s": org}).rows
            assert made is not None
            keys = ("g", "x", "p", "o")
            assert [{k: r[k] for k in keys if k in r} for r in made] == \
                   [{k: r[k] for k in keys if k in r} for r in asked], org
            assert with_extra(site, d, ORGANISATION_PAGE, 1000).extra_rows == made
            with_ids += bool(also_in_from_rows(made))
        assert which == "generated" or with_ids > 0
    finally:
        store.close()


def _read_table(store: ox.Store, store_dir: Path, how: str) -> network_table.NetworkTable:
    """The table read all here ("scanned"), with a child scanning some predicates ("child"), or with every
    label given and a child ("labels", as `bdp export` reads it)."""
    if how == "scanned":
        return network_table.read_table(store)
    return network_table.read_table(store, store_dir, all_labels(store) if how == "labels" else None)


@pytest.mark.parametrize(("which", "how"), [("bundled", "scanned"), ("bundled", "labels"),
                                            ("generated", "scanned"), ("generated", "child"),
                                            ("generated", "labels")])
def test_an_organisations_reads_from_the_shared_table_are_the_indexes(which, how, built, generated):
    """With the table `bdp export` reads in its parent shared (read.network_table), a site handle of that
    store answers every organisation's reads from it: the same terms in the same order as its lookups,
    however the table was read."""
    out = built if which == "bundled" else generated
    looked_up, tabled = EmbeddedStore(out / "store"), EmbeddedStore(out / "store")
    key = None
    try:
        site = looked_up.site()
        orgs = [r["o"].value for r in site.select(ORGS).rows]
        before = {org: _reads(site, org) for org in orgs}
        table = _read_table(site.oxigraph, out / "store", how)
        assert (table.labels is not None) == (how == "labels")
        key = network_table.share(out / "store", table)
        shared = tabled.site()
        assert network_table.shared(out / "store") is table and network_table.shared_for(shared) is table
        assert network_table.shared_for(site) is None            # a handle keeps what it looked up first
        for org in orgs:
            assert _reads(shared, org) == before[org], org
        assert sum(bool(before[org]["practices"]) for org in orgs) > 3
    finally:
        network_table.unshare(key)
        looked_up.close()
        tabled.close()
    assert network_table.shared(out / "store") is None


def test_the_export_writes_the_same_organisation_pages_with_the_table(generated, tmp_path):
    """`bdp export`'s writer with the table shared (read with every label, a child scanning some
    predicates) writes every organisation's files byte for byte as without it."""
    from publisher.web.export import resources
    from publisher.web.export_documents import write_documents

    settings = load_settings({"out": str(generated), "public_url": "http://127.0.0.1:8080/"}, environ={})
    paths = [p for p in resources(generated / "store", settings.base_uri) if p.startswith("doc/organisation/")]
    write_documents(settings, tmp_path / "plain", paths, "http://127.0.0.1:8080/", 1, atomic=False)
    store = ox.Store.read_only(str(generated / "store"))      # read as the export reads it
    key = network_table.share(generated / "store", _read_table(store, generated / "store", "labels"))
    try:
        write_documents(settings, tmp_path / "tabled", paths, "http://127.0.0.1:8080/", 1, atomic=False)
    finally:
        network_table.unshare(key)
    plain = sorted(p.relative_to(tmp_path / "plain") for p in (tmp_path / "plain").rglob("*") if p.is_file())
    tabled = sorted(p.relative_to(tmp_path / "tabled") for p in (tmp_path / "tabled").rglob("*") if p.is_file())
    assert plain == tabled and len(plain) >= 6 * len(paths) > 0
    for name in plain:
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "tabled" / name).read_bytes(), name



def test_the_table_read_with_a_child_is_the_table_read_alone(generated, tmp_path):
    """What the forked child scans (read.network_table.IN_CHILD) comes back as the parent would have read
    it; a child that cannot open the store (here: no store at that path) leaves the parent to scan it all,
    to the same table."""
    store = ox.Store.read_only(str(generated / "store"))
    alone = network_table.read_table(store)
    helped = network_table.read_table(store, generated / "store")
    unhelped = network_table.read_table(store, tmp_path / "no-store")
    assert alone.forward[network_table.IN_CHILD[0]] and alone.backward[network_table.IN_CHILD[0]]
    for table in (helped, unhelped):
        assert table.forward == alone.forward and table.backward == alone.backward


def test_the_export_reading_ahead_writes_the_same_organisation_pages(generated, tmp_path):
    """`write_documents` reading ahead (the labels, then the table with its child, as a whole export does)
    writes every organisation's files byte for byte as without, and leaves no table shared."""
    from publisher.web.export import resources
    from publisher.web.export_documents import write_documents

    settings = load_settings({"out": str(generated), "public_url": "http://127.0.0.1:8080/"}, environ={})
    paths = [p for p in resources(generated / "store", settings.base_uri) if p.startswith("doc/organisation/")]
    timings: dict[str, float] = {}
    for name, ahead in (("plain", False), ("ahead", True)):
        write_documents(settings, tmp_path / name, paths, "http://127.0.0.1:8080/", 1, atomic=False,
                        read_ahead=ahead, timings=timings)
    assert timings["ahead_user"] > 0 and network_table.shared(generated / "store") is None
    plain = sorted(p.relative_to(tmp_path / "plain") for p in (tmp_path / "plain").rglob("*") if p.is_file())
    ahead = sorted(p.relative_to(tmp_path / "ahead") for p in (tmp_path / "ahead").rglob("*") if p.is_file())
    assert plain == ahead and len(plain) >= 6 * len(paths) > 0
    for name in plain:
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "ahead" / name).read_bytes(), name
