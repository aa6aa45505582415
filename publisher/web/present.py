"""A description as templates want it: names instead of IRIs (in the page's language, falling back to
the other), links rebased on the public URL, property tables, and the schema.org JSON-LD of each page.
Only http(s), mailto: and tel: IRIs become links: a `javascript:` IRI in the data stays plain text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
from flask import g, has_request_context
from markupsafe import Markup, escape

from publisher.iris import IriMap
from publisher.namespaces import PREFIXES, curie
from publisher.read.resources import LABELS, Description
from publisher.web.i18n import format_date, gettext, in_lang, label, link_lang, number, phone, pick, pick_lang
from publisher.web.page_parts import Value, page_parts

XSD = PREFIXES["xsd"]
NUMBERS = {XSD + name for name in ("integer", "decimal", "nonNegativeInteger", "positiveInteger", "int", "long")}
DATES = {XSD + "date", XSD + "dateTime"}

LINKABLE = ("http://", "https://", "mailto:", "tel:")
RDF_TYPE, SAME_AS = PREFIXES["rdf"] + "type", PREFIXES["owl"] + "sameAs"
_RANK = {p.value: i for i, p in enumerate(LABELS)}
_LABEL_IRIS = tuple(_RANK)


def ns(prefix: str, name: str) -> str:
    return PREFIXES[prefix] + name


def expand(name: str) -> str:
    """'dct:title' -> 'http://purl.org/dc/terms/title'; full IRIs are left as they are."""
    prefix, colon, local = name.partition(":")
    return PREFIXES[prefix] + local if colon and prefix in PREFIXES else name


@dataclass
class Row:
    predicate: ox.NamedNode
    values: list[Any]


class Names:
    """`label(term)` and `href(term)` from label triples: what list pages need."""

    def __init__(self, labels: dict[str, list[ox.Triple]], links: IriMap, lang: str,
                 *more: dict[str, list[ox.Triple]]) -> None:
        self.links, self.lang = links, lang
        # links to our own pages carry the language when it is not the default one (publisher/web/i18n.py)
        self.lang_query, self._shared = _context_of(links, lang)
        self._tables = (labels, *more)
        self._names: dict[str, dict[str, str]] = {}
        self._own = ""          # the page's own IRI (Presenter): named from its triples, not a table

    def names(self, iri: str) -> dict[str, str]:
        """{language: label} of `iri` from the first table that has it (computed once)."""
        found = self._names.get(iri)
        if found is None:
            triples = next((table[iri] for table in self._tables if iri in table), [])
            found = self._names[iri] = texts_of(sorted(triples, key=lambda t: _RANK.get(t.predicate.value, 9)))
        return found

    def _named(self, iri: str, plain: bool = False) -> tuple[list[ox.Triple] | None, str, Markup]:
        """(label triples, label, link) of an IRI other than the page's own, given as a NamedNode (or as
        a plain string: `plain`, whose link names it without marking a name in another language): what
        every page of this language and base shows for it, made once and kept while the page finds the
        same list of label triples (lists are never changed once made; read.quads keeps one an IRI)."""
        triples = None
        for table in self._tables:          # (tables hold lists, never None)
            triples = table.get(iri)
            if triples is not None:
                break
        shared = self._shared[plain]
        found = shared.get(iri)
        if found is None or found[0] is not triples:
            if len(shared) >= SHARED:
                _forget_older_half(shared)
            found = shared[iri] = (triples, *self._made(iri, triples, plain))
        return found

    def _made(self, iri: str, triples: list[ox.Triple] | None, plain: bool) -> tuple[str, Markup]:
        """(label, link) of an IRI other than the page's own, as _label and _link make them, from what
        every language's page finds the same (_parts: its names, its URL); most IRIs a page links to are
        linked from it alone (a partnership's memberships), and its page in the other language follows."""
        _, _, texts, fallback, url, public = _parts(self.links, iri, triples)
        if public and self.lang_query:
            url = f"{url}{'&' if '?' in url else '?'}{self.lang_query}"  # type: ignore[operator]
        if texts:
            text, text_lang = pick_lang(texts, self.lang)
            return text, _anchor(url, escape(text) if plain else in_lang(text, text_lang, self.lang))
        return fallback, _anchor(url, escape(fallback))

    def label(self, term: Any) -> str:
        kind = term.__class__
        if kind is ox.NamedNode:
            iri = term.value
            if iri != self._own:
                return self._named(iri)[1]
        elif kind is str and term != self._own:
            return self._named(term, True)[1]
        return self._label(term)

    def _label(self, term: Any) -> str:
        if isinstance(term, ox.Literal):
            return self.literal(term)
        if isinstance(term, ox.BlankNode):
            return ""
        iri = term.value if isinstance(term, ox.NamedNode) else str(term)
        names = self.names(iri)
        if names:
            return pick(names, self.lang)
        return _unnamed_label(self.links, iri)

    def literal(self, term: ox.Literal) -> str:
        """A literal as people read it: numbers grouped, dates in words, for the page's locale."""
        datatype = term.datatype.value
        if datatype in NUMBERS:
            return number(term.value)
        if datatype in DATES:
            try:
                return format_date(date.fromisoformat(term.value[:10]), "long")
            except ValueError:
                return term.value
        return term.value

    def href(self, term: Any) -> str | None:
        iri = term.value if isinstance(term, ox.NamedNode) else term if isinstance(term, str) else None
        if iri is None:
            return None
        url = self.links.href(iri)
        if not url.startswith(LINKABLE):
            return None
        if self.lang_query and url.startswith(self.links.public):
            url += ("&" if "?" in url else "?") + self.lang_query
        return url

    def link(self, term: Any) -> Markup:
        """The term as HTML: a link with its name (escaped), or the escaped text; a literal in another
        language than the page's says which."""
        kind = term.__class__
        if kind is ox.NamedNode:
            iri = term.value
            if iri != self._own:
                return self._named(iri)[2]
        elif kind is str:
            if term != self._own:
                return self._named(term, True)[2]
        elif kind is ox.Literal:
            return self._literal_link(term)
        return self._link(term)

    def _literal_link(self, term: ox.Literal) -> Markup:
        """_link of a literal (what `literal` shows, marked with its language where it is not the page's;
        a date in <time>), its datatype read once."""
        return self._literal_html(term.datatype.value, term.value, term.language)

    def _literal_html(self, datatype: str, value: str, language: str | None) -> Markup:
        """_literal_link of a literal given as its datatype's IRI, lexical form and language."""
        if datatype in NUMBERS:
            return in_lang(number(value), language, self.lang)
        if datatype in DATES:
            try:
                shown = format_date(date.fromisoformat(value[:10]), "long")
            except ValueError:
                shown = value
            return Markup(f'<time datetime="{escape(value)}">{in_lang(shown, language, self.lang)}</time>')
        return in_lang(value, language, self.lang)

    def _link(self, term: Any) -> Markup:
        if term is None:
            return Markup("")
        if isinstance(term, ox.NamedNode) and not self.names(term.value):
            return _unnamed_link(self.links, self.lang_query, term.value)
        url = self.href(term)
        if isinstance(term, ox.Literal):
            text = in_lang(self._label(term), term.language, self.lang)
        else:
            names = self.names(term.value) if isinstance(term, ox.NamedNode) else {}
            text = in_lang(*pick_lang(names, self.lang), self.lang) if names else escape(self._label(term))
        if isinstance(term, ox.Literal) and term.datatype.value in DATES:
            text = Markup(f'<time datetime="{escape(term.value)}">{text}</time>')
        return _anchor(url, text)

    def link_list(self, terms: Any, separator: str = ", ") -> Markup:
        return Markup(separator).join(self.link(t) for t in terms)

    @staticmethod
    def is_blank(term: Any) -> bool:
        return isinstance(term, ox.BlankNode)

    @staticmethod
    def is_literal(term: Any) -> bool:
        return isinstance(term, ox.Literal)


# Names and links of IRIs shared by the pages of a language and base (Names._named), at most SHARED in
# each table (when full, the older half forgotten): the predicates, classes and concepts every page names,
# and the organisations named most; a few hundred bytes an entry.
SHARED = 20_000


def _forget_older_half(table: dict[str, Any]) -> None:
    """Drops the older half of a full table (dicts keep their order of insertion). Emptying it all would
    forget, every SHARED new IRIs, the organisations that the next pages of a run link again (an
    organisation's memberships lie a few thousand pages apart in the store's order)."""
    for key in list(islice(table, len(table) // 2)):     # (the list made in one step of C: no thread between)
        table.pop(key, None)         # (a server's other thread may have dropped it already)
Shared = dict[str, tuple[list[ox.Triple] | None, str, Markup]]
_SHARED: dict[tuple[IriMap, str, str], tuple[Shared, Shared]] = {}


def _shared_names(links: IriMap, lang: str, lang_query: str) -> tuple[Shared, Shared]:
    """The names and links shared by pages of this base and language: of IRIs as NamedNodes, as strings."""
    found = _SHARED.get(key := (links, lang, lang_query))
    if found is None:
        if len(_SHARED) >= 64:          # a few bases (site roots) and languages in one process
            _SHARED.clear()
        found = _SHARED[key] = ({}, {})
    return found


def _context_of(links: IriMap, lang: str) -> tuple[str, tuple[Shared, Shared]]:
    """(the query string that links carry, the shared names) of Names of `links` in `lang`: kept in the
    app context's `g` (for its language) after the first page made them, one look-up instead of link_lang's
    two and the IriMap's hash and comparison."""
    if not has_request_context():
        return "", _shared_names(links, lang, "")
    names = g._get_current_object()
    kept: dict[tuple[str, str | None], tuple[IriMap, str, tuple[Shared, Shared]]] | None = getattr(
        names, "bdp_names", None)
    if kept is None:
        kept = names.bdp_names = {}
    found = kept.get(key := (lang, getattr(names, "lang", None)))
    if found is None or found[0] is not links:
        lang_query = f"lang={lang}" if link_lang() == lang else ""
        found = kept[key] = (links, lang_query, _shared_names(links, lang, lang_query))
    return found[1], found[2]


def _unnamed_label(links: IriMap, iri: str) -> str:
    """Names._label of an IRI no table names: a phone number or e-mail address, a CURIE, our key."""
    if iri.startswith("tel:"):
        return phone(unquote(iri[4:]))
    if iri.startswith("mailto:"):
        return unquote(iri[7:])
    short = curie(iri)
    if short != iri:
        return short
    if iri.startswith(links.base + "id/"):
        return unquote(iri.rsplit("/", 1)[-1])
    return iri


# What Names._made finds the same in every language for an IRI, while its label triples are the same list:
# (those triples, the IriMap, its names by language, its label when it has none, its URL if a page links
# it, whether that URL is ours: links to ours carry the language), at most SHARED (the older half forgotten).
Parts = tuple[list[ox.Triple] | None, IriMap, dict[str, str], str, str | None, bool]
_PARTS: dict[str, Parts] = {}


def _parts(links: IriMap, iri: str, triples: list[ox.Triple] | None) -> Parts:
    found = _PARTS.get(iri)
    if found is None or found[0] is not triples or found[1] is not links:
        if len(_PARTS) >= SHARED:
            _forget_older_half(_PARTS)
        texts = texts_of(sorted(triples, key=lambda t: _RANK.get(t.predicate.value, 9))) if triples else {}
        url: str | None = links.href(iri)
        if not url.startswith(LINKABLE):  # type: ignore[union-attr]
            url = None
        found = _PARTS[iri] = (triples, links, texts, "" if texts else _unnamed_label(links, iri), url,
                               url is not None and url.startswith(links.public))
    return found


@lru_cache(maxsize=4096)
def _unnamed_link(links: IriMap, lang_query: str, iri: str) -> Markup:
    """Names.link of an IRI no table names (a predicate or class of another vocabulary: rdf:type,
    org:member, ...): the same on every page of a language, so made once."""
    names = Names({}, links, "")
    names.lang_query = lang_query
    return _anchor(names.href(iri), escape(names._label(iri)))


def _anchor(url: str | None, text: Markup) -> Markup:
    """A link to `url` (none: the text alone) around `text`, already escaped. An f-string of escaped parts:
    what Markup.format makes, without string.Formatter (every link of every page passes here)."""
    return Markup(f'<a href="{escape(url)}">{text}</a>') if url else Markup(text)


def texts_of(triples: list[ox.Triple]) -> dict[str, str]:
    """{language: text} of literal objects, the first of each language kept."""
    out: dict[str, str] = {}
    for t in triples:
        if isinstance(t.object, ox.Literal):
            out.setdefault(t.object.language or "", t.object.value)
    return out


class Presenter(Names):
    """Helpers the templates call: `label(term)`, `href(term)`, `text(predicate)`, `values(predicate)`,
    `rows(subject)` (a property table), `incoming()` (this page of links to the resource)."""

    def __init__(self, description: Description, links: IriMap, lang: str,
                 *more: dict[str, list[ox.Triple]]) -> None:
        super().__init__(description.labels, links, lang, *more)
        self.d = description
        self._links: dict[Any, Markup] = {}
        self._own = description.iri.value
        self._title: str | None = None
        # its own labels, the preferred predicate first (texts_of of its label triples so ordered), from
        # the description's index, which both languages' pages and schema_org read
        own: dict[str, str] = {}
        for predicate in _LABEL_IRIS:
            for value in description.objects(predicate):
                if isinstance(value, ox.Literal):
                    own.setdefault(value.language or "", value.value)
        self._names[self._own] = own

    @property
    def title(self) -> str:
        """(its label, made once: the page's title, heading and schema.org name)"""
        found = self._title
        if found is None:
            found = self._title = self.label(self.d.iri)
        return found

    @property
    def title_html(self) -> Markup:
        """The title, marked with its language where it is not the page's."""
        names = self.names(self.d.iri.value)
        return in_lang(*pick_lang(names, self.lang), self.lang) if names else escape(self.title)

    def lang_attr(self, predicate: str, subject: Any = None) -> Markup:
        """` lang="xx"` for an element holding `text(predicate)` when that text is in another language."""
        _, text_lang = pick_lang(self.texts(predicate, subject), self.lang)
        return Markup(f' lang="{escape(text_lang)}"') if text_lang and text_lang != self.lang else Markup("")

    # --- values of the described resource (predicates as IRIs or as CURIEs like 'dct:title') ----------
    def values(self, predicate: str, subject: Any = None) -> list[Any]:
        return self.d.objects(expand(predicate), subject)

    def value(self, predicate: str, subject: Any = None) -> Any:
        found = self.values(predicate, subject)
        return found[0] if found else None

    def texts(self, predicate: str, subject: Any = None) -> dict[str, str]:
        return {v.language or "": v.value for v in self.values(predicate, subject) if isinstance(v, ox.Literal)}

    def text(self, predicate: str, subject: Any = None) -> str:
        return pick(self.texts(predicate, subject), self.lang)

    def rows(self, subject: Any = None) -> list[Row]:
        """The property table of `subject` (the resource by default), predicates in a stable order: rdf:type
        first, then by name; a predicate's values literals in the page's language first, then by text."""
        return [Row(predicate, [v[0] for v in values]) for predicate, _, values in self._sorted(subject)]

    def _sorted(self, subject: Any) -> list[tuple[ox.NamedNode, str, list[Value]]]:
        lang, own, named = self.lang, self._own, self._named
        keyed = []
        for predicate, iri, values in page_parts(self.d).grouped(subject or self.d.iri):
            if len(values) > 1:
                values = sorted(values, key=lambda v: (v[1] != lang, str(v[0])))
            name = named(iri)[1] if iri != own else self._label(predicate)
            keyed.append(((iri != RDF_TYPE, name), (predicate, iri, values)))
        keyed.sort(key=itemgetter(0))
        return [row for _, row in keyed]

    def _link_once(self, term: Any) -> Markup:
        """link(term), made once a page (a partnership is linked from the table and the links to it)."""
        found = self._links.get(term)
        if found is None:
            found = self._links[term] = self.link(term)
        return found

    def _link_iri(self, term: Any, iri: str | None) -> Markup:
        """link(term) of a term whose IRI is known (None: not an IRI), without reading it again."""
        return self._named(iri)[2] if iri is not None and iri != self._own else self._link_once(term)

    def table(self, subject: Any = None) -> list[tuple[Markup, list[tuple[Markup | None, Any]]]]:
        """`rows(subject)` as the property table shows them: (the predicate's link, [(the value's link, None)
        or (None, a blank node, whose own table goes in the cell)])."""
        link, literal = self._link_iri, self._literal_html
        return [(link(predicate, iri), [(literal(datatype, text, language), None) if datatype is not None
                                        else (None, x) if x.__class__ is ox.BlankNode else (link(x, x_iri), None)
                                        for x, language, x_iri, datatype, text in values])
                for predicate, iri, values in self._sorted(subject)]

    def incoming(self) -> list[tuple[Any, ox.NamedNode]]:
        return [(t.subject, t.predicate) for t in self.d.incoming]

    def incoming_links(self) -> tuple[list[tuple[Markup, int]], list[tuple[Markup, Markup]]]:
        """The links to the resource as its section shows them: (predicate's link, count) of every
        predicate, and (subject's link, predicate's link) of this page's links."""
        link, link_iri = self._link_once, self._link_iri
        return ([(link(p), n) for p, n in self.d.incoming_counts.items()],
                [(link_iri(s, s_iri), link_iri(p, p_iri)) for s, s_iri, p, p_iri in page_parts(self.d).incoming()])

    def same_as(self) -> list[ox.NamedNode]:
        return [v for v in self.d.objects(SAME_AS) if isinstance(v, ox.NamedNode)]

    def is_a(self, prefix: str, name: str) -> bool:
        return ns(prefix, name) in self.d.types()


class SharedLinks:
    """The practice page's metric table's texts in each language, kept for the build (the links of terms
    many practices share are web.practice_page's, those of IRIs Names._named's)."""

    def __init__(self) -> None:
        self._texts: dict[str, dict[str, str]] = {}

    def texts(self, lang: str) -> dict[str, str]:
        """The metric table's heads (i18n.NAMED) and its other texts, in `lang` (the request's)."""
        found = self._texts.get(lang)
        if found is None:
            found = self._texts[lang] = metric_texts()
        return found


METRIC_KEYS = ("entered", "modified", "unit_type", "town", "voivodeship", "postal_code", "implementing_unit",
               "street", "websites", "population", "teryt", "coordinates", "contacts", "themes", "funding")


def metric_texts() -> dict[str, str]:
    """The heads of the practice's "Metryka" table (i18n.NAMED) and its other words, in the request's
    language."""
    return {**{key: label(key) for key in METRIC_KEYS}, "tel": gettext("Phone"), "email": gettext("E-mail"),
            "none": gettext("none published")}


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


# --- schema.org JSON-LD ------------------------------------------------------------------------------

def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _thing(name: Callable[[Any], str], term: Any, type_: str) -> dict[str, Any]:
    return _compact({"@type": type_, "@id": term.value, "name": name(term)})


PRACTICE, ORGANIZATION, CONCEPT, SCHEME, INDIVIDUAL = (
    ns(*name) for name in (("bdp", "Practice"), ("org", "Organization"), ("skos", "Concept"),
                           ("skos", "ConceptScheme"), ("vcard", "Individual")))


_last_schema: tuple[Any, ...] = (None, "", None, "", None)


def schema_org(v: Presenter, url: str, card: Any = None) -> dict[str, Any]:
    """The schema.org description of the page's resource (CreativeWork for a practice). One that says
    nothing in the page's language but its name is kept for the document's page in the other language
    (the same dict, given again while the description, URL, card and name are)."""
    global _last_schema
    last, name = _last_schema, v.title
    if last[0] is v.d and last[2] is card and last[1] == url and last[3] == name:
        return last[4]
    data, same_in_every_language = _schema_org(v, url, card)
    if same_in_every_language:
        _last_schema = (v.d, url, card, name, data)
    return data


def _schema_org(v: Presenter, url: str, card: Any) -> tuple[dict[str, Any], bool]:
    iri = v.d.iri.value
    same = [s.value for s in v.same_as()]
    base = {"@context": "https://schema.org", "@id": iri, "url": url, "name": v.title, "sameAs": same}
    types = v.d.types()
    if PRACTICE in types:
        name = v.label
        place = (card.place if card else {}) or {}
        address = _compact({"@type": "PostalAddress", "streetAddress": _val(place.get("street")),
                            "postalCode": _val(place.get("postal")), "addressLocality": _val(place.get("town")),
                            "addressRegion": name(place["voivodeship"]) if "voivodeship" in place else None,
                            "addressCountry": "PL"})
        geo = ({"@type": "GeoCoordinates", "latitude": place["lat"].value, "longitude": place["long"].value}
               if "lat" in place and "long" in place else None)
        return _compact({**base, "@type": "CreativeWork", "abstract": v.text(ns("dct", "abstract")),
                         "description": v.text(ns("dct", "description")),
                         "dateCreated": _val(v.value(ns("dct", "issued"))),
                         "dateModified": _val(v.value(ns("dct", "modified"))),
                         "about": [_thing(name, t, "DefinedTerm") for t in v.values(ns("dct", "subject"))],
                         "keywords": [name(t) for t in v.values(ns("dct", "subject"))],
                         "contributor": [_thing(v.label, p["org"], "Organization") for p in (card.partners
                                                                                             if card else [])],
                         "spatialCoverage": _compact({"@type": "Place", "name": _val(place.get("town")),
                                                      "address": address, "geo": geo}),
                         "funding": [_compact({"@type": "Grant", "name": name(f)})
                                     for f in v.values(ns("bdp", "funding"))]}), False
    if ORGANIZATION in types:
        return _compact({**base, "@type": "Organization",
                         "url": _val(v.value(ns("foaf", "homepage"))) or url, "mainEntityOfPage": url}), True
    if CONCEPT in types:
        scheme = v.value(ns("skos", "inScheme"))
        return _compact({**base, "@type": "DefinedTerm", "termCode": _val(v.value(ns("skos", "notation"))),
                         "description": v.text(ns("skos", "definition")),
                         "inDefinedTermSet": scheme.value if scheme is not None else None}), False
    if SCHEME in types:
        return _compact({**base, "@type": "DefinedTermSet",
                         "description": v.text(ns("dct", "description"))}), False
    if INDIVIDUAL in types:
        return _compact({**base, "@type": "Person", "name": _val(v.value(ns("vcard", "fn"))) or v.title}), True
    return _compact({**base, "@type": "Thing"}), True


def _val(term: Any) -> str | None:
    return term.value if isinstance(term, (ox.Literal, ox.NamedNode)) else None


def collection_page(name: str, url: str, items: list[tuple[str, str]], total: int | None = None,
                    offset: int = 0) -> dict[str, Any]:
    """schema.org CollectionPage for a list page: `items` are (url, name) in order."""
    return _compact({"@context": "https://schema.org", "@type": "CollectionPage", "name": name, "url": url,
                     "mainEntity": _compact({
                         "@type": "ItemList", "numberOfItems": total if total is not None else len(items),
                         "itemListElement": [{"@type": "ListItem", "position": offset + i + 1, "url": u,
                                              "name": n} for i, (u, n) in enumerate(items)]})})
