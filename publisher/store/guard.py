"""What a query may reach: only the local dataset. Inspected before a query runs.

Oxigraph would follow `SERVICE <http://...>` with an HTTP request of its own, so a query naming another
endpoint must be refused before it reaches the engine. `FROM` / `FROM NAMED` and the protocol's
`default-graph-uri` / `named-graph-uri` may only name graphs the store holds (Oxigraph never fetches them,
but naming another host or a `file:` IRI is a request we refuse and say why). Updates (`LOAD` included) are
never run: `Store.query` only evaluates queries, and `refuse_update` turns an update into a 403.

The inspection uses a real SPARQL parser (rdflib's), walking its algebra for SERVICE and its dataset
clauses. Parsing costs about a millisecond, so a query whose text contains neither `service` nor `from`
in any letter case skips it: without those letters the keywords cannot occur (Oxigraph does not expand
`\\u` escapes outside strings and IRIs, so an escaped keyword is a syntax error there, not a keyword)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from publisher.errors import QueryError, QueryRefused

_POSITION = re.compile(r"^error at (\d+):(\d+): ?")
_UPDATE_WORDS = ("insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with")
_MAX_SHOWN = 120


def needs_parse(query: str) -> bool:
    """True when the text could hold a SERVICE or a FROM clause (case-insensitive letters)."""
    lowered = query.lower()
    return "service" in lowered or "from" in lowered


def syntax_error(message: str) -> QueryError:
    """Oxigraph's 'error at L:C: ...' as a message naming the line and column."""
    match = _POSITION.match(message)
    if match:
        line, column = match.groups()
        return QueryError(f"SPARQL syntax error at line {line}, column {column}: {message[match.end():]}")
    return QueryError(f"SPARQL syntax error: {message}")


def _shown(iri: str) -> str:
    return iri if len(iri) <= _MAX_SHOWN else iri[:_MAX_SHOWN] + "…"


def check_graphs(default_graphs: Iterable[str] | None, named_graphs: Iterable[str] | None,
                 local_graphs: Callable[[], frozenset[str]], *, source: str = "protocol") -> None:
    """Refuse dataset IRIs (protocol parameters or FROM clauses) that are not graphs of this store."""
    named = [("default-graph-uri" if source == "protocol" else "FROM", g) for g in default_graphs or ()]
    named += [("named-graph-uri" if source == "protocol" else "FROM NAMED", g) for g in named_graphs or ()]
    if not named:
        return
    local = local_graphs()
    for clause, iri in named:
        if iri in local:
            continue
        if iri.lower().startswith("file:"):
            why = "file: IRIs are never read"
        elif iri.lower().startswith(("http:", "https:", "ftp:")):
            why = "this endpoint never fetches graphs from other hosts; it queries its own dataset only"
        else:
            why = "it is not a graph of this dataset"
        have = ", ".join(sorted(local)) if local else "none: the whole dataset is the default graph"
        raise QueryRefused(f"{clause} <{_shown(iri)}> refused: {why} (local graphs: {have})")


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
    """What a parsed query names outside its patterns: SERVICE targets (None: a variable) and FROM IRIs."""

    services: tuple[str | None, ...]
    from_graphs: tuple[str, ...]
    from_named: tuple[str, ...]


@lru_cache(maxsize=512)
def reach(query: str) -> Reach:
    """Parse `query` with rdflib and collect its SERVICE and dataset clauses. Cached by text: the site's own
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
        raise QueryError(f"the query could not be checked (it names SERVICE or FROM): {exc}") from None
    services: list[str | None] = []
    defaults: list[str] = []
    named: list[str] = []
    for node in _walk(algebra):
        if node.name == "ServiceGraphPattern":
            term = node["term"] if "term" in node else None
            services.append(str(term) if isinstance(term, URIRef) else None)
        elif node.name == "DatasetClause":
            if "default" in node:
                defaults.append(str(node["default"]))
            if "named" in node:
                named.append(str(node["named"]))
    return Reach(tuple(services), tuple(defaults), tuple(named))


def inspect(query: str, *, allowed_services: frozenset[str] | set[str] = frozenset(),
            local_graphs: Callable[[], frozenset[str]] = frozenset,
            default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None) -> None:
    """Raise QueryRefused (400) when the query would reach outside the dataset, QueryError when it cannot
    be parsed for the check. `local_graphs` is called only when a dataset IRI must be checked."""
    check_graphs(default_graphs, named_graphs, local_graphs)
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
    if default_graphs or named_graphs:
        return  # the protocol's dataset replaces the query's FROM clauses (SPARQL 1.1 Protocol 2.1.4)
    check_graphs(found.from_graphs, found.from_named, local_graphs, source="query")


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
