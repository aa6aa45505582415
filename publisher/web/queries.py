"""/queries: the library of canned SPARQL queries (queries/*.rq). The list is HTML or JSON; one query
(/queries/NAME?param=value) answers in the formats of /sparql (negotiated through publisher/formats.py,
written by publisher/store/results.py) or as a page with a form, a result table, the SPARQL text and a link
that opens the query in the query page. The catalogue binds and runs; this module does HTTP only."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for

from publisher.errors import QueryError
from publisher.formats import BY_NAME, GRAPH_FORMATS, RESULT_FORMATS, Format
from publisher.iris import IriMap
from publisher.namespaces import VOCAB_BASE, curie
from publisher.read.canned import RESERVED, CannedQuery, load_catalogue, run, shareable_text
from publisher.read.concepts import scheme_concepts
from publisher.read.resources import Page, labels
from publisher.store.results import GraphResult, serialize
from publisher.web import charts, current_store, settings
from publisher.web.errors import abort_with
from publisher.web.i18n import link_lang, number, pick
from publisher.web.present import Names
from publisher.web.render import choose_format, iri_map, page_number

bp = Blueprint("queries", __name__)

HTML = BY_NAME["html"]
INDEX_FORMATS = (HTML, BY_NAME["json"])        # JSON here is a plain application/json list
LINKABLE = ("http://", "https://")
HTML_ROWS = 500                                # rows shown on a page; the downloads hold the whole answer
PEOPLE_ROWS = 50                               # rows a page of the answer for people (cards on a phone)

def catalogue() -> dict[str, CannedQuery]:
    """The queries of this app, read once per process."""
    cached = current_app.extensions.get("bdp_queries")
    if cached is None:
        cached = current_app.extensions["bdp_queries"] = load_catalogue()
    return cached


def _offered(query: CannedQuery) -> tuple[Format, ...]:
    # Data formats first, so that `Accept: */*` gets data; browsers ask for text/html by name.
    return (GRAPH_FORMATS if query.is_graph else RESULT_FORMATS) + (HTML,)


def _values(query: CannedQuery) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in request.args:
        if name in RESERVED:
            continue
        given = request.args.getlist(name)
        if len(given) > 1:
            abort_with(400, f"parameter {name} is given {len(given)} times; give it once")
        values[name] = given[0]
    return values


def _url(query: CannedQuery, values: dict[str, str], **extra: str) -> str:
    args = {k: v for k, v in values.items() if v != ""}
    lang = link_lang()
    if lang:
        args["lang"] = lang
    args.update(extra)
    return url_for("queries.show", name=query.name, lang="") + ("?" + urlencode(args) if args else "")


def _summary(query: CannedQuery, links: IriMap) -> dict[str, Any]:
    return {"name": query.name, "title": query.titles, "description": query.descriptions,
            "form": query.form, "parameters": [p.describe() for p in query.params],
            "url": links.public + "queries/" + query.name,
            "formats": [f.media_type for f in _offered(query)], "sparql": query.text}


@bp.get("/queries")
def index() -> Any:
    fmt = choose_format(None, INDEX_FORMATS)
    links = iri_map()
    queries = list(catalogue().values())
    if fmt.name == "json":
        response = jsonify({"queries": [_summary(q, links) for q in queries]})
    else:
        response = Response(render_template("queries.html", queries=queries), mimetype="text/html")
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Link"] = f'<{url_for("queries.index", format="json")}>; rel="alternate"; ' \
                               'type="application/json"'
    return response


@bp.get("/queries/<name>")
def show(name: str) -> Any:
    query = catalogue().get(name)
    if query is None:
        return abort_with(404, f"no canned query named {name[:80]!r}; /queries lists them")
    offered = _offered(query)
    fmt = choose_format(None, offered)
    values = _values(query)
    links = iri_map()
    if fmt.kind == "html":
        return _page(query, values, links, offered)
    result, _ = run(query, values, current_store(), settings(), links)
    response = Response(serialize(result, fmt), mimetype=fmt.media_type)
    _headers(response, query, values, offered)
    if result.truncated:
        response.headers["X-BDP-Truncated"] = "true"
    return response


def _headers(response: Response, query: CannedQuery, values: dict[str, str],
             offered: tuple[Format, ...]) -> None:
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Link"] = ", ".join(f'<{_url(query, values, format=f.name)}>; rel="alternate"; '
                                         f'type="{f.media_type}"' for f in offered)


def _page(query: CannedQuery, values: dict[str, str], links: IriMap, offered: tuple[Format, ...]) -> Response:
    store, status, error, result, bindings = current_store(), 200, None, None, dict[str, Any]()
    missing = [p for p in query.params if p.required and not values.get(p.name) and p.default is None]
    if not missing:
        try:
            result, bindings = run(query, values, store, settings(), links)
        except QueryError as exc:
            status, error = 400, str(exc)
    choices = {p.name: scheme_concepts(store, p.target) for p in query.params if p.type == "concept"}
    text = shareable_text(query, bindings)
    raw = request.args.get("view") == "table" or not hasattr(result, "variables") or not query.columns
    table = chart = None
    if result is not None:
        table = _table(result, links) if raw else _people_table(query, result, links, store, page_number())
        chart = None if raw else _chart(query, table)
    body = render_template(
        "query.html", query=query, values=values, result=result, error=error, missing=bool(missing),
        choices=choices, table=table, chart=chart, raw=raw,
        raw_url=_url(query, values, view="table"), people_url=_url(query, values),
        csv_url=_url(query, values, format="csv") if not query.is_graph else None,
        formats=[(f, _url(query, values, format=f.name)) for f in offered if f.kind != "html"],
        sparql_link=_sparql_link(text), row_cap=settings().row_cap)
    response = Response(body, status=status, mimetype="text/html")
    _headers(response, query, values, offered)
    return response


def _sparql_link(text: str) -> str:
    if "sparql.endpoint" in current_app.view_functions:
        return url_for("sparql.endpoint", query=text)
    return request.script_root + "/sparql?" + urlencode({"query": text})


def _cell(term: Any, links: IriMap) -> tuple[str, str | None]:
    """(text, link) of one value: our resources by key, concepts by their path, literals as they are."""
    if term is None:
        return "", None
    if isinstance(term, ox.NamedNode):
        iri = term.value
        href = links.href(iri)
        if iri.startswith(links.base + "id/"):
            text = unquote(iri[len(links.base) + 3:])
        else:
            text = iri[len(VOCAB_BASE):] if iri.startswith(VOCAB_BASE) else curie(iri)
        return text, href if href.startswith(LINKABLE) else None
    if isinstance(term, ox.Literal):
        return term.value, None
    return str(term), None


def _table(result: Any, links: IriMap) -> dict[str, Any]:
    if isinstance(result, GraphResult):
        head = ["subject", "predicate", "object"]
        rows = [[_cell(t.subject, links), _cell(t.predicate, links), _cell(t.object, links)]
                for t in result.triples[:HTML_ROWS]]
        return {"head": head, "rows": rows, "count": len(result.triples), "unit": "triples"}
    if not hasattr(result, "rows"):
        return {"head": ["boolean"], "rows": [[(str(result.value).lower(), None)]], "count": 1, "unit": "rows"}
    rows = [[_cell(row.get(v), links) for v in result.variables] for row in result.rows[:HTML_ROWS]]
    return {"head": result.variables, "rows": rows, "count": len(result.rows), "unit": "rows"}


def _people_table(query: CannedQuery, result: Any, links: IriMap, store: Any, page: int) -> dict[str, Any]:
    """The answer for people: the columns the query file names, with its headers in the page's language;
    names instead of IRIs (looked up in the store), numbers and dates in the page's locale; PEOPLE_ROWS
    rows a page (a phone shows each row as a card), the whole answer in the downloads."""
    lang = g.get("lang", "pl")
    shown = [v for v in result.variables if v in query.columns]
    where = Page(page, PEOPLE_ROWS, len(result.rows))
    if not where.exists:
        abort_with(404, f"there is no page {page} of this answer; the last is {where.count}")
    rows = result.rows[where.offset:where.offset + PEOPLE_ROWS]
    iris = {t.value for row in rows for v in shown if isinstance(t := row.get(v), ox.NamedNode)}
    names = Names(labels(store, iris), links, lang)
    body = []
    for row in rows:
        cells = []
        for v in shown:
            term = row.get(v)
            cells.append(("", None, None) if term is None else (names.label(term), names.href(term), term))
        body.append(cells)
    values = {k: v for k, v in request.args.items() if k not in RESERVED}
    return {"head": [query.column(v, lang) for v in shown], "variables": shown, "rows": body,
            "count": len(result.rows), "unit": "rows", "people": True, "page": where,
            "next": _url(query, values, page=str(where.next)) if where.next else None,
            "previous": (_url(query, values, **({"page": str(where.previous)} if where.previous > 1 else {}))
                         if where.previous else None)}


def _chart(query: CannedQuery, table: dict[str, Any]) -> Any:
    """Bars for an aggregate answer (the query file's `chart: bars LABEL COUNT`)."""
    if not query.chart or not all(v in table["variables"] for v in query.chart):
        return None
    at_label, at_count = (table["variables"].index(v) for v in query.chart)
    bars = []
    for row in table["rows"]:
        text, href, _ = row[at_label]
        term = row[at_count][2]
        try:
            value = float(term.value) if term is not None else 0.0
        except ValueError:
            continue
        bars.append((text, value, href))
    return charts.bar_chart(bars, pick(query.titles), number)
