"""What a query may reach: only the local dataset. Inspected before a query runs.

Oxigraph would follow `SERVICE <http://...>` with an HTTP request of its own, so a query naming another
endpoint must be refused before it reaches the engine (unless the operator allowed that endpoint). Dataset
IRIs (`FROM` / `FROM NAMED`, the protocol's `default-graph-uri` / `named-graph-uri`) are names, never
fetched: a graph this store does not hold is an empty graph, as in Oxigraph and the SPARQL 1.1 Protocol
test suite (which names a `data0.rdf` nobody holds). Updates (`LOAD` included) are never run:
`Store.query` only evaluates queries, and `refuse_update` turns an update into a 403.

The inspection uses a real SPARQL parser (rdflib's), walking its algebra for SERVICE. Parsing costs about
a millisecond, so a query whose text does not contain `service` in any letter case skips it: without those
letters the keyword cannot occur (Oxigraph does not expand `\\u` escapes outside strings and IRIs, so an
escaped keyword is a syntax error there, not a keyword)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from publisher.errors import QueryError, QueryRefused

_POSITION = re.compile(r"^error at (\d+):(\d+): ?")
_UPDATE_WORDS = ("insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with")
_MAX_SHOWN = 120


def needs_parse(query: str) -> bool:
    """True when the text could hold a SERVICE clause (case-insensitive letters)."""
    return "service" in query.lower()


def syntax_error(message: str) -> QueryError:
    """Oxigraph's 'error at L:C: ...' as a message naming the line and column."""
    match = _POSITION.match(message)
    if match:
        line, column = match.groups()
        return QueryError(f"SPARQL syntax error at line {line}, column {column}: {message[match.end():]}")
    return QueryError(f"SPARQL syntax error: {message}")


def _shown(iri: str) -> str:
    return iri if len(iri) <= _MAX_SHOWN else iri[:_MAX_SHOWN] + "…"


def _walk(node: Any) -> Iterator[Any]:
    """Every CompValue below an rdflib algebra or parse node (dicts, lists, nested queries)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif hasattr(item, "algebra"):  # a nested translated Query
            stack.append(item.algebra)


@dataclass(frozen=True)
class Reach:
    """What a parsed query names outside its patterns: SERVICE targets (None: a variable)."""

    services: tuple[str | None, ...]


@lru_cache(maxsize=512)
def reach(query: str) -> Reach:
    """Parse `query` with rdflib and collect its SERVICE clauses. Cached by text: the site's own
    queries come back with the same text and other bindings, and parse once per process."""
    from pyparsing import ParseException
    from rdflib import URIRef
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except ParseException as exc:
        raise QueryError(f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from None
    except Exception as exc:  # rdflib rejects a few constructs Oxigraph accepts: refuse, saying so
        raise QueryError(f"the query could not be checked (it names SERVICE): {exc}") from None
    services: list[str | None] = []
    for node in _walk(algebra):
        if node.name == "ServiceGraphPattern":
            term = node["term"] if "term" in node else None
            services.append(str(term) if isinstance(term, URIRef) else None)
    return Reach(tuple(services))


def inspect(query: str, *, allowed_services: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise QueryRefused (400) when the query would call another endpoint, QueryError when it cannot be
    parsed for the check."""
    if not needs_parse(query):
        return
    found = reach(query)
    for service in found.services:
        if service is None:
            raise QueryRefused("SERVICE with a variable refused: this endpoint queries its own dataset only")
        if service not in allowed_services:
            allowed = " ".join(sorted(allowed_services)) or "none"
            raise QueryRefused(f"SERVICE <{_shown(service)}> refused: this endpoint calls no other "
                               f"endpoint except those allowed by the operator (allowed: {allowed})")


_RELATIVE_IRI = re.compile(r"<(?![A-Za-z][A-Za-z0-9+.-]*:)[^<>\"{}|^`\\\x00-\x20]*>")


def with_base(query: str, base_iri: str | None) -> str:
    """`query` with a BASE declaration first when it holds a relative IRI, for a backend that takes no base
    IRI beside the text (the prologue may repeat BASE; one the query declares itself comes later and
    wins). Kept on the query's first line; a query without a relative IRI is sent as it is."""
    if not base_iri or not _RELATIVE_IRI.search(query):
        return query
    if any(c in base_iri for c in '<>"{}|^`\\ \t\r\n'):
        raise QueryError("the endpoint's URL cannot be a base IRI")
    return f"BASE <{base_iri}> {query}"


def looks_like_update(text: str) -> bool:
    """True when `text` parses as a SPARQL update (called after it failed to parse as a query)."""
    lowered = text.lower()
    if not any(word in lowered for word in _UPDATE_WORDS):
        return False
    try:
        from rdflib.plugins.sparql.parser import parseUpdate

        parseUpdate(text)
    except Exception:
        return False
    return True


def refuse_update() -> QueryRefused:
    return QueryRefused("SPARQL updates are not accepted: this endpoint is read-only", status=403)
