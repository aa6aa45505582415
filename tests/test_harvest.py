"""Issue 6: a harvester's walk over a real HTTP server, from /.well-known/void alone to every byte of every
distribution; the CSV; sitemaps and robots.txt; conditional requests; stable names; public URLs."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDFS

from publisher.dataset.facts import load_facts
from publisher.outputs.practices_csv import CSV_COLUMNS
from publisher.pipeline.build import build
from publisher.pipeline.outputs import with_sitemap_limit
from publisher.web import create_app
from tests.conftest import DATA

VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
               "application/ld+json": ox.RdfFormat.JSON_LD}


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=60)


def turtle(url: str) -> Graph:
    response = get(url, Accept="text/turtle")
    assert response.status_code == 200, response.text[:300]
    return Graph().parse(data=response.content, format="turtle")


def harvest(start: str) -> dict:
    """What a harvester does, knowing nothing but the VoID address."""
    void = turtle(start)
    dataset = next(void.subjects(URIRef(VOID + "triples"), None))
    found = {"triples": int(void.value(dataset, URIRef(VOID + "triples"))),
             "dumps": {str(o) for o in void.objects(dataset, URIRef(VOID + "dataDump"))},
             "sparql": str(void.value(dataset, URIRef(VOID + "sparqlEndpoint"))),
             "catalog": str(void.value(dataset, RDFS.seeAlso)), "files": {}}
    catalogue = turtle(found["catalog"])
    for dist in catalogue.objects(dataset, DCAT.distribution):
        url = str(catalogue.value(dist, DCAT.downloadURL))
        checksum = catalogue.value(dist, URIRef(SPDX + "checksum"))
        response = get(url)
        assert response.status_code == 200, url
        media = str(catalogue.value(dist, DCAT.mediaType)).split("/media-types/")[1]
        packed = catalogue.value(dist, DCAT.compressFormat)
        found["files"][url] = {
            "body": response.content, "headers": response.headers, "media": media,
            "sent_as": str(packed).split("/media-types/")[1] if packed else media,
            "size": int(catalogue.value(dist, DCAT.byteSize)),
            "sha256": str(catalogue.value(checksum, URIRef(SPDX + "checksumValue"))),
            "algorithm": str(catalogue.value(checksum, URIRef(SPDX + "algorithm")))}
    return found


def triples_in(body: bytes, media: str, compressed: bool) -> int:
    data = gzip.decompress(body) if compressed else body
    return len(set(ox.parse(data, format=RDF_FORMATS[media])))


def test_harvest_from_void_to_every_byte(server):
    found = harvest(server.url + ".well-known/void")
    assert found["catalog"] == server.url + "catalog"
    assert len(found["files"]) == 4
    rdf_dumps = {url for url, f in found["files"].items() if f["media"] in RDF_FORMATS}
    assert rdf_dumps == found["dumps"] and len(rdf_dumps) == 3
    for url, f in found["files"].items():
        assert len(f["body"]) == f["size"] == int(f["headers"]["Content-Length"]), url
        assert f["algorithm"] == SPDX + "checksumAlgorithm_sha256"
        assert hashlib.sha256(f["body"]).hexdigest() == f["sha256"], url
        assert f["headers"]["Content-Type"].split(";")[0] == f["sent_as"], url
        assert "Content-Encoding" not in f["headers"]     # gzip is the file, not a transfer coding
        assert f["headers"]["ETag"] and f["headers"]["Last-Modified"]
    for url in rdf_dumps:
        f = found["files"][url]
        assert f["sent_as"] == "application/gzip"
        assert triples_in(f["body"], f["media"], compressed=True) == found["triples"], url


def test_void_triples_equal_count_on_the_sparql_endpoint(server):
    found = harvest(server.url + ".well-known/void")
    assert found["sparql"] == server.url + "sparql"
    response = requests.get(found["sparql"], params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    count = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert count == found["triples"] > 700


def test_void_describes_partitions_links_and_vocabularies(server):
    void = turtle(server.url + ".well-known/void")
    v = lambda name: URIRef(VOID + name)  # noqa: E731
    dataset = next(void.subjects(v("triples"), None))
    classes = {void.value(p, v("class")): int(void.value(p, v("entities")))
               for p in void.objects(dataset, v("classPartition"))}
    assert classes[URIRef("https://w3id.org/bdp/ontology#Practice")] == 1
    assert classes[URIRef("http://www.w3.org/ns/org#Organization")] == 4
    properties = {void.value(p, v("property")): int(void.value(p, v("triples")))
                  for p in void.objects(dataset, v("propertyPartition"))}
    assert sum(properties.values()) == int(void.value(dataset, v("triples")))
    assert str(void.value(dataset, v("uriSpace"))) == "https://w3id.org/bdp/id/"
    assert URIRef("http://purl.org/dc/terms/") in set(void.objects(dataset, v("vocabulary")))
    assert URIRef("https://w3id.org/bdp/id/practice/trzy-filary-bank-partnerow-lokalnych") in set(
        void.objects(dataset, v("exampleResource")))
    # the voivodeships are skos:exactMatch'ed to Wikidata: one linkset per (property, target site)
    linksets = {(void.value(ls, v("linkPredicate")), int(void.value(ls, v("triples"))))
                for ls in void.objects(dataset, v("subset"))}
    assert (URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"), 16) in linksets
    for ls in void.objects(dataset, v("subset")):
        assert void.value(ls, v("subjectsTarget")) == dataset and void.value(ls, v("objectsTarget"))


def test_reharvest_of_unchanged_dataset_is_all_304(server):
    found = harvest(server.url + ".well-known/void")
    urls = [server.url + ".well-known/void", found["catalog"], server.url + "sitemap.xml", *found["files"]]
    for url in urls:
        first = get(url, Accept="text/turtle")
        again = get(url, Accept="text/turtle", **{"If-None-Match": first.headers["ETag"]})
        assert (again.status_code, again.content) == (304, b""), url
        since = get(url, Accept="text/turtle", **{"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, url
        stale = get(url, Accept="text/turtle", **{"If-None-Match": '"not-this-one"'})
        assert stale.status_code == 200 and stale.content == first.content, url


def test_etags_agree_between_processes(built, settings, live_server):
    """Two workers (two apps) make the same bytes and so the same ETag for the same URL."""
    one = create_app(settings.with_(out=str(built), public_url="https://data.example.org/"))
    two = create_app(settings.with_(out=str(built), public_url="https://data.example.org/"))
    for path in ("/catalog.ttl", "/catalog.jsonld", "/.well-known/void", "/sitemap.xml", "/dumps/bdp.nt.gz"):
        with one.test_client().get(path) as a, two.test_client().get(path) as b:
            assert a.status_code == 200 and a.headers["ETag"] == b.headers["ETag"], path


def test_csv_of_practices(tmp_path, settings, live_server):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    seed = data / "practices" / "trzy-filary-bank-partnerow-lokalnych.yaml"
    text = seed.read_text(encoding="utf-8").replace("key: trzy-filary-bank-partnerow-lokalnych",
                                                    "key: zielona-łódź")
    text = text.replace("Trzy Filary - Bank Partnerów Lokalnych", "Zielona Łódź — żółć, gęś, ćma, źdźbło")
    (data / "practices" / "zielona-łódź.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build(settings, data, out, workers=1)
    server = live_server(create_app(settings.with_(out=str(out))))
    response = get(server.url + "dumps/practices.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline=""))
    rows = list(reader)
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    assert all(re.fullmatch(r"[a-z_]+", name) for name in CSV_COLUMNS)     # an English, plain header
    assert len(rows) == len(list((data / "practices").glob("*.yaml"))) == 2
    by_key = {row["key"]: row for row in rows}
    assert by_key["zielona-łódź"]["title_pl"] == "Zielona Łódź — żółć, gęś, ćma, źdźbło"
    assert by_key["trzy-filary-bank-partnerow-lokalnych"]["title_pl"] == "Trzy Filary - Bank Partnerów Lokalnych"
    row = by_key["zielona-łódź"]
    assert row["iri"] == "https://w3id.org/bdp/id/practice/zielona-%C5%82%C3%B3d%C5%BA"
    assert row["themes"] == "dialog-spoleczny; rozwoj-instytucjonalny"
    assert row["voivodeship"] == "pomorskie" and row["voivodeship_teryt"] == "22"
    assert row["entered"] == "2011-03-03" and row["latitude"] == "54.0924"
    assert "Fundacja Pokolenia" in row["partners"].split("; ")
    assert "\n" in row["description_pl"]                                  # multi-line text stays in one cell


def test_sitemap_and_robots(server):
    robots = get(server.url + "robots.txt")
    assert robots.headers["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {server.url}sitemap.xml" in robots.text.splitlines()
    response = get(server.url + "sitemap.xml")
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{SITEMAP_NS['s']}}}urlset"
    urls = {u.findtext("s:loc", namespaces=SITEMAP_NS): u.findtext("s:lastmod", namespaces=SITEMAP_NS)
            for u in root.findall("s:url", SITEMAP_NS)}
    practice = server.url + "doc/practice/trzy-filary-bank-partnerow-lokalnych"
    assert urls[practice] == "2026-11-25"
    assert server.url in urls and server.url + "catalog" in urls
    assert len(urls) == 8 and all(u.startswith(server.url) for u in urls)
    assert get(practice, Accept="text/html").status_code == 200


def test_sitemap_splits_into_an_index(tmp_path, settings, live_server):
    out = tmp_path / "out"
    build(settings, DATA, out, workers=1, steps=[with_sitemap_limit(3)])
    server = live_server(create_app(settings.with_(out=str(out))))
    index = ET.fromstring(get(server.url + "sitemap.xml").content)
    assert index.tag == f"{{{SITEMAP_NS['s']}}}sitemapindex"
    parts = [s.findtext("s:loc", namespaces=SITEMAP_NS) for s in index.findall("s:sitemap", SITEMAP_NS)]
    assert parts == [f"{server.url}sitemap-{n}.xml" for n in (1, 2, 3)]
    seen = []
    for part in parts:
        urlset = ET.fromstring(get(part).content)
        locs = [u.findtext("s:loc", namespaces=SITEMAP_NS) for u in urlset.findall("s:url", SITEMAP_NS)]
        assert 1 <= len(locs) <= 3
        seen += locs
    assert len(seen) == len(set(seen)) == 8
    assert get(server.url + "sitemap-4.xml").status_code == 404
    assert get(server.url + "sitemap-0.xml").status_code == 404


def test_public_url_and_proxy_headers_shape_every_link(built, settings, live_server):
    public = live_server(create_app(settings.with_(out=str(built), public_url="https://dane.example.pl/bdp/")))
    catalogue = turtle(public.url + "catalog")
    downloads = {str(o) for o in catalogue.objects(None, DCAT.downloadURL)}
    assert downloads and all(d.startswith("https://dane.example.pl/bdp/dumps/") for d in downloads)
    assert "Sitemap: https://dane.example.pl/bdp/sitemap.xml" in get(public.url + "robots.txt").text
    assert "<loc>https://dane.example.pl/bdp/doc/practice/" in get(public.url + "sitemap.xml").text

    proxied = live_server(create_app(settings.with_(out=str(built))))
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example", "X-Forwarded-Prefix": "/lod",
               "Accept": "text/turtle"}
    graph = Graph().parse(data=requests.get(proxied.url + "catalog", headers=headers, timeout=60).content,
                          format="turtle")
    endpoint = {str(o) for o in graph.objects(None, DCAT.endpointURL)}
    assert endpoint == {"https://proxy.example/lod/sparql", "https://proxy.example/lod/feed/"}   # + the change feed
    assert "Disallow: /lod/sparql" in requests.get(proxied.url + "robots.txt", headers=headers, timeout=60).text


def test_landing_page_carries_schema_org_dataset(server):
    page = get(server.url, Accept="text/html").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["@type"] == "Dataset" and data["license"] == "http://creativecommons.org/licenses/by/4.0/"
    catalogue = turtle(server.url + "catalog")
    downloads = {str(o) for o in catalogue.objects(None, DCAT.downloadURL)}
    assert {d["contentUrl"] for d in data["distribution"]} == downloads
    for item in data["distribution"]:
        body = get(item["contentUrl"]).content
        assert hashlib.sha256(body).hexdigest() == item["sha256"]
        assert item["contentSize"] == f"{len(body)} B"
    assert data["includedInDataCatalog"]["url"] == server.url + "catalog"


def test_dump_names_are_stable_and_unchanged_files_keep_their_date(tmp_path, settings):
    out = tmp_path / "out"
    build(settings, DATA, out, workers=1)
    first = load_facts(out)
    build(settings, DATA, out, workers=1)
    second = load_facts(out)
    assert first is not None and second is not None
    assert set(first.files) == set(second.files) == {"bdp.ttl.gz", "bdp.nt.gz", "bdp.jsonld.gz", "practices.csv"}
    assert sorted(p.name for p in (out / "dumps").iterdir()) == sorted(first.files)
    csv_before, csv_after = first.files["practices.csv"], second.files["practices.csv"]
    assert csv_before.sha256 == csv_after.sha256
    assert csv_after.modified == csv_before.modified    # If-Modified-Since still answers 304 after a rebuild


@pytest.mark.parametrize("path", ["dumps/nope.ttl", "dumps/..%2Fcatalog.json", "dumps/build.json"])
def test_unknown_dumps_are_404_with_a_message(server, path):
    response = get(server.url + path)
    assert response.status_code == 404 and "Traceback" not in response.text


def test_no_build_yet_is_503_with_advice(tmp_path, settings, live_server):
    (tmp_path / "empty").mkdir()
    server = live_server(create_app(settings.with_(out=str(tmp_path / "empty"))))
    for path in ("catalog.ttl", ".well-known/void", "dumps/bdp.nt.gz", "sitemap.xml"):
        response = get(server.url + path)
        assert response.status_code == 503 and "bdp build" in response.text, path


def test_last_modified_is_the_file_date(server, built):
    facts = load_facts(Path(built))
    assert facts is not None
    response = get(server.url + "dumps/practices.csv")
    sent = parsedate_to_datetime(response.headers["Last-Modified"])
    assert sent.strftime("%Y-%m-%dT%H:%M:%SZ") == facts.files["practices.csv"].modified
