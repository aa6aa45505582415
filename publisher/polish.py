"""Polish words as search matches them: folded (case, diacritics, ł -> l) and lemmatised by Morfeusz 2
(PyPI `morfeusz2`, the SGJP dictionary), so that `przedsiębiorca` finds `przedsiębiorców` and `giełdy`
finds `Giełdę`. The index (outputs/search_index.py) stores the folded lemmas of the texts' words, a search
(read/search.py) looks up the folded lemmas of its words, and the snippets (read/snippet.py) mark the words
whose lemmas meet them.

Morfeusz 2 rather than simplemma, chosen by bench/bench_lemma.py on tests/fixtures/lemmas-pl.tsv: more
forms right, a tenth of the memory and a faster start (the figures: bench/README.md). Neither lemmatises words typed without diacritics: those match the
folded lemmas of the texts (`wspolpraca` = fold(`współpraca`)) and the index's vocabulary (read/search.py)."""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

# Readings left out unless nothing else is left (as in bench/bench_lemma.py, "morfeusz2 pruned"): archaic,
# rare, dialectal or incorrect words, surnames and first names (Giełda, Filary: homographs of common
# words), depreciative forms (praktyki as the plural of praktyk).
RARE = frozenset({"daw.", "przest.", "rzad.", "gwar.", "niepopr.", "niezal."})
PERSONS = frozenset({"nazwisko", "imię"})
SHORTEST = 3            # shorter words are left as they are (w, i, na, do)


def fold_char(c: str) -> str:
    """One character folded to one: lower case, without its diacritic ('Ł' -> 'l', 'Ó' -> 'o')."""
    low = c.lower()
    if low == "ł":
        return "l"
    if len(low) != 1:
        return c
    stripped = "".join(x for x in unicodedata.normalize("NFKD", low) if not unicodedata.combining(x))
    return stripped if len(stripped) == 1 else low


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """fold_char of every letter of the Latin, Greek and Cyrillic blocks and Latin Extended Additional,
    where it changes the letter (other characters are left as they are)."""
    table = {}
    for code in (*range(0x0041, 0x0530), *range(0x1E00, 0x1F00)):
        c = chr(code)
        folded = fold_char(c)
        if folded != c:
            table[code] = folded
    return table


def fold_text(text: str) -> str:
    """`text` folded character by character: the same length, so offsets agree with the original."""
    return text.translate(_fold_table())


class Lemmatiser:
    """Morfeusz 2's analyser (no generator). One per process, shared by threads under a lock: the SWIG
    wrapper keeps state between calls."""

    def __init__(self) -> None:
        import morfeusz2

        self._morfeusz = morfeusz2.Morfeusz(generate=False)
        self._lock = threading.Lock()

    def lemmas(self, word: str) -> tuple[str, ...]:
        """The lemmas of one word (without homonym marks: 'zamek:s1' -> 'zamek'), the common readings
        first kept; the word itself when the dictionary does not know it."""
        with self._lock:
            readings = self._morfeusz.analyse(word)
        found: list[str] = []
        kept: list[str] = []
        for start, _end, (_form, lemma, tag, names, quals) in readings:
            if start != 0:
                continue                      # an agglutinate (-em, -by) after the first segment
            lemma = word if tag == "ign" else lemma.split(":", 1)[0]
            if lemma not in found:
                found.append(lemma)
            rare = (tag.startswith("depr") or any(n in PERSONS for n in names)
                    or any(q in RARE for qs in quals for q in qs.split(",")))
            if not rare and lemma not in kept:
                kept.append(lemma)
        return tuple(kept or found or [word])


@lru_cache(maxsize=1)
def lemmatiser() -> Lemmatiser:
    """The process's lemmatiser, loaded on first use (0.1 s; a web worker loads it after the fork)."""
    return Lemmatiser()


@lru_cache(maxsize=65536)
def lemmas_of(word: str) -> tuple[str, ...]:
    """The lower-case lemmas of a lower-case word: words of letters only, of SHORTEST letters or more (other
    words: themselves)."""
    if len(word) < SHORTEST or not word.isalpha():
        return (word,)
    return tuple(dict.fromkeys(x.lower() for x in lemmatiser().lemmas(word)))


@lru_cache(maxsize=65536)
def folded_lemmas(word: str) -> frozenset[str]:
    """The folded lemmas of a lower-case word, the folded word itself included."""
    return frozenset((fold_text(word), *(fold_text(x) for x in lemmas_of(word))))
