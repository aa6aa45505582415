"""The SPARQL 1.1 Protocol as request parsing: where the query is (GET `query=`, a form POST, a
`application/sparql-query` body), the dataset parameters, the update refusals, size limits, and the result
format per query kind (a `format` parameter, else Accept with q-values through publisher.formats).

Only HTTP is read here; the store runs the query (publisher.store) and the view writes the answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from publisher.errors import QueryError, QueryRefused
from publisher.formats import BY_NAME, FORMATS, GRAPH_FORMATS, QUAD_FORMATS, RESULT_FORMATS, Format, negotiate
from publisher.store.guard import refuse_update
from publisher.store.results import KINDS

HTML = BY_NAME["html"]
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
# What each query kind may be written as, in the order `Accept: */*` picks from (data first; browsers ask
# for text/html by name).
OFFERED: dict[str, tuple[Format, ...]] = {"select": RESULT_FORMATS + (HTML,), "ask": RESULT_FORMATS + (HTML,),
                                          "graph": GRAPH_FORMATS + QUAD_FORMATS + (HTML,)}
DESCRIPTION_FORMATS = GRAPH_FORMATS + (HTML,)
MAX_GRAPHS = 100


@dataclass
class ProtocolRequest:
    """One protocol request: the query (None: none given), the dataset parameters, the `format` asked."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None

    def link_args(self) -> dict[str, Any]:
        """Arguments that rebuild this request as a GET URL (the page's download links)."""
        args: dict[str, str | list[str]] = {"query": self.query or ""}
        if self.default_graphs:
            args["default-graph-uri"] = self.default_graphs
        if self.named_graphs:
            args["named-graph-uri"] = self.named_graphs
        return args


def too_large(what: str, max_bytes: int) -> QueryRefused:
    return QueryRefused(f"{what} is longer than {max_bytes} bytes (the limit of this endpoint)", status=413)


def _one(values: MultiDict, name: str) -> str | None:
    given = values.getlist(name)
    if len(given) > 1:
        raise QueryError(f"the parameter {name!r} is given {len(given)} times; give it once")
    return given[0] if given else None


def _format(*sources: MultiDict) -> str | None:
    """The `format` asked: clients such as SPARQLWrapper repeat it (`format=tsv&format=text/tab-separated-
    values`), so the first value naming a known format counts, else the first value."""
    given = [v for values in sources for v in values.getlist("format")]
    known = [v for v in given if any(_by_name(v, offered) for offered in OFFERED.values())]
    return (known or given or [None])[0]


def _graphs(values: MultiDict, name: str) -> list[str]:
    given = [g.strip() for g in values.getlist(name)]
    if len(given) > MAX_GRAPHS:
        raise QueryError(f"too many {name} parameters ({len(given)}; at most {MAX_GRAPHS})")
    for iri in given:
        if not iri or any(c in iri for c in '<>"{}|^`\\ \t\r\n'):
            raise QueryError(f"{name}: {iri[:80]!r} is not an IRI")
    return given


def read_request(max_bytes: int) -> ProtocolRequest:
    """The protocol request of the current HTTP request; QueryRefused (403) for updates, QueryError (400)
    for a malformed one, QueryRefused with 413 (too large) or 415 (another body)."""
    if len(request.query_string) > max_bytes:
        raise too_large("the query string", max_bytes)
    args = request.args
    if "update" in args:
        raise refuse_update()
    if request.method in ("GET", "HEAD"):
        return ProtocolRequest(_one(args, "query"), _graphs(args, "default-graph-uri"),
                               _graphs(args, "named-graph-uri"), _format(args))
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large("the request body", max_bytes)
    mimetype = request.mimetype
    if mimetype == UPDATE_BODY:
        raise refuse_update()
    if mimetype == FORM:
        form = request.form
        if "update" in form:
            raise refuse_update()
        query = _one(form, "query")
        if query is None:
            query = _one(args, "query")
        return ProtocolRequest(query, _graphs(form, "default-graph-uri") or _graphs(args, "default-graph-uri"),
                               _graphs(form, "named-graph-uri") or _graphs(args, "named-graph-uri"),
                               _format(form, args))
    if mimetype == QUERY_BODY:
        raw = request.get_data(cache=False)
        if len(raw) > max_bytes:
            raise too_large("the request body", max_bytes)
        charset = request.mimetype_params.get("charset", "utf-8")
        try:
            text = raw.decode(charset if charset.lower() in ("utf-8", "utf8", "us-ascii", "ascii") else "utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(f"the query is not valid UTF-8 (byte {exc.start})") from None
        return ProtocolRequest(text, _graphs(args, "default-graph-uri"), _graphs(args, "named-graph-uri"),
                               _format(args))
    raise QueryRefused(f"a POST to this endpoint must be {FORM} or {QUERY_BODY}, not "
                       f"{mimetype[:80] or 'without a Content-Type'}", status=415)


# Other spellings of format names that SPARQL clients send in `format` (SPARQLWrapper: format=json-ld).
FORMAT_SPELLINGS = {"json-ld": "jsonld", "turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "rdfxml": "rdf",
                    "rdf/xml": "rdf", "rdf+xml": "rdf", "srj": "json", "srx": "xml"}


def _by_name(value: str, offered: tuple[Format, ...]) -> Format | None:
    value = value.strip().lower()
    value = FORMAT_SPELLINGS.get(value, value)
    for fmt in offered:
        if value in (fmt.name, fmt.media_type) or value in fmt.aliases:
            return fmt
    return None


def choose_formats(asked: str | None, accept: str | None) -> dict[str, Format | None]:
    """The format for each query kind: the `format` parameter (a name or a media type) where it fits the
    kind, else None (406 for that kind); without one, Accept negotiated with q-values."""
    if asked:
        chosen = {kind: _by_name(asked, OFFERED[kind]) for kind in KINDS}
        if not any(chosen.values()):
            names = ", ".join(f.name for f in FORMATS)
            raise QueryError(f"format {asked[:40]!r} is not one of {names}")
        return chosen
    return {kind: negotiate(accept, OFFERED[kind]) for kind in KINDS}


def describe_format(asked: str | None, accept: str | None) -> Format | None:
    """The format of the service description (or the query page), for a request without a query."""
    if asked:
        fmt = _by_name(asked, DESCRIPTION_FORMATS)
        if fmt is None:
            raise QueryError(f"format {asked[:40]!r}: the service description is offered as "
                             + ", ".join(f.name for f in DESCRIPTION_FORMATS))
        return fmt
    return negotiate(accept, DESCRIPTION_FORMATS)


def not_acceptable(kind: str, formats: Mapping[str, Format | None]) -> str:
    what = {"select": "a SELECT query", "ask": "an ASK query", "graph": "a CONSTRUCT or DESCRIBE query"}[kind]
    return (f"none of the requested media types fits {what}; it is answered as "
            + ", ".join(f.media_type for f in OFFERED[kind]))
