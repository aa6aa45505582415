"""The search index of an incremental build (search_index.py) as the previous build's file patched: the
rows of the practices a change reaches rewritten in place, so that every table holds what a full build of
the same records writes (tests/test_incremental.py compares them row by row; FTS5 and R*Tree tables by
their content, not their pages).

What a patch rewrites, for each practice whose rows differ: `practice`, `practice_text`, `practice_geo`;
`practice_fts` (contentless: the old row is deleted with its old values, made again from `practice_text`
by the code that made them); its bits in `facet_bitmap` and `word_bitmap`; its place in `practice_order`;
and the `vocabulary` rows of the terms whose documents or spellings it changes. A term's spelling and
lemmas depend on every practice having it (the first spelling with diacritics in the order of the ids;
the lemmas of all its spellings): they are made again by replaying the practices matching the term, in id
order, until nothing the patch changed can differ (`_replay`).

A patch cannot be exact, and `patch_index` says why instead, when ids would shift (a practice added or
removed, a changed date entered: ids run newest first), when a term enters or leaves the vocabulary (its
ids run in the order of the terms), or when the concepts changed; the caller then writes the file whole."""

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
    LANGUAGES,
    LEMMA_COLUMNS,
    TEXT_COLUMNS,
    concept_rows,
    facet_bits,
    facet_values,
    facts_of,
    fts_fields,
    fts_row,
    practice_rows,
    title_key,
)
from publisher.outputs.search_terms import SUGGESTIBLE, WORD, Terms, lemma_spellings
from publisher.outputs.search_words import (
    known_lemmas,
    query_words,
    quoted,
    word_query,
)
from publisher.polish import fold_text

FTS = ", ".join(TEXT_COLUMNS + LEMMA_COLUMNS)
# A term's replay reads at most this many practices; beyond, the index is written whole.
REPLAY_LIMIT = 5000


class CannotPatch(Exception):
    """Why the index cannot be patched exactly for this change."""


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
    _vocabulary(db, ids, rows, new, texts, voivodeships, spellings)
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
    db.executemany(f"INSERT INTO practice VALUES (?{', ?' * 12})", [new[i][0] for i in ids])
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


def _vocabulary(db: sqlite3.Connection, ids: list[int], rows: dict[int, tuple], new: dict[int, tuple],
                texts: dict[int, tuple], voivodeships: dict[str, Any], spellings: dict[str, dict[str, str]]
                ) -> None:
    """`docs` of the terms whose number of practices changed; spelling and lemmas of the terms whose words
    changed in a practice (a word in another field counts: the first field is learnt first)."""
    docs = dict(db.execute("SELECT term, doc FROM temp.new_fts_terms"))
    for term, doc in db.execute("SELECT term, doc FROM temp.old_fts_terms"):
        docs[term] = docs.get(term, 0) - doc
    # term -> [lemmas the new texts add to it, whether they give it a spelling, one with diacritics]
    affected: dict[str, list[Any]] = {}
    at = COLUMNS.index("voivodeship")
    for i in ids:
        before = _first_fields(fts_fields(texts[i], rows[i][at], voivodeships))
        after = _first_fields(fts_fields(new[i][1], new[i][0][at], voivodeships))
        for word in set(before) | set(after):
            if before.get(word) == after.get(word) or not SUGGESTIBLE.fullmatch(word):
                continue
            folded, spelt, now = fold_text(word), spellings[word], word in after
            for term, spelling in [(folded, word), *((lemma, s) for lemma, s in spelt.items())]:
                change = affected.setdefault(term, [set(), False, False])
                change[1] |= now
                change[2] |= now and spelling != term
            if now:
                affected[folded][0] |= set(spelt)
    for term, change in sorted(docs.items()):
        if change and term not in affected:
            found = db.execute("SELECT docs FROM vocabulary WHERE term = ?", (term,)).fetchone()
            if found and found[0] + change <= 0:
                raise CannotPatch(f"the term {term!r} leaves the vocabulary")
            db.execute("UPDATE vocabulary SET docs = docs + ? WHERE term = ?", (change, term))
    for term, (adds, gives, spelling) in sorted(affected.items()):
        row = db.execute("SELECT shown, lemmas, docs FROM vocabulary WHERE term = ?", (term,)).fetchone()
        if row is None:
            if gives and _in_index(db, term):
                raise CannotPatch(f"the term {term!r} enters the vocabulary")
            continue
        shown, lemmas = _replay(db, term, set(row[1].split()) | adds, spelling or row[0] != term, voivodeships,
                                spellings)
        db.execute("UPDATE vocabulary SET shown = ?, lemmas = ?, docs = ? WHERE term = ?",
                   (shown, " ".join(sorted(lemmas)), row[2] + docs.get(term, 0), term))


def _first_fields(fields: tuple[str, ...]) -> dict[str, int]:
    """Each lower-case word of a practice's FTS fields -> the first field having it."""
    found: dict[str, int] = {}
    for n, field in enumerate(fields):
        for word in WORD.findall(field.lower()):
            found.setdefault(word, n)
    return found


def _in_index(db: sqlite3.Connection, term: str) -> bool:
    return db.execute("SELECT 1 FROM practice_fts WHERE practice_fts MATCH ? LIMIT 1",
                      (quoted(term),)).fetchone() is not None


def _replay(db: sqlite3.Connection, term: str, bound: set[str], spelling: bool, voivodeships: dict[str, Any],
            spellings: dict[str, dict[str, str]]) -> tuple[str, set[str]]:
    """The spelling and lemmas of `term`, learnt as a full build learns them (search_terms.Terms) from the
    practices matching it in id order: every practice a spelling or lemma of the term comes from matches it.
    Stops once nothing more can change: the lemmas reached `bound` (they only shrink against the previous
    vocabulary's and what the changed texts add) and the spelling is one with diacritics (the first wins),
    or needs no search (`spelling` False: it was the term itself and no changed text gives another)."""
    terms = Terms(spellings)
    matching = db.execute("SELECT p.id, p.voivodeship, t.* FROM practice_fts f JOIN practice p ON p.id = f.rowid "
                          "JOIN practice_text t ON t.id = f.rowid WHERE practice_fts MATCH ? ORDER BY f.rowid",
                          (quoted(term),))
    for n, row in enumerate(matching):
        if n >= REPLAY_LIMIT:
            raise CannotPatch(f"the term {term!r} is in too many practices to learn it again")
        for field in fts_fields(row[2:], row[1], voivodeships):
            terms.lemma_column(field)
        shown = terms.shown.get(term)
        if shown is not None and terms.lemmas.get(term, set()) >= bound and (not spelling or shown != term):
            return shown, terms.lemmas.get(term, set())
    if term not in terms.shown:
        raise CannotPatch(f"the term {term!r} leaves the vocabulary")
    return terms.shown[term], terms.lemmas.get(term, set())


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
