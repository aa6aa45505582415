"""Search and facets over OUT/search.sqlite (written by publisher/build/search_index.py).

`parse_query` turns request parameters into a `SearchQuery` (a bad value is a QueryError naming the
parameter), `search` answers it: ranked hits (bm25 over titles, texts, organisations and places) with
highlighted snippets, and the counts of every facet value under the current filters. Without words, hits
come newest first. Filters combine with AND; a multi-valued facet (theme, funding) may be given more
than once (practices having all the values)."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.build.search_index import FILE, fold_text
from publisher.errors import QueryError, StoreUnavailable

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_OFFSET = 10000
SNIPPET_CHARS = 240


@dataclass(frozen=True)
class Facet:
    name: str              # the URL parameter
    column: str            # the column of `practice`
    kind: str              # "bits" (multi-valued concepts), "concept", "flag" (yes/no), "year"
    scheme: str = ""


FACETS: tuple[Facet, ...] = (
    Facet("theme", "themes", "bits", "theme"),
    Facet("voivodeship", "voivodeship", "concept", "voivodeship"),
    Facet("unit_type", "unit_type", "concept", "unit-type"),
    Facet("cross_sector", "cross_sector", "flag"),
    Facet("three_sector", "three_sector", "flag"),
    Facet("funding", "funding", "bits", "funding"),
    Facet("year", "year", "year"),
)
FACET_BY_NAME = {f.name: f for f in FACETS}
FLAGS = {"yes": 1, "no": 0}


class SearchIndex:
    """A read-only connection to one build's search index, with its facet vocabularies."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise StoreUnavailable("no search index in this build: run `bdp build`")
        self.db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
        self.concepts: dict[str, dict[str, tuple[int, dict[str, str]]]] = {}
        for scheme, key, bit, pl, en in self.db.execute("SELECT scheme, key, bit, label_pl, label_en FROM concept"):
            self.concepts.setdefault(scheme, {})[key] = (bit, {k: v for k, v in (("pl", pl), ("en", en)) if v})

    def close(self) -> None:
        self.db.close()


def open_index(out: Path) -> SearchIndex:
    return SearchIndex(out / FILE)


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()     # (facet, value) in the order given
    page: int = 1

    def selected(self, facet: str) -> list[str]:
        return [v for f, v in self.filters if f == facet]

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The URL parameters of this state (with `changes`: add=(f, v), remove=(f, v), page=n)."""
        filters = list(self.filters)
        if "remove" in changes:
            filters = [fv for fv in filters if fv != changes["remove"]]
        if "add" in changes:
            f, v = changes["add"]
            if FACET_BY_NAME[f].kind != "bits":
                filters = [fv for fv in filters if fv[0] != f]
            if (f, v) not in filters:
                filters.append((f, v))
        out = [("q", self.text)] if self.text else []
        out += filters
        page = changes.get("page", self.page if not ({"add", "remove"} & changes.keys()) else 1)
        if page != 1:
            out.append(("page", str(page)))
        return out


def _bad(name: str, value: str, why: str) -> QueryError:
    return QueryError(f"parameter {name!r}: {value[:60]!r} {why}")


def parse_query(args: Mapping[str, list[str]], index: SearchIndex, page_size: int) -> SearchQuery:
    """From request parameters (name -> values); unknown parameters are ignored."""
    texts = args.get("q") or [""]
    text = " ".join(t.strip() for t in texts if t.strip())
    if len(text) > MAX_QUERY_CHARS:
        raise _bad("q", text, f"is longer than {MAX_QUERY_CHARS} characters")
    filters: list[tuple[str, str]] = []
    for facet in FACETS:
        values = [v.strip() for v in args.get(facet.name) or () if v.strip()]
        if len(values) > 1 and facet.kind != "bits":
            raise _bad(facet.name, values[1], "is a second value; this facet takes one")
        for value in values:
            if facet.kind in ("bits", "concept") and value not in index.concepts.get(facet.scheme, {}):
                known = ", ".join(sorted(index.concepts.get(facet.scheme, {})))
                raise _bad(facet.name, value, f"is not one of: {known}")
            if facet.kind == "flag" and value not in FLAGS:
                raise _bad(facet.name, value, "must be 'yes' or 'no'")
            if facet.kind == "year" and not (value.isdigit() and len(value) == 4):
                raise _bad(facet.name, value, "is not a year like 2011")
            if (facet.name, value) not in filters:
                filters.append((facet.name, value))
    pages = args.get("page") or ["1"]
    if not pages[0].isdigit() or int(pages[0]) < 1:
        raise _bad("page", pages[0], "is not a page number (1, 2, ...)")
    page = int(pages[0])
    if (page - 1) * page_size > MAX_OFFSET:
        raise _bad("page", pages[0], f"is too far: narrow the search (at most {MAX_OFFSET} results are paged)")
    return SearchQuery(text, tuple(filters), page)


# --- answering ------------------------------------------------------------------------------------------

def words(text: str) -> list[str]:
    """The folded words of a query, as the index tokenises them."""
    return re.findall(r"[^\W_]+", fold_text(text))[:MAX_WORDS]


def fts_query(tokens: list[str]) -> str:
    """Each word quoted (no FTS syntax from users); words of 3+ letters match as prefixes (Tczew ->
    Tczewie), as Polish inflects."""
    return " ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in tokens)


def _where(index: SearchIndex, query: SearchQuery, match: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    masks: dict[str, int] = {}
    for name, value in query.filters:
        facet = FACET_BY_NAME[name]
        if facet.kind == "bits":
            masks[facet.column] = masks.get(facet.column, 0) | index.concepts[facet.scheme][value][0]
        else:
            clauses.append(f"{facet.column} = ?")
            params.append(FLAGS[value] if facet.kind == "flag" else int(value) if facet.kind == "year" else value)
    for column, mask in masks.items():
        clauses.append(f"({column} & ?) = ?")
        params += [mask, mask]
    if match is not None:
        clauses.append("id IN (SELECT rowid FROM practice_fts WHERE practice_fts MATCH ?)")
        params.append(match)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


@dataclass
class Hit:
    key: str
    title: dict[str, str]
    town: str
    voivodeship: dict[str, str]
    year: int | None
    snippet: list[tuple[str, bool]]      # (text, highlighted)

    @property
    def snippet_text(self) -> str:
        return "".join(t for t, _ in self.snippet)


@dataclass
class FacetValue:
    value: str
    label: dict[str, str]
    count: int
    selected: bool


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    page_size: int = 50

    @property
    def pages(self) -> int:
        return max(1, min(-(-self.total // self.page_size), MAX_OFFSET // self.page_size + 1))


def _highlighter(tokens: list[str]) -> Callable[[str], list[tuple[int, int]]]:
    parts = [re.escape(w) + (r"[^\W_]*" if len(w) >= 3 else r"(?![^\W_])") for w in tokens]
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + ")") if parts else None

    def spans(text: str) -> list[tuple[int, int]]:
        if pattern is None:
            return []
        return [m.span() for m in pattern.finditer(fold_text(text))]
    return spans


def snippet(texts: list[str], tokens: list[str], width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """A window of the first text with a match, the matches marked; else the start of the first text."""
    spans_of = _highlighter(tokens)
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


def _hits(index: SearchIndex, ids: list[int], tokens: list[str], lang: str) -> list[Hit]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {r[0]: r for r in index.db.execute(
        "SELECT p.id, p.key, p.year, p.voivodeship, t.title_pl, t.title_en, t.summary_pl, t.summary_en, "
        "t.description_pl, t.description_en, t.organisations, t.town FROM practice p "
        f"JOIN practice_text t ON t.id = p.id WHERE p.id IN ({marks})", ids)}
    voivodeships = index.concepts.get("voivodeship", {})
    hits = []
    for i in ids:
        _, key, year, voiv, t_pl, t_en, s_pl, s_en, d_pl, d_en, orgs, town = rows[i]
        first, other = ((s_pl, d_pl), (s_en, d_en)) if lang == "pl" else ((s_en, d_en), (s_pl, d_pl))
        texts = [x for x in (*first, *other, orgs, town) if x]
        title = {k: v for k, v in (("pl", t_pl), ("en", t_en)) if v}
        hits.append(Hit(key, title, town or "", voivodeships.get(voiv or "", (0, {}))[1], year,
                        snippet(texts, tokens)))
    return hits


def _facets(index: SearchIndex, query: SearchQuery, where: str, params: list[Any]) -> tuple[int, dict]:
    counts: dict[str, Counter] = {f.name: Counter() for f in FACETS}
    single = [f for f in FACETS if f.kind != "bits"]
    columns = ", ".join(f.column for f in single)
    total = 0
    for *values, n in index.db.execute(f"SELECT {columns}, COUNT(*) FROM practice{where} GROUP BY {columns}",
                                       params):
        total += n
        for facet, value in zip(single, values, strict=True):
            if value is not None:
                key = ("yes" if value else "no") if facet.kind == "flag" else str(value)
                counts[facet.name][key] += n
    for facet in (f for f in FACETS if f.kind == "bits"):
        bits = [(k, bit) for k, (bit, _) in index.concepts.get(facet.scheme, {}).items()]
        for mask, n in index.db.execute(
                f"SELECT {facet.column}, COUNT(*) FROM practice{where} GROUP BY {facet.column}", params):
            for key, bit in bits:
                if mask & bit:
                    counts[facet.name][key] += n
    facets: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        chosen = set(query.selected(facet.name))
        found = counts[facet.name]
        if facet.kind in ("bits", "concept"):
            labels = index.concepts.get(facet.scheme, {})
            keys = sorted(set(found) | chosen, key=lambda k: (labels.get(k, (0, {}))[1].get("pl") or k).lower())
            values = [FacetValue(k, labels.get(k, (0, {}))[1], found[k], k in chosen) for k in keys]
        elif facet.kind == "flag":
            values = [FacetValue(k, {}, found[k], k in chosen) for k in ("yes", "no") if found[k] or k in chosen]
        else:
            values = [FacetValue(k, {}, found[k], k in chosen)
                      for k in sorted(set(found) | chosen, reverse=True)]
        facets[facet.name] = [v for v in values if v.count or v.selected]
    return total, facets


def search(index: SearchIndex, query: SearchQuery, *, lang: str = "pl", page_size: int = 50,
           with_facets: bool = True) -> SearchResult:
    tokens = words(query.text)
    match = fts_query(tokens) if tokens else None
    where, params = _where(index, query, match)
    offset = (query.page - 1) * page_size
    try:
        if match is not None:
            filters, fparams = _where(index, SearchQuery(filters=query.filters), None)
            join = filters.replace(" WHERE ", " AND ", 1)
            ids = [r[0] for r in index.db.execute(
                f"SELECT practice_fts.rowid FROM practice_fts JOIN practice ON practice.id = practice_fts.rowid "
                f"WHERE practice_fts MATCH ?{join} ORDER BY practice_fts.rank, practice_fts.rowid LIMIT ? OFFSET ?",
                [match, *fparams, page_size, offset])]
        else:
            ids = [r[0] for r in index.db.execute(
                f"SELECT id FROM practice{where} ORDER BY entered DESC, id LIMIT ? OFFSET ?",
                [*params, page_size, offset])]
        if with_facets:
            total, facets = _facets(index, query, where, params)
        else:
            total = index.db.execute(f"SELECT COUNT(*) FROM practice{where}", params).fetchone()[0]
            facets = {}
    except sqlite3.OperationalError as exc:  # pragma: no cover - the query is built from checked words
        raise QueryError(f"parameter 'q': the search could not be run ({exc})") from None
    return SearchResult(query, total, _hits(index, ids, tokens, lang), facets, page_size)
