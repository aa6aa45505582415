"""The one table of namespaces and prefixes, used by the converter, the serialisers, the query page and
the queries. Vocabulary and ontology IRIs are fixed; instance IRIs depend on the base (see iris.py)."""

from __future__ import annotations

from functools import lru_cache

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

BDP = Namespace("https://w3id.org/bdp/ontology#")
BDPV = Namespace("https://w3id.org/bdp/def/")
BDPSH = Namespace("https://w3id.org/bdp/shapes#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ORG = Namespace("http://www.w3.org/ns/org#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY_IRI = "https://w3id.org/bdp/ontology"
VOCAB_BASE = str(BDPV)

PREFIXES: dict[str, str] = {
    "bdp": str(BDP),
    "bdpv": str(BDPV),
    "org": str(ORG),
    "dct": str(DCTERMS),
    "skos": str(SKOS),
    "vcard": str(VCARD),
    "adms": str(ADMS),
    "foaf": str(FOAF),
    "dcat": str(DCAT),
    "prov": str(PROV),
    "geo": str(GEO),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "schema": str(SCHEMA),
    "void": str(VOID),
    "sd": str(SD),
    "spdx": str(SPDX),
    "sh": str(SH),
}


_BY_LENGTH = tuple(sorted(((ns, prefix) for prefix, ns in PREFIXES.items()), key=lambda p: -len(p[0])))


def sparql_prologue(names: tuple[str, ...] | None = None) -> str:
    """PREFIX lines for a query (all prefixes, or those named)."""
    chosen = names or tuple(PREFIXES)
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in chosen)


@lru_cache(maxsize=16384)
def curie(iri: str) -> str:
    """dct:title for http://purl.org/dc/terms/title; the IRI itself when no prefix fits. Remembered (pages
    ask for the same predicates and classes all the time)."""
    for ns, name in _BY_LENGTH:              # the longest namespace that fits; of equal ones the first
        if iri.startswith(ns):
            local = iri[len(ns):]
            if local and all(c.isalnum() or c in "-_" for c in local):
                return f"{name}:{local}"
            return iri
    return iri
