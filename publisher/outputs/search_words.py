"""The words of a search and the FTS5 queries made of them (read/search.py answers them), and, written at
build time into the search index, the practices matching each frequent word as a bitmap (`word_bitmap`,
keyed by the word's FTS5 query): a word most texts have matches tens of thousands of practices, and reading
their ids from FTS5 costs tens of ms, a bitmap one row.

A word matches a practice's text (search_index.py) as typed and folded (case, diacritics, ł -> l), as a
prefix when it has 3 letters or more (Tczew -> Tczewie), or by lemma (przedsiębiorca -> przedsiębiorców,
seminarium -> seminaria; publisher/polish.py)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from publisher.polish import SHORTEST, fold_text, folded_lemmas

MAX_WORDS = 8
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Word:
    typed: str                   # as typed, lower case
    folded: str                  # the same, folded
    lemmas: frozenset[str]       # its folded lemmas (itself included)

    @property
    def prefix(self) -> bool:
        return len(self.folded) >= SHORTEST


def split(text: str) -> list[str]:
    """All the words of a query, lower case (only letters and digits count: no FTS syntax)."""
    return WORD.findall(text.lower())


def query_words(text: str, known: Callable[[str], Iterable[str]] | None = None) -> list[Word]:
    """The first MAX_WORDS words of a query with their lemmas, and the lemmas `known(folded)` gives (the
    index's vocabulary: a word typed without diacritics, unknown to the dictionary, found in a text)."""
    found: list[Word] = []
    for typed in dict.fromkeys(split(text)):
        folded = fold_text(typed)
        lemmas = folded_lemmas(typed) | frozenset(known(folded) if known else ())
        # one token each: the index has no word positions for phrases (a lemma such as 'e-mail' is left out)
        found.append(Word(typed, folded, frozenset(x for x in lemmas if WORD.fullmatch(x))))
    return found[:MAX_WORDS]


def quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def word_query(word: Word) -> str:
    """One word as the FTS5 query matching it: as typed (a prefix from 3 letters) or any of its lemmas."""
    first = quoted(word.folded) + ("*" if word.prefix else "")
    others = [quoted(x) for x in sorted(word.lemmas - {word.folded})]
    return f"({' OR '.join([first, *others])})" if others else first


def fts_query(words: list[Word]) -> str:
    """Every word, each as typed (a prefix from 3 letters) or any of its lemmas, in any column."""
    return " AND ".join(word_query(w) for w in words)


# A word is frequent when at least this share of the practices (and FREQUENT_MIN) have it; at most
# FREQUENT_MAX words are kept (the most frequent), each a bitmap of (practices + 1) / 8 bytes.
FREQUENT_SHARE = 0.02
FREQUENT_MIN = 1000
FREQUENT_MAX = 2000
WORD_BITMAPS = "CREATE TABLE word_bitmap (expression TEXT PRIMARY KEY, bits BLOB NOT NULL)"


def known_lemmas(db: sqlite3.Connection, folded: str) -> list[str]:
    """The lemmas the texts give a folded word (the index's `vocabulary`: `gieldy` -> `gielda`)."""
    row = db.execute("SELECT lemmas FROM vocabulary WHERE term = ?", (folded,)).fetchone()
    return row[0].split() if row else []


def write_word_bitmaps(db: sqlite3.Connection, practices: int, least: int | None = None) -> int:
    """For each word of the index's vocabulary (search_terms.py) held by many practices, the bitmap (bit i = practice id i, little-endian)
    of the practices its query (word_query, as a search for that word makes it) matches; the count.
    `least`: the practices a word needs (by default FREQUENT_SHARE of them, at least FREQUENT_MIN)."""
    db.execute(WORD_BITMAPS)
    least = least or max(FREQUENT_MIN, int(practices * FREQUENT_SHARE))
    # each word as spelt in the texts and without its diacritics (Morfeusz may give these other lemmas)
    spellings = [s for row in db.execute("SELECT shown, term FROM vocabulary WHERE docs >= ? "
                                         "ORDER BY docs DESC, term LIMIT ?", (least, FREQUENT_MAX)) for s in row]
    size = practices + 1
    done: set[str] = set()
    for spelling in spellings:
        words = query_words(spelling, lambda folded: known_lemmas(db, folded))
        if len(words) != 1 or (expression := word_query(words[0])) in done:
            continue
        done.add(expression)
        digits = bytearray(b"0" * size)          # one ASCII digit per id, read as a base-2 number
        for (pid,) in db.execute("SELECT rowid FROM practice_fts WHERE practice_fts MATCH ?", (expression,)):
            digits[pid] = 49
        bits = int(digits[::-1], 2).to_bytes((size + 7) // 8, "little")
        db.execute("INSERT INTO word_bitmap VALUES (?, ?)", (expression, bits))
    return len(done)
