"""The SPARQL 1.1 Service Description of /sparql (sd: vocabulary), as triples: the endpoint, the language,
a result format for each format the endpoint writes, its features, the default dataset with its size
(void:triples) and the local named graphs that FROM / default-graph-uri may name."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from publisher.errors import BdpError
from publisher.formats import GRAPH_FORMATS, RESULT_FORMATS
from publisher.namespaces import PREFIXES, SD, VOID
from publisher.store import Store

# The W3C's IRIs for the formats of publisher/formats.py (https://www.w3.org/ns/formats/), by format name.
W3C_FORMATS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
               "tsv": "SPARQL_Results_TSV", "ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF_XML",
               "nt": "N-Triples"}
FORMATS_NS = "http://www.w3.org/ns/formats/"
SIMPLE_ENTAILMENT = "http://www.w3.org/ns/entailment/Simple"

COUNT = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"


def default_graph_triples(store: Store, timeout: float | None = None) -> int | None:
    """Triples in the default graph, counted by the store; None when it cannot say in time."""
    try:
        rows = store.select(COUNT, timeout=timeout).rows
    except BdpError:
        return None
    return int(rows[0]["triples"].value) if rows and "triples" in rows[0] else None


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def service_description(endpoint: str, *, triples: int | None, named_graphs: Iterable[str] = (),
                        allowed_services: Iterable[str] = (), dataset: str | None = None,
                        timeout: float | None = None, row_cap: int | None = None) -> list[ox.Triple]:
    """The description of the endpoint at `endpoint` (its public URL). `dataset`: the VoID/DCAT dataset
    IRI the default graph holds, linked with rdfs:seeAlso."""
    rdf_type = _iri(PREFIXES["rdf"] + "type")
    service, data, default = _iri(endpoint), _iri(endpoint + "#dataset"), _iri(endpoint + "#default-graph")
    out = [ox.Triple(service, rdf_type, _iri(SD.Service)),
           ox.Triple(service, _iri(SD.endpoint), service),
           ox.Triple(service, _iri(SD.supportedLanguage), _iri(SD.SPARQL11Query)),
           ox.Triple(service, _iri(SD.defaultEntailmentRegime), _iri(SIMPLE_ENTAILMENT))]
    for fmt in RESULT_FORMATS + GRAPH_FORMATS:
        out.append(ox.Triple(service, _iri(SD.resultFormat), _iri(FORMATS_NS + W3C_FORMATS[fmt.name])))
    allowed = sorted(allowed_services)
    if allowed:
        out.append(ox.Triple(service, _iri(SD.feature), _iri(SD.BasicFederatedQuery)))
    limits = []
    if timeout is not None:
        limits.append(f"a query runs at most {timeout:g} s (then 503)")
    if row_cap is not None:
        limits.append(f"at most {row_cap} rows or triples are returned (a cut answer has the header "
                      "X-BDP-Truncated: true)")
    limits.append("read-only: updates get 403")
    limits.append("SERVICE only to: " + " ".join(allowed) if allowed else "no SERVICE calls to other endpoints")
    out.append(ox.Triple(service, _iri(PREFIXES["rdfs"] + "comment"), ox.Literal("; ".join(limits), language="en")))
    out += [ox.Triple(service, _iri(SD.defaultDataset), data),
            ox.Triple(data, rdf_type, _iri(SD.Dataset)),
            ox.Triple(data, _iri(SD.defaultGraph), default),
            ox.Triple(default, rdf_type, _iri(SD.Graph))]
    if dataset:
        out.append(ox.Triple(data, _iri(PREFIXES["rdfs"] + "seeAlso"), _iri(dataset)))
    if triples is not None:
        out += [ox.Triple(default, rdf_type, _iri(VOID.Dataset)),
                ox.Triple(default, _iri(VOID.triples),
                          ox.Literal(str(triples), datatype=_iri(PREFIXES["xsd"] + "integer")))]
    for index, name in enumerate(sorted(named_graphs)):
        graph = _iri(f"{endpoint}#named-graph-{index + 1}")
        out += [ox.Triple(data, _iri(SD.namedGraph), graph),
                ox.Triple(graph, rdf_type, _iri(SD.NamedGraph)),
                ox.Triple(graph, _iri(SD.name), _iri(name))]
    return out
