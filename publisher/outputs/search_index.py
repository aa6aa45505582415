"""OUT/search.sqlite, the index behind /search, the facets and the map (read/search.py, read/geo.py),
written by the build's output steps (tables.py). Everything in it comes from the practice table of the
build's triples (practice_table.py: the N-Triples dump, or a store's default graph), so it says what the
RDF says.

Tables (SCHEMA below): `practice` (one narrow row of facet values and coordinates per practice),
`practice_text` (the texts shown in results), `practice_fts` (FTS5, contentless: titles, summaries and
descriptions, organisation names, places, and each of them again as the folded lemmas of its words that are
not words of it (search_terms.py); case- and diacritics-insensitive by `unicode61 remove_diacritics 2` plus
ł -> l, which Unicode does not decompose; `detail=column`: no word positions, as searches have single
words only, which keeps the index with its lemma columns smaller than it was without them), `vocabulary` (search_terms.py), `practice_geo` (an R*Tree of the coordinates),
`concept` (the facet values: scheme, key, a bit for multi-valued facets, labels; and the partners'
sectors), `facet_bitmap` (for each facet value, a bitmap of the practices having it: bit i is practice id
i) and `practice_order` (the practice ids in the alphabetical order of their titles in Polish and in
English, ICU collation made here once so that /search sorts by title without collating per request),
and `word_bitmap` (the practices matching each frequent word, search_words.py).
Practice ids run newest first (by date entered), so the first set bits of a bitmap are the newest
practices. `practice.sectors` holds the sectors of a practice's partners (keys, space-separated), so a
list item needs no query of the store; `practice.modified` (date last updated, indexed) gives the home
page its recently updated practices (read/practice_list.py `latest`)."""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from publisher.collation import sort_key
from publisher.namespaces import BDPV
from publisher.outputs.practice_table import TEXTS, PracticeTable, collect
from publisher.outputs.search_terms import Terms, write_vocabulary
from publisher.outputs.search_words import write_word_bitmaps

FILE = "search.sqlite"
VERSION = "6"
# The FTS columns: the texts (folded as typed) and their lemmas; bm25 weights the same for both.
TEXT_COLUMNS = ("title", "body", "organisations", "place")
LEMMA_COLUMNS = tuple(c + "_lemmas" for c in TEXT_COLUMNS)
RANK = "bm25(10.0, 1.0, 4.0, 4.0, 10.0, 1.0, 4.0, 4.0)"
LANGUAGES = ("pl", "en")
# The columns of `practice`.
COLUMNS = ("id", "key", "entered", "year", "voivodeship", "unit_type", "cross_sector", "three_sector",
           "themes", "funding", "lat", "lon", "sectors", "modified")
FTS_OPTIONS = (", ".join(TEXT_COLUMNS + LEMMA_COLUMNS)
               + """, content='', tokenize="unicode61 remove_diacritics 2", prefix='3'""")
INSERT_PRACTICE = f"INSERT INTO practice VALUES ({', '.join('?' * len(COLUMNS))})"
SCHEMES = ("theme", "voivodeship", "unit-type", "funding", "sector")
SECTORS = ("public", "ngo", "business")


@dataclass(frozen=True)
class Facet:
    name: str              # the URL parameter and the name in `facet_bitmap`
    column: str            # the column of `practice`
    kind: str              # "bits" (multi-valued concepts), "concept", "flag" (yes/no), "year"
    scheme: str = ""


# The facets of /search, in the order shown.
FACETS: tuple[Facet, ...] = (
    Facet("theme", "themes", "bits", "theme"),
    Facet("voivodeship", "voivodeship", "concept", "voivodeship"),
    Facet("unit_type", "unit_type", "concept", "unit-type"),
    Facet("cross_sector", "cross_sector", "flag"),
    Facet("three_sector", "three_sector", "flag"),
    Facet("funding", "funding", "bits", "funding"),
    Facet("year", "year", "year"),
)

SCHEMA = f"""
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE concept (scheme TEXT NOT NULL, key TEXT NOT NULL, bit INTEGER NOT NULL, label_pl TEXT,
                      label_en TEXT, PRIMARY KEY (scheme, key));
CREATE TABLE practice (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL, entered TEXT, year INTEGER, voivodeship TEXT,
    unit_type TEXT, cross_sector INTEGER NOT NULL, three_sector INTEGER NOT NULL,
    themes INTEGER NOT NULL, funding INTEGER NOT NULL, lat REAL, lon REAL, sectors TEXT NOT NULL,
    modified TEXT);
CREATE TABLE practice_text (
    id INTEGER PRIMARY KEY, title_pl TEXT, title_en TEXT, summary_pl TEXT, summary_en TEXT,
    description_pl TEXT, description_en TEXT, organisations TEXT, town TEXT);
CREATE VIRTUAL TABLE practice_fts USING fts5({FTS_OPTIONS});
INSERT INTO practice_fts (practice_fts, rank) VALUES ('rank', '{RANK}');
-- a buffer far larger than FTS5's default before it writes a segment: fewer segments to merge, which more
-- than pays for the lemma columns (figures: bench/README.md, issue 14)
INSERT INTO practice_fts (practice_fts, rank) VALUES ('hashsize', {64 << 20});
CREATE VIRTUAL TABLE practice_geo USING rtree(id, min_lon, max_lon, min_lat, max_lat);
CREATE TABLE facet_bitmap (facet TEXT NOT NULL, value TEXT NOT NULL, bits BLOB NOT NULL,
                           PRIMARY KEY (facet, value));
CREATE TABLE practice_order (name TEXT PRIMARY KEY, ids BLOB NOT NULL);
"""
INDEXES = """
CREATE INDEX practice_entered ON practice (entered DESC, id);
CREATE UNIQUE INDEX practice_key ON practice (key);
CREATE INDEX practice_modified ON practice (modified DESC, key);
"""


def fts_text(text: str) -> str:
    """What the FTS index is fed: only ł/Ł replaced; unicode61 folds case and the other diacritics."""
    return text.replace("ł", "l").replace("Ł", "L")


# --- reading the store ----------------------------------------------------------------------------------

def _concept_key(iri: str, scheme: str) -> str | None:
    prefix = f"{BDPV}{scheme}/"
    return iri[len(prefix):] if iri.startswith(prefix) else None


def _concepts(table: PracticeTable) -> dict[str, dict[str, dict[str, str]]]:
    """scheme -> key -> {'pl': label, 'en': label}."""
    found: dict[str, dict[str, dict[str, str]]] = {s: {} for s in SCHEMES}
    for iri, concept in table.concepts.items():
        scheme = concept.scheme.removeprefix(str(BDPV))
        key = _concept_key(iri, scheme) if scheme in found else None
        if key is not None:
            labels = found[scheme].setdefault(key, {})
            for lang, label in concept.labels.items():
                labels.setdefault(lang or "pl", label)
    return found


def _bits(concepts: dict[str, dict[str, str]]) -> dict[str, int]:
    keys = sorted(concepts)
    if len(keys) > 62:
        raise ValueError("a multi-valued facet holds at most 62 values")
    return {k: 1 << i for i, k in enumerate(keys)}


def facts_of(table: PracticeTable) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, str]]]]:
    concepts = _concepts(table)
    bits = {"theme": _bits(concepts["theme"]), "funding": _bits(concepts["funding"])}
    practices: dict[str, dict[str, Any]] = {}
    for iri, p in table.practices.items():
        # Polish, then English, whatever the order of the triples (an incremental build reads them from the
        # store, a full build from the dump): the texts of practice_text and the words of the FTS columns.
        texts = {what: {lang: found[lang] for lang in LANGUAGES if lang in found}
                 for what, found in ((w, {lang or "pl": t for lang, t in p.texts[w].items()}) for w in TEXTS[:3])}
        entered, unit = p.values.get("issued", [None])[-1], p.values.get("unit_type", [None])[-1]
        themes = funding = 0
        for c in p.values.get("subject", ()):
            themes |= bits["theme"].get(_concept_key(c, "theme") or "", 0)
        for c in p.values.get("funding", ()):
            funding |= bits["funding"].get(_concept_key(c, "funding") or "", 0)
        members = table.partners(p)
        sectors = {sector.rsplit("/", 1)[-1] for o in members for sector in table.node(o).get("sector", ())[:1]}
        names = dict.fromkeys(table.name(o, None) or "" for o in [*p.values.get("implementing_unit", ()),
                                                                  *sorted(members)])
        row = {"key": p.key, "texts": texts, "entered": entered, "themes": themes, "funding": funding,
               "unit_type": _concept_key(unit, "unit-type") if unit else None, "sectors": sectors,
               "orgs": [n for n in names if n], "lat": None, "lon": None,
               "modified": p.values.get("modified", [None])[-1]}
        for node in p.values.get("spatial", ()):
            place = table.node(node)
            for label in place.get("label", ()):
                row["town"] = label
            for v in place.get("voivodeship", ()):
                row["voivodeship"] = _concept_key(v, "voivodeship")
            lat, lon = place.get("lat"), place.get("long")
            if lat and lon:
                row["lat"], row["lon"] = float(lat[-1]), float(lon[-1])
        practices[iri] = row
    return practices, concepts


# --- writing the index ----------------------------------------------------------------------------------

def _practice_rows(practices: dict[str, dict[str, Any]], concepts: dict[str, dict[str, dict[str, str]]],
                   terms: Terms) -> Iterator[tuple[tuple, tuple, tuple, tuple | None]]:
    newest_first = sorted(sorted(practices, key=lambda i: practices[i]["key"]),
                          key=lambda i: practices[i].get("entered") or "", reverse=True)
    for n, iri in enumerate(newest_first, start=1):
        yield practice_rows(n, practices[iri], concepts["voivodeship"], terms)


def practice_rows(n: int, p: dict[str, Any], voivodeships: dict[str, dict[str, str]], terms: Terms
                  ) -> tuple[tuple, tuple, tuple, tuple | None]:
    """The rows of practice `p` (from facts_of) as id `n`: practice, practice_text, practice_fts and
    practice_geo (None without coordinates)."""
    texts = p["texts"]
    title, summary, desc = texts.get("title", {}), texts.get("abstract", {}), texts.get("description", {})
    entered = p.get("entered")
    year = int(entered[:4]) if entered and entered[:4].isdigit() else None
    sectors = p["sectors"]
    row = (n, p["key"], entered, year, p.get("voivodeship"), p.get("unit_type"),
           int(len(sectors) >= 2), int(all(s in sectors for s in SECTORS)), p["themes"], p["funding"],
           p.get("lat"), p.get("lon"), " ".join(s for s in SECTORS if s in sectors), p.get("modified"))
    text = (n, title.get("pl"), title.get("en"), summary.get("pl"), summary.get("en"), desc.get("pl"),
            desc.get("en"), " · ".join(p["orgs"]), p.get("town"))
    geo = (n, p["lon"], p["lon"], p["lat"], p["lat"]) if p.get("lat") is not None else None
    return row, text, fts_row(text, p.get("voivodeship"), voivodeships, terms), geo


def fts_fields(text: tuple, voivodeship: str | None, voivodeships: dict[str, dict[str, str]]
               ) -> tuple[str, str, str, str]:
    """The four texts of a practice_fts row (TEXT_COLUMNS) from its practice_text row and voivodeship: what
    a patch of the index needs to delete the row again (practice_fts keeps no content)."""
    voiv = voivodeships.get(voivodeship or "", {})
    place = " ".join(x for x in (text[8], voiv.get("pl"), voiv.get("en")) if x)
    return (" ".join(x for x in text[1:3] if x is not None), " ".join(x for x in text[3:7] if x is not None),
            text[7], place)


def fts_row(text: tuple, voivodeship: str | None, voivodeships: dict[str, dict[str, str]], terms: Terms
            ) -> tuple:
    """(id, the folded texts, their lemma columns) of a practice_fts row."""
    fields = fts_fields(text, voivodeship, voivodeships)
    return (text[0], *(fts_text(f) for f in fields), *(terms.lemma_column(f) for f in fields))


def facet_values(row: tuple, bits: dict[str, list[tuple[str, int]]]) -> Iterator[tuple[str, str]]:
    """(facet, value) of each facet value a practice row has; `bits`: facet -> (key, bit) of 'bits' facets."""
    for facet in FACETS:
        value = row[COLUMNS.index(facet.column)]
        if facet.kind == "bits":
            yield from ((facet.name, k) for k, bit in bits[facet.name] if value & bit)
        elif value is not None:
            yield facet.name, ("yes" if value else "no") if facet.kind == "flag" else str(value)


def facet_bits(concepts: dict[str, dict[str, dict[str, str]]]) -> dict[str, list[tuple[str, int]]]:
    return {f.name: list(_bits(concepts[f.scheme]).items()) for f in FACETS if f.kind == "bits"}


def _bitmaps(rows: list[tuple], concepts: dict[str, dict[str, dict[str, str]]]
             ) -> Iterator[tuple[str, str, bytes]]:
    """(facet, value, bitmap) of every facet value present; bit i (little-endian) is practice id i."""
    size = (len(rows) + 1 + 7) // 8
    maps: dict[tuple[str, str], bytearray] = {}
    bits = facet_bits(concepts)
    for row in rows:
        pid = row[0]
        for found in facet_values(row, bits):
            bitmap = maps.get(found)
            if bitmap is None:
                bitmap = maps[found] = bytearray(size)
            bitmap[pid >> 3] |= 1 << (pid & 7)
    for (name, value), bitmap in sorted(maps.items()):
        yield name, value, bytes(bitmap)


def concept_rows(concepts: dict[str, dict[str, dict[str, str]]]) -> list[tuple]:
    """The rows of `concept`: (scheme, key, bit, label_pl, label_en)."""
    rows = []
    for scheme, table in concepts.items():
        bits = _bits(table) if scheme in ("theme", "funding") else {}
        rows += [(scheme, k, bits.get(k, 0), v.get("pl"), v.get("en")) for k, v in sorted(table.items())]
    return rows


def _title_orders(texts: list[tuple]) -> Iterator[tuple[str, bytes]]:
    """('title_pl' | 'title_en', the practice ids by title in that language's collation, as 32-bit ints);
    a practice without a title in the language sorts by its other one; equal titles newest first."""
    for lang in LANGUAGES:
        keyed = sorted((title_key(t, lang), t[0]) for t in texts)
        yield f"title_{lang}", array("I", [pid for _, pid in keyed]).tobytes()


def title_key(text: tuple, lang: str) -> Any:
    """The collation key of a practice_text row's title in `lang` (its other title when it has none)."""
    first, other = (1, 2) if lang == "pl" else (2, 1)
    return sort_key(text[first] or text[other] or "", lang)


def write_index(store: ox.Store, base: str, path: Any) -> int:
    """Write the index of every practice in `store` to `path`; the number of practices."""
    return write_index_of(collect(store, base), base, path)


def write_index_of(facts: PracticeTable, base: str, path: Any) -> int:
    """Write the index of the practices of `facts` (practice_table.py) to `path`; their number."""
    practices, concepts = facts_of(facts)
    db = sqlite3.connect(str(path))
    try:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
        with db:
            db.executemany("INSERT INTO concept VALUES (?, ?, ?, ?, ?)", concept_rows(concepts))
            rows, texts, fts, geo = [], [], [], []
            terms = Terms()
            for row, text, words, point in _practice_rows(practices, concepts, terms):
                rows.append(row)
                texts.append(text)
                fts.append(words)
                if point:
                    geo.append(point)
            db.executemany(INSERT_PRACTICE, rows)
            db.executemany("INSERT INTO practice_text VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", texts)
            columns = ", ".join(TEXT_COLUMNS + LEMMA_COLUMNS)
            db.executemany(f"INSERT INTO practice_fts (rowid, {columns}) VALUES (?{', ?' * 8})", fts)
            db.executemany("INSERT INTO practice_geo VALUES (?, ?, ?, ?, ?)", geo)
            db.executemany("INSERT INTO facet_bitmap VALUES (?, ?, ?)", _bitmaps(rows, concepts))
            db.executemany("INSERT INTO practice_order VALUES (?, ?)", _title_orders(texts))
            db.executescript(INDEXES)
            db.executemany("INSERT INTO meta VALUES (?, ?)",
                           [("version", VERSION), ("base_uri", base), ("practices", str(len(rows)))])
        db.execute("INSERT INTO practice_fts (practice_fts) VALUES ('optimize')")
        with db:
            write_vocabulary(db, terms)
            write_word_bitmaps(db, len(rows))
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()
    return len(practices)
