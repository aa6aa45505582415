"""A read-only connection to one build's search index (OUT/search.sqlite, outputs/search_index.py), with
what read/search.py and read/geo.py need of it loaded once per build: the facet vocabularies, the facet
bitmaps, the bitmap of every practice, the kept word bitmaps and the title orders."""

from __future__ import annotations

import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from publisher.errors import StoreUnavailable
from publisher.outputs.search_index import FACETS, FILE, VERSION

# The rows from the n-th newest value of a date column up (those tied with it too).
NEWEST = """
SELECT key, {column} FROM practice WHERE {column} >= (
  SELECT {column} FROM practice WHERE {column} IS NOT NULL ORDER BY {column} DESC LIMIT 1 OFFSET ?)"""


def connect(path: Path) -> sqlite3.Connection:
    """Read-only and immutable: a build never changes the index it published."""
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)


def newest_rows(path: Path, column: str, n: int) -> tuple[str, list[tuple[str, str]]] | None:
    """The base IRI of the index at `path` and its (key, date) rows of the `n` newest values of the date
    `column` ('entered' or 'modified'), every row tied with the n-th included (all dated rows when fewer);
    None when there is no index of this version."""
    assert column in ("entered", "modified")
    try:
        db = connect(path)
    except sqlite3.Error:
        return None
    try:
        meta = dict(db.execute("SELECT name, value FROM meta WHERE name IN ('version', 'base_uri')"))
        if meta.get("version") != VERSION:
            return None
        rows = db.execute(NEWEST.format(column=column), (n - 1,)).fetchall()
        if not rows:
            rows = db.execute(f"SELECT key, {column} FROM practice WHERE {column} IS NOT NULL").fetchall()
    except sqlite3.Error:   # no file (sqlite makes none read-only), or not an index
        return None
    finally:
        db.close()
    return meta["base_uri"], rows


class SearchIndex:
    """A read-only connection to one build's search index, with its facet vocabularies and bitmaps.

    `cache` (a dict the app keeps) holds what was loaded, keyed by the file's identity, so that each
    request opens a connection but loads the bitmaps once per build."""

    def __init__(self, path: Path, cache: MutableMapping[str, Any] | None = None) -> None:
        try:
            stat = path.stat()
        except OSError:
            raise StoreUnavailable("no search index in this build: run `bdp build`") from None
        self.db = connect(path)
        identity = f"{path.resolve()}:{stat.st_ino}:{stat.st_mtime_ns}"
        loaded: tuple[dict[str, Any], dict[str, Any], int, OrderedDict[str, int], dict[str, Any]] | None = (
            cache.get(identity) if cache is not None else None)
        if loaded is None:
            loaded = self._load()
            if cache is not None:
                cache.clear()
                cache[identity] = loaded
        self.concepts, self.bitmaps, self.everything, self.matched, self.orders = loaded

    def title_order(self, lang: str) -> tuple[array, array]:
        """The ids in the order of their titles in `lang` and each id's position there (read once)."""
        name = f"title_{lang if lang == 'en' else 'pl'}"
        found = self.orders.get(name)
        if found is None:
            order = array("I", self.db.execute("SELECT ids FROM practice_order WHERE name = ?", (name,)).fetchone()[0])
            rank = array("I", bytes(4 * (len(order) + 1)))
            for position, pid in enumerate(order):
                rank[pid] = position
            found = self.orders[name] = (order, rank)
        return found

    def _load(self) -> tuple[dict[str, Any], dict[str, Any], int, OrderedDict[str, int], dict[str, Any]]:
        version = self.db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
        if version is None or version[0] != VERSION:
            self.db.close()
            raise StoreUnavailable("the search index is from an older version of bdp: run `bdp build`")
        concepts: dict[str, dict[str, tuple[int, dict[str, str]]]] = {}
        for scheme, key, bit, pl, en in self.db.execute("SELECT scheme, key, bit, label_pl, label_en FROM concept"):
            concepts.setdefault(scheme, {})[key] = (bit, {k: v for k, v in (("pl", pl), ("en", en)) if v})
        bitmaps: dict[str, dict[str, int]] = {f.name: {} for f in FACETS}
        for facet, value, bits in self.db.execute("SELECT facet, value, bits FROM facet_bitmap"):
            if facet in bitmaps:
                bitmaps[facet][value] = int.from_bytes(bits, "little")
        count = self.db.execute("SELECT COUNT(*) FROM practice").fetchone()[0]
        return concepts, bitmaps, ((1 << (count + 1)) - 1) & ~1, OrderedDict(), {}

    def close(self) -> None:
        self.db.close()


def open_index(out: Path, cache: MutableMapping[str, Any] | None = None) -> SearchIndex:
    return SearchIndex(out / FILE, cache)
