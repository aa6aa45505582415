"""One list of practices for every page that lists them (browse by theme or voivodeship, an organisation,
the home page): the order asked for by `?sort=` (kept per build and process: a theme's thousands of
titles are collated once), one page of items with their place, voivodeship, year and partner sectors,
and the links that change the order. The template is templates/practice_list.html."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import g, request
from markupsafe import Markup

from publisher.read import browse as lists
from publisher.read import practice_list as pl
from publisher.read.resources import Page
from publisher.web import build_cache, site_store
from publisher.web.errors import abort_with
from publisher.web.i18n import N_, link_lang, pick_html
from publisher.web.present import Names
from publisher.web.render import iri_map

SORT_LABELS = {"newest": N_("newest first"), "title": N_("by title"), "updated": N_("recently updated")}
MAX_CACHED = 2048          # lists kept per build: themes, voivodeships, the organisations people open


@dataclass
class PracticeList:
    items: list[pl.Item]
    names: Names
    page: Page
    sort: str
    sorts: list[tuple[str, str, bool]] = field(default_factory=list)   # (label msgid, url, chosen)
    roles: dict[str, list[Any]] = field(default_factory=dict)
    pager: tuple[str | None, str | None] = (None, None)

    def rows(self) -> list[tuple[str | None, Markup, str]]:
        """(link, title as HTML, meta line) of each item: what the template writes for it, made here in one
        call rather than three calls from the template an item (a page lists up to page_size of them)."""
        href = self.names.href
        return [(href(item.iri), pick_html(item.titles), self.meta(item)) for item in self.items]

    def meta(self, item: pl.Item) -> str:
        """place · voivodeship · year · partner sectors (· this organisation's roles)"""
        label = self.names.label
        parts = [item.town, label(item.voivodeship) if item.voivodeship else "", item.year,
                 ", ".join(label(s) for s in item.sectors),
                 ", ".join(label(r) for r in self.roles.get(item.iri, []))]
        return " · ".join(p for p in parts if p)


def chosen_sort(default: str = "newest") -> str:
    sort = request.args.get("sort", default)
    if sort not in pl.SORTS:
        abort_with(400, f"query parameter sort: {sort[:40]!r} is not one of {', '.join(pl.SORTS)}")
    return sort


def ordered(kind: str, concept: str | None, sort: str, lang: str) -> list[str]:
    """The members' IRIs in `sort` order: the members asked once, each order made once, per build and
    process."""
    cache = build_cache().setdefault("practice_lists", {})
    if len(cache) > MAX_CACHED:
        cache.clear()
    found = cache.get((kind, concept))
    if found is None:
        if kind == "no_coordinates":        # every practice but those with coordinates
            ordered("all", None, sort, lang)
            everything = cache[("all", None)][0]
            found = cache[(kind, concept)] = (everything.without(pl.placed(site_store())), {})
        else:
            found = cache[(kind, concept)] = (pl.members(site_store(), kind, concept), {})
    members, orders = found
    if (sort, lang) not in orders:
        orders[(sort, lang)] = members.order(sort, lang)
    return orders[(sort, lang)]


def facets() -> list[Any]:
    """Every theme, voivodeship and sector with its count of members (once per build and process)."""
    found = build_cache().get("facets")
    if found is None:
        found = build_cache()["facets"] = lists.facets(site_store())
    return found


def items(iris: list[str], known: dict[str, list[Any]] | None = None) -> tuple[list[pl.Item], Names]:
    """The items of a few practices (the home page's newest) with the names of their concepts."""
    found, concept_labels = pl.details(site_store(), iris)
    return found, Names(concept_labels, iri_map(), g.get("lang", "pl"), *((known,) if known else ()))


def _urls() -> Callable[..., str]:
    """`_url` for this request, its URL, arguments and language looked up once (a list page makes four)."""
    base, asked, lang = request.base_url, list(request.args.items()), link_lang()

    def url(**changes: Any) -> str:
        args = {k: v for k, v in asked if k not in changes}
        args.update({k: str(v) for k, v in changes.items() if v is not None and v != ""})
        if lang and "lang" not in args:
            args["lang"] = lang
        return base + ("?" + urlencode(args) if args else "")
    return url


def practice_list(kind: str, concept: str | None, page_number: int, page_size: int,
                  known: dict[str, list[Any]] | None = None,
                  sorts: tuple[str, ...] = ("newest", "title", "updated")) -> PracticeList:
    sort = chosen_sort(sorts[0])
    lang = g.get("lang", "pl")
    iris = ordered(kind, concept, sort, lang)
    page = Page(page_number, page_size, len(iris))
    if not page.exists:
        abort_with(404, f"there is no page {page.number}; the last is {page.count}")
    chosen = iris[page.offset:page.offset + page_size]
    items, concept_labels = pl.details(site_store(), chosen, known or (),
                                       concept if kind == "organisation" else None)
    names = Names(concept_labels, iri_map(), lang, *((known,) if known else ()))
    url = _urls()
    return PracticeList(
        items, names, page, sort,
        sorts=[(SORT_LABELS[s], url(sort=s if s != sorts[0] else None, page=None), s == sort) for s in sorts],
        pager=(url(page=page.next) if page.next else None,
               url(page=page.previous if page.previous and page.previous > 1 else None)
               if page.previous else None))
