"""Harvesting over HTTP: the DCAT-AP catalogue (/catalog, content-negotiated), VoID (/.well-known/void),
the dumps (/dumps/NAME), sitemaps and robots.txt, and the schema.org Dataset of the landing page.

Everything is made from the build's facts (OUT/catalog.json) for this server's public URL (the
`public_url` setting, else the request's), once per process and URL, and answers conditional requests:
ETags are digests of the bytes sent, so an unchanged dataset re-harvested costs only 304s."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, render_template, request, send_file

from publisher.dataset.dcat import describe
from publisher.dataset.facts import BY_FILE, DUMPS, FACTS_FILE, Facts, load_facts, public_prefix
from publisher.dataset.schemaorg import schema_dataset
from publisher.dataset.terms import TEXT, catalog_iri
from publisher.dataset.void import describe_void, void_iri
from publisher.errors import StoreUnavailable
from publisher.eu_vocab import licence_info
from publisher.formats import BY_NAME, BY_SUFFIX, FILE_MEDIA_TYPES, GRAPH_FORMATS, Format, negotiate
from publisher.store import GraphResult
from publisher.store.results import serialize
from publisher.web import settings
from publisher.web.errors import abort_with

bp = Blueprint("catalog", __name__)

# Data first: `Accept: */*` (or none) gets Turtle, as everywhere on the site (publisher.formats).
CATALOG_FORMATS: tuple[Format, ...] = GRAPH_FORMATS + (BY_NAME["html"],)


@dataclass
class _Cache:
    key: tuple[int, int, int]
    facts: Facts
    bodies: dict[tuple[str, ...], tuple[bytes, str]] = field(default_factory=dict)


def _out() -> Path:
    return Path(settings().out)


def _cache() -> _Cache:
    """The build's facts, reloaded when a new build is swapped in."""
    path = _out() / FACTS_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise StoreUnavailable("no catalogue yet: run `bdp build` first") from None
    key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cache = current_app.extensions.get("bdp_catalog")
    if cache is None or cache.key != key:
        facts = load_facts(_out())
        if facts is None:
            raise StoreUnavailable("no catalogue yet: run `bdp build` first")
        cache = _Cache(key, facts)
        current_app.extensions["bdp_catalog"] = cache
    return cache


def public_base() -> str:
    """The URL prefix this server answers under: the public_url setting, else the request's root."""
    return public_prefix(settings().public_url or request.url_root)


def _stamp(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _conditional(body: bytes, mimetype: str, etag: str, modified: str, vary: bool = False) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.last_modified = _stamp(modified)
    response.headers["Cache-Control"] = "no-cache"
    if vary:
        response.vary.add("Accept")
    response.make_conditional(request)   # in place
    return response


def _cached(key: tuple[str, ...], make: Any) -> tuple[bytes, str]:
    cache = _cache()
    if key not in cache.bodies:
        body = make(cache.facts)
        cache.bodies[key] = (body, hashlib.sha256(body).hexdigest()[:32])
    return cache.bodies[key]


def _graph(kind: str, fmt: Format) -> Response:
    public = public_base()

    def make(facts: Facts) -> bytes:
        triples = describe(facts, settings(), public) if kind == "catalog" else describe_void(facts, settings(), public)
        return serialize(GraphResult(list(triples)), fmt)

    body, etag = _cached((kind, public, fmt.name), make)
    response = _conditional(body, fmt.media_type, etag, _cache().facts.stamp, vary=True)
    links = [f'<{public}catalog.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in CATALOG_FORMATS]
    if kind == "catalog":
        response.headers["Link"] = ", ".join(links)
    return response


def _chosen(suffix: str | None, offered: tuple[Format, ...]) -> Format:
    if suffix is not None:
        fmt = BY_SUFFIX.get(suffix)
        if fmt is None or fmt not in offered:
            abort_with(404, f"no such format {suffix!r}: try one of {', '.join(f.suffix for f in offered)}")
        return fmt
    asked = request.args.get("format")
    if asked is not None:
        fmt = BY_NAME.get(asked)
        if fmt is None or fmt not in offered:
            abort_with(400, f"parameter format: {asked!r} is not one of {', '.join(f.name for f in offered)}")
        return fmt
    fmt = negotiate(request.headers.get("Accept"), offered)
    if fmt is None:
        abort_with(406, "the catalogue is available as " + ", ".join(f.media_type for f in offered))
    return fmt


@bp.get("/catalog")
@bp.get("/catalog.<suffix>")
def catalog(suffix: str | None = None) -> Any:
    fmt = _chosen(suffix, CATALOG_FORMATS)
    if fmt.kind == "graph":
        return _graph("catalog", fmt)
    facts, public = _cache().facts, public_base()
    files = [(d, facts.files[d.name], f"{public}dumps/{d.name}", _media(d.name)) for d in DUMPS if d.name in facts.files]
    page = render_template("catalog.html", facts=facts, files=files, text=TEXT, public=public,
                           formats=GRAPH_FORMATS, licence=licence_info(settings().licence), s=settings(),
                           catalog_iri=catalog_iri(settings().base_uri), void_iri=void_iri(settings().base_uri))
    response = Response(page, mimetype="text/html")
    response.vary.add("Accept")
    response.headers["Link"] = ", ".join(f'<{public}catalog.{f.suffix}>; rel="alternate"; type="{f.media_type}"'
                                         for f in GRAPH_FORMATS)
    return response


@bp.get("/.well-known/void")
def void() -> Response:
    return _graph("void", _chosen(None, GRAPH_FORMATS))


def _media(name: str) -> str:
    dump = BY_FILE[name]
    return FILE_MEDIA_TYPES["gzip"] if dump.compressed else BY_NAME[dump.format].media_type


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    facts = _cache().facts
    info = facts.files.get(name)
    path = _out() / "dumps" / name
    if info is None or name not in BY_FILE or not path.is_file():
        abort_with(404, f"no dump named {name!r}: see {public_base()}catalog")
    response = send_file(path, mimetype=_media(name), conditional=True, etag=info.sha256,
                         last_modified=_stamp(info.modified), max_age=None)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sitemap.xml")
@bp.get("/sitemap-<int:n>.xml")
def sitemap(n: int = 0) -> Response:
    facts, public = _cache().facts, public_base()
    if n < 0 or n > facts.sitemaps or (n == 0 and request.path.endswith("-0.xml")):
        abort_with(404, f"no sitemap number {n}")
    name = "sitemap.xml" if n == 0 else f"sitemap-{n}.xml"

    def make(facts: Facts) -> bytes:
        text = (_out() / name).read_text(encoding="utf-8")
        if public != facts.public:
            text = text.replace(escape(facts.public), escape(public))
        return text.encode("utf-8")

    body, etag = _cached(("sitemap", name, public), make)
    return _conditional(body, FILE_MEDIA_TYPES["xml"], etag, facts.stamp)


@bp.get("/robots.txt")
def robots() -> Response:
    public = public_base()
    path = urlsplit(public).path or "/"
    body = f"User-agent: *\nAllow: {path}\nDisallow: {path}sparql\nSitemap: {public}sitemap.xml\n"
    return Response(body, mimetype=FILE_MEDIA_TYPES["text"])


@bp.app_context_processor
def _landing() -> dict[str, Any]:
    def dataset_jsonld() -> dict[str, Any] | None:
        try:
            facts = _cache().facts
        except StoreUnavailable:
            return None
        from flask import g

        return schema_dataset(facts, settings(), public_base(), g.get("lang", "pl"))

    return {"dataset_jsonld": dataset_jsonld}
