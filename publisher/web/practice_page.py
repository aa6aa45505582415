"""What a practice's page for people shows beyond the frame, made in Python for templates/practice.html:
the card, "also in" and attachments parsed once for both languages of a page, and the texts, the metric
table and the partners' table in the page's language. The markup stays in the template; here are the
values it writes (names, links, escaped texts).

Most cells of the two tables name what many practices share: a theme, a sector, a role, a voivodeship, a
unit type, a funding source, an organisation, a date, a town's population (a number in the page's locale).
Their links are kept for the build, per public base and language (`cells`), so that a page makes only what
is its own (a town, a street, its contacts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup, escape

from publisher.read.cards import PracticeCard, card_from_rows
from publisher.read.documents import Document, documents_from_rows
from publisher.read.links import AlsoIn, also_in_from_rows
from publisher.web import build_cache
from publisher.web.i18n import pick_lang
from publisher.web.present import Presenter, paragraphs
from publisher.web.render import iri_map

# Links kept a base and language before the table starts again: 40,000 organisations, a few thousand
# dates and a hundred concepts fit.
MOST = 100_000
_EMPTY, _HEADS = Markup(""), ("heads",)


@dataclass
class FirstLook:
    """The rows a practice's page read beyond its description, parsed: the same for both languages."""

    card: PracticeCard
    also_in: list[AlsoIn]
    documents: list[Document]


def first_look(rows: list[dict]) -> FirstLook:
    """The card, "also in" and documents (their URLs on this server) of `rows`, parsed once for the
    pages of one description: kept while the next page is asked with the same rows and server."""
    links, cache = iri_map(), build_cache()
    kept = cache.get("practice_first_look")
    if kept is not None and kept[0] is rows and kept[1] == links:      # (each language has its own map)
        return kept[2]
    documents = documents_from_rows(rows)
    for doc in documents:
        doc.url = links.url(doc.url)
    found = FirstLook(card_from_rows(rows), also_in_from_rows(rows), documents)
    cache["practice_first_look"] = (rows, links, found)
    return found


def cells(v: Presenter) -> dict[Any, Any]:
    """The links of shared terms (and the metric table's heads, escaped) for pages of `v`'s base and
    language, kept for the build."""
    tables = build_cache().setdefault("practice_cells", {})
    key = (v.links, v.lang, v.lang_query)
    found = tables.get(key)
    if found is None:
        found = tables[key] = {}
    return found


@dataclass
class PracticePage:
    """A practice's texts and tables in the page's language, as practice.html writes them."""

    title_html: Markup
    summary: list[str]
    summary_lang: Markup
    description: list[str]
    description_lang: Markup
    metric: list[tuple[Markup, Markup]]
    partners: list[tuple[Markup, Markup, Markup]]
    partnership: Markup | None


def practice_page(v: Presenter, card: PracticeCard, texts: dict[str, str]) -> PracticePage:
    """The page of the practice `v` presents, with its `card`; `texts`: the metric table's heads and
    words in the page's language (present.SharedLinks.texts)."""
    kept, tables = cells(v), v._tables

    def shared(term: Any) -> Markup:
        """v.link(term) of a term many practices show, kept while the page names it from the same list of
        label triples as the page that made it (as present.Names._named: read.quads and read.cards keep
        one list a term, so a list changes only with the build)."""
        if term is None:
            return _EMPTY
        labels = None
        if term.__class__ is ox.NamedNode:
            iri = term.value
            for table in tables:
                labels = table.get(iri)
                if labels is not None:
                    break
        found = kept.get(term)
        if found is None or found[0] is not labels:
            if len(kept) >= MOST:
                kept.clear()
            found = kept[term] = (labels, v.link(term))
        return found[1]

    heads = kept.get(_HEADS)                # the table's texts escaped, once a language
    if heads is None:
        heads = kept[_HEADS] = {key: escape(text) for key, text in texts.items()}
    memo = _memo(card)
    summary, summary_lang = _text(v, memo, "dct:abstract")
    description, description_lang = _text(v, memo, "dct:description")
    partnership = v.value("bdp:partnership")
    return PracticePage(
        title_html=v.title_html, summary=summary, summary_lang=summary_lang,
        description=description, description_lang=description_lang,
        metric=_metric(v, card, heads, shared),
        partners=[(shared(p.get("org")), shared(p.get("sector")), shared(p.get("role"))) for p in card.partners],
        partnership=v._link(partnership) if partnership is not None else None)


_UNNAMED = ("tel:", "mailto:")
_last_card: list[Any] = [None, {}]


def _memo(card: PracticeCard) -> dict[Any, Any]:
    """What a practice's two pages share beyond the card (their texts' paragraphs, its own links), kept
    with the card (first_look gives both pages the same one) until the next practice's."""
    if _last_card[0] is not card:
        _last_card[:] = [card, {}]
    return _last_card[1]


def _text(v: Presenter, memo: dict[Any, Any], predicate: str) -> tuple[list[str], Markup]:
    """(paragraphs, ` lang` attribute) of v.text(predicate) and v.lang_attr(predicate): the paragraphs of
    a text split once when both pages show the same one (most texts are in one language only)."""
    text, text_lang = pick_lang(v.texts(predicate), v.lang)
    if not text:
        return [], _EMPTY
    found = memo.get(text)
    if found is None:
        found = memo[text] = paragraphs(text)
    return found, Markup(f' lang="{escape(text_lang)}"') if text_lang and text_lang != v.lang else _EMPTY


def _own_link(v: Presenter, card: PracticeCard, term: Any) -> Markup:
    """v.link(term) of a term only this practice shows (a contact's phone or e-mail). A tel: or mailto:
    IRI no table names links the same in both languages: made once for the practice's two pages (kept
    with its card, which both share) and, being its own, not kept for the build."""
    if term.__class__ is not ox.NamedNode or not term.value.startswith(_UNNAMED) \
            or any(term.value in table for table in v._tables):
        return v.link(term)
    links = _memo(card)
    found = links.get(term)
    if found is None:
        found = links[term] = v._link(term)
    return found


def _metric(v: Presenter, card: PracticeCard, texts: dict[str, Markup], shared: Any
            ) -> list[tuple[Markup, Markup]]:
    """The "Metryka" table as (its head, the cell's HTML), in the old bank's order; the shared terms' links
    kept, `texts` escaped. (tests/test_practice_page.py holds it to the rows the page had before.)"""
    place = card.place
    contacts = []
    for c in card.contacts:
        text = v.link(c.get("name"))
        if c.get("job"):
            text += Markup(", ") + v.link(c["job"])
        for key in ("tel", "email"):
            if c.get(key):
                text += Markup("<br>") + texts[key] + Markup(": ") + _own_link(v, card, c[key])
        contacts.append(Markup('<div class="contact">') + text + Markup("</div>"))
    lat, long = place.get("lat"), place.get("long")
    rows = [("entered", shared(v.value("dct:issued"))), ("modified", shared(v.value("dct:modified"))),
            ("unit_type", shared(v.value("bdp:unitType"))), ("town", v.link(place.get("town"))),
            ("voivodeship", shared(place.get("voivodeship"))), ("postal_code", v.link(place.get("postal"))),
            ("implementing_unit", shared(v.value("bdp:implementingUnit"))),
            ("street", v.link(place.get("street"))),
            ("websites", v.link_list(v.values("foaf:page"), "<br>")),
            ("population", shared(place.get("population"))), ("teryt", v.link(place.get("teryt"))),
            ("coordinates", Markup(f"{escape(lat.value)}, {escape(long.value)}")
             if lat is not None and long is not None else _EMPTY),
            ("contacts", Markup("").join(contacts) or Markup('<span class="muted">') + texts["none"]
             + Markup("</span>")),
            ("themes", Markup(", ").join(map(shared, v.values("dct:subject")))),
            ("funding", Markup(", ").join(map(shared, v.values("bdp:funding"))))]
    optional = {"modified", "teryt", "coordinates"}
    return [(texts[key], value) for key, value in rows if value or key not in optional]
