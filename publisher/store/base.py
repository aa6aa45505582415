"""The store boundary. Everything that reads data goes through a `Store`: SELECT gives bindings, CONSTRUCT
and DESCRIBE give triples, ASK a bool; each call is bounded in time (`timeout`) and size (`limit`).
Terms are pyoxigraph terms whichever backend answers, so callers cannot tell the backends apart."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

import pyoxigraph as ox

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]


@dataclass
class SelectResult:
    variables: list[str]
    rows: list[dict[str, Term]]
    truncated: bool = False


@dataclass
class GraphResult:
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False


@dataclass
class AskResult:
    value: bool
    truncated: bool = False


QueryResult = Union[SelectResult, GraphResult, AskResult]


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

    def close(self) -> None:
        pass
