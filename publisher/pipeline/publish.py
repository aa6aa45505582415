"""`bdp publish`: push a validated build into a remote SPARQL 1.1 store so that readers never see half
a dataset, and a failed publication leaves the old data serving.

1. The build's dump (OUT/dumps/bdp.nt.gz, the default graph) is streamed, decompressed, with one Graph
   Store Protocol PUT into a fresh version graph `{graph}-{timestamp}`; each named graph of the build's
   store (the catalogue graph) likewise into `{name}-{timestamp}`. On Oxigraph (recognised by its Server
   header) the upload uses its bulk loader (`no_transaction`): a version graph is not served until step 3,
   so it need not appear atomically, and memory stays bounded.
2. The triples in each new graph are counted and checked against the build.
3. One SPARQL UPDATE request switches everything (Oxigraph runs one request as one transaction; see
   docs/scaling.md for other stores). With `--graph G`, graph G holds one triple, `G dcat:hasCurrentVersion
   <G-timestamp>`, that the servers read (RemoteStore): the switch rewrites that triple, whatever the size
   of the data. The named graphs, small, are MOVEd into place in the same request. Without `--graph` the
   data is MOVEd into the default graph (a copy inside the store: slow for large data sets).
4. Versions older than the one just replaced are dropped (the replaced one stays until the next publication,
   for servers that have not yet looked at the pointer again).

If anything fails before the switch, the new graphs are dropped and the old data keeps serving."""

from __future__ import annotations

import gzip
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import pyoxigraph as ox
import requests

from publisher.errors import BdpError, QueryError, SettingsError, SourceError, StoreUnavailable
from publisher.formats import BY_NAME
from publisher.store.bind import term_text
from publisher.store.remote import (
    CURRENT,
    EMPTY_GRAPHS,
    GRAPHS_BY_TRIPLES,
    STAGING,
    backend_message,
    new_session,
)
from publisher.store.results import ox_solutions

CHUNK = 1 << 20
BATCH = 20000
NT = BY_NAME["nt"].media_type


class PublishFailed(BdpError):
    """The remote store refused or broke off a step of the publication; the old data is still served."""


@dataclass
class PublishReport:
    graph: str | None        # the graph now served (None: the default graph)
    named: list[str]         # named graphs published beside it
    triples: int             # triples in the served graph after the switch
    upload_s: float = 0.0
    switch_s: float = 0.0
    version: str | None = None   # with a graph: the version graph it now points at


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    graph_store: str

    @classmethod
    def from_urls(cls, endpoint: str, update: str | None = None, graph_store: str | None = None
                  ) -> Endpoints:
        """Oxigraph and Fuseki name the services .../query, .../update and .../store (or .../data):
        with a query URL ending in /query, the other two are derived; otherwise the query URL serves
        updates too (Virtuoso, Neptune; GraphDB needs --update-endpoint .../statements) and the graph
        store URL must be given."""
        for name, url in (("endpoint", endpoint), ("update endpoint", update), ("graph store", graph_store)):
            if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
                raise SettingsError(f"--{name.replace(' ', '-')}: {url!r} is not an absolute http(s) URL")
        stem = endpoint[: -len("/query")] if endpoint.rstrip("/").endswith("/query") else None
        if not graph_store and stem is None:
            raise SettingsError("--graph-store: give the Graph Store Protocol URL of the store "
                                "(e.g. http://host:7878/store for Oxigraph)")
        return cls(endpoint, update or (stem + "/update" if stem else endpoint),
                   graph_store or f"{stem}/store")


def read_build(out: Path) -> tuple[Path, dict]:
    """The dump and manifest of a finished build (a build is swapped into OUT only when it validated)."""
    manifest_path, dump = out / "build.json", out / "dumps" / "bdp.nt.gz"
    if not manifest_path.is_file():
        raise SourceError(str(out), "no finished build here (build.json is missing): run `bdp build`")
    if not dump.is_file():
        raise SourceError(str(out), "the build has no dump (dumps/bdp.nt.gz): run `bdp build` again")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(str(manifest_path), f"cannot be read: {exc}") from None
    return dump, manifest


def _gunzip(dump: Path) -> Iterator[bytes]:
    with gzip.open(dump, "rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def _graph_nt(store: ox.Store, graph: ox.NamedNode) -> Iterator[bytes]:
    batch: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, graph):
        batch.append(quad.triple)
        if len(batch) >= BATCH:
            yield cast(bytes, ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES))
            batch = []
    if batch:
        yield cast(bytes, ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES))


def _count(store: ox.Store, graph: str | None) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    solutions = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(next(iter(ox_solutions(solutions)))["n"].value)


def iri_term(iri: str, option: str = "--graph") -> str:
    try:
        return term_text(ox.NamedNode(iri))
    except (ValueError, QueryError):
        raise SettingsError(f"{option}: {iri!r} is not an IRI") from None


class _Remote:
    """The HTTP calls publishing needs, with errors that name the step and never the URL."""

    def __init__(self, endpoints: Endpoints, timeout: float) -> None:
        self.endpoints, self.timeout = endpoints, timeout
        self.session = new_session(pool=2)
        self.hide = (endpoints.query, endpoints.update, endpoints.graph_store)

    def _call(self, step: str, method: str, url: str, **kw: object) -> requests.Response:
        try:
            response = self.session.request(method, url, **kw)  # type: ignore[arg-type]
        except requests.ConnectionError:
            which = {self.endpoints.query: "query endpoint", self.endpoints.update: "update endpoint",
                     self.endpoints.graph_store: "graph store URL"}[url]
            raise StoreUnavailable(f"{step}: the SPARQL store cannot be reached ({which})") from None
        except requests.Timeout:
            raise PublishFailed(f"{step}: the SPARQL store did not answer in time") from None
        if response.status_code >= 300:
            raise PublishFailed(f"{step}: the SPARQL store answered HTTP {response.status_code}: "
                                f"{backend_message(response, self.hide)}")
        return response

    def probe(self) -> bool:
        """Ask the store a trivial query before any work; True when it is Oxigraph (bulk uploads)."""
        response = self._call("connect", "POST", self.endpoints.query, data={"query": "ASK {}"},
                              headers={"Accept": BY_NAME["json"].media_type}, timeout=(10, self.timeout))
        return response.headers.get("Server", "").lower().startswith("oxigraph/")

    def put(self, graph: str, body: Iterator[bytes], bulk: bool = False) -> None:
        """PUT the N-Triples into `graph`: streamed (chunked) to Oxigraph's bulk loader; to other stores
        from a temporary file with a Content-Length (Virtuoso 7 takes a chunked body as an empty one)."""
        params = {"graph": graph, **({"no_transaction": ""} if bulk else {})}
        # requests applies the connect timeout while the body is sent too: a store that stops reading for
        # a while (Oxigraph's bulk loader writing its files) must not abort the upload after 10 s.
        if bulk:
            self._call("upload", "PUT", self.endpoints.graph_store, params=params, data=body,
                       headers={"Content-Type": NT}, timeout=(self.timeout, None))
            return
        with tempfile.TemporaryFile() as spooled:
            for chunk in body:
                spooled.write(chunk)
            size = spooled.tell()
            spooled.seek(0)
            self._call("upload", "PUT", self.endpoints.graph_store, params=params, data=spooled,
                       headers={"Content-Type": NT, "Content-Length": str(size)}, timeout=(self.timeout, None))

    def select(self, step: str, query: str) -> list[dict]:
        response = self._call(step, "POST", self.endpoints.query, data={"query": query},
                              headers={"Accept": BY_NAME["json"].media_type}, timeout=(10, self.timeout))
        try:
            return response.json()["results"]["bindings"]
        except (ValueError, KeyError) as exc:
            raise PublishFailed(f"{step}: the SPARQL store sent an answer that cannot be read ({exc})") from None

    def current_version(self, graph: str) -> str | None:
        g = iri_term(graph)
        rows = self.select("check", f"SELECT ?v WHERE {{ GRAPH {g} {{ {g} <{CURRENT}> ?v }} }}")
        return rows[0]["v"]["value"] if rows else None

    def prune(self, graph: str, keep: set[str]) -> None:
        """Drop the versions of `graph` that are neither current nor the one just replaced."""
        rows = self.select("clean-up", EMPTY_GRAPHS)
        if any("g" not in r for r in rows):       # Virtuoso binds no ?g for an empty pattern
            rows = self.select("clean-up", GRAPHS_BY_TRIPLES)
        old = [r["g"]["value"] for r in rows if r["g"]["value"].startswith(graph + "-")
               and STAGING.search(r["g"]["value"]) and r["g"]["value"] not in keep]
        if old:
            self.update("clean-up", " ;\n".join(f"DROP SILENT GRAPH {iri_term(v)}" for v in old))

    def update(self, step: str, text: str) -> None:
        self._call(step, "POST", self.endpoints.update, data={"update": text}, timeout=(10, None))

    def count(self, graph: str | None) -> int:
        where = f"GRAPH {iri_term(graph)} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        response = self._call("check", "POST", self.endpoints.query,
                              data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"},
                              headers={"Accept": BY_NAME["json"].media_type}, timeout=(10, self.timeout))
        try:
            return int(response.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError) as exc:
            raise PublishFailed(f"check: the SPARQL store sent an answer that cannot be read ({exc})") from None


def publish(out: Path, endpoints: Endpoints, graph: str | None = None, *, timeout: float = 600.0,
            log: Callable[[str], None] = lambda _: None) -> PublishReport:
    """Upload OUT into fresh version graphs, check them, then switch them in with one update request."""
    dump, manifest = read_build(out)
    if graph:
        iri_term(graph)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{time.time_ns() // 1000 % 1_000_000:06d}"
    base = manifest.get("base_uri", "urn:bdp:")
    built = ox.Store.read_only(str(out / "store")) if (out / "store").is_dir() else None
    named = sorted(g.value for g in built.named_graphs()) if built is not None else []
    version = f"{graph or base + 'graph/publish'}-{stamp}"
    # (new graph, where it goes: None for the pointer, else a MOVE target, its content, expected triples)
    plan: list[tuple[str, str | None, Iterator[bytes], int | None]] = [
        (version, None if graph else "DEFAULT", _gunzip(dump), _count(built, None) if built else None)]
    plan += [(f"{name}-{stamp}", iri_term(name, "named graph"), _graph_nt(built, ox.NamedNode(name)),
              _count(built, name)) for name in named if built is not None]
    remote = _Remote(endpoints, timeout)
    try:
        bulk = remote.probe()
        previous = remote.current_version(graph) if graph else None
    except BdpError:
        remote.session.close()
        raise
    try:
        started = time.perf_counter()
        for staging, _, body, expected in plan:
            log(f"uploading into {staging}")
            remote.put(staging, body, bulk)
            uploaded = remote.count(staging)
            if uploaded == 0 or (expected is not None and uploaded != expected):
                raise PublishFailed(f"check: the graph {staging} holds {uploaded} triples, the build "
                                    f"{expected if expected is not None else 'more'}")
        upload_s = time.perf_counter() - started
        log(f"uploaded in {upload_s:.1f}s; switching")
        started = time.perf_counter()
        steps = [f"MOVE {iri_term(staging)} TO {to}" for staging, to, _, _ in plan if to is not None]
        if graph:
            g = iri_term(graph)
            steps.insert(0, f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{ {g} <{CURRENT}> "
                            f"{iri_term(version)} }} }}")
        remote.update("switch", " ;\n".join(steps))
        switch_s = time.perf_counter() - started
    except BdpError:
        try:
            remote.update("clean-up", " ;\n".join(f"DROP SILENT GRAPH {iri_term(s)}" for s, _, _, _ in plan))
        except BdpError:
            log("warning: the new graphs could not be dropped; if the store holds them, drop them by hand")
        remote.session.close()
        raise
    try:
        served = remote.count(version if graph else None)
        if graph:
            remote.prune(graph, keep={version, previous or version})
    finally:
        remote.session.close()
    return PublishReport(graph, named, served, upload_s, switch_s, version if graph else None)
