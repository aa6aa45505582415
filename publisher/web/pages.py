"""Pages for people: search with facets (HTML and JSON), the map of practices and its GeoJSON, the
attachment files, and Leaflet served from its Python packages (no CDN). HTTP only: the read models
(read/search.py, read/geo.py, read/documents.py) do the work."""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote_plus

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from publisher.formats import BY_NAME, DOCUMENT_BY_SUFFIX, negotiate
from publisher.iris import mint
from publisher.read import practice_list as pl
from publisher.read.documents import Document, practice_documents
from publisher.read.geo import features as geo_features
from publisher.read.geo import parse_bbox
from publisher.read.search import FACETS, SearchIndex, SearchQuery, SearchResult, open_index, parse_query
from publisher.read.search import search as run_search
from publisher.read.stats import dataset_stats
from publisher.web import build_cache, current_store, settings, site_store
from publisher.web.errors import abort_with
from publisher.web.i18n import N_, link_lang
from publisher.web.listing import SORT_LABELS, practice_list
from publisher.web.render import iri_map, page_number

bp = Blueprint("pages", __name__)

# Leaflet and its marker clusters come from the XStatic packages: name in /vendor/<name>/ -> module.
VENDOR = {"leaflet": "xstatic.pkg.leaflet", "leaflet-markercluster": "xstatic.pkg.leaflet_markercluster"}
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
_PAGE_FORMATS = (BY_NAME["html"], BY_NAME["json"])
SEARCH_SORT_LABELS = {"relevance": N_("by relevance"), **SORT_LABELS}


def _index() -> SearchIndex:
    if "bdp_search_index" not in g:
        g.bdp_search_index = open_index(Path(settings().out),
                                        current_app.extensions.setdefault("bdp_search_cache", {}))
    return g.bdp_search_index


@bp.teardown_app_request
def _close_index(_: BaseException | None) -> None:
    index = g.pop("bdp_search_index", None)
    if index is not None:
        index.close()


def _wants_json() -> bool:
    asked = request.args.get("format")
    if asked is not None:
        if asked not in ("html", "json"):
            abort_with(400, f"parameter 'format': {asked[:20]!r} must be 'html' or 'json'")
        return asked == "json"
    chosen = negotiate(request.headers.get("Accept"), _PAGE_FORMATS)
    if chosen is None:
        abort_with(406, "this page is available as text/html or application/json")
    return chosen is not None and chosen.name == "json"


def _state_url(params: list[tuple[str, str]], **extra: str) -> str:
    if link_lang():
        params = [*params, ("lang", g.lang)]
    params = [*params, *extra.items()]
    if "bdp_search_path" not in g:  # once per request: a page links to every facet value
        g.bdp_search_path = url_for("pages.search", lang="")
    return g.bdp_search_path + ("?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params) if params else "")


@lru_cache(maxsize=4096)
def _quote(text: str) -> str:
    return quote_plus(text)


def _search_json(result: SearchResult, links: dict[str, str]) -> dict[str, Any]:
    iris, base = iri_map(), settings().base_uri
    query = result.query
    return {
        "query": {"q": query.text, "filters": {f.name: query.selected(f.name) for f in FACETS
                                               if query.selected(f.name)}, "page": query.page,
                  "sort": query.order},
        "total": result.total, "page": query.page, "pages": result.pages, "page_size": result.page_size,
        "results": [{"key": h.key, "iri": mint(base, "practice", h.key),
                     "url": iris.id_to_doc_url("practice", h.key), "title": h.title, "town": h.town,
                     "voivodeship": h.voivodeship, "year": h.year, "sectors": [k for k, _ in h.sectors],
                     "snippet": h.snippet_text,
                     "highlights": _highlights(h.snippet)} for h in result.hits],
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count, "selected": v.selected,
                           "url": request.url_root.rstrip("/") + _state_url(
                               query.params(remove=(name, v.value)) if v.selected
                               else query.params(add=(name, v.value)), format="json")}
                          for v in values] for name, values in result.facets.items()},
        "notes": list(result.notes),
        "suggestions": [{"q": s.text, "count": s.count, "kind": s.kind,
                         "url": request.url_root.rstrip("/") + _state_url(query.params(text=s.text), format="json")}
                        for s in result.suggestions],
        "links": links,
    }


def _sorts(query: SearchQuery) -> list[tuple[str, str, bool]]:
    """(label msgid, url, chosen) of each order the hits can be put in: relevance only for words; the
    default order has no parameter (one URL per state)."""
    names = ("relevance", "newest", "title") if query.text else ("newest", "title")
    return [(SEARCH_SORT_LABELS[name], _state_url(query.params(sort="" if name == names[0] else name)),
             name == query.order) for name in names]


def _highlights(segments: list[tuple[str, bool]]) -> list[list[int]]:
    spans, pos = [], 0
    for text, marked in segments:
        if marked:
            spans.append([pos, pos + len(text)])
        pos += len(text)
    return spans


@bp.get("/search")
def search() -> Any:
    as_json = _wants_json()
    index = _index()
    page_size = settings().page_size
    query = parse_query(request.args.to_dict(flat=False), index, page_size)
    result = run_search(index, query, lang=g.lang, page_size=page_size)
    links = {"self": _state_url(query.params()), "html": _state_url(query.params()),
             "json": _state_url(query.params(), format="json")}
    if query.page > 1:
        links["prev"] = _state_url(query.params(page=query.page - 1))
    if query.page < result.pages:
        links["next"] = _state_url(query.params(page=query.page + 1))
    if as_json:
        response = jsonify(_search_json(result, {k: request.url_root.rstrip("/") + v for k, v in links.items()}))
    else:
        response = Response(render_template("search.html", result=result, query=query, facets=FACETS,
                                            links=links, state_url=_state_url, doc_url=iri_map().id_to_doc_url,
                                            sorts=_sorts(query)))
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Link"] = f'<{links["json"]}>; rel="alternate"; type="application/json"'
    return response


def _view_param(name: str, low: float, high: float) -> float | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        abort_with(400, f"parameter {name!r}: {value[:20]!r} must be a number from {low:g} to {high:g}")
    return number


@bp.get("/map")
def map_page() -> str:
    view = {"lat": _view_param("lat", -90, 90), "lon": _view_param("lon", -180, 180),
            "zoom": _view_param("zoom", 0, 19)}
    tiles = settings().tile_url
    attribution = OSM_ATTRIBUTION if "openstreetmap" in tiles else ""
    stats = build_cache().get("stats")
    if stats is None:
        stats = build_cache()["stats"] = dataset_stats(current_store())
    placed = build_cache().get("placed")
    if placed is None:
        placed = build_cache()["placed"] = len(pl.placed(site_store()))
    missing = stats["practices"] - placed
    return render_template("map.html", view=view, tiles=tiles, attribution=attribution,
                           geojson_url=url_for("pages.geojson"), total=stats["practices"], missing=missing,
                           outline_url=url_for("home.static", filename="poland.geojson"))


@bp.get("/map/without-coordinates")
def without_coordinates() -> str:
    """The practices the map cannot show, so that none is hidden from a person looking by place."""
    found = practice_list("no_coordinates", None, page_number(), settings().page_size, sorts=("title", "newest"))
    return render_template("map_missing.html", practices=found)


@bp.get("/geojson")
def geojson() -> Response:
    bbox = parse_bbox(request.args.get("bbox"))
    iris = iri_map()
    collection = geo_features(_index(), bbox, lambda key: iris.id_to_doc_url("practice", key))
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    if collection["properties"]["clustered"]:
        response.headers["X-BDP-Truncated"] = "true"
    return response


@bp.get("/attachments/<path:name>")
def attachment(name: str) -> Response:
    kind = DOCUMENT_BY_SUFFIX.get(PurePosixPath(name).suffix.lower().lstrip("."))
    if kind is None:
        abort_with(404, "no such attachment")
    folder = Path(settings().out).resolve() / "attachments"
    response = send_from_directory(folder, name, mimetype=kind.media_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/vendor/<package>/<path:name>")
def vendor(package: str, name: str) -> Response:
    module = VENDOR.get(package)
    if module is None:
        abort_with(404, f"no vendored package {package!r}")
    base = importlib.import_module(module).BASE_DIR
    return send_from_directory(base, name, max_age=86400)


@bp.app_context_processor
def _documents() -> dict[str, Any]:
    """`practice_documents(iri)` for templates/attachments_list.html (included by the practice page)."""
    def documents(iri: str) -> list[Document]:
        found = practice_documents(site_store(), str(iri))
        iris = iri_map()
        for doc in found:
            doc.url = iris.url(doc.url)
        return found
    return {"practice_documents": documents}
