"""The remote backend: any SPARQL 1.1 Protocol endpoint (Oxigraph, Fuseki, Virtuoso, GraphDB, Neptune...).

Queries go as URL-encoded form POSTs (`query=`, SPARQL 1.1 Protocol 2.1.2: the form every store takes;
Virtuoso 7 never answers a direct `application/sparql-query` body) over one pooled `requests.Session` per
process; results are
parsed, streamed, by pyoxigraph, so callers get the same terms and result objects as from the embedded
store. The protocol has no parameters, so bindings become a VALUES block (see store/bind.py). The time
limit is the HTTP read timeout plus a deadline checked while results stream in; the row cap stops reading.
`answer` (the /sparql endpoint) passes the store's own bytes through when it wrote the format asked for.
Errors name no backend URL: the store is "the SPARQL store" to users."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator, Mapping
from typing import IO, Any, cast
from urllib.parse import urlencode

import pyoxigraph as ox
import requests
import urllib3
from requests.adapters import HTTPAdapter

from publisher.config import Settings
from publisher.errors import QueryError, QueryTimeout, StoreUnavailable
from publisher.formats import BY_NAME, GRAPH_FORMATS, QUAD_FORMATS, RESULT_FORMATS, Format
from publisher.store.base import Answer, Store
from publisher.store.bind import query_form, term_text, with_bindings
from publisher.store.results import AskResult, BlankNodeLabels, GraphResult, QueryResult, SelectResult, Term

USER_AGENT = "bdp-publisher (+https://w3id.org/bdp/)"
CHECK_EVERY = 1000   # rows between two looks at the deadline while a result streams in
DATASET_TTL = 5.0    # seconds a server keeps which graphs hold the dataset (it follows a publish this fast)
STAGING = re.compile(r"-\d{8}T\d{6}Z-\d{6}$")   # how `bdp publish` names its version graphs
# With a graph G set, `bdp publish` leaves in G one triple naming the version graph that holds the data.
CURRENT = "http://www.w3.org/ns/dcat#hasCurrentVersion"
_UNREADABLE = ("csv",)
EMPTY_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
GRAPHS_BY_TRIPLES = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"   # result formats pyoxigraph cannot read back: asked for as JSON and rewritten


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


class _Tee:
    """A reader that keeps what it passes on, so that a parsed answer can also be sent on as it came."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.chunks = raw, list[bytes]()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.chunks.append(data)
        return data

    def body(self) -> bytes:
        return b"".join(self.chunks) + self.raw.read()


class RemoteStore(Store):
    def __init__(self, settings: Settings, session: requests.Session | None = None) -> None:
        if not settings.sparql_endpoint:
            raise StoreUnavailable("no SPARQL endpoint is set for the remote store")
        self.endpoint = settings.sparql_endpoint
        self.graph = settings.graph or None
        self.timeout = float(settings.query_timeout)
        self.allowed_services = frozenset(getattr(settings, "allowed_services", ()))
        self.base = settings.base_uri
        self.session = session or new_session()
        self._dataset_cache: tuple[float, str, list[str]] | None = None

    def close(self) -> None:
        self.session.close()

    # --- HTTP ---------------------------------------------------------------------------------------

    def _dataset(self, default_graphs: list[str] | None, named_graphs: list[str] | None
                 ) -> list[tuple[str, str]]:
        """The protocol's dataset parameters: the caller's; else, with a graph set, the data it points at
        as the default graph and the dataset's other graphs (the catalogue) as named ones; else none (the
        store's own default dataset)."""
        if not default_graphs and not named_graphs and self.graph:
            served, named = self._served()
            default_graphs, named_graphs = [served], named
        return [("default-graph-uri", g) for g in default_graphs or ()] + \
            [("named-graph-uri", g) for g in named_graphs or ()]

    def _served(self) -> tuple[str, list[str]]:
        """(data graph, named graphs), looked up at most every DATASET_TTL seconds: the version graph the
        set graph points at (or the graph itself when it holds the data), and the store's other graphs under
        the base IRI, version graphs left out."""
        assert self.graph is not None, "only called with a graph set"
        now = time.monotonic()
        if self._dataset_cache is None or now - self._dataset_cache[0] > DATASET_TTL:
            g = term_text(ox.NamedNode(self.graph))
            rows = self._select_all(f"SELECT ?v WHERE {{ GRAPH {g} {{ {g} <{CURRENT}> ?v }} }}")
            version = next((r["v"].value for r in rows if "v" in r), self.graph)
            named = sorted(g for g in self.graph_names() if g.startswith(self.base) and g != self.graph
                           and not STAGING.search(g))
            self._dataset_cache = (now, version, named)
        return self._dataset_cache[1], self._dataset_cache[2]

    def _select_all(self, query: str) -> list[dict[str, Any]]:
        """Rows of a SELECT asked of the store's whole dataset (no dataset parameters), unbounded."""
        def read(response: requests.Response, deadline: float, seconds: float) -> QueryResult:
            return self._parse(response.raw, response.headers.get("Content-Type", ""), False, None,
                               deadline, seconds)

        return getattr(self._exchange(query, BY_NAME["json"].media_type, read, None, []), "rows", [])

    def graph_names(self) -> list[str]:
        """The store's named graphs. `GRAPH ?g { }` is the cheap question, but Virtuoso leaves ?g unbound
        there: then the graphs are asked for by their triples."""
        rows = self._select_all(EMPTY_GRAPHS)
        if any("g" not in r for r in rows):
            rows = self._select_all(GRAPHS_BY_TRIPLES)
        return sorted({r["g"].value for r in rows if isinstance(r.get("g"), ox.NamedNode)})

    def catalog_graphs(self) -> list[str]:
        """Named graphs of the whole store that hold a DCAT catalogue named like the graph (what `bdp
        publish` leaves: `{base}catalog`), asked without a dataset, whatever base IRI is set."""
        rows = self._select_all("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a <http://www.w3.org/ns/dcat#Catalog> } } "
                                "LIMIT 10")
        return sorted(r["g"].value for r in rows if isinstance(r.get("g"), ox.NamedNode))

    def _post(self, query: str, accept: str, timeout: float, params: list[tuple[str, str]]
              ) -> requests.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        body = urlencode({"query": query}).encode("ascii")
        for attempt in (1, 2):
            try:
                response = self.session.post(self.endpoint, params=params, data=body, headers=headers,
                                             timeout=(min(5.0, timeout), timeout), stream=True)
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
        response.raw.decode_content = True
        return response

    def _check(self, response: requests.Response, timeout: float) -> None:
        status = response.status_code
        if status < 300:
            return
        message = backend_message(response, (self.endpoint,))
        response.close()
        if status in (400, 413, 414):
            if message.startswith("error at "):
                from publisher.store.guard import syntax_error

                raise syntax_error(message)
            raise QueryError(f"the SPARQL store refused the query: {message}")
        if status in (408, 504):
            raise QueryTimeout(f"the query ran out of its time limit of {timeout:g} s")
        raise StoreUnavailable(f"the SPARQL store failed to answer (HTTP {status})")

    def _exchange(self, query: str, accept: str, read: Any, timeout: float | None,
                  params: list[tuple[str, str]]) -> Any:
        """POST the query and hand the streamed response to `read(response, deadline, timeout)`."""
        timeout = float(timeout or self.timeout)
        deadline = time.monotonic() + timeout
        response = self._post(query, accept, timeout, params)
        try:
            return read(response, deadline, timeout)
        except urllib3.exceptions.TimeoutError:
            raise QueryTimeout(f"the query ran out of its time limit of {timeout:g} s") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
            raise StoreUnavailable("the SPARQL store broke off its answer; try again later") from None
        finally:
            response.close()

    # --- reading answers -----------------------------------------------------------------------------

    @staticmethod
    def _rows(items: Iterator[Any], limit: int | None, deadline: float, timeout: float) -> list[Any]:
        rows = []
        for count, item in enumerate(itertools.islice(items, None if limit is None else limit + 1)):
            if count % CHECK_EVERY == 0 and time.monotonic() > deadline:
                raise QueryTimeout(f"the query ran out of its time limit of {timeout:g} s")
            rows.append(item)
        return rows

    def _parse(self, source: Any, content_type: str, graph: bool, limit: int | None, deadline: float,
               timeout: float) -> QueryResult:
        fmt = _format_of(content_type, GRAPH_FORMATS + QUAD_FORMATS if graph else RESULT_FORMATS)
        if fmt is None or fmt.name in _UNREADABLE:
            raise StoreUnavailable("the SPARQL store answered in a format that cannot be read")
        try:
            if graph:
                triples = [q.triple for q in self._rows(ox.parse(source, fmt.rdf_format), limit, deadline, timeout)]
                truncated = limit is not None and len(triples) > limit
                return GraphResult(triples[:limit] if truncated else triples, truncated)
            parsed = ox.parse_query_results(cast(IO[bytes], BlankNodeLabels(source)), fmt.results_format)
            if isinstance(parsed, ox.QueryBoolean):
                return AskResult(bool(parsed))
            variables = [v.value for v in parsed.variables]
            solutions = self._rows(iter(parsed), limit, deadline, timeout)
        except (SyntaxError, ValueError):
            raise StoreUnavailable("the SPARQL store sent an answer that cannot be read") from None
        rows = [{v: s[v] for v in variables if s[v] is not None} for s in solutions]
        truncated = limit is not None and len(rows) > limit
        return SelectResult(variables, rows[:limit] if truncated else rows, truncated)

    # --- the Store interface --------------------------------------------------------------------------

    def query(self, query: str, *, bindings: Mapping[str, Term] | None = None,
              timeout: float | None = None, limit: int | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        text = with_bindings(query, bindings)
        graph = query_form(query) in ("construct", "describe")
        accept = BY_NAME["nt"].media_type if graph else BY_NAME["json"].media_type

        def read(response: requests.Response, deadline: float, seconds: float) -> QueryResult:
            return self._parse(response.raw, response.headers.get("Content-Type", ""), graph, limit, deadline,
                               seconds)

        return self._exchange(text, accept, read, timeout, self._dataset(default_graphs, named_graphs))

    def answer(self, query: str, *, formats: Mapping[str, Format | None], timeout: float | None = None,
               limit: int | None = None, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None, base_iri: str | None = None) -> Answer:
        """As Store.answer, but the store's own bytes are sent on when it wrote the format asked for and
        the answer is within the row cap (it is parsed all the same, to count and to check it)."""
        from publisher.store.guard import inspect, with_base
        from publisher.store.results import serialize

        inspect(query, allowed_services=self.allowed_services)
        query = with_base(query, base_iri)
        form = query_form(query)
        kind = "graph" if form in ("construct", "describe") else form
        fmt = formats.get(kind)
        if fmt is None or fmt.kind == "html" or fmt.name in _UNREADABLE:
            result = self.query(query, timeout=timeout, limit=limit, default_graphs=default_graphs,
                                named_graphs=named_graphs)
            if fmt is None:
                return Answer(kind)
            if fmt.kind == "html":
                return Answer(kind, fmt, result=result, truncated=result.truncated)
            return Answer(kind, fmt, serialize(result, fmt), truncated=result.truncated)

        def read(response: requests.Response, deadline: float, seconds: float) -> Answer:
            content_type = response.headers.get("Content-Type", "")
            tee = _Tee(response.raw)
            result = self._parse(tee, content_type, kind == "graph", limit, deadline, seconds)
            same = _format_of(content_type, (fmt,)) is not None
            if same and not result.truncated:
                return Answer(kind, fmt, tee.body(), truncated=False)
            return Answer(kind, fmt, serialize(result, fmt), truncated=result.truncated)

        return self._exchange(query, fmt.media_type, read, timeout, self._dataset(default_graphs, named_graphs))
