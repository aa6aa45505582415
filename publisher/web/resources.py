"""Dereferenceable IRIs: `/id/{type}/{key}` answers 303 See Other to `/doc/{type}/{key}`, which negotiates
Turtle, JSON-LD, RDF/XML, N-Triples or HTML (a suffix or `?format=` overrides Accept). The ontology and
vocabularies are served under /def/, the SHACL shapes at /shapes, and lists for people under /browse.

HTTP only: the documents' bodies come from publisher.web.documents (over publisher.read.resources), the lists
from publisher.read.browse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for

from publisher.assets import ONTOLOGY, SHAPES, VOCABULARIES
from publisher.collation import sort_key
from publisher.formats import Format
from publisher.iris import TYPES, encode_key, mint
from publisher.namespaces import BDP, BDPV, ONTOLOGY_IRI
from publisher.read import browse as lists
from publisher.read.resources import exists, labels
from publisher.web import build_cache, settings, site_store
from publisher.web.documents import graph_body, html_body, page_extra, pager, read_document
from publisher.web.errors import abort_with
from publisher.web.i18n import label, pick
from publisher.web.listing import facets, practice_list
from publisher.web.present import (
    Names,
    collection_page,
)
from publisher.web.render import (
    DocHeaders,
    alternates,
    check_key,
    choose_format,
    etag,
    iri_map,
    jsonld_script,
    not_modified,
    not_modified_response,
    page_number,
    rdf_bytes,
    respond,
    split_suffix,
)

bp = Blueprint("resources", __name__)


@bp.get("/id/<type_>/<key>")
def identify(type_: str, key: str) -> Response:
    """303 See Other from the thing to the document about it (at the public base)."""
    check_key(key)
    if type_ not in TYPES or not exists(site_store(), ox.NamedNode(mint(settings().base_uri, type_, key))):
        abort_with(404, f"there is no {type_} with the key {key!r}")
    target = iri_map().id_to_doc_url(type_, key)
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return cast(Response, redirect(target, 303))


@bp.get("/doc/<type_>/<key>")
def document(type_: str, key: str) -> Response:
    key, suffix = split_suffix(key)
    check_key(key)
    if type_ not in TYPES:
        abort_with(404, f"there is no resource type {type_!r}; the types are {', '.join(TYPES)}")
    iri = mint(settings().base_uri, type_, key)
    doc = f"{iri_map().public}doc/{type_}/{encode_key(key)}"
    return _serve(iri, doc, suffix, f"{settings().base_uri}doc/{type_}/{encode_key(key)}")


@bp.get("/def/")
def ontology() -> Response:
    """The ontology and every vocabulary: one RDF document, or an index page for people."""
    return _files("def", (ONTOLOGY, VOCABULARIES), None)


@bp.get("/def/<path:name>")
def definition(name: str) -> Response:
    check_key(name.replace("/", ""))
    stem, suffix = split_suffix(name)
    if stem == "index":
        return _files("def", (ONTOLOGY, VOCABULARIES), suffix)
    if stem == "ontology":
        return _files("ontology", (ONTOLOGY,), suffix)
    if stem.startswith("ontology/"):
        iri = str(BDP) + stem[len("ontology/"):]
    else:
        iri = str(BDPV) + stem
    return _serve(iri, iri_map().public + "def/" + stem, suffix, str(BDPV) + stem)


@bp.get("/ontology")
def ontology_iri() -> Response:
    """The ontology's own IRI (when the base is w3id.org/bdp/, the public site) -> its document."""
    return cast(Response, redirect(iri_map().public + "def/ontology", 303))


@bp.get("/shapes")
@bp.get("/shapes.<suffix>")
def shapes(suffix: str | None = None) -> Response:
    fmt = split_suffix("shapes." + suffix)[1] if suffix else None
    if suffix and fmt is None:
        abort_with(404, f"the shapes are not offered as .{suffix}")
    return _files("shapes", (SHAPES,), fmt)


@bp.get("/browse")
def browse() -> str:
    found = facets()       # counts over the whole data set: once per build and process
    links, lang = iri_map(), g.get("lang", "pl")
    names = {f.name: Names(f.labels, links, lang) for f in found}
    items = [(url_for("resources.browse_list", facet=f.name, key=c.rsplit("/", 1)[-1], _external=True),
              names[f.name].label(c)) for f in found for c, _ in f.concepts]
    def by_name(facet: Any) -> list[Any]:     # in the language's alphabetical order (ł after l, ś after s)
        label = names[facet.name].label
        return sorted(facet.concepts, key=lambda c: sort_key(label(c[0]), lang))

    ordered = {f.name: by_name(f) for f in found}
    return render_template("browse.html", facets=found, ordered=ordered, listing=None, names=names,
                           jsonld=jsonld_script(collection_page(label("browse"), request.base_url, items)))


@bp.get("/browse/<facet>/<key>")
def browse_list(facet: str, key: str) -> str:
    check_key(key)
    if facet not in lists.FACETS:
        abort_with(404, f"there is no list by {facet!r}; lists are by {', '.join(lists.FACETS)}")
    page = page_number()
    counts = build_cache().setdefault("browse_counts", {})   # only real concepts: bounded
    total = counts.get((facet, key))
    if total is None:
        total = lists.member_count(site_store(), facet, key)
        if total is None:
            abort_with(404, f"there is no {facet} {key!r}")
        counts[(facet, key)] = total
    if lists.MEMBER_KIND[facet] == "practice":
        return _practices_of(facet, key, page)
    listing = lists.members(site_store(), facet, key, page, settings().page_size, total)
    if not listing.page.exists:
        abort_with(404, f"there is no page {listing.page.number}; the last is {listing.page.count}")
    names = Names(listing.labels, iri_map(), g.get("lang", "pl"))
    items = [(names.href(i) or i, names.label(i)) for i in listing.items]
    return render_template("browse.html", listing=listing, facet=facet, key=key, names=names,
                           pager=pager(listing.page.next, listing.page.previous),
                           jsonld=jsonld_script(collection_page(names.label(listing.concept), request.url, items,
                                                                listing.page.total, listing.page.offset)))


def _practices_of(facet: str, key: str, page: int) -> str:
    """The practices of a theme or voivodeship: each once, in the order asked for, with their context."""
    concept = lists.concept_iri(facet, key).value
    found = practice_list(facet, concept, page, settings().page_size)
    names = Names(labels(site_store(), [concept]), iri_map(), g.get("lang", "pl"))
    items = [(found.names.href(i.iri) or i.iri, pick(i.titles)) for i in found.items]
    return render_template("browse.html", listing=None, practices=found, concept=concept, facet=facet, names=names,
                           jsonld=jsonld_script(collection_page(names.label(concept), request.url, items,
                                                                found.page.total, found.page.offset)))


# --- documents ------------------------------------------------------------------------------------------

def _suffixed(url: str) -> Callable[[str], str]:
    return lambda suffix: f"{url}.{suffix}"


def _serve(iri: str, url: str, suffix: Format | None, doc_iri: str) -> Response:
    """The document about `iri` at `url` (its public URL without suffix); `doc_iri` names it in RDF."""
    fmt = choose_format(suffix)
    page = page_number()
    headers = DocHeaders(url, alternates(_suffixed(url)), suffix is None and "format" not in request.args)
    tag = etag(iri, fmt.name, page)
    if not_modified(tag):
        return not_modified_response(fmt, headers, tag)  # type: ignore[arg-type]
    asked = page_extra(iri) if fmt.kind == "html" else None
    d = read_document(iri, page, asked)
    if not d.found:
        abort_with(404, f"nothing is known about {iri}")
    headers.truncated = d.truncated
    if fmt.kind == "graph":
        if not d.page.exists:
            abort_with(404, f"there is no page {page} of the links to this resource; the last is {d.page.count}")
        headers.next, headers.previous = pager(d.page.next, d.page.previous)
        return respond(graph_body(d, doc_iri, fmt), fmt, headers, tag)
    body, where = html_body(d, url, headers.alternates, asked)
    if body is None:
        abort_with(404, f"there is no page {where.number}; the last is {where.count}")
    headers.next, headers.previous = pager(where.next, where.previous)
    return respond(body, fmt, headers, tag)


# --- whole files: the ontology with the vocabularies, the shapes -----------------------------------------

def _parsed(name: str, paths: tuple) -> list[ox.Triple]:
    """The triples of the files, blank nodes renamed in order of appearance (the same bytes in every
    process, as the ETag promises)."""
    cache = current_app.extensions.setdefault("bdp_def_files", {})
    if name not in cache:
        names: dict[ox.BlankNode, ox.BlankNode] = {}

        def stable(term: object) -> object:
            if isinstance(term, ox.BlankNode):
                return names.setdefault(term, ox.BlankNode(f"b{len(names)}"))
            return term
        cache[name] = [ox.Triple(stable(q.subject), q.predicate, stable(q.object))  # type: ignore[arg-type]
                       for path in paths for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return cache[name]


def _files(name: str, paths: tuple, suffix: Format | None) -> Response:
    public = iri_map().public
    url = {"def": public + "def/", "ontology": public + "def/ontology", "shapes": public + "shapes"}[name]
    at = {"def": public + "def/index", "ontology": url, "shapes": url}[name]
    fmt = choose_format(suffix)
    headers = DocHeaders(url, alternates(_suffixed(at)), suffix is None and "format" not in request.args)
    tag = etag(name, fmt.name)
    if not_modified(tag):
        return not_modified_response(fmt, headers, tag)  # type: ignore[arg-type]
    if fmt.kind == "graph":
        rendered = current_app.extensions.setdefault("bdp_def_bytes", {})
        if (name, fmt.name) not in rendered:
            rendered[(name, fmt.name)] = rdf_bytes(_parsed(name, paths), fmt)
        return respond(rendered[(name, fmt.name)], fmt, headers, tag)
    index = lists.vocabulary_index(site_store()) if name != "shapes" else None
    source = "".join(p.read_text(encoding="utf-8") for p in paths) if name == "shapes" else None
    links = iri_map()
    names = Names(index["labels"] if index else {}, links, g.get("lang", "pl"))
    items = [(names.href(i["iri"]) or i["iri"], names.label(i["iri"])) for i in (index or {}).get("terms", [])]
    items += [(names.href(s["iri"]) or s["iri"], names.label(s["iri"])) for s in (index or {}).get("schemes", [])]
    title = label("shapes") if name == "shapes" else label("ontology")
    return respond(render_template("term.html", v=None, index=index, source=source, name=name, url=url,
                                   formats=headers.alternates, links=links, names=names,
                                   ontology_iri=ONTOLOGY_IRI,
                                   jsonld=jsonld_script(collection_page(title, url, items))), fmt, headers, tag)
