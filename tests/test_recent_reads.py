"""publisher/read/recent.py: an organisation's partners, its practices' details and roles are read once for
both languages of its page, and never outlive the store (the build) they were read from; a store that is
not the embedded snapshot (remote mode) is always asked."""

from __future__ import annotations

import gc
import shutil
import weakref

import pyoxigraph as ox

from publisher.read import recent
from publisher.read.network import partner_network
from publisher.read.practice_list import details
from publisher.store.embedded import DirectStore, EmbeddedStore, SiteStore

BASE = "https://w3id.org/bdp/"
ORG = BASE + "id/organisation/powiat-tczewski"
SEED = BASE + "id/practice/trzy-filary-bank-partnerow-lokalnych"
MEMBER = ox.NamedNode("http://www.w3.org/ns/org#member")


def test_one_read_for_both_languages_a_new_one_for_another_key():
    store, calls = object.__new__(SiteStore), []

    def compute() -> list[int]:
        calls.append(1)
        return [len(calls)]

    first = recent.remembered(store, ("network", ORG), compute)
    assert recent.remembered(store, ("network", ORG), compute) is first and len(calls) == 1
    assert recent.remembered(store, ("network", SEED), compute) == [2]
    assert recent.remembered(object.__new__(SiteStore), ("network", ORG), compute) == [3]


def test_a_store_that_may_change_is_always_asked():
    store, calls = DirectStore(ox.Store()), []
    for _ in range(2):
        recent.remembered(store, ("network", ORG), lambda: calls.append(1))
    assert len(calls) == 2


def test_the_memo_stays_small_and_goes_with_its_store():
    store = object.__new__(SiteStore)
    for i in range(recent.KEPT * 3):
        recent.remembered(store, i, lambda i=i: i)
    assert 0 < len(recent._memos[store]) <= recent.KEPT
    gone = weakref.ref(store)
    del store
    gc.collect()
    assert gone() is None               # the memo held its store weakly: both are gone


def test_a_full_memo_drops_its_oldest_answers_first():
    """A page's own answers (an organisation's: its practices, their members, its roles, its network, a
    page of details) were asked last: they stay while older ones make room."""
    store, calls = object.__new__(SiteStore), []
    for i in range(recent.KEPT + 3):
        recent.remembered(store, i, lambda i=i: calls.append(i) or i)
    assert len(recent._memos[store]) == recent.KEPT
    for i in range(3, recent.KEPT + 3):               # the newest KEPT: none asked again
        assert recent.remembered(store, i, lambda i=i: calls.append(i) or i) == i
    assert calls == list(range(recent.KEPT + 3))
    assert recent.remembered(store, 0, lambda: calls.append(0) or 0) == 0 and calls[-1] == 0   # dropped


def test_a_new_build_is_read_again(built, tmp_path):
    """The same reads on a copy of the build whose store lost the organisation's memberships: the copy's
    store is another store, so nothing read from the first one is reused."""
    copy = tmp_path / "out"
    shutil.copytree(built, copy)
    before = EmbeddedStore(built / "store")
    try:
        net = partner_network(before.site(), ORG)
        items, _ = details(before.site(), [SEED])
        assert net.partners and items[0].titles
        raw = ox.Store(str(copy / "store"))
        for quad in list(raw.quads_for_pattern(None, MEMBER, ox.NamedNode(ORG))):
            raw.remove(quad)
        raw.flush()
        del raw
        after = EmbeddedStore(copy / "store")
        try:
            assert partner_network(after.site(), ORG).partners != net.partners
            assert partner_network(before.site(), ORG) is net          # the first store's answer, kept
        finally:
            after.close()
    finally:
        before.close()
