"""When a search finds nothing: the nearest terms of the index's vocabulary (outputs/search_terms.py) to
each word that matches no practice, as whole queries to try (`wspólpraca` -> `współpraca`); and, when each
word matches but not all together, each word alone.

Candidates come from the trigram index of the vocabulary (terms sharing the most trigrams with the word,
CANDIDATES of them), then go by edit distance (at most 1 for words up to 4 letters, else 2) and by the
number of practices having them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from publisher.outputs.search_words import Word, fts_query

CANDIDATES = 200
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Suggestion:
    text: str          # the whole query to try
    count: int         # practices having the term suggested (or the word alone)
    kind: str          # "spelling" (a word replaced by a near term) or "alone" (one word of several)


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of a and b, or limit + 1 when it is larger (rows cut short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def nearest(db: sqlite3.Connection, word: str, limit: int = MAX_SUGGESTIONS) -> list[tuple[str, int]]:
    """(spelling, practices) of the vocabulary terms nearest to the folded `word`, nearest first."""
    grams = sorted({word[i:i + 3] for i in range(len(word) - 2)})
    if not grams:
        return []
    match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
    most = 1 if len(word) <= 4 else 2
    rows = db.execute(
        "SELECT v.term, v.shown, v.docs FROM (SELECT rowid FROM vocabulary_trigram WHERE vocabulary_trigram "
        "MATCH ? ORDER BY rank LIMIT ?) AS t JOIN vocabulary v ON v.id = t.rowid", (match, CANDIDATES))
    scored = []
    for term, shown, docs in rows:
        d = distance(word, term, most)
        if 0 < d <= most:
            scored.append((d, -docs, shown))
    return [(shown, -docs) for _, docs, shown in sorted(scored)[:limit]]


def _count(db: sqlite3.Connection, match: str) -> int:
    return db.execute("SELECT COUNT(*) FROM practice_fts WHERE practice_fts MATCH ?", (match,)).fetchone()[0]


def suggestions(db: sqlite3.Connection, words: list[Word]) -> list[Suggestion]:
    """Queries to try instead of the query of `words`, which found nothing."""
    if not words or _count(db, fts_query(words)):
        return []                # the words match: the filters chosen left nothing, not the spelling
    typed = [w.typed for w in words]
    counts = [_count(db, fts_query([w])) for w in words]
    near = {i: nearest(db, w.folded) for i, w in enumerate(words) if counts[i] == 0}
    near = {i: terms for i, terms in near.items() if terms}
    best = [near[i][0][0] if i in near else t for i, t in enumerate(typed)]
    found: list[Suggestion] = []
    if near:       # every unmatched word replaced by its nearest term, then the other terms one by one
        found.append(Suggestion(" ".join(best), min(near[i][0][1] for i in near), "spelling"))
        for i, terms in near.items():
            for spelling, docs in terms[1:]:
                found.append(Suggestion(" ".join([*best[:i], spelling, *best[i + 1:]]), docs, "spelling"))
    if not found and len(words) > 1:      # each word matches, not all together: each alone
        found = [Suggestion(typed[i], counts[i], "alone") for i in range(len(words)) if counts[i]]
    return found[:MAX_SUGGESTIONS * 2]
