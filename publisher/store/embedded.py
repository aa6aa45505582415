"""The default backend: Oxigraph (pyoxigraph) on disk, opened read-only."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from publisher.errors import QueryError, StoreUnavailable
from publisher.store.base import AskResult, GraphResult, QueryResult, SelectResult, Store, Term


def _graphs(iris: list[str] | None) -> list[ox.NamedNode] | None:
    return [ox.NamedNode(i) for i in iris] if iris else None


class EmbeddedStore(Store):
    def __init__(self, path: Path | str, *, read_only: bool = True) -> None:
        path = Path(path)
        if not path.is_dir():
            raise StoreUnavailable(f"no store at {path.name!r}: run `bdp build` first")
        try:
            self._store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        except OSError as exc:
            raise StoreUnavailable(f"the store cannot be opened: {exc}") from None

    @property
    def oxigraph(self) -> ox.Store:
        return self._store

    def query(self, query: str, *, bindings: Mapping[str, Term] | None = None,
              timeout: float | None = None, limit: int | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        substitutions = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            result = self._store.query(query, substitutions=substitutions or None,
                                       default_graph=_graphs(default_graphs),
                                       named_graphs=_graphs(named_graphs))
            if isinstance(result, ox.QueryBoolean):
                return AskResult(bool(result))
            if isinstance(result, ox.QuerySolutions):
                variables = [v.value for v in result.variables]
                rows = []
                for solution in itertools.islice(result, None if limit is None else limit + 1):
                    rows.append({v: solution[v] for v in variables if solution[v] is not None})
                truncated = limit is not None and len(rows) > limit
                return SelectResult(variables, rows[:limit] if truncated else rows, truncated)
            triples = list(itertools.islice(result, None if limit is None else limit + 1))
            truncated = limit is not None and len(triples) > limit
            return GraphResult(triples[:limit] if truncated else triples, truncated)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreUnavailable(f"the store could not be read: {exc}") from None
