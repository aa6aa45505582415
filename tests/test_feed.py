"""Issue 17: the change feed as a Linked Data Event Stream. A harvester that knows only the catalogue finds
the stream, reads it from the start, and rebuilds the current graph of practices and organisations equal
to the dump's; after a rebuild it fetches only the page it stopped at (which now links on) and the new
page. Retention drops the pages of older builds; a build that changes nothing adds no page."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF

from publisher.config import load_settings
from publisher.pipeline.build import build
from publisher.pipeline.incremental import build_changed
from publisher.web import create_app

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS_DELETE = URIRef("https://www.w3.org/ns/activitystreams#Delete")
LDES_SPEC = URIRef("https://w3id.org/ldes/specification")
VOID_IN_DATASET = URIRef("http://rdfs.org/ns/void#inDataset")
SEED = "trzy-filary-bank-partnerow-lokalnych"


class Page:
    """A TriG document read with Oxigraph: its default graph (rdflib) and its named graphs."""

    def __init__(self, data: bytes) -> None:
        self.default, self.graphs = Graph(), {}
        for q in ox.parse(data, format=ox.RdfFormat.TRIG):
            triple = (term(q.subject), term(q.predicate), term(q.object))
            if isinstance(q.graph_name, ox.DefaultGraph):
                self.default.add(triple)
            else:
                self.graphs.setdefault(term(q.graph_name), Graph()).add(triple)

    def value(self, s: object, p: object) -> object:
        return self.default.value(s, p)


def term(t: object) -> object:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    lit: ox.Literal = t  # type: ignore[assignment]
    if lit.language:
        return Literal(lit.value, lang=lit.language)
    if lit.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(lit.value)          # as rdflib reads a plain literal
    return Literal(lit.value, datatype=URIRef(lit.datatype.value))


class Harvester:
    """An LDES client in a few lines: stream -> view -> pages along tree:relation; members applied in order
    (the latest version of each resource wins; as:Delete removes it). Remembers the last page and its ETag."""

    def __init__(self) -> None:
        self.current: dict[str, tuple[str, Graph]] = {}    # resource -> (time, its graph)
        self.fetched: list[str] = []
        self.seen: set[str] = set()
        self.last: tuple[str, str] | None = None

    def get(self, url: str, **headers: str) -> requests.Response:
        self.fetched.append(url)
        return requests.get(url, headers={"Accept": "application/trig", **headers}, timeout=30)

    def start(self, catalogue_url: str) -> None:
        catalogue = Graph().parse(data=requests.get(catalogue_url, headers={"Accept": "text/turtle"},
                                                    timeout=30).content, format="turtle")
        service = next(s for s in catalogue.subjects(DCTERMS.conformsTo, LDES_SPEC)
                       if (s, RDF.type, DCAT.DataService) in catalogue)
        stream_url = str(catalogue.value(service, DCAT.endpointURL))
        stream = self._parse(self.get(stream_url))
        assert (URIRef(stream_url), RDF.type, URIRef(LDES + "EventStream")) in stream.default
        self.walk(str(stream.value(URIRef(stream_url), URIRef(TREE + "view"))))

    def walk(self, url: str | None) -> None:
        while url is not None:
            response = self.get(url)
            assert response.status_code == 200, (url, response.status_code)
            page = self._parse(response)
            self.seen.add(url)
            self.last = (url, response.headers["ETag"])
            self._apply(page)
            url = self._next(page, url)

    def poll(self) -> None:
        """Ask the last page read whether it now links on; follow only what is new."""
        url, etag = self.last  # type: ignore[misc]
        response = self.get(url, **{"If-None-Match": etag})
        if response.status_code == 304:
            return
        self.last = (url, response.headers["ETag"])
        self.walk(self._next(self._parse(response), url))

    def _next(self, page: Page, url: str) -> str | None:
        targets = [str(page.value(r, URIRef(TREE + "node")))
                   for r in page.default.objects(URIRef(url), URIRef(TREE + "relation"))]
        new = [t for t in targets if t not in self.seen]
        assert len(new) <= 1
        return new[0] if new else None

    @staticmethod
    def _parse(response: requests.Response) -> Page:
        assert response.headers["Content-Type"].startswith("application/trig")
        return Page(response.content)

    def _apply(self, page: Page) -> None:
        default = page.default
        for member in default.subjects(URIRef("http://purl.org/dc/terms/isVersionOf"), None):
            resource = str(default.value(member, DCTERMS.isVersionOf))
            at = str(default.value(member, URIRef("http://www.w3.org/ns/prov#generatedAtTime")))
            if resource in self.current and self.current[resource][0] > at:
                continue
            if (member, RDF.type, AS_DELETE) in default:
                self.current.pop(resource, None)
                continue
            self.current[resource] = (at, page.graphs.get(member, Graph()))

    def graph(self) -> Graph:
        g = Graph()
        for _, content in self.current.values():
            g += content
        return g


def records_graph(out: Path) -> Graph:
    """The dump's triples made from practice and organisation records (records.json gives each record's
    bytes in the dump, in order)."""
    rows = json.loads((out / "records.json").read_text(encoding="utf-8"))
    kind, length = rows["columns"].index("kind"), rows["columns"].index("nt_length")
    text = []
    with gzip.open(out / "dumps" / "bdp.nt.gz", "rb") as dump:
        for row in rows["records"]:
            chunk = dump.read(row[length])
            if row[kind] in ("practice", "organisation"):
                text.append(chunk)
    return Graph().parse(data=b"".join(text), format="nt")


def pad(data: Path, n: int = 30) -> None:
    """More organisations, so that a few changes stay under the share that makes the build a full one."""
    orgs = data / "organisations"
    bank = (orgs / "bank-spoldzielczy-w-tczewie.yaml").read_text(encoding="utf-8")
    for i in range(n):
        (orgs / f"pad-{i}.yaml").write_text(bank.replace("key: bank-spoldzielczy-w-tczewie", f"key: pad-{i}"),
                                            encoding="utf-8")


def serve(out: Path, live_server):
    return live_server(create_app(load_settings({"out": str(out)}, environ={})))


def test_a_harvester_rebuilds_the_graph_from_the_stream_and_then_fetches_only_the_new_page(
        data_copy, tmp_path, live_server):
    practices = data_copy / "practices"
    seed = (practices / f"{SEED}.yaml").read_text(encoding="utf-8")
    (practices / "do-usuniecia.yaml").write_text(seed.replace(f"key: {SEED}", "key: do-usuniecia"),
                                                 encoding="utf-8")
    pad(data_copy)
    out = tmp_path / "out"
    settings = load_settings({}, environ={})
    build(settings, data_copy, out, workers=1)
    server = serve(out, live_server)

    void = Graph().parse(data=requests.get(server.url + ".well-known/void", headers={"Accept": "text/turtle"},
                                           timeout=30).content, format="turtle")
    assert (URIRef(server.url + "feed/"), RDF.type, URIRef(LDES + "EventStream")) in void
    assert (URIRef(server.url + "feed/"), VOID_IN_DATASET, None) in void

    harvester = Harvester()
    harvester.start(server.url + "catalog")
    assert len(harvester.current) == 36           # 2 practices, 34 organisations
    assert isomorphic(harvester.graph(), records_graph(out))
    first_pages = set(harvester.seen)

    # A rebuild: one practice changed, one removed, one organisation added.
    (practices / f"{SEED}.yaml").write_text(seed.replace("Trzy Filary", "Cztery Filary", 1), encoding="utf-8")
    (practices / "do-usuniecia.yaml").unlink()
    orgs = data_copy / "organisations"
    bank = (orgs / "bank-spoldzielczy-w-tczewie.yaml").read_text(encoding="utf-8")
    (orgs / "nowy-bank.yaml").write_text(bank.replace("key: bank-spoldzielczy-w-tczewie", "key: nowy-bank"),
                                         encoding="utf-8")
    build_changed(settings, data_copy, out, workers=1)       # an incremental build
    assert json.loads((out / "changes.json").read_text())["full"] is False
    harvester.fetched.clear()
    harvester.poll()
    assert harvester.fetched[0] in first_pages and len(harvester.fetched) == 2
    assert harvester.fetched[1] not in first_pages
    assert len(harvester.current) == 36           # one practice gone, one organisation more
    assert isomorphic(harvester.graph(), records_graph(out))

    harvester.fetched.clear()
    harvester.poll()                              # nothing new: one 304
    assert len(harvester.fetched) == 1


def test_retention_keeps_the_latest_builds_and_an_unchanged_build_adds_no_page(data_copy, tmp_path):
    out = tmp_path / "out"
    settings = load_settings({"feed_builds": "2"}, environ={})
    orgs = data_copy / "organisations"
    bank = (orgs / "bank-spoldzielczy-w-tczewie.yaml").read_text(encoding="utf-8")
    names = []
    for n in range(3):
        (orgs / f"bank-{n}.yaml").write_text(bank.replace("key: bank-spoldzielczy-w-tczewie", f"key: bank-{n}"),
                                             encoding="utf-8")
        build(settings, data_copy, out, workers=1)
        builds = json.loads((out / "feed" / "builds.json").read_text())["builds"]
        names.append(builds[-1]["pages"][0])
    assert [b["pages"][0] for b in builds] == names[1:]
    assert not (out / "feed" / f"{names[0]}.trig").exists()
    index = Page((out / "feed" / "index.trig").read_bytes())
    view = index.value(URIRef("https://w3id.org/bdp/feed/"), URIRef(TREE + "view"))
    assert str(view).endswith(names[1])
    policy = index.value(URIRef("https://w3id.org/bdp/feed/"), URIRef(LDES + "retentionPolicy"))
    assert str(index.value(policy, URIRef(LDES + "pointInTime"))).startswith(builds[0]["build"].rstrip("Z"))
    # the second build's page now links to the third's
    second = Page((out / "feed" / f"{names[1]}.trig").read_bytes())
    assert str(second.value(second.value(view, URIRef(TREE + "relation")),
                            URIRef(TREE + "node"))).endswith(names[2])

    build(settings, data_copy, out, workers=1)        # nothing changed
    assert json.loads((out / "feed" / "builds.json").read_text())["builds"] == builds
    assert set(ox.parse(path=str(out / "feed" / f"{names[2]}.trig"), format=ox.RdfFormat.TRIG))
    assert not list((out / "feed").glob("*.nq"))       # N-Quads are made on request


@pytest.mark.parametrize("accept", ["application/n-quads", "application/trig"])
def test_pages_negotiate_and_answer_304(built, live_server, accept):
    server = serve(built, live_server)
    stream = requests.get(server.url + "feed/", headers={"Accept": accept}, timeout=30)
    assert stream.status_code == 200 and stream.headers["Content-Type"].startswith(accept)
    assert "Accept" in stream.headers["Vary"]
    assert server.url + "feed/" in stream.text and "https://w3id.org/bdp/feed/" not in stream.text
    again = requests.get(server.url + "feed/", headers={"Accept": accept, "If-None-Match": stream.headers["ETag"]},
                         timeout=30)
    assert again.status_code == 304
    assert requests.get(server.url + "feed/index.exe", timeout=30).status_code == 404
    assert requests.get(server.url + "feed/..%2Fbuild.json", timeout=30).status_code == 404
    assert requests.get(server.url + "feed/", headers={"Accept": "image/png"}, timeout=30).status_code == 406
