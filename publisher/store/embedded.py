"""The default backend: Oxigraph (pyoxigraph) on disk, read-only.

Queries sent by anyone (/sparql, /queries: `query` and `answer`) go to a pool of worker processes
(publisher.store.pool), so that each is bounded in time with real cancellation; there publisher.store.guard
inspects them (no SERVICE or dataset IRI reaching outside the dataset), and results come back as bytes (TSV
or N-Triples for terms, or the format /sparql asked for), parsed here by Oxigraph.

The site's own reads (`site()`: the read models' fixed queries, bounded by construction) run in this
process on a read-only handle opened lazily by each process (a gunicorn worker after the fork): a round
trip to a worker process cost more than most of these queries."""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.config import Settings
from publisher.errors import QueryError, QueryRefused, StoreUnavailable
from publisher.formats import Format
from publisher.store.base import Answer, Store
from publisher.store.pool import WorkerPool
from publisher.store.results import AskResult, GraphResult, QueryResult, SelectResult, Term, ox_solutions

DEFAULT_TIMEOUT = 10.0
DEFAULT_WORKERS = 2
# What a worker writes when the caller wants terms back: lossless and fast to parse.
_TERMS = {"select": "tsv", "ask": None, "graph": "nt"}


def _close_pool(holder: dict[str, WorkerPool | None]) -> None:
    pool = holder.get("pool")
    if pool is not None:
        pool.close()


class EmbeddedStore(Store):
    """The store at `path`. `timeout` bounds a query when the caller gives none; `workers` processes
    answer queries in parallel; `allowed_services` are the only SERVICE endpoints a query may call."""

    def __init__(self, path: Path | str, *, read_only: bool = True, timeout: float = DEFAULT_TIMEOUT,
                 workers: int = DEFAULT_WORKERS, allowed_services: frozenset[str] | set[str] = frozenset(),
                 row_cap: int | None = None) -> None:
        path = Path(path)
        if not path.is_dir():
            raise StoreUnavailable(f"no store at {path.name!r}: run `bdp build` first")
        self.path, self.timeout, self.workers = path, timeout, workers
        self.allowed_services = frozenset(allowed_services)
        self._read_only = read_only
        self._direct: ox.Store | None = None
        self.row_cap = row_cap
        self._site: tuple[int, SiteStore] | None = None   # (process id, handle): a fork opens its own
        # The pool lives in a holder, so the finaliser below can close it without keeping `self` alive.
        self._holder: dict[str, WorkerPool | None] = {"pool": None}
        self._finalizer = weakref.finalize(self, _close_pool, self._holder)

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedStore:
        return cls(settings.out / "store", timeout=settings.query_timeout, workers=settings.query_workers,
                   allowed_services=settings.allowed_services, row_cap=settings.row_cap)

    @property
    def pool(self) -> WorkerPool:
        pool = self._holder["pool"]
        if pool is None or pool.owner != os.getpid():
            pool = WorkerPool(str(self.path), size=self.workers, allowed_services=self.allowed_services)
            self._holder["pool"] = pool
        return pool

    @property
    def oxigraph(self) -> ox.Store:
        """An in-process handle, unbounded: for the build and maintenance, never for requests."""
        if self._direct is None:
            try:
                self._direct = (ox.Store.read_only(str(self.path)) if self._read_only
                                else ox.Store(str(self.path)))
            except OSError as exc:
                raise StoreUnavailable(f"the store cannot be opened: {exc}") from None
        return self._direct

    def site(self) -> Store:
        """The site's own reads, answered in this process (see the module's docstring); a result without
        a limit of its own is cut at the row cap."""
        site = self._site
        if site is None or site[0] != os.getpid():
            try:
                handle = ox.Store.read_only(str(self.path))
            except OSError as exc:
                raise StoreUnavailable(f"the store cannot be opened: {exc}") from None
            site = self._site = (os.getpid(), SiteStore(handle, self.row_cap, self.path))
        return site[1]

    def close(self) -> None:
        self._finalizer()
        self._holder["pool"] = None
        self._direct = None
        self._site = None

    def worker_pids(self) -> list[int]:
        pool = self._holder["pool"]
        return pool.pids() if pool is not None else []

    def _run(self, query: str, formats: Mapping[str, str | None], *, bindings: Mapping[str, Term] | None,
             timeout: float | None, limit: int | None, default_graphs: list[str] | None,
             named_graphs: list[str] | None, base_iri: str | None = None) -> tuple[dict[str, Any], bytes]:
        if not isinstance(query, str):
            raise QueryError("the query must be text")
        request = {"query": query, "subs": dict(bindings) if bindings else None, "default": default_graphs,
                   "named": named_graphs, "limit": limit, "formats": dict(formats), "base": base_iri}
        meta, body = self.pool.run(request, self.timeout if timeout is None else timeout)
        error = meta.get("error")
        if error == "refused":
            raise QueryRefused(meta["message"], meta.get("status", 400))
        if error == "unavailable":
            raise StoreUnavailable(meta["message"])
        if error:
            raise QueryError(meta["message"])
        return meta, body

    def query(self, query: str, *, bindings: Mapping[str, Term] | None = None,
              timeout: float | None = None, limit: int | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        if "_holder" not in self.__dict__ and "_store" in self.__dict__:
            # A subclass that wraps an already open store without calling __init__ (as the build's
            # catalogue step did before DirectStore existed): answer in process, as DirectStore does.
            return direct_query(self.__dict__["_store"], query, bindings=bindings, limit=limit,
                                default_graphs=default_graphs, named_graphs=named_graphs)
        meta, body = self._run(query, _TERMS, bindings=bindings, timeout=timeout, limit=limit,
                               default_graphs=default_graphs, named_graphs=named_graphs)
        return _terms(meta, body)

    def answer(self, query: str, *, formats: Mapping[str, Format | None], timeout: float | None = None,
               limit: int | None = None, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None, base_iri: str | None = None) -> Answer:
        wanted = {kind: (None if fmt is None else _TERMS[kind] if fmt.kind == "html" else fmt.name)
                  for kind, fmt in formats.items()}
        meta, body = self._run(query, wanted, bindings=None, timeout=timeout, limit=limit,
                               default_graphs=default_graphs, named_graphs=named_graphs, base_iri=base_iri)
        kind = meta["kind"]
        fmt = formats.get(kind)
        if fmt is None:
            return Answer(kind)
        if fmt.kind == "html":
            return Answer(kind, fmt, result=_terms(meta, body), truncated=meta["truncated"])
        return Answer(kind, fmt, body, truncated=meta["truncated"])


def _terms(meta: dict[str, Any], body: bytes) -> QueryResult:
    """The worker's TSV or N-Triples bytes as pyoxigraph terms."""
    if meta["kind"] == "ask":
        return AskResult(meta["boolean"])
    if meta["kind"] == "select":
        solutions = ox_solutions(ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV))
        variables = [v.value for v in solutions.variables]
        rows = [{v: term for v in variables if (term := solution[v]) is not None} for solution in solutions]
        return SelectResult(variables, rows, meta["truncated"])
    triples = [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    return GraphResult(triples, meta["truncated"])


class DirectStore(Store):
    """Queries in this process on an already open pyoxigraph Store, with no time limit and no guard: for
    the build (its own writable store) and maintenance commands, never for requests from outside."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    @property
    def oxigraph(self) -> ox.Store:
        return self._store

    def query(self, query: str, *, bindings: Mapping[str, Term] | None = None,
              timeout: float | None = None, limit: int | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        return direct_query(self._store, query, bindings=bindings, limit=limit,
                            default_graphs=default_graphs, named_graphs=named_graphs)


class SiteStore(DirectStore):
    """In-process reads for the site's own queries (`EmbeddedStore.site()`): fixed texts with bound terms,
    bounded by construction, so no guard and no time limit; `row_cap` cuts a result asked without a limit.
    Never for query texts from outside."""

    def __init__(self, store: ox.Store, row_cap: int | None = None, path: Path | None = None) -> None:
        super().__init__(store)
        self.row_cap, self.path = row_cap, path        # path: the store's directory, when known

    def query(self, query: str, *, bindings: Mapping[str, Term] | None = None,
              timeout: float | None = None, limit: int | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        return direct_query(self._store, query, bindings=bindings, limit=self.row_cap if limit is None else limit,
                            default_graphs=default_graphs, named_graphs=named_graphs)


def _graphs(iris: list[str] | None) -> list[Any] | None:
    return [ox.NamedNode(i) for i in iris] if iris else None


def direct_query(store: ox.Store, query: str, *, bindings: Mapping[str, Term] | None = None,
                 limit: int | None = None, default_graphs: list[str] | None = None,
                 named_graphs: list[str] | None = None) -> QueryResult:
    substitutions = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    try:
        result = store.query(query, substitutions=substitutions or None, default_graph=_graphs(default_graphs),
                             named_graphs=_graphs(named_graphs))
        if isinstance(result, ox.QueryBoolean):
            return AskResult(bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            # (a solution iterates over its values in the order of `variables`: zip is faster than
            # looking each variable up twice)
            rows = [{v: term for v, term in zip(variables, solution, strict=True) if term is not None}
                    for solution in itertools.islice(result, None if limit is None else limit + 1)]
            truncated = limit is not None and len(rows) > limit
            return SelectResult(variables, rows[:limit] if truncated else rows, truncated)
        triples = list(itertools.islice(result, None if limit is None else limit + 1))
        truncated = limit is not None and len(triples) > limit
        return GraphResult(triples[:limit] if truncated else triples, truncated)
    except SyntaxError as exc:
        from publisher.store.guard import syntax_error

        raise syntax_error(str(exc)) from None
    except OSError as exc:
        raise StoreUnavailable(f"the store could not be read: {exc}") from None
