"""Issue 6: the DCAT-AP 3 catalogue as served over HTTP, checked against the official SEMIC shapes, its
formats, its settings, and the copy in the store's named graph."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SH, XSD

from publisher.config import load_settings
from publisher.errors import SettingsError
from publisher.web import create_app
from tests.conftest import run_bdp

SHAPES = Path(__file__).resolve().parent / "fixtures" / "dcat-ap-3.0.1"   # vendored: see its README.md
SPDX = Namespace("http://spdx.org/rdf/terms#")
BASE = "https://w3id.org/bdp/"
CATALOG = URIRef(BASE + "catalog")


def shapes_graph(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.parse(SHAPES / name, format="turtle")
    # SEMICeu/DCAT-AP#448: the 3.0.1 files list property shapes they never define (5 in the template with its
    # ranges); a SHACL engine refuses to load them. Such a reference carries no constraint, so drop it.
    for shape, prop in list(g.subject_objects(SH.property)):
        if (prop, None, None) not in g:
            g.remove((shape, SH.property, prop))
    return g


def shacl_results(data: Graph, shapes: Graph) -> list[dict[str, object]]:
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    found = []
    for node in report.objects(next(report.subjects(RDF.type, SH.ValidationReport)), SH.result):
        found.append({"severity": report.value(node, SH.resultSeverity), "focus": report.value(node, SH.focusNode),
                      "path": report.value(node, SH.resultPath), "value": report.value(node, SH.value),
                      "message": str(report.value(node, SH.resultMessage))})
    return found


def to_graph(data: bytes, media: str) -> Graph:
    """Parsed by Oxigraph (rdflib's JSON-LD parser warns), handed to rdflib for SHACL and comparison."""
    triples = ox.parse(data, format=ox.RdfFormat.from_media_type(media))
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def fetch_graph(url: str, media: str = "text/turtle") -> Graph:
    response = requests.get(url, headers={"Accept": media}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media
    return to_graph(response.content, media)


@pytest.fixture
def catalogue(server) -> Graph:
    return fetch_graph(server.url + "catalog")


def test_catalogue_describes_dataset_distributions_and_service(catalogue, server):
    assert set(catalogue.subjects(RDF.type, DCAT.Catalog)) == {CATALOG}
    dataset = catalogue.value(CATALOG, DCAT.dataset)
    assert (dataset, RDF.type, DCAT.Dataset) in catalogue
    downloads = {str(catalogue.value(d, DCAT.downloadURL)) for d in catalogue.objects(dataset, DCAT.distribution)}
    assert downloads == {server.url + "dumps/" + n for n in ("bdp.ttl.gz", "bdp.nt.gz", "bdp.jsonld.gz",
                                                             "practices.csv")}
    service = catalogue.value(CATALOG, DCAT.service)
    assert catalogue.value(service, DCAT.endpointURL) == URIRef(server.url + "sparql")
    assert catalogue.value(service, DCAT.servesDataset) == dataset
    assert {lit.language for lit in catalogue.objects(dataset, DCAT.keyword)} == {"pl", "en"}
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI") in set(
        catalogue.objects(dataset, DCAT.theme))
    assert catalogue.value(dataset, DCTERMS.spatial) == URIRef(
        "http://publications.europa.eu/resource/authority/country/POL")
    assert str(catalogue.value(dataset, DCTERMS.license)) == "http://creativecommons.org/licenses/by/4.0/"
    assert catalogue.value(catalogue.value(dataset, DCTERMS.publisher), FOAF.name) == Literal("Bank Dobrych Praktyk")


def test_catalogue_validates_against_dcat_ap_template_with_ranges(catalogue):
    results = shacl_results(catalogue, shapes_graph("dcat-ap-SHACL.ttl", "ranges.ttl"))
    assert [r for r in results if r["severity"] == SH.Violation] == []


def test_catalogue_has_every_mandatory_and_recommended_property(catalogue):
    shapes = shapes_graph("split/shapes.ttl", "split/shapes_recommended.ttl", "split/range.ttl")
    assert shacl_results(catalogue, shapes) == []      # not even a warning: every recommendation is met


def test_catalogue_values_come_from_the_controlled_vocabularies(catalogue):
    """mdr-vocabularies: themes, languages, file types, frequency, licence and publisher types are EU / ADMS
    concepts, described in the catalogue itself. Two findings remain, both of the shapes, not the data:
    our publisher is not an EU corporate body (a warning), and the shape wants the SPDX checksum algorithm
    under https://spdx.org/rdf/terms, while SPDX (and DCAT-AP's own text) name it http://spdx.org/rdf/terms#."""
    results = shacl_results(catalogue, shapes_graph("split/mdr-vocabularies.shape.ttl"))
    violations = [r for r in results if r["severity"] == SH.Violation]
    assert len(violations) == 4                        # one per distribution's checksum
    for r in violations:
        assert r["path"] == SPDX.algorithm and r["value"] == SPDX.checksumAlgorithm_sha256
    assert {r["path"] for r in results if r["severity"] == SH.Warning} == {DCTERMS.publisher}


def test_catalogue_formats_are_the_same_graph(server, catalogue):
    for media in ("application/ld+json", "application/rdf+xml", "application/n-triples"):
        assert isomorphic(fetch_graph(server.url + "catalog", media), catalogue), media
    assert isomorphic(to_graph(requests.get(server.url + "catalog.jsonld", timeout=30).content,
                               "application/ld+json"), catalogue)
    response = requests.get(server.url + "catalog", params={"format": "nt"}, timeout=30)
    assert response.headers["Content-Type"] == "application/n-triples"
    assert 'type="text/turtle"' in response.headers["Link"] and response.headers["Vary"] == "Accept"


def test_catalogue_page_for_people(server):
    response = requests.get(server.url + "catalog", headers={"Accept": "text/html,*/*;q=0.8"}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    for name in ("bdp.ttl.gz", "bdp.nt.gz", "bdp.jsonld.gz", "practices.csv"):
        assert f'href="{server.url}dumps/{name}"' in response.text
    assert f'href="{server.url}sparql"' in response.text
    assert '<link rel="alternate" type="text/turtle"' in response.text


@pytest.mark.parametrize(("path", "headers", "status", "words"), [
    ("catalog?format=xlsx", {}, 400, "parameter format: 'xlsx'"),
    ("catalog.xlsx", {}, 404, "no such format 'xlsx'"),
    ("catalog", {"Accept": "image/png"}, 406, "text/turtle"),
    (".well-known/void", {"Accept": "text/html"}, 406, "text/turtle"),
])
def test_bad_catalogue_requests_say_what_is_wrong(server, path, headers, status, words):
    response = requests.get(server.url + path, headers=headers, timeout=30)
    assert response.status_code == status
    assert words in response.text and "Traceback" not in response.text


def test_publisher_comes_from_settings_and_is_escaped(built, settings, live_server):
    app = create_app(settings.with_(out=str(built), publisher_name="Fundacja <Test> & Spółka",
                                    contact_email="dane@example.pl", publisher_type="LocalAuthority",
                                    licence="http://creativecommons.org/publicdomain/zero/1.0/"))
    server = live_server(app)
    g = fetch_graph(server.url + "catalog")
    publisher = g.value(CATALOG, DCTERMS.publisher)
    assert g.value(publisher, FOAF.name) == Literal("Fundacja <Test> & Spółka")
    assert g.value(publisher, DCTERMS.type) == URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    contact = g.value(g.value(CATALOG, DCAT.dataset), DCAT.contactPoint)
    assert g.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == URIRef("mailto:dane@example.pl")
    licence = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
    assert g.value(licence, DCTERMS.type) == URIRef("http://purl.org/adms/licencetype/PublicDomain")
    page = requests.get(server.url + "catalog", headers={"Accept": "text/html"}, timeout=30).text
    assert "Fundacja &lt;Test&gt; &amp; Spółka" in page and "<Test>" not in page


def test_bad_publisher_type_stops_the_build_with_a_message(tmp_path):
    with pytest.raises(SettingsError, match="publisher_type"):
        load_settings({"publisher_type": "Ministry"}, environ={})
    result = run_bdp("build", "--out", str(tmp_path / "out"), env={"BDP_PUBLISHER_TYPE": "Ministry"})
    assert result.returncode == 2
    assert "setting publisher_type: 'Ministry'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# --- the catalogue in the store: the dane.gov.pl way --------------------------------------------------

CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{CATALOG}> {{ ?s ?p ?o }} }}"


def integers_as_stored(g: Graph) -> Graph:
    """Oxigraph (like Fuseki, Stardog, AllegroGraph: w3c/data-shapes#142) stores every integer-derived literal
    as xsd:integer, and CONSTRUCT answers from the store: dcat:byteSize "n"^^xsd:nonNegativeInteger comes
    back "n"^^xsd:integer. Compare with that one, documented difference folded away."""
    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype == XSD.nonNegativeInteger:
            assert p == DCAT.byteSize, p          # the only integer-derived literal in the catalogue
            o = Literal(str(o), datatype=XSD.integer)
        out.add((s, p, o))
    return out


def _as_published(built, settings, live_server):
    """A server whose public URL is the one the build wrote (no public_url: the base)."""
    return live_server(create_app(settings.with_(out=str(built), public_url=BASE)))


def test_named_graph_holds_the_served_catalogue(built, settings, live_server):
    served = fetch_graph(_as_published(built, settings, live_server).url + "catalog")
    store = ox.Store.read_only(str(built / "store"))
    stored = to_graph(ox.serialize(store.query(CONSTRUCT), format=ox.RdfFormat.N_TRIPLES), "application/n-triples")
    assert len(stored) == len(served) > 300
    assert isomorphic(stored, integers_as_stored(served))
    # ... and none of it in the default graph, whose size the dumps, VoID and COUNT(*) report
    assert not store.query(f"ASK {{ <{CATALOG}> ?p ?o }}")


def test_construct_through_sparql_returns_the_catalogue(built, settings, live_server):
    server = _as_published(built, settings, live_server)
    served = fetch_graph(server.url + "catalog")
    response = requests.get(server.url + "sparql", params={"query": CONSTRUCT},
                            headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert isomorphic(to_graph(response.content, "text/turtle"), integers_as_stored(served))


def test_build_writes_its_own_copies(built):
    for name in ("catalog.ttl", "catalog.jsonld", "void.ttl", "catalog.json", "sitemap.xml"):
        assert (built / name).is_file(), name
    copy = Graph().parse(built / "catalog.ttl", format="turtle")
    downloads = {str(o) for o in copy.objects(None, DCAT.downloadURL)}
    assert downloads and all(re.fullmatch(re.escape(BASE) + r"dumps/[a-z.]+", d) for d in downloads)
