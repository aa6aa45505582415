"""The bodies of a document about a resource, as plain functions of its description: RDF bytes per format
and the HTML page in the request's language. `bdp serve`'s view (publisher.web.resources) and `bdp export`
(publisher.web.export_documents) both call them, so a static file holds the bytes the server answers."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import g, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from publisher.formats import Format
from publisher.namespaces import BDPV
from publisher.read import browse as lists
from publisher.read.cards import ORGANISATION_PAGE, PRACTICE_PAGE, PracticeCard
from publisher.read.links import also_in_from_rows
from publisher.read.network import partner_network
from publisher.read.network import roles as practice_roles
from publisher.read.resources import Description, Extra, Page, describe, term_labels
from publisher.store.results import graph_bytes
from publisher.web import build_cache, charts, settings, site_store
from publisher.web.i18n import ngettext, number
from publisher.web.listing import practice_list
from publisher.web.practice_page import first_look, practice_page
from publisher.web.present import (
    Names,
    Presenter,
    SharedLinks,
    ns,
    paragraphs,
    schema_org,
)
from publisher.web.render import document_triples, iri_map, jsonld_script, rdf_bytes, render_page

MAX_PARTS = 200_000      # partners' names and links kept a build (both languages of 40,000 organisations)
TEMPLATES = ((ns("bdp", "Practice"), "practice.html"), (ns("org", "Organization"), "organisation.html"),
             (ns("skos", "Concept"), "concept.html"), (ns("skos", "ConceptScheme"), "concept.html"),
             (ns("owl", "Class"), "term.html"), (ns("owl", "ObjectProperty"), "term.html"),
             (ns("owl", "DatatypeProperty"), "term.html"), (ns("rdfs", "Datatype"), "term.html"))


def pager(next_page: int | None, previous: int | None) -> tuple[str | None, str | None]:
    """The URLs of the next and previous pages: this request's, its `page` parameter changed."""
    def url(number: int | None) -> str | None:
        if number is None:
            return None
        args = {k: v for k, v in request.args.items() if k != "page"}
        if number > 1:
            args["page"] = str(number)
        return request.base_url + ("?" + urlencode(args) if args else "")
    return url(next_page), url(previous)


def _network(organisation: str) -> dict[str, object]:
    """The organisation's partners as a drawing and as a list (the same facts for screen readers). A
    partner's name and link and the words "n practices" are the same on every page of a language: kept
    for the build (a partner is drawn on the page of each organisation it worked with)."""
    net = partner_network(site_store(), organisation, known_labels())
    lang = g.get("lang", "pl")
    names = Names(net.labels, iri_map(), lang, known_labels())
    cache = build_cache().setdefault("partner_parts", {})
    if len(cache) > MAX_PARTS:
        cache.clear()

    def parts(iri: str) -> tuple[str, Markup, str | None]:
        key = (lang, names.lang_query, iri)
        found = cache.get(key)
        if found is None:
            found = cache[key] = (names.label(iri), names.link(iri), names.href(iri))
        return found

    def shared(n: int) -> str:
        key = (lang, "shared", n)
        found = cache.get(key)
        if found is None:
            found = cache[key] = ngettext("%(num)s practice", "%(num)s practices", n, num=number(n))
        return found

    found = [(p, parts(p.iri), parts(p.sector)[0] if p.sector else "") for p in net.partners]
    partners = [(label, p.sector.rsplit("/", 1)[-1], p.shared, href) for p, (label, _, href), _ in found]
    title = cache.get((lang, "title"))
    if title is None:
        title = cache[(lang, "title")] = gettext("Partners across sectors")
    drawing = charts.network(names.label(organisation), partners, title)
    # each partner's line, made here in one call (not five calls from the template a partner): sector
    # key, link, sector's name ('' when unknown), whether it has one, practices shared in words
    rows = [(p.sector.rsplit("/", 1)[-1], link, sector, bool(p.sector), shared(p.shared))
            for p, (_, link, _), sector in found]
    return {"drawing": drawing, "partners": net.partners, "rows": rows, "total": net.total, "names": names}


def known_labels() -> dict[str, list[ox.Triple]]:
    """Labels of the ontology's terms and the vocabularies' concepts, read once per build and process."""
    cached = build_cache().get("term_labels")
    if cached is None:
        cached = build_cache()["term_labels"] = term_labels(site_store())
    return cached


def shared_links() -> SharedLinks:
    """Dates' links and the metric table's texts, the same on every page of a language: kept for the build."""
    found = build_cache().get("shared_links")
    if found is None:
        found = build_cache()["shared_links"] = SharedLinks()
    return found


def page_extra(iri: str) -> Extra | None:
    """What a page for people reads beyond the document (a practice's card, an organisation's links)."""
    return PRACTICE_PAGE if "/id/practice/" in iri else ORGANISATION_PAGE if "/id/organisation/" in iri \
        else None


def read_document(iri: str, page: int, asked: Extra | None = None) -> Description:
    """The description of `iri` (this page of its links), with the labels of what it links to kept in
    the build's cache between requests (read.quads)."""
    conf, cache = settings(), build_cache()
    known = cache.get("term_labels")
    return describe(site_store(), ox.NamedNode(iri), page=page, page_size=conf.page_size, limit=conf.row_cap,
                    known=known if known is not None else known_labels(), extra=asked,
                    cache=cache.setdefault("linked_labels", {}))


def graph_body(d: Description, doc_iri: str, fmt: Format) -> bytes:
    """The RDF document: the description's triples, its labels, this page of links (render)."""
    return rdf_bytes(document_triples(d, doc_iri), fmt)


def graph_bodies(d: Description, doc_iri: str, formats: Iterable[Format]) -> list[bytes]:
    """graph_body in each of `formats`, the document's triples gathered once (`bdp export`)."""
    return graph_bytes(document_triples(d, doc_iri), formats)


def html_body(d: Description, url: str, formats: list[tuple[str, Format]], asked: Extra | None
              ) -> tuple[str | None, Page]:
    """The page for people (None: past the last page) and where it sits in its list. An organisation
    pages its practices; other resources their incoming links. What the description brought beyond the
    document (`asked`) goes to the templates ready made. Needs a request context (language, links)."""
    types = d.types()
    template = next((name for type_, name in TEMPLATES if type_ in types), "resource.html")
    extra: dict[str, object] = {}
    rows = d.extra_rows or []
    card = None
    if asked is PRACTICE_PAGE:                  # parsed once for the pages of both languages
        look = first_look(rows)
        card, extra["also_in_found"], extra["documents_found"] = look.card, look.also_in, look.documents
    elif asked is not None:
        extra["also_in_found"] = also_in_from_rows(rows)
    where = d.page
    if template == "organisation.html":
        found = practice_list("organisation", d.iri.value, d.page.number, settings().page_size, known_labels())
        found.roles = practice_roles(site_store(), d.iri.value, [i.iri for i in found.items])
        where = found.page
        extra.update(practices=found, listed=where, network=_network(d.iri.value))
    elif template == "concept.html":
        scheme, _, key = d.iri.value[len(str(BDPV)):].rpartition("/")
        facet = next((f for f, (s, _) in lists.FACETS.items() if s == scheme), None)
        extra["browse_url"] = url_for("resources.browse_list", facet=facet, key=key) if facet else None
    if not where.exists:
        return None, where
    v = Presenter(d, iri_map(), g.get("lang", "pl"), card.labels if card else {}, known_labels())
    if template == "practice.html":
        extra["p"] = practice_page(v, card or PracticeCard(), shared_links().texts(v.lang))
    return render_page(template, v=v, d=d, card=card, url=url, iri=d.iri.value, formats=formats,
                       paragraphs=paragraphs, pager=pager(where.next, where.previous),
                       jsonld=jsonld_script(schema_org(v, url, card)), **extra), where
