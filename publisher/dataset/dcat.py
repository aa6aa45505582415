"""The dataset as data portals see it: a DCAT-AP 3 catalogue (catalogue, dataset, distributions, the SPARQL
service, publisher, contact point) made from build facts for one public URL prefix.

Node IRIs are fixed under the base (`{base}catalog`, `{base}catalog#dataset`, ...); only the URLs a client
fetches (downloads, the endpoint, the landing page) follow the public prefix. No blank nodes: the same facts
and prefix give the same bytes in every process, so an ETag made from them is stable. The EU vocabulary
concepts used are described here too (label, scheme, class), as DCAT-AP harvesters and shapes expect."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from publisher.config import Settings
from publisher.dataset.facts import DUMPS, Facts, public_prefix
from publisher.dataset.terms import KEYWORDS, TEXT, Triples, catalog_iri, dataset_iri, node, typed
from publisher.dataset.void import describe_void
from publisher.eu_vocab import (
    CONCEPTS,
    DCATAP,
    EU,
    FILE_TYPES,
    IANA,
    LANGUAGES,
    LICENCE_TYPE,
    POLAND,
    POLAND_BBOX,
    POLAND_CENTROID,
    PUBLISHER_TYPE,
    SCHEMES,
    THEMES,
    WKT,
    licence_info,
)
from publisher.formats import BY_NAME, FILE_MEDIA_TYPES
from publisher.namespaces import ONTOLOGY_IRI, SPDX, VCARD

SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
LDES_SPEC = "https://w3id.org/ldes/specification"

def publisher_type(settings: Settings) -> str:
    """The ADMS publisher type concept (the setting is checked at start-up by publisher.config)."""
    return PUBLISHER_TYPE + settings.publisher_type


def _date(g: Triples, s: str, p: str, value: str | None) -> None:
    if value:
        g.add(s, p, typed(value, XSD.dateTime if "T" in value else XSD.date))


def _concepts(g: Triples, iris: set[str]) -> None:
    for iri in sorted(iris):
        c = CONCEPTS[iri]
        g.add(iri, RDF.type, SKOS.Concept)
        for cls in c.classes:
            g.add(iri, RDF.type, cls)
        g.add(iri, SKOS.inScheme, c.scheme)
        g.texts(iri, SKOS.prefLabel, {"pl": c.pl, "en": c.en})
        if iri == POLAND:
            g.add(iri, DCAT.bbox, typed(POLAND_BBOX, WKT))
            g.add(iri, DCAT.centroid, typed(POLAND_CENTROID, WKT))
    for scheme in sorted({CONCEPTS[i].scheme for i in iris}):
        g.add(scheme, RDF.type, SKOS.ConceptScheme)
        g.add(scheme, DCTERMS.title, ox.Literal(SCHEMES[scheme], language="en"))


def _agents(g: Triples, settings: Settings, base: str, used: set[str]) -> tuple[str, str]:
    publisher, contact = node(base, "publisher"), node(base, "contact")
    g.add(publisher, RDF.type, FOAF.Agent)
    g.add(publisher, RDF.type, FOAF.Organization)
    g.add(publisher, FOAF.name, ox.Literal(settings.publisher_name))
    kind = publisher_type(settings)
    g.add(publisher, DCTERMS.type, kind)
    used.add(kind)
    if settings.publisher_url:
        g.add(publisher, FOAF.homepage, settings.publisher_url)
        g.add(settings.publisher_url, RDF.type, FOAF.Document)
    g.add(contact, RDF.type, VCARD.Kind)
    g.add(contact, RDF.type, VCARD.Organization)
    g.add(contact, VCARD.fn, ox.Literal(settings.publisher_name))
    g.add(contact, VCARD.hasEmail, "mailto:" + settings.contact_email)
    return publisher, contact


def _licence(g: Triples, licence: str, used: set[str]) -> None:
    title, kinds = licence_info(licence)
    g.add(licence, RDF.type, DCTERMS.LicenseDocument)
    g.add(licence, DCTERMS.title, ox.Literal(title))
    for kind in kinds:
        g.add(licence, DCTERMS.type, LICENCE_TYPE + kind)
        used.add(LICENCE_TYPE + kind)


def _distributions(g: Triples, facts: Facts, settings: Settings, base: str, public: str, used: set[str]) -> list[str]:
    nodes = []
    for dump in DUMPS:
        info = facts.files.get(dump.name)
        if info is None:
            continue
        dist, checksum = node(base, "dist-" + dump.slug), node(base, "checksum-" + dump.slug)
        url = f"{public}dumps/{dump.name}"
        media = IANA + BY_NAME[dump.format].media_type
        file_type = f"{EU}file-type/{FILE_TYPES[dump.format]}"
        g.add(dist, RDF.type, DCAT.Distribution)
        g.texts(dist, DCTERMS.title, dump.title)
        g.texts(dist, DCTERMS.description, dump.description)
        g.add(dist, DCAT.accessURL, url)
        g.add(dist, DCAT.downloadURL, url)
        g.add(dist, DCAT.mediaType, media)
        g.add(media, RDF.type, DCTERMS.MediaType)
        if dump.compressed:
            gzip = IANA + FILE_MEDIA_TYPES["gzip"]
            g.add(dist, DCAT.compressFormat, gzip)
            g.add(gzip, RDF.type, DCTERMS.MediaType)
        g.add(dist, DCTERMS.format, file_type)
        g.add(dist, DCAT.byteSize, typed(info.size, XSD.nonNegativeInteger))
        g.add(dist, SPDX.checksum, checksum)
        g.add(checksum, RDF.type, SPDX.Checksum)
        g.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        g.add(checksum, SPDX.checksumValue, typed(info.sha256, XSD.hexBinary))
        g.add(dist, DCTERMS.license, settings.licence)
        for lang in LANGUAGES:
            g.add(dist, DCTERMS.language, lang)
        _date(g, dist, DCTERMS.modified, info.modified)
        g.add(dist, DCATAP + "availability", EU + "planned-availability/STABLE")
        g.add(dist, "http://www.w3.org/ns/adms#status", EU + "distribution-status/COMPLETED")
        if dump.format != "csv":
            g.add(dist, DCTERMS.conformsTo, ONTOLOGY_IRI)
        used.update((file_type, EU + "planned-availability/STABLE", EU + "distribution-status/COMPLETED"))
        nodes.append(dist)
    g.add(SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm)
    return nodes



def _data_service(g: Triples, service: str, texts: str, endpoint: str, standard: str, keyword: str,
                  dataset: str, publisher: str, contact: str, settings: Settings) -> None:
    """A dcat:DataService of the catalogue (the SPARQL endpoint, the change feed): the same description
    but for its texts (TEXT[texts + "_title"], ..._description), endpoint, standard and one keyword."""
    g.add(service, RDF.type, DCAT.DataService)
    g.texts(service, DCTERMS.title, TEXT[texts + "_title"])
    g.texts(service, DCTERMS.description, TEXT[texts + "_description"])
    g.add(service, DCAT.endpointURL, endpoint)
    g.add(service, DCAT.endpointDescription, endpoint)
    g.add(endpoint, RDF.type, RDFS.Resource)
    g.add(service, DCAT.servesDataset, dataset)
    g.add(service, DCTERMS.conformsTo, standard)
    g.add(standard, RDF.type, DCTERMS.Standard)
    g.add(service, DCTERMS.publisher, publisher)
    g.add(service, DCAT.contactPoint, contact)
    g.add(service, DCTERMS.license, settings.licence)
    g.add(service, DCTERMS.accessRights, EU + "access-right/PUBLIC")
    for theme in THEMES:
        g.add(service, DCAT.theme, theme)
    for lang, words in KEYWORDS.items():
        g.add(service, DCAT.keyword, ox.Literal(words[0], language=lang))
    g.add(service, DCAT.keyword, ox.Literal(keyword))

def describe(facts: Facts, settings: Settings, public: str | None = None) -> Triples:
    """The DCAT-AP description (and, from publisher.dataset.void, the VoID one) for URLs under `public`."""

    base = settings.base_uri
    public = public_prefix(public or facts.public)
    g = Triples()
    used: set[str] = set(THEMES) | set(LANGUAGES) | {POLAND, EU + "frequency/IRREG", EU + "access-right/PUBLIC"}
    catalog, dataset, service = catalog_iri(base), dataset_iri(base), node(base, "sparql")
    publisher, contact = _agents(g, settings, base, used)

    g.add(catalog, RDF.type, DCAT.Catalog)
    g.texts(catalog, DCTERMS.title, TEXT["catalog_title"])
    g.texts(catalog, DCTERMS.description, TEXT["catalog_description"])
    g.add(catalog, DCTERMS.publisher, publisher)
    g.add(catalog, FOAF.homepage, public)
    g.add(public, RDF.type, FOAF.Document)
    g.add(catalog, DCTERMS.license, settings.licence)
    g.add(catalog, DCAT.themeTaxonomy, EU + "data-theme")
    g.add(catalog, DCAT.dataset, dataset)
    g.add(catalog, DCAT.service, service)
    for lang in LANGUAGES:
        g.add(catalog, DCTERMS.language, lang)
    g.add(catalog, DCTERMS.spatial, POLAND)
    _date(g, catalog, DCTERMS.issued, facts.issued)
    _date(g, catalog, DCTERMS.modified, facts.modified)

    g.add(dataset, RDF.type, DCAT.Dataset)
    g.texts(dataset, DCTERMS.title, TEXT["dataset_title"])
    g.texts(dataset, DCTERMS.description, TEXT["dataset_description"])
    g.add(dataset, DCTERMS.identifier, ox.Literal(dataset))
    for lang, words in KEYWORDS.items():
        for word in words:
            g.add(dataset, DCAT.keyword, ox.Literal(word, language=lang))
    for theme in THEMES:
        g.add(dataset, DCAT.theme, theme)
    for lang in LANGUAGES:
        g.add(dataset, DCTERMS.language, lang)
    g.add(dataset, DCTERMS.spatial, POLAND)
    g.add(dataset, DCTERMS.publisher, publisher)
    g.add(dataset, DCAT.contactPoint, contact)
    g.add(dataset, DCTERMS.license, settings.licence)
    g.add(dataset, DCTERMS.accessRights, EU + "access-right/PUBLIC")
    g.add(dataset, DCTERMS.accrualPeriodicity, EU + "frequency/IRREG")
    g.add(dataset, DCAT.landingPage, public)
    g.add(dataset, DCTERMS.conformsTo, ONTOLOGY_IRI)
    g.add(ONTOLOGY_IRI, RDF.type, DCTERMS.Standard)
    _date(g, dataset, DCTERMS.issued, facts.issued)
    _date(g, dataset, DCTERMS.modified, facts.modified)
    if facts.issued and facts.modified:
        period = node(base, "period")
        g.add(dataset, DCTERMS.temporal, period)
        g.add(period, RDF.type, DCTERMS.PeriodOfTime)
        _date(g, period, DCAT.startDate, facts.issued)
        _date(g, period, DCAT.endDate, facts.modified)
    for dist in _distributions(g, facts, settings, base, public, used):
        g.add(dataset, DCAT.distribution, dist)

    _data_service(g, service, "service", public + "sparql", SPARQL_PROTOCOL, "SPARQL", dataset, publisher,
                  contact, settings)
    feed = node(base, "feed")      # the change feed (publisher/outputs/feed.py), a Linked Data Event Stream
    g.add(catalog, DCAT.service, feed)
    # the stream describes itself (TREE): its URL is also its endpoint description
    _data_service(g, feed, "feed", public + "feed/", LDES_SPEC, "LDES", dataset, publisher, contact, settings)

    _licence(g, settings.licence, used)
    _concepts(g, used)
    for triple in describe_void(facts, settings, public):
        g.add(triple.subject.value, triple.predicate.value, triple.object if isinstance(  # type: ignore[union-attr]
            triple.object, ox.Literal) else triple.object.value)  # type: ignore[union-attr]
    return g
