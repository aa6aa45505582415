"""/sparql: the SPARQL 1.1 Protocol endpoint, its Service Description, and a query page for people.

HTTP only: publisher.web.sparql_protocol reads the request, the store checks, bounds and runs the query
(`Store.answer`: no reach outside the dataset, time limit with real cancellation, row cap) and writes the
bytes; this module picks the response: the bytes with their media type, the service description, or the
page (editor, examples from queries/, a result table with links, downloads in every format)."""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for

from publisher.dataset.facts import load_facts
from publisher.errors import BdpError, QueryRefused
from publisher.formats import Format
from publisher.iris import IriMap
from publisher.namespaces import PREFIXES, curie, sparql_prologue
from publisher.read.service_description import default_graph_triples, service_description
from publisher.store.base import Answer
from publisher.store.results import GraphResult, QueryResult, SelectResult, serialize
from publisher.web import current_store, settings
from publisher.web.errors import STATUS, error_response
from publisher.web.i18n import pick
from publisher.web.sparql_protocol import (
    OFFERED,
    ProtocolRequest,
    choose_formats,
    describe_format,
    not_acceptable,
    read_request,
)

bp = Blueprint("sparql", __name__)

METHODS = "GET, POST, OPTIONS"
LINKABLE = ("http://", "https://")
_POSITION = re.compile(r"at line (\d+), column (\d+)")

DEFAULT_QUERY = sparql_prologue(("bdp", "dct")) + """
SELECT ?practice ?title WHERE {
  ?practice a bdp:Practice ;
            dct:title ?title .
}
ORDER BY ?title
LIMIT 20
"""

def _public() -> str:
    public = settings().public_url or request.url_root
    return public if public.endswith("/") else public + "/"


def _endpoint_url() -> str:
    if settings().public_url:
        return _public() + "sparql"
    return url_for("sparql.endpoint", _external=True, lang="")


def _status(exc: BdpError) -> int:
    if isinstance(exc, QueryRefused):
        return exc.status
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 400)


@bp.route("/sparql/", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint() -> Any:
    """The protocol endpoint, also at /sparql/ (the W3C protocol tests' path). CORS preflights are
    answered for every route by publisher.web.headers."""
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": METHODS})
    s = settings()
    try:
        req = read_request(s.max_request_bytes)
    except BdpError as exc:
        return error_response(_status(exc), str(exc))
    accept = request.headers.get("Accept")
    if req.query is None or not req.query.strip():
        if request.method not in ("GET", "HEAD"):
            return error_response(400, "no query: send it as the `query` parameter or an "
                                       "application/sparql-query body")
        fmt = describe_format(req.format, accept)
        if fmt is None:
            return error_response(406, "the service description is offered as "
                                  + ", ".join(f.media_type for f in OFFERED["graph"]))
        return _page(req, None) if fmt.kind == "html" else _description(fmt)
    formats = choose_formats(req.format, accept)
    if not any(formats.values()):
        return error_response(406, "none of the requested media types is offered; results are written as "
                              + ", ".join(f.media_type for f in OFFERED["select"] + OFFERED["graph"][:-1]))
    wants_page = any(f is not None and f.kind == "html" for f in formats.values())
    try:
        answer = current_store().answer(req.query, formats=formats, timeout=s.query_timeout, limit=s.row_cap,
                                        default_graphs=req.default_graphs or None,
                                        named_graphs=req.named_graphs or None, base_iri=_endpoint_url())
    except BdpError as exc:
        if wants_page:
            return _page(req, None, error=exc)
        raise
    if answer.format is None:
        return error_response(406, not_acceptable(answer.kind, formats))
    if answer.format.kind == "html":
        return _page(req, answer)
    response = Response(answer.body, mimetype=answer.format.media_type)
    return _finish(response, answer)


def _finish(response: Response, answer: Answer | None = None) -> Response:
    response.headers["Vary"] = "Accept"
    if answer is not None and answer.truncated:
        response.headers["X-BDP-Truncated"] = "true"
    return response


def _description(fmt: Format) -> Response:
    s, store = settings(), current_store()
    facts = load_facts(s.out) if s.store == "embedded" else None
    triples = facts.triples if facts is not None else default_graph_triples(store, s.query_timeout)
    try:
        graphs = store.local_graphs()
    except BdpError:
        graphs = frozenset()
    from publisher.dataset.terms import dataset_iri

    triples_out = service_description(_endpoint_url(), triples=triples, named_graphs=graphs,
                                      allowed_services=s.allowed_services, dataset=dataset_iri(s.base_uri),
                                      timeout=s.query_timeout, row_cap=s.row_cap)
    return _finish(Response(serialize(GraphResult(triples_out), fmt), mimetype=fmt.media_type))


# --- the page ---------------------------------------------------------------------------------------

def _examples() -> list[dict[str, str]]:
    """The canned queries of queries/*.rq (publisher.read.canned), read once per process; none if unreadable."""
    cached = current_app.extensions.get("bdp_sparql_examples")
    if cached is None:
        from publisher.read.canned import load_catalogue

        try:
            catalogue = load_catalogue()
        except BdpError as exc:
            current_app.logger.warning("example queries not shown: %s", exc)
            catalogue = {}
        cached = [{"name": q.name, "titles": q.titles, "text": f"# {q.name}\n{q.text}"}
                  for q in catalogue.values()]
        current_app.extensions["bdp_sparql_examples"] = cached
    return [{"name": e["name"], "title": pick(e["titles"]) or e["name"], "text": e["text"]} for e in cached]


def _cell(term: Any, links: IriMap) -> dict[str, str | None]:
    if isinstance(term, ox.NamedNode):
        url = getattr(links, "href", links.url)(term.value)  # IriMap.href: /doc/ and /def/ pages
        return {"text": curie(term.value), "href": url if url.startswith(LINKABLE) else None, "note": None}
    if isinstance(term, ox.Literal):
        note = "@" + term.language if term.language else None
        if not note and term.datatype.value != PREFIXES["xsd"] + "string":
            note = "^^" + curie(term.datatype.value)
        return {"text": term.value, "href": None, "note": note}
    if isinstance(term, ox.BlankNode):
        return {"text": "_:" + term.value, "href": None, "note": None}
    return {"text": "" if term is None else str(term), "href": None, "note": None}


def _table(result: QueryResult, links: IriMap) -> dict[str, Any]:
    if isinstance(result, SelectResult):
        rows = [[_cell(row.get(v), links) for v in result.variables] for row in result.rows]
        return {"head": result.variables, "rows": rows, "unit": "rows"}
    if isinstance(result, GraphResult):
        rows = [[_cell(t.subject, links), _cell(t.predicate, links), _cell(t.object, links)]
                for t in result.triples]
        return {"head": ["subject", "predicate", "object"], "rows": rows, "unit": "triples"}
    return {"boolean": result.value}


def _page(req: ProtocolRequest, answer: Answer | None, error: BdpError | None = None) -> Response:
    s = settings()
    links = IriMap(s.base_uri, _public())
    table, downloads, position = None, [], None
    if answer is not None and answer.result is not None:
        table = _table(answer.result, links)
        downloads = [(f, url_for("sparql.endpoint", format=f.name, **req.link_args()))
                     for f in OFFERED[answer.kind] if f.kind != "html"]
    if error is not None:
        found = _POSITION.search(str(error))
        position = (int(found.group(1)), int(found.group(2))) if found else None
    html = render_template("sparql.html", query=req.query or DEFAULT_QUERY, answer=answer, table=table,
                           downloads=downloads, error=error, position=position, examples=_examples(),
                           prefixes=PREFIXES, endpoint_url=_endpoint_url(), settings=s,
                           description=[(f, url_for("sparql.endpoint", format=f.name))
                                        for f in OFFERED["graph"] if f.kind != "html"])
    status = _status(error) if error is not None else 200
    return _finish(Response(html, status=status, mimetype="text/html"), answer)
