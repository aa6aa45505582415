"""The controlled vocabularies a DCAT-AP catalogue draws on (EU Publications Office authority tables, ADMS
licence and publisher types, IANA media types), as one table of the values this catalogue uses, with the
labels, schemes and classes harvesters and the DCAT-AP shapes expect to find beside them."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib.namespace import DCTERMS

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
DCATAP = "http://data.europa.eu/r5r/"
LICENCE_TYPE = "http://purl.org/adms/licencetype/"
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

# Concept schemes used, with their titles (each is also a skos:ConceptScheme in the catalogue).
SCHEMES: dict[str, str] = {
    EU + "data-theme": "Data theme", EU + "language": "Language", EU + "country": "Country",
    EU + "file-type": "File type", EU + "frequency": "Frequency", EU + "access-right": "Access right",
    EU + "planned-availability": "Planned availability", EU + "distribution-status": "Distribution status",
    LICENCE_TYPE + "1.0": "Licence type", PUBLISHER_TYPE + "1.0": "Publisher type",
}


@dataclass(frozen=True)
class Concept:
    iri: str
    scheme: str
    pl: str
    en: str
    classes: tuple[str, ...] = ()


def _eu(table: str, code: str, pl: str, en: str, *classes: str) -> Concept:
    return Concept(f"{EU}{table}/{code}", EU + table, pl, en, classes)


# The one table of controlled-vocabulary values the catalogue uses.
CONCEPTS: dict[str, Concept] = {c.iri: c for c in (
    _eu("data-theme", "SOCI", "Ludność i społeczeństwo", "Population and society"),
    _eu("data-theme", "GOVE", "Rząd i sektor publiczny", "Government and public sector"),
    _eu("language", "POL", "polski", "Polish", DCTERMS.LinguisticSystem),
    _eu("language", "ENG", "angielski", "English", DCTERMS.LinguisticSystem),
    _eu("country", "POL", "Polska", "Poland", DCTERMS.Location),
    _eu("file-type", "RDF_TURTLE", "RDF Turtle", "RDF Turtle", DCTERMS.MediaTypeOrExtent),
    _eu("file-type", "RDF_N_TRIPLES", "RDF N-Triples", "RDF N-Triples", DCTERMS.MediaTypeOrExtent),
    _eu("file-type", "JSON_LD", "JSON-LD", "JSON-LD", DCTERMS.MediaTypeOrExtent),
    _eu("file-type", "CSV", "CSV", "CSV", DCTERMS.MediaTypeOrExtent),
    _eu("frequency", "IRREG", "nieregularnie", "irregular", DCTERMS.Frequency),
    _eu("access-right", "PUBLIC", "publiczny", "public", DCTERMS.RightsStatement),
    _eu("planned-availability", "STABLE", "stabilna", "stable"),
    _eu("distribution-status", "COMPLETED", "ukończona", "completed"),
    *(Concept(PUBLISHER_TYPE + code, PUBLISHER_TYPE + "1.0", pl, en) for code, pl, en in (
        ("NonProfitOrganisation", "organizacja non-profit", "Non-Profit Organisation"),
        ("NonGovernmentalOrganisation", "organizacja pozarządowa", "Non-Governmental Organisation"),
        ("LocalAuthority", "władza lokalna", "Local Authority"),
        ("RegionalAuthority", "władza regionalna", "Regional Authority"),
        ("NationalAuthority", "władza krajowa", "National Authority"),
        ("Academia-ScientificOrganisation", "organizacja naukowa", "Academia/Scientific organisation"),
        ("Company", "przedsiębiorstwo", "Company"))),
    *(Concept(LICENCE_TYPE + code, LICENCE_TYPE + "1.0", pl, en) for code, pl, en in (
        ("Attribution", "uznanie autorstwa", "Attribution"), ("Copyleft", "copyleft", "Copyleft"),
        ("PublicDomain", "domena publiczna", "Public domain"))),
)}

PUBLISHER_TYPES = tuple(c.iri[len(PUBLISHER_TYPE):] for c in CONCEPTS.values() if c.scheme == PUBLISHER_TYPE + "1.0")
FILE_TYPES = {"ttl": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "jsonld": "JSON_LD", "csv": "CSV"}
THEMES = (EU + "data-theme/SOCI", EU + "data-theme/GOVE")
LANGUAGES = (EU + "language/POL", EU + "language/ENG")
POLAND = EU + "country/POL"
POLAND_BBOX = "POLYGON((14.12 49.00, 24.15 49.00, 24.15 54.84, 14.12 54.84, 14.12 49.00))"
POLAND_CENTROID = "POINT(19.13 51.92)"

# Known licences: (title, ADMS licence types). Others are described by their IRI only.
LICENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "creativecommons.org/licenses/by/4.0": ("CC BY 4.0", ("Attribution",)),
    "creativecommons.org/licenses/by-sa/4.0": ("CC BY-SA 4.0", ("Attribution", "Copyleft")),
    "creativecommons.org/publicdomain/zero/1.0": ("CC0 1.0", ("PublicDomain",)),
}


def licence_info(licence: str) -> tuple[str, tuple[str, ...]]:
    key = licence.split("://", 1)[-1].rstrip("/")
    return LICENCES.get(key, (licence, ()))
