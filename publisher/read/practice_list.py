"""Lists of practices for people: the members of a theme or voivodeship, the practices of an organisation
or the whole bank, each counted once, in the order a person asks for (newest first, recently updated,
or by title in the language's alphabetical order), and a page of them with what tells two practices
apart: place, voivodeship, year and the sectors of their partners.

The order is made in Python from one query over the members' titles and dates (ICU collation for the
titles, publisher/collation.py); the web layer keeps it for the life of the build."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from publisher.collation import sort_key
from publisher.iris import mint
from publisher.namespaces import BDPV, sparql_prologue
from publisher.outputs.search_index import FILE
from publisher.read import network_quads
from publisher.read.network import member_sectors, practices_of
from publisher.read.recent import remembered
from publisher.read.resources import labels
from publisher.read.search_file import newest_rows
from publisher.store import Store
from publisher.store.bind import term_text
from publisher.store.embedded import DirectStore

_P = sparql_prologue(("bdp", "dct", "geo", "org", "rdfs", "skos"))
SORTS = ("newest", "title", "updated")
# A list is every member of a theme or of the bank: past the store's row cap (made for answers to send)
MAX_ROWS = 10_000_000

# Who the members of each kind of list are (?x, the practice; ?c bound by the caller).
MEMBERS = {
    "all": "?x a bdp:Practice .",
    "theme": "?x dct:subject ?c .",
    "voivodeship": "?place bdp:voivodeship ?c . ?x dct:spatial ?place .",
    "organisation": "{ ?x bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?c } "
                    "UNION { ?x bdp:implementingUnit ?c }",
}
# Practices the map can show (their place has coordinates): those without are all the others. Asked this
# way because FILTER NOT EXISTS over every practice took minutes in Oxigraph at 100,000 practices.
PLACED = _P + "SELECT DISTINCT ?x WHERE { ?place geo:lat ?lat . ?x dct:spatial ?place }"
ORDER_ROWS = _P + """
SELECT DISTINCT ?x ?c ?title ?issued ?modified WHERE {{
  {{ SELECT DISTINCT ?x ?c WHERE {{ {members} }} }}
  OPTIONAL {{ ?x dct:title ?title }} OPTIONAL {{ ?x dct:issued ?issued }} OPTIONAL {{ ?x dct:modified ?modified }}
}}"""
# The same rows for given practices (an organisation's: asked for by IRI, see `members`).
ROWS_OF = _P + """
SELECT ?x ?title ?issued ?modified WHERE {{
  VALUES ?x {{ {values} }}
  {{ ?x dct:title ?title }} UNION {{ ?x dct:issued ?issued }} UNION {{ ?x dct:modified ?modified }}
}}"""
_PLAIN = """
  {{ ?x dct:title ?title }}
  UNION {{ ?x dct:issued ?issued }}
  UNION {{ ?x dct:spatial ?place . ?place rdfs:label ?town }}
  UNION {{ ?x dct:spatial ?place . ?place bdp:voivodeship ?voivodeship }}"""
DETAILS = _P + """
SELECT ?x ?title ?issued ?town ?voivodeship ?sector WHERE {{
  VALUES ?x {{ {values} }}""" + _PLAIN + """
  UNION {{ ?x bdp:partnership ?ps . ?ps org:hasMembership ?m . ?m org:member ?o . ?o bdp:sector ?sector }}
}}"""
# The same without the members' sectors, for an organisation's practices (read.network has them).
DETAILS_PLAIN = _P + """
SELECT ?x ?title ?issued ?town ?voivodeship WHERE {{
  VALUES ?x {{ {values} }}""" + _PLAIN + """
}}"""


@dataclass
class Ordered:
    """The members of a list, each once: IRI -> ({lang: title}, issued, modified)."""

    rows: dict[str, tuple[dict[str, str], str, str]]

    def __len__(self) -> int:
        return len(self.rows)

    def without(self, iris: set[str]) -> Ordered:
        return Ordered({k: v for k, v in self.rows.items() if k not in iris})

    def order(self, sort: str, lang: str) -> list[str]:
        def title_key(iri: str) -> bytes:
            titles = self.rows[iri][0]
            return sort_key(titles.get(lang) or titles.get("pl") or next(iter(titles.values()), ""), lang)

        if sort not in ("newest", "updated"):
            return sorted(self.rows, key=title_key)
        rows = self.rows
        dates = {i: (r[1] if sort == "newest" else r[2] or r[1]) for i, r in rows.items()}
        iris = sorted(rows, key=dates.__getitem__, reverse=True)
        # ties of dates in title order: only they are collated (a key costs more than the sort)
        start = 0
        for end in range(1, len(iris) + 1):
            if end == len(iris) or dates[iris[end]] != dates[iris[start]]:
                if end - start > 1:
                    iris[start:end] = sorted(iris[start:end], key=title_key)
                start = end
        return iris


NEWEST = _P + """
SELECT ?x ?date WHERE {{ ?x a bdp:Practice ; dct:{field} ?date }} ORDER BY DESC(?date) ?x LIMIT {n}"""
# The index's column for each field (read/search_file.newest_rows).
INDEX_COLUMNS = {"issued": "entered", "modified": "modified"}


def latest(store: Store, field: str, n: int, out: Path | None = None) -> list[str]:
    """The `n` practices entered (field 'issued') or updated ('modified') last, newest first, ties by IRI.

    From the build's search index in `out` when it has one (an indexed column: milliseconds), else the
    store's own top-n (an ORDER BY over every practice: seconds at 100,000 practices, as Oxigraph sorts
    them all), so the home page does not collate every title of the bank."""
    assert field in ("issued", "modified") and isinstance(n, int)
    found = _latest_indexed(out / FILE, field, n) if out is not None and n > 0 else None
    if found is not None:
        return found
    return [r["x"].value for r in store.select(NEWEST.format(field=field, n=n), limit=n).rows]


def _latest_indexed(path: Path, field: str, n: int) -> list[str] | None:
    """`latest` from the index at `path`; None when there is none of this version. The rows tied with the
    n-th date are all read and ordered here by IRI, as the store orders them (keys are IRIs unquoted)."""
    found = newest_rows(path, INDEX_COLUMNS[field], n)
    if found is None:
        return None
    base, rows = found
    iris = sorted(((date, mint(base, "practice", key)) for key, date in rows), key=lambda r: r[1])
    iris.sort(key=lambda r: r[0], reverse=True)
    return [iri for _, iri in iris[:n]]


def placed(store: Store) -> set[str]:
    """The practices that have coordinates."""
    return {r["x"].value for r in store.select(PLACED, limit=MAX_ROWS).rows}


def members(store: Store, kind: str, concept: str | None = None) -> Ordered:
    """Every member of a list (kind in MEMBERS; `concept` the theme, voivodeship or organisation IRI).
    An organisation's practices are found first and their titles and dates asked by IRI: the union in
    MEMBERS joined with the titles took Oxigraph seconds an organisation at 100,000 practices."""
    rows: dict[str, tuple[dict[str, str], str, str]] = {}
    if kind == "organisation" and concept:
        found = practices_of(store, concept)
        if isinstance(store, DirectStore):          # from the indexes (read.network_quads), folded there
            return Ordered(network_quads.dated_rows(store, found))
        results = [store.select(ROWS_OF.format(values=" ".join(term_text(ox.NamedNode(i))
                                                                for i in found[start:start + 500])),
                                limit=MAX_ROWS).rows for start in range(0, len(found), 500)]
        rows = {i: ({}, "", "") for i in found}
    else:
        query = ORDER_ROWS.format(members=MEMBERS[kind])
        results = [store.select(query, bindings={"c": ox.NamedNode(concept)} if concept else None,
                                limit=MAX_ROWS).rows]
    return Ordered(fold_rows((r for part in results for r in part), rows))


def fold_rows(found: Iterable[dict], rows: dict[str, tuple[dict[str, str], str, str]]
              ) -> dict[str, tuple[dict[str, str], str, str]]:
    """Rows of (practice, title, issued, modified) into `rows`: per practice its titles by language and dates."""
    for r in found:
        entry = rows.setdefault(r["x"].value, ({}, "", ""))
        if "title" in r:
            entry[0].setdefault(r["title"].language or "", r["title"].value)
        if "issued" in r or "modified" in r:
            rows[r["x"].value] = (entry[0], r["issued"].value if "issued" in r else entry[1],
                                  r["modified"].value if "modified" in r else entry[2])
    return rows


@dataclass
class Item:
    """One practice in a list: what a person needs to choose it."""

    iri: str
    titles: dict[str, str] = field(default_factory=dict)
    issued: str = ""
    town: str = ""
    voivodeship: str = ""
    sectors: list[str] = field(default_factory=list)

    @property
    def year(self) -> str:
        return self.issued[:4]


def details(store: Store, iris: list[str], known: Collection[str] = (), organisation: str | None = None
            ) -> tuple[list[Item], dict[str, list[ox.Triple]]]:
    """The items of `iris` (in that order) and the labels of their voivodeships and sectors (the same in
    every language: kept for the same list in the other one, publisher/read/recent.py); those of `known`
    concepts (the caller has them at hand) are not asked for. `iris` all practices of `organisation`:
    their members' sectors come from its network's rows (read.network), not asked again."""
    return remembered(store, ("details", tuple(iris), bool(known), organisation),
                      lambda: _details(store, iris, known, organisation))


def _details(store: Store, iris: list[str], known: Collection[str] = (), organisation: str | None = None
             ) -> tuple[list[Item], dict[str, list[ox.Triple]]]:
    if not iris:
        return [], {}
    items = {i: Item(i) for i in iris}
    if organisation is not None:
        sectors = member_sectors(store, organisation, iris)
        for item in items.values():
            item.sectors = list(sectors.get(item.iri, ()))
    if organisation is not None and isinstance(store, DirectStore):    # from the indexes (read.network_quads)
        rows = network_quads.details_plain(store, iris)
    else:
        query = DETAILS if organisation is None else DETAILS_PLAIN
        values = " ".join(term_text(ox.NamedNode(i)) for i in iris)
        rows = store.select(query.format(values=values), limit=MAX_ROWS).rows
    for r in rows:
        item = items[r["x"].value]
        if "title" in r:
            item.titles.setdefault(r["title"].language or "", r["title"].value)
        if "issued" in r:
            item.issued = r["issued"].value
        if "town" in r and not item.town:
            item.town = r["town"].value
        if "voivodeship" in r:
            item.voivodeship = r["voivodeship"].value
        if "sector" in r and r["sector"].value not in item.sectors:
            item.sectors.append(r["sector"].value)
    for item in items.values():
        item.sectors.sort()
    concepts = {c for i in items.values() for c in (i.voivodeship, *i.sectors) if c and c not in known}
    return [items[i] for i in iris], labels(store, concepts) if concepts else {}


def concept(scheme: str, key: str) -> str:
    return f"{BDPV}{scheme}/{key}"
