"""The store boundary. Everything that reads data goes through a `Store`: SELECT gives bindings, CONSTRUCT
and DESCRIBE give triples, ASK a bool; each call is bounded in time (`timeout`) and size (`limit`).
Terms are pyoxigraph terms whichever backend answers, so callers cannot tell the backends apart."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from publisher.store.guard import inspect, with_base
from publisher.store.results import (
    AskResult,
    GraphResult,
    QueryResult,
    SelectResult,
    Term,
    kind_of,
    serialize,
)

if TYPE_CHECKING:
    from publisher.formats import Format

@dataclass
class Answer:
    """A query's answer for the wire (`Store.answer`): `body` written in `format`; or, when the format asked
    for its kind is HTML, `result` for a page to render; neither when no format was offered for its kind
    (the caller answers 406)."""

    kind: str                        # one of KINDS
    format: Format | None = None
    body: bytes | None = None
    result: QueryResult | None = None
    truncated: bool = False


class Store(ABC):
    """A read-only view of the published dataset."""

    @abstractmethod
    def query(self, query: str, *, bindings: Mapping[str, Term] | None = None,
              timeout: float | None = None, limit: int | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        """Run any SPARQL query form. `bindings` substitute variables with RDF terms (never text)."""

    def select(self, query: str, **kw: object) -> SelectResult:
        result = self.query(query, **kw)  # type: ignore[arg-type]
        if not isinstance(result, SelectResult):
            raise TypeError("not a SELECT query")
        return result

    def construct(self, query: str, **kw: object) -> GraphResult:
        result = self.query(query, **kw)  # type: ignore[arg-type]
        if not isinstance(result, GraphResult):
            raise TypeError("not a CONSTRUCT or DESCRIBE query")
        return result

    def ask(self, query: str, **kw: object) -> bool:
        result = self.query(query, **kw)  # type: ignore[arg-type]
        if not isinstance(result, AskResult):
            raise TypeError("not an ASK query")
        return result.value

    def close(self) -> None:  # noqa: B027 - optional: most backends hold nothing to release
        pass

    def site(self) -> Store:
        """The handle for the site's own reads: the read models' fixed queries (documents, pages, lists,
        cards, links, lookups), every one bounded by construction (LIMIT, pages, VALUES batches, a row cap).
        A backend may answer these faster than a query sent by anyone (the embedded store: in this process,
        without the worker pool); by default they go the same way as every other query."""
        return self

    # SERVICE may call these endpoints (settings.allowed_services); backends set it from the settings.
    allowed_services: frozenset[str] = frozenset()

    def local_graphs(self) -> frozenset[str]:
        """IRIs of the dataset's named graphs (the service description lists them)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows
        return frozenset(row["g"].value for row in rows if isinstance(row.get("g"), ox.NamedNode))

    def answer(self, query: str, *, formats: Mapping[str, Format | None], timeout: float | None = None,
               limit: int | None = None, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None, base_iri: str | None = None) -> Answer:
        """Run a query sent by anyone (the /sparql endpoint): first checked by publisher.store.guard (no
        SERVICE reaching outside the dataset), then bounded like `query`, and written in `formats[kind]` (a
        Format per kind in KINDS; HTML leaves the terms in `Answer.result`). Relative IRIs in the query
        resolve against `base_iri` (the endpoint's URL, as Oxigraph's own server does).

        This default runs `query` and serialises with publisher.store.results; a backend may override it to
        check inside its own bounds and serialise natively (the embedded store does both in its workers)."""
        inspect(query, allowed_services=self.allowed_services)
        result = self.query(with_base(query, base_iri), timeout=timeout, limit=limit, default_graphs=default_graphs,
                            named_graphs=named_graphs)
        kind = kind_of(result)
        fmt = formats.get(kind)
        if fmt is None:
            return Answer(kind)
        if fmt.kind == "html":
            return Answer(kind, fmt, result=result, truncated=result.truncated)
        return Answer(kind, fmt, serialize(result, fmt), truncated=result.truncated)
