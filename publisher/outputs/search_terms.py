"""The words of the search index beside the texts themselves (search_index.py): each field's lemmas, and
the vocabulary behind spelling suggestions and searches typed without diacritics.

A field's lemma column holds the folded lemmas (publisher/polish.py) of its words that are not already
words of the field, once each: `Giełdę i seminaria` -> `gielda seminarium`. So a search for a lemma finds
every form, and a search for the form typed finds it in the field itself (ranked first: read/search.py).

`vocabulary` (one row per folded word of the texts and per folded lemma: its spelling with diacritics, its
folded lemmas, the number of practices having it) and `vocabulary_trigram` (its terms by trigram, to find
the nearest terms to a word that matches nothing) are written after the texts."""

from __future__ import annotations

import re
import sqlite3

from publisher.polish import fold_text, lemmas_of

WORD = re.compile(r"[^\W_]+")
SUGGESTIBLE = re.compile(r"[^\W\d_]{3,}")     # words of 3+ letters, no digits

VOCABULARY = """
CREATE TABLE vocabulary (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE, shown TEXT NOT NULL,
                         lemmas TEXT NOT NULL, docs INTEGER NOT NULL);
CREATE VIRTUAL TABLE vocabulary_trigram USING fts5(term, content='', tokenize='trigram');
"""


class _Cache(dict):
    """word -> compute(word), computed on the first lookup: `map(cache.__getitem__, words)` runs in C."""

    def __init__(self, compute) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, word: str):
        value = self[word] = self._compute(word)
        return value


def _spelt(word: str) -> dict[str, str]:
    folded = fold_text(word)
    spelt = {fold_text(lemma): lemma for lemma in lemmas_of(word)}
    spelt.pop(folded, None)
    return spelt


def lemma_spellings() -> dict[str, dict[str, str]]:
    """A cache of each lower-case word's folded lemmas other than itself, with their spellings."""
    return _Cache(_spelt)


class Terms:
    """Lemma columns for the fields of the practices, and what the vocabulary needs, from one pass."""

    def __init__(self, spellings: dict[str, dict[str, str]] | None = None) -> None:
        self._folded = _Cache(fold_text)          # lower-case word -> folded
        self._lemmas = _Cache(self._learn)        # lower-case word -> its folded lemmas other than itself
        self.shown: dict[str, str] = {}           # folded term -> a spelling (with diacritics where seen)
        self.lemmas: dict[str, set[str]] = {}     # folded word -> folded lemmas other than itself
        # lower-case word -> its folded lemmas other than itself -> their spelling (shareable: no state)
        self.spellings = spellings if spellings is not None else lemma_spellings()

    def _learn(self, word: str) -> frozenset[str]:
        folded = self._folded[word]
        spelt = self.spellings[word]
        if SUGGESTIBLE.fullmatch(word):
            if self.shown.get(folded, folded) == folded:      # a spelling with diacritics wins
                self.shown[folded] = word
            self.lemmas.setdefault(folded, set()).update(spelt)
            for lemma, spelling in spelt.items():
                if self.shown.get(lemma, lemma) == lemma:
                    self.shown[lemma] = spelling
        return frozenset(spelt)

    def lemma_column(self, text: str) -> str:
        """The folded lemmas of the words of `text` that are not words of it, space-separated (each word
        looked up once per build: the texts of 100,000 practices hold some 8 million words)."""
        if not text:
            return ""
        words = set(WORD.findall(text.lower()))
        lemmas = set().union(*map(self._lemmas.__getitem__, words))
        if not lemmas:
            return ""
        return " ".join(sorted(lemmas.difference(map(self._folded.__getitem__, words))))


def write_vocabulary(db: sqlite3.Connection, terms: Terms) -> int:
    """The vocabulary of the index in `db` (after its texts are written); the number of terms."""
    db.executescript(VOCABULARY)
    db.execute("CREATE VIRTUAL TABLE temp.practice_terms USING fts5vocab(main, 'practice_fts', 'row')")
    docs = dict(db.execute("SELECT term, doc FROM temp.practice_terms"))
    db.execute("DROP TABLE temp.practice_terms")
    rows = [(term, shown, " ".join(sorted(terms.lemmas.get(term, ()))), docs[term])
            for term, shown in sorted(terms.shown.items()) if term in docs]
    db.executemany("INSERT INTO vocabulary (term, shown, lemmas, docs) VALUES (?, ?, ?, ?)", rows)
    db.execute("INSERT INTO vocabulary_trigram (rowid, term) SELECT id, term FROM vocabulary")
    return len(rows)
