"""The remote backend: any SPARQL 1.1 Protocol endpoint (Oxigraph, Fuseki, Virtuoso, GraphDB, Neptune...).

Queries go as `application/sparql-query` POSTs over one pooled `requests.Session` per process; results are
parsed, streamed, by pyoxigraph, so callers get the same terms and result objects as from the embedded
store. The protocol has no parameters, so bindings become a VALUES block (see store/bind.py). The time
limit is the HTTP read timeout plus a deadline checked while results stream in; the row cap stops reading.
Errors name no backend URL: the store is "the SPARQL store" to users."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox
import requests
import urllib3
from requests.adapters import HTTPAdapter

from publisher.errors import QueryError, QueryTimeout, StoreUnavailable
from publisher.formats import BY_NAME, GRAPH_FORMATS, RESULT_FORMATS, Format
from publisher.store.base import AskResult, GraphResult, QueryResult, SelectResult, Store, Term
from publisher.store.bind import query_form, with_bindings

USER_AGENT = "bdp-publisher (+https://w3id.org/bdp/)"
CHECK_EVERY = 1000   # rows between two looks at the deadline while a result streams in


def _format_of(content_type: str, offered: tuple[Format, ...]) -> Format | None:
    media = content_type.split(";")[0].strip().lower()
    return next((f for f in offered if media == f.media_type or media in f.aliases), None)


def new_session(pool: int = 16) -> requests.Session:
    """A pooled session that never reads proxies or .netrc from the environment (the store is ours)."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def backend_message(response: requests.Response, hide: tuple[str, ...] = ()) -> str:
    """The first lines of a backend's error body, without its URLs, for a user-facing message."""
    text = response.text.strip()[:400] if response.content else response.reason or ""
    for secret in hide:
        if secret:
            text = text.replace(secret, "the store")
    return " ".join(text.split())


class RemoteStore(Store):
    def __init__(self, settings: Any, session: requests.Session | None = None) -> None:
        if not settings.sparql_endpoint:
            raise StoreUnavailable("no SPARQL endpoint is set for the remote store")
        self.endpoint = settings.sparql_endpoint
        self.graph = settings.graph or None
        self.timeout = float(settings.query_timeout)
        self.session = session or new_session()

    def close(self) -> None:
        self.session.close()

    # --- HTTP ---------------------------------------------------------------------------------------

    def _post(self, query: str, accept: str, timeout: float, default_graphs: list[str] | None,
              named_graphs: list[str] | None, stream: bool = True) -> requests.Response:
        params: list[tuple[str, str]] = []
        graphs = default_graphs if default_graphs else ([self.graph] if self.graph else [])
        params += [("default-graph-uri", g) for g in graphs]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        headers = {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept}
        body = query.encode("utf-8")
        for attempt in (1, 2):
            try:
                response = self.session.post(self.endpoint, params=params, data=body, headers=headers,
                                             timeout=(min(5.0, timeout), timeout), stream=stream)
                break
            except requests.ConnectTimeout:
                raise StoreUnavailable("the SPARQL store cannot be reached; try again later") from None
            except requests.Timeout:
                raise QueryTimeout(f"the query ran out of its time limit of {timeout:g} s") from None
            except requests.ConnectionError:
                # A pooled connection may have died with a restarted store: queries are read-only, so
                # one retry on a fresh connection is safe.
                if attempt == 2:
                    raise StoreUnavailable("the SPARQL store cannot be reached; try again later") from None
        self._check(response, timeout)
        return response

    def _check(self, response: requests.Response, timeout: float) -> None:
        status = response.status_code
        if status < 300:
            return
        message = backend_message(response, (self.endpoint,))
        response.close()
        if status in (400, 413, 414):
            raise QueryError(f"the SPARQL store refused the query: {message}")
        if status in (408, 504):
            raise QueryTimeout(f"the query ran out of its time limit of {timeout:g} s")
        raise StoreUnavailable(f"the SPARQL store failed to answer (HTTP {status})")

    # --- the Store interface --------------------------------------------------------------------------

    def query(self, query: str, *, bindings: Mapping[str, Term] | None = None,
              timeout: float | None = None, limit: int | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        timeout = float(timeout or self.timeout)
        deadline = time.monotonic() + timeout
        text = with_bindings(query, bindings)
        form = query_form(text)
        graph = form in ("construct", "describe")
        accept = BY_NAME["nt"].media_type if graph else BY_NAME["json"].media_type
        response = self._post(text, accept, timeout, default_graphs, named_graphs)
        try:
            response.raw.decode_content = True
            if graph:
                return self._graph(response, limit, deadline, timeout)
            return self._solutions(response, limit, deadline, timeout)
        except urllib3.exceptions.TimeoutError:
            raise QueryTimeout(f"the query ran out of its time limit of {timeout:g} s") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
            raise StoreUnavailable("the SPARQL store broke off its answer; try again later") from None
        finally:
            response.close()

    def _rows(self, items: Iterator[Any], limit: int | None, deadline: float, timeout: float) -> list[Any]:
        rows = []
        for count, item in enumerate(itertools.islice(items, None if limit is None else limit + 1)):
            if count % CHECK_EVERY == 0 and time.monotonic() > deadline:
                raise QueryTimeout(f"the query ran out of its time limit of {timeout:g} s")
            rows.append(item)
        return rows

    def _solutions(self, response: requests.Response, limit: int | None, deadline: float,
                   timeout: float) -> QueryResult:
        fmt = _format_of(response.headers.get("Content-Type", ""), RESULT_FORMATS)
        if fmt is None or fmt.name == "csv":
            raise StoreUnavailable("the SPARQL store answered in a format that cannot be read")
        try:
            parsed = ox.parse_query_results(response.raw, fmt.results_format)
            if isinstance(parsed, ox.QueryBoolean):
                return AskResult(bool(parsed))
            variables = [v.value for v in parsed.variables]
            solutions = self._rows(iter(parsed), limit, deadline, timeout)
        except (SyntaxError, ValueError):
            raise StoreUnavailable("the SPARQL store sent results that cannot be read") from None
        rows = [{v: s[v] for v in variables if s[v] is not None} for s in solutions]
        truncated = limit is not None and len(rows) > limit
        return SelectResult(variables, rows[:limit] if truncated else rows, truncated)

    def _graph(self, response: requests.Response, limit: int | None, deadline: float,
               timeout: float) -> QueryResult:
        fmt = _format_of(response.headers.get("Content-Type", ""), GRAPH_FORMATS)
        if fmt is None:
            raise StoreUnavailable("the SPARQL store answered in a format that cannot be read")
        try:
            quads = ox.parse(response.raw, fmt.rdf_format)
            triples = [q.triple for q in self._rows(quads, limit, deadline, timeout)]
        except (SyntaxError, ValueError):
            raise StoreUnavailable("the SPARQL store sent RDF that cannot be read") from None
        truncated = limit is not None and len(triples) > limit
        return GraphResult(triples[:limit] if truncated else triples, truncated)
