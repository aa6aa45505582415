"""`bdp publish`: push a validated build into a remote SPARQL 1.1 store so that readers never see half
a dataset.

1. The build's dump (OUT/dumps/bdp.nt.gz) is streamed, decompressed, into a fresh named graph
   `{graph}-{timestamp}` with one Graph Store Protocol PUT.
2. The triples in that graph are counted and checked against the build.
3. One SPARQL UPDATE request `MOVE <fresh> TO <graph>` (or `TO DEFAULT`) replaces the served graph. MOVE
   first empties the target, so the request is `DROP SILENT GRAPH <graph>; ADD <fresh> TO <graph>; DROP
   <fresh>` in one operation; Oxigraph runs one update request as one transaction (see docs/scaling.md for
   what other stores guarantee).

If anything fails before step 3, the fresh graph is dropped and the old data keeps serving."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import requests

from publisher.errors import BdpError, QueryError, SettingsError, SourceError, StoreUnavailable
from publisher.formats import BY_NAME
from publisher.store.bind import term_text
from publisher.store.remote import backend_message, new_session

CHUNK = 1 << 20
NT = BY_NAME["nt"].media_type


class PublishFailed(BdpError):
    """The remote store refused or broke off a step of the publication; the old data is still served."""


@dataclass
class PublishReport:
    graph: str | None        # the graph now served (None: the default graph)
    staging: str             # the fresh graph the data went through
    triples: int             # triples in the store after the switch
    upload_s: float = 0.0
    switch_s: float = 0.0


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
        updates too (Virtuoso, GraphDB with /statements given as --update-endpoint) and the graph store
        URL must be given."""
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


def _stream(dump: Path) -> Iterator[bytes]:
    with gzip.open(dump, "rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def _expected_triples(out: Path) -> int | None:
    """Distinct triples of the built store (the dump may repeat a triple), or None without a store."""
    if not (out / "store").is_dir():
        return None
    from publisher.store.embedded import EmbeddedStore

    store = EmbeddedStore(out / "store")
    try:
        return int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value)
    finally:
        store.close()


class _Remote:
    """The three HTTP calls publishing needs, with errors that name the step and never the URL."""

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
            raise StoreUnavailable(f"{step}: the SPARQL store cannot be reached ({which}); "
                                   "nothing was changed") from None
        except requests.Timeout:
            raise PublishFailed(f"{step}: the SPARQL store did not answer in time") from None
        if response.status_code >= 300:
            raise PublishFailed(f"{step}: the SPARQL store answered HTTP {response.status_code}: "
                                f"{backend_message(response, self.hide)}")
        return response

    def put(self, graph: str, body: Iterator[bytes]) -> None:
        self._call("upload", "PUT", self.endpoints.graph_store, params={"graph": graph}, data=body,
                   headers={"Content-Type": NT}, timeout=(10, None))

    def update(self, step: str, text: str) -> None:
        self._call(step, "POST", self.endpoints.update, data=text.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                   timeout=(10, None))

    def count(self, graph: str | None) -> int:
        where = f"GRAPH {term_text_iri(graph)} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        response = self._call("count", "POST", self.endpoints.query,
                              data=f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}".encode(),
                              headers={"Content-Type": "application/sparql-query",
                                       "Accept": BY_NAME["json"].media_type},
                              timeout=(10, self.timeout))
        try:
            return int(response.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError) as exc:
            raise PublishFailed(f"count: the SPARQL store sent an answer that cannot be read ({exc})") from None


def term_text_iri(iri: str) -> str:
    try:
        return term_text(ox.NamedNode(iri))
    except (ValueError, QueryError):
        raise SettingsError(f"--graph: {iri!r} is not an IRI") from None


def publish(out: Path, endpoints: Endpoints, graph: str | None = None, *, timeout: float = 600.0,
            log: Callable[[str], None] = lambda _: None) -> PublishReport:
    """Upload OUT into a fresh graph, check it, then switch it in with one update request."""
    dump, manifest = read_build(out)
    target = term_text_iri(graph) if graph else None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{time.time_ns() % 1_000_000:06d}"
    staging = f"{graph}-{stamp}" if graph else f"{manifest.get('base_uri', 'urn:bdp:')}graph/publish-{stamp}"
    staging_term = term_text_iri(staging)
    remote = _Remote(endpoints, timeout)
    expected = _expected_triples(out)
    started = time.perf_counter()
    try:
        log(f"uploading {dump.name} into the staging graph {staging}")
        remote.put(staging, _stream(dump))
        uploaded = remote.count(staging)
        if uploaded == 0 or (expected is not None and uploaded != expected):
            raise PublishFailed(f"check: the staging graph holds {uploaded} triples, the build "
                                f"{expected if expected is not None else 'more'}")
        upload_s = time.perf_counter() - started
        log(f"{uploaded} triples uploaded in {upload_s:.1f}s; switching")
        started = time.perf_counter()
        remote.update("switch", f"MOVE {staging_term} TO {target or 'DEFAULT'}")
        switch_s = time.perf_counter() - started
    except BdpError:
        try:
            remote.update("clean-up", f"DROP SILENT GRAPH {staging_term}")
        except BdpError:
            log(f"warning: the staging graph {staging} could not be dropped; if the store holds it, "
                "drop it by hand")
        remote.session.close()
        raise
    served = remote.count(graph)
    remote.session.close()
    return PublishReport(graph, staging, served, upload_s, switch_s)
