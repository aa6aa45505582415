"""Search and facets over OUT/search.sqlite (written by publisher/outputs/search_index.py).

`parse_query` turns request parameters into a `SearchQuery` (a bad filter or page is a QueryError naming
the parameter; any text is a search: too long, it is cut, with a note), `search` answers it: the hits
where every word matches as typed, a prefix, or by lemma (read/snippet.py), those having every word as
typed first, each group ranked by bm25 over titles, texts, organisations and places; highlighted snippets;
the count of every facet value under the current state; on no hit, spellings to try (read/suggest.py).
Without words, hits come newest first. When words match more than RANK_ALL practices (words that most
texts have), the RANK_ALL newest matches are ranked and the older ones follow newest first: a bounded cost
per page.
`sort=newest` or `sort=title` (the alphabetical order of the titles in the page's language, collated at
build time: the index's `practice_order`) orders the same hits otherwise; without words, `relevance` is
`newest`. Filters combine with AND; a multi-valued facet (theme, funding) may be given more
than once (practices having all the values).

Counting uses the index's bitmaps (one per facet value; bit i = practice i): the practices matching the
state are one big integer, and a facet value's count is the popcount of its AND with that integer, so a
facet page costs about the same for 10 or 100,000 practices."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from publisher.errors import QueryError
from publisher.outputs.search_index import FACETS, RANK
from publisher.outputs.search_words import (
    MAX_WORDS,
    Word,
    fts_query,
    known_lemmas,
    query_words,
    split,
    word_query,
)
from publisher.read.bitmaps import bitmap, first_ids, nth_bit, page_in_order
from publisher.read.search_file import SearchIndex as SearchIndex
from publisher.read.search_file import open_index as open_index
from publisher.read.snippet import exact_query, snippet
from publisher.read.suggest import Suggestion, suggestions

MAX_QUERY_CHARS = 200
MAX_OFFSET = 10000
RANK_ALL = 2000
MATCHED_KEPT = 256          # at 100k practices, 12.5 kB each
_MATCHED_LOCK = threading.Lock()   # the kept bitmaps are shared by a worker's threads
FACET_BY_NAME = {f.name: f for f in FACETS}
FLAGS = {"yes": 1, "no": 0}
SORTS = ("relevance", "newest", "title")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()     # (facet, value) in the order given
    page: int = 1
    shortened: bool = False                       # the text was cut to MAX_QUERY_CHARS
    sort: str = ""                                # one of SORTS, "" for the default

    @property
    def order(self) -> str:
        """The order of the hits: relevance for words, else newest first, unless asked otherwise."""
        if self.sort == "title":
            return "title"
        return "relevance" if self.text and self.sort != "newest" else "newest"

    def selected(self, facet: str) -> list[str]:
        return [v for f, v in self.filters if f == facet]

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The URL parameters of this state (with `changes`: add=(f, v), remove=(f, v), page=n, text=q,
        sort=s; "" is the default order)."""
        filters = list(self.filters)
        if "remove" in changes:
            filters = [fv for fv in filters if fv != changes["remove"]]
        if "add" in changes:
            f, v = changes["add"]
            if FACET_BY_NAME[f].kind != "bits":
                filters = [fv for fv in filters if fv[0] != f]
            if (f, v) not in filters:
                filters.append((f, v))
        text = changes.get("text", self.text)
        out = [("q", text)] if text else []
        out += filters
        sort = changes.get("sort", self.sort)
        if sort:
            out.append(("sort", sort))
        page = changes.get("page", self.page if not ({"add", "remove", "text", "sort"} & changes.keys()) else 1)
        if page != 1:
            out.append(("page", str(page)))
        return out


def _bad(name: str, value: str, why: str) -> QueryError:
    return QueryError(f"parameter {name!r}: {value[:60]!r} {why}")


def parse_query(args: Mapping[str, list[str]], index: SearchIndex, page_size: int) -> SearchQuery:
    """From request parameters (name -> values); unknown parameters are ignored."""
    text = " ".join(" ".join(t.split()) for t in args.get("q") or () if t.strip())
    shortened = len(text) > MAX_QUERY_CHARS
    if shortened:                  # cut at a space where there is one, else in the word
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
        text = text[:cut if cut > 0 else MAX_QUERY_CHARS].rstrip()
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
    sort = (args.get("sort") or [""])[0]
    if sort and sort not in SORTS:
        raise _bad("sort", sort, f"is not one of: {', '.join(SORTS)}")
    return SearchQuery(text, tuple(filters), page, shortened, sort)


# --- answering ------------------------------------------------------------------------------------------

@dataclass
class Hit:
    key: str
    title: dict[str, str]
    town: str
    voivodeship: dict[str, str]
    year: int | None
    snippet: list[tuple[str, bool]]      # (text, highlighted)
    sectors: list[tuple[str, dict[str, str]]] = field(default_factory=list)   # the partners': (key, labels)

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
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: tuple[str, ...] = ()       # about the query: 'shortened', 'too_many_words', 'no_words'

    @property
    def pages(self) -> int:
        return max(1, min(-(-self.total // self.page_size), MAX_OFFSET // self.page_size + 1))


def _filter_sql(index: SearchIndex, query: SearchQuery) -> tuple[str, list[Any]]:
    """' AND ...' conditions on `practice` for the filters (to rank text hits among them)."""
    clauses, params = [], []
    masks: dict[str, int] = {}
    for name, value in query.filters:
        facet = FACET_BY_NAME[name]
        if facet.kind == "bits":
            masks[facet.column] = masks.get(facet.column, 0) | index.concepts[facet.scheme][value][0]
        else:
            clauses.append(f"practice.{facet.column} = ?")
            params.append(FLAGS[value] if facet.kind == "flag" else int(value) if facet.kind == "year" else value)
    for column, mask in masks.items():
        clauses.append(f"(practice.{column} & ?) = ?")
        params += [mask, mask]
    return "".join(" AND " + c for c in clauses), params


def _matching(index: SearchIndex, query: SearchQuery, words: list[Word]) -> int:
    """The bitmap of the practices matching the state: the filters' and each word's, ANDed."""
    bits = index.everything
    for name, value in query.filters:
        bits &= index.bitmaps[name].get(value, 0)
    for word in words:
        if not bits:
            break
        bits &= _matches(index, word_query(word))
    return bits


def _matches(index: SearchIndex, match: str) -> int:
    """The practices one word's FTS query matches: a frequent word's bitmap made at build time (one row;
    reading 57,000 ids from FTS5 costs tens of ms), else FTS5's ids. The bitmaps of the last MATCHED_KEPT
    words are kept with the build's cache."""
    with _MATCHED_LOCK:
        kept = index.matched.get(match)
        if kept is not None:
            index.matched.move_to_end(match)
            return kept
    stored = index.db.execute("SELECT bits FROM word_bitmap WHERE expression = ?", (match,)).fetchone()
    if stored is not None:
        kept = int.from_bytes(stored[0], "little")
    else:
        found = index.db.execute("SELECT rowid FROM practice_fts WHERE practice_fts MATCH ?", (match,))
        kept = bitmap([r[0] for r in found], index.everything.bit_length() + 1)
    with _MATCHED_LOCK:
        index.matched[match] = kept
        while len(index.matched) > MATCHED_KEPT:
            index.matched.popitem(last=False)
    return kept


def _ranked(index: SearchIndex, query: SearchQuery, match: str, last: int, offset: int, limit: int) -> list[int]:
    """A page of the practices matching `match` and the filters with ids up to `last`, by bm25."""
    conditions, params = _filter_sql(index, query)
    conditions, params = conditions + " AND practice_fts.rowid <= ?", [*params, last]
    join = " JOIN practice ON practice.id = practice_fts.rowid" if query.filters else ""
    # bm25() named in ORDER BY: faster than the `rank` column (no per-row lookup of its definition)
    return [r[0] for r in index.db.execute(
        f"SELECT practice_fts.rowid FROM practice_fts{join} WHERE practice_fts MATCH ?{conditions} "
        f"ORDER BY {RANK.replace('bm25(', 'bm25(practice_fts, ')}, practice_fts.rowid LIMIT ? OFFSET ?",
        [match, *params, limit, offset])]


def _page(index: SearchIndex, query: SearchQuery, words: list[Word], match: str, bits: int, offset: int,
          limit: int, rank_all: int) -> list[int]:
    """A page of the matches `bits`: the practices having every word as typed first, then the others, each
    by bm25. Past `rank_all` matches, only the `rank_all` newest are ranked (ids run newest first: those up
    to the id of the rank_all-th match) and the older follow newest first, so the cost of a page is bounded
    whatever the words (the exact forms are looked for among the ranked ones only)."""
    last = nth_bit(bits, rank_all - 1) if bits.bit_count() > rank_all else bits.bit_length() - 1
    ranked = bits & ((1 << (last + 1)) - 1)
    exact = exact_query(words)
    found = index.db.execute("SELECT rowid FROM practice_fts WHERE practice_fts MATCH ? AND rowid <= ?",
                             (exact, last))
    first = ranked & bitmap([r[0] for r in found], last + 1)
    tiers: list[tuple[str | None, int]] = [(match, ranked)]
    if 0 < first.bit_count() < ranked.bit_count():
        tiers = [(exact, first), (f"({match}) NOT ({exact})", ranked & ~first)]
    tiers.append((None, bits & ~ranked))
    ids: list[int] = []
    for expression, tier in tiers:
        count = tier.bit_count()
        if offset >= count:
            offset -= count
            continue
        if expression is None:
            ids += first_ids(tier, offset, limit - len(ids))
        else:
            ids += _ranked(index, query, expression, tier.bit_length() - 1, offset, limit - len(ids))
        offset = 0
        if len(ids) >= limit:
            break
    return ids


def _facets(index: SearchIndex, query: SearchQuery, bits: int) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        chosen = set(query.selected(facet.name))
        found = {v: (bits & m).bit_count() for v, m in index.bitmaps[facet.name].items()}
        if facet.kind in ("bits", "concept"):
            labels = index.concepts.get(facet.scheme, {})
            keys = sorted(set(found) | chosen, key=lambda k: (labels.get(k, (0, {}))[1].get("pl") or k).lower())
            values = [FacetValue(k, labels.get(k, (0, {}))[1], found.get(k, 0), k in chosen) for k in keys]
        elif facet.kind == "flag":
            values = [FacetValue(k, {}, found.get(k, 0), k in chosen) for k in ("yes", "no")]
        else:
            values = [FacetValue(k, {}, found.get(k, 0), k in chosen) for k in sorted(set(found) | chosen,
                                                                                    reverse=True)]
        facets[facet.name] = [v for v in values if v.count or v.selected]
    return facets


def _hits(index: SearchIndex, ids: list[int], words: list[Word], lang: str) -> list[Hit]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {r[0]: r for r in index.db.execute(
        "SELECT p.id, p.key, p.year, p.voivodeship, p.sectors, t.title_pl, t.title_en, t.summary_pl, t.summary_en, "
        "t.description_pl, t.description_en, t.organisations, t.town FROM practice p "
        f"JOIN practice_text t ON t.id = p.id WHERE p.id IN ({marks})", ids)}
    voivodeships, sectors = index.concepts.get("voivodeship", {}), index.concepts.get("sector", {})
    hits = []
    for i in ids:
        _, key, year, voiv, partners, t_pl, t_en, s_pl, s_en, d_pl, d_en, orgs, town = rows[i]
        first, other = ((s_pl, d_pl), (s_en, d_en)) if lang == "pl" else ((s_en, d_en), (s_pl, d_pl))
        texts = [x for x in (*first, *other, orgs, town) if x]
        title = {k: v for k, v in (("pl", t_pl), ("en", t_en)) if v}
        hits.append(Hit(key, title, town or "", voivodeships.get(voiv or "", (0, {}))[1], year,
                        snippet(texts, words),
                        [(s, sectors.get(s, (0, {s: s}))[1]) for s in partners.split()]))
    return hits


def search(index: SearchIndex, query: SearchQuery, *, lang: str = "pl", page_size: int = 50,
           with_facets: bool = True, rank_all: int = RANK_ALL) -> SearchResult:
    words = query_words(query.text, lambda folded: known_lemmas(index.db, folded))
    notes = _notes(query, words)
    match = fts_query(words) if words else None
    offset = (query.page - 1) * page_size
    try:
        bits = _matching(index, query, words)
        if query.order == "title":
            order, rank = index.title_order(lang)
            ids = page_in_order(bits, order, rank, offset, page_size)
        elif match is None or query.order == "newest":
            ids = first_ids(bits, offset, page_size)
        elif not bits:
            ids = []
        else:
            ids = _page(index, query, words, match, bits, offset, page_size, rank_all)
        tries = suggestions(index.db, words) if match is not None and not bits else []
    except sqlite3.OperationalError as exc:  # pragma: no cover - the query is built from checked words
        raise QueryError(f"parameter 'q': the search could not be run ({exc})") from None
    facets = _facets(index, query, bits) if with_facets else {}
    return SearchResult(query, bits.bit_count(), _hits(index, ids, words, lang), facets, page_size,
                        tries, notes)


def _notes(query: SearchQuery, words: list[Word]) -> tuple[str, ...]:
    notes = ["shortened"] if query.shortened else []
    if len(dict.fromkeys(split(query.text))) > MAX_WORDS:
        notes.append("too_many_words")
    if query.text and not words:
        notes.append("no_words")
    return tuple(notes)
