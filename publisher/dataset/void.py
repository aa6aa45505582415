"""The VoID description of the dataset (the same node as the DCAT dataset): size, partitions by class and
property, URI space, examples, the SPARQL endpoint, the dumps, the vocabularies and one void:Linkset per
(link property, external target)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from publisher.config import Settings
from publisher.dataset.facts import DUMPS, Facts, public_prefix
from publisher.dataset.linksets import linkset_triples
from publisher.dataset.terms import TEXT, Triples, catalog_iri, dataset_iri, node
from publisher.namespaces import VOID

FORMATS_NS = "http://www.w3.org/ns/formats/"
FEATURES = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}


def void_iri(base: str) -> str:
    return base + ".well-known/void"


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD.integer))


def describe_void(facts: Facts, settings: Settings, public: str | None = None) -> list[ox.Triple]:
    base = settings.base_uri
    public = public_prefix(public or facts.public)
    dataset, document = dataset_iri(base), void_iri(base)
    g = Triples()
    g.add(document, RDF.type, VOID.DatasetDescription)
    g.add(document, DCTERMS.title, ox.Literal("VoID: " + TEXT["dataset_title"]["en"], language="en"))
    g.add(document, FOAF.primaryTopic, dataset)
    g.add(dataset, RDF.type, VOID.Dataset)
    g.add(catalog_iri(base), DCAT.dataset, dataset)
    g.add(dataset, RDFS.seeAlso, public + "catalog")   # where a harvester finds the DCAT-AP catalogue
    g.texts(dataset, DCTERMS.title, TEXT["dataset_title"])
    g.add(dataset, DCTERMS.license, settings.licence)
    if facts.modified:
        g.add(dataset, DCTERMS.modified, ox.Literal(facts.modified, datatype=ox.NamedNode(XSD.date)))
    g.add(dataset, FOAF.homepage, public)
    g.add(dataset, VOID.triples, _int(facts.triples))
    g.add(dataset, VOID.entities, _int(facts.entities))
    g.add(dataset, VOID.distinctSubjects, _int(facts.distinct_subjects))
    g.add(dataset, VOID.distinctObjects, _int(facts.distinct_objects))
    g.add(dataset, VOID.classes, _int(len(facts.classes)))
    g.add(dataset, VOID.properties, _int(len(facts.properties)))
    g.add(dataset, VOID.uriSpace, ox.Literal(base + "id/"))
    for example in facts.examples:
        g.add(dataset, VOID.exampleResource, example)
    g.add(dataset, VOID.sparqlEndpoint, public + "sparql")
    feed = public + "feed/"                          # the change feed (publisher/outputs/feed.py)
    g.add(feed, VOID.inDataset, dataset)
    g.add(feed, RDF.type, "https://w3id.org/ldes#EventStream")
    g.add(feed, DCTERMS.conformsTo, "https://w3id.org/ldes/specification")
    for dump in DUMPS:
        if dump.rdf and dump.name in facts.files:
            g.add(dataset, VOID.dataDump, f"{public}dumps/{dump.name}")
            g.add(dataset, VOID.feature, FORMATS_NS + FEATURES[dump.format])
    for vocabulary in facts.vocabularies:
        g.add(dataset, VOID.vocabulary, vocabulary)
    for i, (cls, count) in enumerate(facts.classes, 1):
        part = node(base, f"class-{i}")
        g.add(dataset, VOID.classPartition, part)
        g.add(part, VOID["class"], cls)
        g.add(part, VOID.entities, _int(count))
    for i, (prop, count) in enumerate(facts.properties, 1):
        part = node(base, f"property-{i}")
        g.add(dataset, VOID.propertyPartition, part)
        g.add(part, VOID.property, prop)
        g.add(part, VOID.triples, _int(count))
    for i, (prop, target, count) in enumerate(facts.linksets, 1):
        linkset, other = node(base, f"linkset-{i}"), node(base, "target-" + (urlsplit(target).hostname or str(i)))
        g.add(dataset, VOID.subset, linkset)
        g.add(linkset, RDF.type, VOID.Linkset)
        g.add(linkset, VOID.subjectsTarget, dataset)
        g.add(linkset, VOID.objectsTarget, other)
        g.add(linkset, VOID.linkPredicate, prop)
        g.add(linkset, VOID.triples, _int(count))
        g.add(other, RDF.type, VOID.Dataset)
        g.add(other, VOID.uriSpace, ox.Literal(target))
        g.add(other, DCTERMS.title, ox.Literal(urlsplit(target).hostname or target))
    for s, p, o in linkset_triples(facts, base, public):     # one per linkset file of data/links/
        g.add(s, p, o)
    return list(g)
