"""What the resource views share: the public base of links, format choice (suffix, `format` parameter or
Accept), validators derived from the build (ETag, Last-Modified, 304), and the headers of a document
(Vary, Link alternates/canonical/next, Content-Location). RDF bytes come from publisher.store.results.serialize,
the serialiser every surface uses."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox
from flask import Response, current_app, g, request
from flask.signals import before_render_template, template_rendered

from publisher.formats import BY_NAME, BY_SUFFIX, DOCUMENT_FORMATS, Format, negotiate
from publisher.iris import IriMap
from publisher.namespaces import PREFIXES
from publisher.read.resources import Description
from publisher.store.results import GraphResult, serialize
from publisher.web import build_cache, settings
from publisher.web.errors import abort_with

MAX_PAGE = 1_000_000


def iri_map() -> IriMap:
    """Our IRIs (settings.base_uri) <-> the URLs of this server as the client sees them (once a request)."""
    links = getattr(g._get_current_object(), "bdp_iri_map", None)   # (g.get: three look-ups through the proxy)
    if links is None:
        public = settings().public_url or request.url_root
        links = g.bdp_iri_map = IriMap(settings().base_uri, public if public.endswith("/") else public + "/")
    return links


def split_suffix(name: str) -> tuple[str, Format | None]:
    """'key.ttl' -> ('key', Turtle); 'key' -> ('key', None)."""
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and suffix in BY_SUFFIX:
        return stem, BY_SUFFIX[suffix]
    return name, None


def choose_format(suffix: Format | None, offered: tuple[Format, ...] = DOCUMENT_FORMATS) -> Format:
    """The suffix wins, then ?format=, then Accept; nothing acceptable: 406 naming what is offered."""
    if suffix is not None:
        return suffix
    asked = request.args.get("format")
    if asked:
        if asked in BY_NAME and BY_NAME[asked] in offered:
            return BY_NAME[asked]
        abort_with(400, f"format {asked!r} is not offered here; use one of "
                        + ", ".join(f.name for f in offered))
    fmt = negotiate(request.headers.get("Accept"), offered)
    if fmt is None:
        abort_with(406, "none of the requested media types is offered; this resource is available as "
                        + ", ".join(f.media_type for f in offered))
    return fmt


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort_with(400, f"query parameter page: {raw[:40]!r} is not a page number (1 to {MAX_PAGE})")
    return int(raw)


def check_key(key: str) -> None:
    """Keys name resources in the store, never files; still, refuse what only an attack would send."""
    if "\x00" in key or ".." in key or "/" in key or "\\" in key:
        abort_with(400, "the path holds '..', a slash or a NUL character, which no resource key has")


# --- validators from the build ----------------------------------------------------------------------

@dataclass(frozen=True)
class Build:
    stamp: str                       # changes with every build ('' when unknown)
    modified: datetime | None        # when the build was made


def build() -> Build:
    """The build served (out/build.json), read once per build (again when a new build is swapped in)."""
    cache = build_cache()
    cached = cache.get("build")
    if cached is None:
        try:
            manifest = json.loads((settings().out / "build.json").read_text(encoding="utf-8"))
            built = datetime.strptime(manifest["built"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            cached = Build(f"{manifest['built']}/{manifest.get('triples', '')}", built)
        except (OSError, ValueError, KeyError, TypeError):
            cached = Build("", None)
        cache["build"] = cached
    return cached


def etag(*parts: object) -> str | None:
    """A strong validator for a representation: the build, the public base, the language and `parts`."""
    stamp = build().stamp
    if not stamp:
        return None
    text = "\x1f".join(str(p) for p in (stamp, iri_map().public, g.get("lang", ""), *parts))
    return hashlib.sha1(text.encode()).hexdigest()[:24]


def not_modified(tag: str | None) -> bool:
    """Does the client already hold this representation (If-None-Match, else If-Modified-Since)?"""
    if tag is None or request.if_none_match.star_tag:
        return False         # '*' asks whether the resource exists: the full answer tells
    if request.if_none_match:
        return request.if_none_match.contains(tag)
    since, modified = request.if_modified_since, build().modified
    return since is not None and modified is not None and modified.replace(microsecond=0) <= since


# --- documents ----------------------------------------------------------------------------------------

HYDRA = "http://www.w3.org/ns/hydra/core#"   # not in the prefix table: adding it would change every Turtle
FOAF_TOPIC = ox.NamedNode("http://xmlns.com/foaf/0.1/primaryTopic")


def document_triples(d: Description, doc_iri: str) -> list[ox.Triple]:
    """Own triples, labels of what they link to, this page of incoming links, and (when the links take
    more than one page) a Hydra partial view with the count and the first/next/previous/last pages."""
    doc = ox.NamedNode(doc_iri)
    out = [*d.triples, *d.label_triples(), *d.incoming]
    if doc != d.iri:
        out.append(ox.Triple(doc, FOAF_TOPIC, d.iri))
    if d.page.count > 1:
        def page_iri(n: int) -> ox.NamedNode:
            return ox.NamedNode(f"{doc_iri}?page={n}" if n > 1 else doc_iri)
        view, links = page_iri(d.page.number), ox.NamedNode(doc_iri + "#incoming")
        h = {name: ox.NamedNode(HYDRA + name) for name in ("Collection", "PartialCollectionView", "view",
                                                           "totalItems", "first", "last", "next", "previous")}
        a = ox.NamedNode(PREFIXES["rdf"] + "type")
        total = ox.Literal(str(d.page.total), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
        out += [ox.Triple(links, a, h["Collection"]), ox.Triple(links, h["totalItems"], total),
                ox.Triple(links, h["view"], view), ox.Triple(view, a, h["PartialCollectionView"]),
                ox.Triple(view, h["first"], page_iri(1)), ox.Triple(view, h["last"], page_iri(d.page.count))]
        if d.page.next:
            out.append(ox.Triple(view, h["next"], page_iri(d.page.next)))
        if d.page.previous:
            out.append(ox.Triple(view, h["previous"], page_iri(d.page.previous)))
    return out


def rdf_bytes(triples: Iterable[ox.Triple], fmt: Format) -> bytes:
    return serialize(GraphResult(triples if isinstance(triples, list) else list(triples)), fmt)


def alternates(url_for_suffix: Callable[[str], str], formats: tuple[Format, ...] = DOCUMENT_FORMATS
               ) -> list[tuple[str, Format]]:
    return [(url_for_suffix(f.suffix), f) for f in formats]


@dataclass
class DocHeaders:
    canonical: str                       # the negotiated URL (no suffix)
    alternates: list[tuple[str, Format]]
    negotiated: bool                     # True when the format came from Accept (not suffix/parameter)
    next: str | None = None
    previous: str | None = None
    truncated: bool = False


def respond(body: bytes | str, fmt: Format, headers: DocHeaders, tag: str | None,
            status: int = 200) -> Response:
    response = Response(body, status=status, content_type=f"{fmt.media_type}; charset=utf-8")
    return decorate(response, fmt, headers, tag)


def not_modified_response(fmt: Format, headers: DocHeaders, tag: str) -> Response:
    return decorate(Response(status=304), fmt, headers, tag)


def decorate(response: Response, fmt: Format, headers: DocHeaders, tag: str | None) -> Response:
    links = [f'<{url}>; rel="alternate"; type="{f.media_type}"' for url, f in headers.alternates]
    links.append(f'<{headers.canonical}>; rel="canonical"')
    if headers.next:
        links.append(f'<{headers.next}>; rel="next"')
    if headers.previous:
        links.append(f'<{headers.previous}>; rel="prev"')
    response.headers["Link"] = ", ".join(links)
    vary = ["Accept"] if headers.negotiated else []
    if fmt.kind == "html":
        vary.append("Accept-Language")
    if vary:
        response.headers["Vary"] = ", ".join(vary)
    if headers.negotiated:
        response.headers["Content-Location"] = next(u for u, f in headers.alternates if f == fmt)
    if tag:
        response.set_etag(tag)
        modified = build().modified
        if modified is not None:
            response.last_modified = modified
        response.headers["Cache-Control"] = "public, max-age=300"
    if headers.truncated:
        response.headers["X-BDP-Truncated"] = "true"
    return response


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))     # what json.dumps makes of them
_last_jsonld: tuple[Any, str] = (None, "")


def jsonld_script(data: Any) -> str:
    """schema.org JSON-LD for a <script> element: '<', '>' and '&' escaped, so '</script>' cannot end it.
    The last one made is kept: a document's page in the other language is most often given the same data
    (present.schema_org)."""
    global _last_jsonld
    last = _last_jsonld
    if last[0] is data:
        return last[1]
    text = _JSON.encode(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    _last_jsonld = (data, text)
    return text


# --- pages for people ---------------------------------------------------------------------------------

def render_page(name: str, **context: Any) -> str:
    """flask.render_template of a document's page (documents.html_body): the same context and output, the
    context processors' values (header links, the language's gettext, helpers) gathered once an app
    context instead of on every render, `request` (the one value of Flask's own processor that is not the
    app context's) taken fresh. A server renders a page a request, each in its app context; `bdp export`
    renders all its pages of a language in one (export_documents.Contexts), as pages of one route with one
    script root: the processors' values depend on nothing else (the language, `g`, the script root)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(name)
    names = g._get_current_object()
    kept = names.get("bdp_page_context")
    if kept is None:
        kept = {}
        app.update_template_context(kept)
        names.bdp_page_context = kept
    page = {**kept, **context}
    if "request" in kept and "request" not in context:
        page["request"] = request._get_current_object()  # type: ignore[attr-defined]
    if before_render_template.receivers:
        before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template, context=page)
    body = template.render(page)
    if template_rendered.receivers:
        template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=page)
    return body
