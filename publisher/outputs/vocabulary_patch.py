"""The `vocabulary` of a patched search index (search_patch.py): each term's number of practices, spelling
and lemmas as a full build learns them (search_terms.Terms), for the terms a change reaches.

A term's `docs` changes by the practices whose old or new row has it. Its spelling (the first with
diacritics, in the order of the ids) and lemmas (those of all its spellings) depend on every practice
having it, so for the terms whose words changed in a practice (a word moved to another field counts: the
first field is learnt first) they are learnt again by replaying the practices matching the term, in id
order, until nothing the change did can differ (`_replay`). Terms entering or leaving the vocabulary
renumber the ids of the terms after them (ids run in the order of the terms)."""

from __future__ import annotations

import sqlite3
from typing import Any

from publisher.outputs.search_index import COLUMNS, fts_fields
from publisher.outputs.search_terms import SUGGESTIBLE, WORD, Terms
from publisher.outputs.search_words import quoted
from publisher.polish import fold_text

# A term's replay reads at most this many practices; beyond, the index is written whole.
REPLAY_LIMIT = 5000


class CannotPatch(Exception):
    """Why the index cannot be patched exactly for this change."""


def patch_vocabulary(db: sqlite3.Connection, ids: list[int], rows: dict[int, tuple], new: dict[int, tuple],
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
    leaving: set[str] = set()
    entering: dict[str, tuple[str, str, int]] = {}
    for term, change in sorted(docs.items()):
        if change and term not in affected:
            found = db.execute("SELECT docs FROM vocabulary WHERE term = ?", (term,)).fetchone()
            if found and found[0] + change <= 0:
                leaving.add(term)
            db.execute("UPDATE vocabulary SET docs = docs + ? WHERE term = ?", (change, term))
    db.execute("CREATE VIRTUAL TABLE temp.all_terms USING fts5vocab(main, 'practice_fts', 'row')")
    for term, (adds, gives, spelling) in sorted(affected.items()):
        row = db.execute("SELECT shown, lemmas, docs FROM vocabulary WHERE term = ?", (term,)).fetchone()
        if row is None:         # a term no practice gave a spelling before
            found = db.execute("SELECT doc FROM temp.all_terms WHERE term = ?", (term,)).fetchone()
            learnt = _replay(db, term, adds, spelling, voivodeships, spellings) if gives and found else None
            if learnt is not None:
                entering[term] = (learnt[0], " ".join(sorted(learnt[1])), found[0])
            continue
        learnt = _replay(db, term, set(row[1].split()) | adds, spelling or row[0] != term, voivodeships, spellings)
        if learnt is None or row[2] + docs.get(term, 0) <= 0:
            leaving.add(term)
            continue
        db.execute("UPDATE vocabulary SET shown = ?, lemmas = ?, docs = ? WHERE term = ?",
                   (learnt[0], " ".join(sorted(learnt[1])), row[2] + docs.get(term, 0), term))
    if leaving or entering:
        _renumber(db, leaving, entering)


def _renumber(db: sqlite3.Connection, leaving: set[str], entering: dict[str, tuple[str, str, int]]) -> None:
    """Terms out of and into the vocabulary, whose ids run in the order of the terms (write_vocabulary):
    the rows from the first term out or in onward written again, in `vocabulary` and `vocabulary_trigram`
    (contentless: a row is deleted with its term)."""
    first = min(leaving | entering.keys())
    tail = list(db.execute("SELECT id, term, shown, lemmas, docs FROM vocabulary WHERE term >= ? ORDER BY term",
                           (first,)))
    start = tail[0][0] if tail else db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM vocabulary").fetchone()[0]
    db.executemany("INSERT INTO vocabulary_trigram (vocabulary_trigram, rowid, term) VALUES ('delete', ?, ?)",
                   [(r[0], r[1]) for r in tail])
    db.execute("DELETE FROM vocabulary WHERE term >= ?", (first,))
    rows = sorted([*((r[1], *r[2:]) for r in tail if r[1] not in leaving), *((t, *v) for t, v in entering.items())])
    db.executemany("INSERT INTO vocabulary VALUES (?, ?, ?, ?, ?)", [(start + n, *r) for n, r in enumerate(rows)])
    db.executemany("INSERT INTO vocabulary_trigram (rowid, term) VALUES (?, ?)",
                   [(start + n, r[0]) for n, r in enumerate(rows)])


def _first_fields(fields: tuple[str, ...]) -> dict[str, int]:
    """Each lower-case word of a practice's FTS fields -> the first field having it."""
    found: dict[str, int] = {}
    for n, field in enumerate(fields):
        for word in WORD.findall(field.lower()):
            found.setdefault(word, n)
    return found


def _replay(db: sqlite3.Connection, term: str, bound: set[str], spelling: bool, voivodeships: dict[str, Any],
            spellings: dict[str, dict[str, str]]) -> tuple[str, set[str]] | None:
    """The spelling and lemmas of `term`, learnt as a full build learns them (search_terms.Terms) from the
    practices matching it in id order: every practice a spelling or lemma of the term comes from matches it.
    Stops once nothing more can change: the lemmas reached `bound` (they only shrink against the previous
    vocabulary's and what the changed texts add) and the spelling is one with diacritics (the first wins),
    or needs no search (`spelling` False: it was the term itself and no changed text gives another).
    None: no practice gives the term a spelling any more."""
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
        return None
    return terms.shown[term], terms.lemmas.get(term, set())
