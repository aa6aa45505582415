"""Inbound links by code: others link to our organisations and places by the identifiers they already know.

    /id/organisation/{teryt|krs|regon|nip}/{code}   -> 303 to the organisation's document
    /id/place/teryt/{code}                          -> 303 to the place's document
    /lookup?teryt=2214  (or krs=, regon=, nip=)     -> an organisation first, else a place
    /links/NAME.nt                                  -> a linkset of data/links/ as the build published it

404 when nothing of ours carries the code, 400 when it is malformed (wrong length, a NIP or REGON whose
check digit fails), 300 Multiple Choices listing them when several resources carry it. These routes have
one more path segment than /id/{type}/{key} (publisher/web/resources.py), so neither shadows the other.
Also here: `also_in_links(iri)` for templates/also_in.html ("also in: Wikidata, TERYT" on pages).

HTTP only: the data comes from publisher.read.links."""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

from flask import Blueprint, Response, jsonify, redirect, render_template, request, send_file

from publisher.formats import BY_NAME, negotiate
from publisher.identifiers import SCHEMES, Scheme
from publisher.read.links import also_in, by_identifier
from publisher.web import settings, site_store
from publisher.web.errors import abort_with
from publisher.web.render import iri_map

bp = Blueprint("linking", __name__)

HOLDER_TYPES = ("organisation", "place")
LINKSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.nt")
IGNORED_PARAMS = ("lang",)        # the page language (publisher/web/i18n.py)


@bp.app_context_processor
def _also_in() -> dict[str, object]:
    return {"also_in_links": lambda iri: also_in(site_store(), iri)}


def _scheme_names() -> str:
    return ", ".join(SCHEMES)


@bp.get("/id/<type_>/<scheme>/<code>")
def by_code(type_: str, scheme: str, code: str) -> Response:
    if type_ not in HOLDER_TYPES:
        abort_with(404, f"only organisations and places are found by code: /id/organisation/SCHEME/CODE "
                        f"or /id/place/teryt/CODE, not /id/{type_}/...")
    found = SCHEMES.get(scheme)
    if found is None:
        return abort_with(404, f"there is no identifier scheme {scheme!r}; the schemes are {_scheme_names()}")
    if type_ not in found.holders:
        abort_with(404, f"a {type_} carries no {found.label} number; it carries "
                        f"{', '.join(s.key for s in SCHEMES.values() if type_ in s.holders)}")
    return _answer(found, code, (type_,))


@bp.get("/lookup")
def lookup() -> Response:
    names = [name for name in request.args if name not in IGNORED_PARAMS]
    unknown = [name for name in names if name not in SCHEMES]
    if unknown:
        abort_with(400, f"unknown parameter {unknown[0]!r}: give one of {_scheme_names()}, e.g. /lookup?teryt=2214")
    values = [(name, value) for name in names for value in request.args.getlist(name)]
    if len(values) != 1:
        abort_with(400, f"give exactly one code, as one of the parameters {_scheme_names()} "
                        f"(e.g. /lookup?teryt=2214); {len(values)} given")
    name, code = values[0]
    scheme = SCHEMES[name]
    return _answer(scheme, code, tuple(t for t in HOLDER_TYPES if t in scheme.holders))


def _answer(scheme: Scheme, code: str, types: tuple[str, ...]) -> Response:
    """303 to the one resource of `types` (tried in order) carrying `code`; 300 for several; 404; 400."""
    problem = scheme.problem(code)
    if problem:
        abort_with(400, problem)
    limit = settings().page_size
    for type_ in types:
        iris, more = by_identifier(site_store(), scheme.key, code, type_, limit)
        if len(iris) == 1:
            return cast(Response, redirect(iri_map().href(iris[0]), 303))
        if iris:
            return _choices(scheme, code, iris, more)
    return abort_with(404, f"no {' or '.join(types)} here carries the {scheme.label} code {code}")


def _choices(scheme: Scheme, code: str, iris: list[str], more: bool) -> Response:
    """300 Multiple Choices: the documents of every resource carrying the code (up to page_size)."""
    links = iri_map()
    choices = [(iri, links.href(iri)) for iri in iris]
    wanted = negotiate(request.headers.get("Accept"), (BY_NAME["html"], BY_NAME["json"]))
    if wanted is not None and wanted.name == "json":
        response = jsonify({"scheme": scheme.key, "code": code, "truncated": more,
                            "choices": [{"iri": iri, "document": doc} for iri, doc in choices]})
    elif wanted is not None and wanted.name == "html" and request.headers.get("Accept"):
        response = Response(render_template("lookup.html", scheme=scheme, code=code, choices=choices, more=more),
                            mimetype="text/html")
    else:
        lines = [f"{scheme.label} {code}: {len(choices)}{'+' if more else ''} resources"] + \
            [f"{iri} {doc}" for iri, doc in choices]
        response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.status_code = 300
    response.headers["Vary"] = "Accept"
    for _iri, doc in choices:
        response.headers.add("Link", f'<{doc}>; rel="alternate"')
    return response


@bp.get("/links/<name>")
def linkset(name: str) -> Response:
    """A linkset file as the build published it (N-Triples, absolute IRIs); VoID names it as void:dataDump."""
    path = Path(settings().out) / "links" / name
    if not LINKSET_NAME.fullmatch(name) or not path.is_file():
        return abort_with(404, f"no linkset named {name!r}: the linksets are listed in /.well-known/void")
    response = send_file(path, mimetype=BY_NAME["nt"].media_type, conditional=True, max_age=None)
    response.headers["Cache-Control"] = "no-cache"
    return response
