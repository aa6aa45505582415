"""The search index of an incremental build (search_index.py) as the previous build's file patched: the
rows of the practices a change reaches rewritten in place, so that every table holds what a full build of
the same records writes (tests/test_incremental.py compares them row by row; FTS5 and R*Tree tables by
their content, not their pages).

What a patch rewrites, for each practice whose rows differ: `practice`, `practice_text`, `practice_geo`;
`practice_fts` (contentless: the old row is deleted with its old values, made again from `practice_text`
by the code that made them); its bits in `facet_bitmap` and `word_bitmap`; its place in `practice_order`;
and the `vocabulary` rows of the terms it reaches (vocabulary_patch.py).

A patch cannot be exact, and `patch_index` says why instead, when ids would shift (a practice added or
removed, a changed date entered: ids run newest first), when the concepts changed, or when a term to
learn again is in more than vocabulary_patch.REPLAY_LIMIT practices; the caller then writes the file
whole."""

from __future__ import annotations

import shutil
import sqlite3
from array import array
from bisect import bisect_left
from collections.abc import Collection
from pathlib import Path
from typing import Any

from publisher.outputs import search_words
from publisher.outputs.practice_table import PracticeTable
from publisher.outputs.search_index import (
    COLUMNS,
    FTS_OPTIONS,
    INSERT_PRACTICE,
    LANGUAGES,
    LEMMA_COLUMNS,
    TEXT_COLUMNS,
    concept_rows,
    facet_bits,
    facet_values,
    facts_of,
    fts_row,
    practice_rows,
    title_key,
)
from publisher.outputs.search_terms import Terms, lemma_spellings
from publisher.outputs.search_words import (
    known_lemmas,
    query_words,
    word_query,
)
from publisher.outputs.vocabulary_patch import CannotPatch, patch_vocabulary

FTS = ", ".join(TEXT_COLUMNS + LEMMA_COLUMNS)
def patch_index(previous: Path, path: Path, table: PracticeTable, keys: Collection[str]) -> str | None:
    """Copy `previous` (the previous build's index) to `path` and rewrite in it the rows of the practices
    `keys`, whose facts `table` holds (practice_table.collect_practices). None when done; else why it
    cannot be patched, and `path` is gone."""
    shutil.copyfile(previous, path)
    db = sqlite3.connect(str(path))
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        _patch(db, table, set(keys))
        db.commit()
        return None
    except CannotPatch as e:
        db.close()
        path.unlink()
        return str(e)
    finally:
        db.close()


def _patch(db: sqlite3.Connection, table: PracticeTable, keys: set[str]) -> None:
    found, concepts = facts_of(table)
    practices = {p["key"]: p for p in found.values()}
    if sorted(db.execute("SELECT * FROM concept")) != sorted(concept_rows(concepts)):
        raise CannotPatch("the concepts changed")
    marks = ", ".join("?" * len(keys))
    old = {row[1]: row for row in db.execute(f"SELECT * FROM practice WHERE key IN ({marks})", sorted(keys))}
    if len(old) != len(keys) or not keys <= practices.keys():
        raise CannotPatch("practices added: the ids shift")
    if any(old[k][COLUMNS.index("entered")] != practices[k].get("entered") for k in keys):
        raise CannotPatch("a date entered changed: the ids shift")
    voivodeships, spellings = concepts["voivodeship"], lemma_spellings()
    terms = Terms(spellings)
    new = {old[k][0]: practice_rows(old[k][0], practices[k], voivodeships, terms) for k in keys}
    texts = {r[0]: r for r in db.execute(f"SELECT * FROM practice_text WHERE id IN ({marks})", sorted(new))}
    rows = {r[0]: r for r in old.values()}
    ids = sorted(i for i in new if (new[i][0], new[i][1]) != (rows[i], texts[i]))
    if not ids:
        return
    was = {i: fts_row(texts[i], rows[i][COLUMNS.index("voivodeship")], voivodeships, terms) for i in ids}
    count = int(db.execute("SELECT value FROM meta WHERE name = 'practices'").fetchone()[0])
    selected = _frequent(db, count)
    _rewrite_rows(db, ids, was, new)
    _facets(db, ids, rows, new, concepts, count)
    _orders(db, ids)
    patch_vocabulary(db, ids, rows, new, texts, voivodeships, spellings)
    _word_bitmaps(db, ids, selected, count)


def _rewrite_rows(db: sqlite3.Connection, ids: list[int], was: dict[int, tuple], new: dict[int, tuple]) -> None:
    """The practice's rows in practice, practice_text, practice_geo and practice_fts; the old and the new
    FTS rows also into temp.old_fts and temp.new_fts, from which the vocabulary and word bitmaps learn."""
    for name in ("old_fts", "new_fts"):
        db.execute(f"CREATE VIRTUAL TABLE temp.{name} USING fts5({FTS_OPTIONS})")
        db.execute(f"CREATE VIRTUAL TABLE temp.{name}_terms USING fts5vocab(temp, '{name}', 'row')")
    insert = f"(rowid, {FTS}) VALUES (?{', ?' * 8})"
    db.executemany(f"INSERT INTO temp.old_fts {insert}", [was[i] for i in ids])
    db.executemany(f"INSERT INTO temp.new_fts {insert}", [new[i][2] for i in ids])
    db.executemany(f"INSERT INTO practice_fts (practice_fts, rowid, {FTS}) VALUES ('delete', ?{', ?' * 8})",
                   [was[i] for i in ids])
    db.executemany(f"INSERT INTO practice_fts {insert}", [new[i][2] for i in ids])
    for name in ("practice", "practice_text", "practice_geo"):
        db.executemany(f"DELETE FROM {name} WHERE id = ?", [(i,) for i in ids])
    db.executemany(INSERT_PRACTICE, [new[i][0] for i in ids])
    db.executemany("INSERT INTO practice_text VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [new[i][1] for i in ids])
    db.executemany("INSERT INTO practice_geo VALUES (?, ?, ?, ?, ?)", [new[i][3] for i in ids if new[i][3]])


def _facets(db: sqlite3.Connection, ids: list[int], rows: dict[int, tuple], new: dict[int, tuple],
            concepts: dict[str, Any], count: int) -> None:
    """Each practice's bit cleared in the bitmaps of its old facet values and set in those of its new."""
    bits = facet_bits(concepts)
    before = {i: set(facet_values(rows[i], bits)) for i in ids}
    after = {i: set(facet_values(new[i][0], bits)) for i in ids}
    maps: dict[tuple[str, str], bytearray | None] = {}
    for value in sorted(set().union(*before.values(), *after.values())):
        found = db.execute("SELECT bits FROM facet_bitmap WHERE facet = ? AND value = ?", value).fetchone()
        maps[value] = bytearray(found[0]) if found else None
    for i in ids:
        for value in before[i]:
            bitmap = maps[value]
            if bitmap is not None:          # always: the practice had the value
                bitmap[i >> 3] &= ~(1 << (i & 7)) & 0xFF
        for value in after[i]:
            bitmap = maps[value]
            if bitmap is None:
                bitmap = maps[value] = bytearray((count + 1 + 7) // 8)
            bitmap[i >> 3] |= 1 << (i & 7)
    for (facet, key), bitmap in maps.items():
        db.execute("DELETE FROM facet_bitmap WHERE facet = ? AND value = ?", (facet, key))
        if bitmap is not None and any(bitmap):
            db.execute("INSERT INTO facet_bitmap VALUES (?, ?, ?)", (facet, key, bytes(bitmap)))


def _orders(db: sqlite3.Connection, ids: list[int]) -> None:
    """The practices taken out of the title orders and put back where their new titles sort."""
    cache: dict[int, tuple] = {}

    def text(pid: int) -> tuple:
        if pid not in cache:
            cache[pid] = db.execute("SELECT * FROM practice_text WHERE id = ?", (pid,)).fetchone()
        return cache[pid]

    moved = set(ids)
    for lang in LANGUAGES:
        name = f"title_{lang}"
        blob = db.execute("SELECT ids FROM practice_order WHERE name = ?", (name,)).fetchone()[0]
        order = [pid for pid in array("I", blob) if pid not in moved]
        for pid in ids:
            at = bisect_left(order, (title_key(text(pid), lang), pid),
                             key=lambda other: (title_key(text(other), lang), other))
            order.insert(at, pid)
        db.execute("UPDATE practice_order SET ids = ? WHERE name = ?", (array("I", order).tobytes(), name))


def _least(count: int) -> int:
    """The practices a word needs to have a bitmap (search_words.write_word_bitmaps)."""
    return max(search_words.FREQUENT_MIN, int(count * search_words.FREQUENT_SHARE))


def _frequent(db: sqlite3.Connection, count: int) -> set[tuple]:
    return set(db.execute("SELECT shown, term, lemmas FROM vocabulary WHERE docs >= ? ORDER BY docs DESC, term "
                          "LIMIT ?", (_least(count), search_words.FREQUENT_MAX)))


def _word_bitmaps(db: sqlite3.Connection, ids: list[int], selected: set[tuple], count: int) -> None:
    """The changed practices' bits in each word bitmap, from their new rows (temp.new_fts); when the
    frequent words changed, the bitmaps of the words no longer frequent dropped and the new ones made whole
    (search_words.write_word_bitmaps)."""
    kept = dict(db.execute("SELECT expression, bits FROM word_bitmap"))
    if _frequent(db, count) != selected:
        wanted = set()
        for shown, term in db.execute("SELECT shown, term FROM vocabulary WHERE docs >= ? ORDER BY docs DESC, "
                                      "term LIMIT ?", (_least(count), search_words.FREQUENT_MAX)):
            for spelling in (shown, term):
                words = query_words(spelling, lambda folded: known_lemmas(db, folded))
                if len(words) == 1:
                    wanted.add(word_query(words[0]))
        for expression in sorted(kept.keys() - wanted):
            db.execute("DELETE FROM word_bitmap WHERE expression = ?", (expression,))
            del kept[expression]
        for expression in sorted(wanted - kept.keys()):
            digits = bytearray(b"0" * (count + 1))
            for (pid,) in db.execute("SELECT rowid FROM practice_fts WHERE practice_fts MATCH ?", (expression,)):
                digits[pid] = 49
            bits = int(digits[::-1], 2).to_bytes((count + 1 + 7) // 8, "little")
            db.execute("INSERT INTO word_bitmap VALUES (?, ?)", (expression, bits))
    for expression, bits in kept.items():
        matched = {pid for (pid,) in db.execute("SELECT rowid FROM temp.new_fts WHERE new_fts MATCH ?",
                                                 (expression,))}
        bitmap = bytearray(bits)
        for i in ids:
            if i in matched:
                bitmap[i >> 3] |= 1 << (i & 7)
            else:
                bitmap[i >> 3] &= ~(1 << (i & 7)) & 0xFF
        if bitmap != bits:
            db.execute("UPDATE word_bitmap SET bits = ? WHERE expression = ?", (bytes(bitmap), expression))
