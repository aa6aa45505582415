"""The snippets that show what a search matched, and the query for the words as typed (the words and
their FTS5 queries are outputs/search_words.py).

A word matches a practice's text (outputs/search_index.py) as typed and folded (case, diacritics, ł -> l),
as a prefix when it has 3 letters or more (Tczew -> Tczewie), or by lemma (przedsiębiorca ->
przedsiębiorców, seminarium -> seminaria; publisher/polish.py). Snippets fold and lemmatise the text the
same way, character by character, so a match found in the folded text marks the original letters."""

from __future__ import annotations

import re
from collections.abc import Callable

from publisher.outputs.search_index import TEXT_COLUMNS
from publisher.outputs.search_words import Word, quoted
from publisher.polish import fold_text, folded_lemmas

SNIPPET_CHARS = 240


def exact_query(words: list[Word]) -> str:
    """Every word as typed (folded), whole, in the texts themselves (not their lemma columns)."""
    return "{" + " ".join(TEXT_COLUMNS) + "} : (" + " AND ".join(quoted(w.folded) for w in words) + ")"


def highlighter(words: list[Word]) -> Callable[[str], list[tuple[int, int]]]:
    """text -> the (start, end) of every word that matches, as the index matches it: the words starting
    with one of the first two letters of a query word or lemma are the candidates, then each is checked."""
    stems = sorted({x[:2] for w in words for x in w.lemmas}, key=len, reverse=True)
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, stems)) + r")[^\W_]*") if stems else None
    lemmas = frozenset().union(*(w.lemmas for w in words)) if words else frozenset()

    def matches(token: str, original: str) -> bool:
        for w in words:
            if token.startswith(w.folded) if w.prefix else token == w.folded:
                return True
        found = folded_lemmas(original.lower())
        return bool(found & lemmas) or any(x.startswith(w.folded) for w in words if w.prefix for x in found)

    def spans(text: str) -> list[tuple[int, int]]:
        if pattern is None:
            return []
        return [m.span() for m in pattern.finditer(fold_text(text)) if matches(m.group(), text[m.start():m.end()])]
    return spans


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """(distinct words marked, -start) of the window of `width` from the span that marks the most
    distinct words (for a query of several words, a window showing each of them if one does)."""
    best = (0, 0)
    found = [fold_text(text[x:y]) for x, y in spans]
    for i, (a, _) in enumerate(spans):
        seen = {found[j] for j in range(i, len(spans)) if spans[j][1] <= a + width}
        best = max(best, (len(seen), -a))
    return best


def snippet(texts: list[str], words: list[Word], width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """(text, highlighted) parts: the window of a text that shows the most of the words matched (the
    first such), the matches marked; else the start of the first text."""
    spans_of = highlighter(words)
    chosen: tuple[tuple[int, int], str, list[tuple[int, int]]] | None = None
    for text in texts:
        spans = spans_of(text)
        if spans:
            score = _best_window(text, spans, width * 2 // 3)
            if chosen is None or score[0] > chosen[0][0]:
                chosen = (score, text, spans)
            if score[0] >= len(words):          # every word shown: look no further
                break
    if chosen is not None:
        (_, first_at), text, spans = chosen
        anchor = next(s for s in spans if s[0] == -first_at)
        start = max(0, anchor[0] - width // 3)
        start = text.rfind(" ", 0, start) + 1 if start else 0
        end = min(len(text), start + width)
        if end < len(text):
            end = max(text.rfind(" ", start, end), anchor[1])
        out: list[tuple[str, bool]] = [("…", False)] if start else []
        pos = start
        for a, b in spans:
            if a >= end:
                break
            if a < pos:
                continue
            out += [(text[pos:a], False), (text[a:min(b, end)], True)]
            pos = min(b, end)
        out.append((text[pos:end], False))
        if end < len(text):
            out.append(("…", False))
        return [(t, m) for t, m in out if t]
    first = next((t for t in texts if t), "")
    if len(first) <= width:
        return [(first, False)] if first else []
    return [(first[:first.rfind(" ", 0, width)] + " …", False)]
