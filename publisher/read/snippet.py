"""The words of a search and the snippets that show them: folding as the index folds (case, diacritics,
ł -> l) character by character, so a match found in the folded text marks the original letters."""

from __future__ import annotations

import re
from collections.abc import Callable

from publisher.outputs.search_index import fold_text

MAX_WORDS = 8
SNIPPET_CHARS = 240


def words(text: str) -> list[str]:
    """The folded words of a query, as the index tokenises them."""
    return re.findall(r"[^\W_]+", fold_text(text))[:MAX_WORDS]


def fts_query(tokens: list[str]) -> str:
    """Each word quoted (no FTS syntax from users); words of 3+ letters match as prefixes (Tczew ->
    Tczewie), as Polish inflects."""
    return " ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in tokens)


def highlighter(tokens: list[str]) -> Callable[[str], list[tuple[int, int]]]:
    """text -> the (start, end) of every word the tokens match, as the index matches them."""
    parts = [re.escape(w) + (r"[^\W_]*" if len(w) >= 3 else r"(?![^\W_])") for w in tokens]
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + ")") if parts else None

    def spans(text: str) -> list[tuple[int, int]]:
        if pattern is None:
            return []
        return [m.span() for m in pattern.finditer(fold_text(text))]
    return spans


def snippet(texts: list[str], tokens: list[str], width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """(text, highlighted) parts: a window of the first text with a match, the matches marked; else the
    start of the first text."""
    spans_of = highlighter(tokens)
    for text in texts:
        spans = spans_of(text)
        if spans:
            start = max(0, spans[0][0] - width // 3)
            start = text.rfind(" ", 0, start) + 1 if start else 0
            end = min(len(text), start + width)
            if end < len(text):
                end = max(text.rfind(" ", start, end), spans[0][1])
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
