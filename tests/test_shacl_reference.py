"""The reference engine is pyshacl-turbo (publisher/shacl/reference.py), unpatched; plain pyshacl checks
turbo on a small fixed set of graphs (each engine's full result set compared), so the oracle that
tests/test_shacl_sparql.py holds the compiled engine to is itself held to pyshacl."""

from __future__ import annotations

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph
from rdflib.namespace import RDF

import publisher.pipeline.check  # noqa: F401  (everything the build imports, before pyshacl runs below)
from publisher.assets import shapes_graph
from publisher.namespaces import SH
from publisher.shacl import SUPPORTED
from publisher.shacl.reference import ShaclValidator
from tests.test_identifiers import INVALID, VALID, _identifiers
from tests.test_shacl_sparql import GRAPH, REFERENCE, _with, conv

KEYS = (SH.focusNode, SH.resultPath, SH.value, SH.resultSeverity, SH.sourceConstraintComponent)


def results(report: Graph) -> set[tuple]:
    """Each top-level result: focus, path, value, severity, component, messages, and the source shape
    (a blank node shape by its path: blank node labels differ between engines)."""
    nested = set(report.objects(None, SH.detail))
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if r in nested:
            continue
        shape = report.value(r, SH.sourceShape)
        out.add((*(report.value(r, k) for k in KEYS), frozenset(report.objects(r, SH.resultMessage)),
                 None if isinstance(shape, BNode) else shape))
    return out


def _bundled_with_violations() -> Graph:
    records = _with(lambda d: (d.pop("title"), d.update(entered="2011-13-45")))
    items = conv.convert(records, REFERENCE.base, REFERENCE.vocab)
    graph = Graph()
    for item in items:
        for triple in item.triples:
            graph.add(triple)
    return graph


CASES = {
    "constraints of every kind": lambda: Graph().parse(data=GRAPH, format="turtle"),
    # plain pyshacl parses the check-digit query once per value: a few values
    "identifiers and check digits": lambda: _identifiers(VALID[1:3] + INVALID[:1] + INVALID[3:] + [("teryt", "22")])[0],
    "bundled data with two violations": _bundled_with_violations,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_turbo_reports_what_plain_pyshacl_reports(case):
    graph = CASES[case]()
    _conforms, turbo = ShaclValidator(shapes_graph()).validate(Graph() + graph)
    _conforms, plain, _text = pyshacl.validate(Graph() + graph, shacl_graph=shapes_graph(), inference="none",
                                              allow_warnings=True, allow_infos=True)
    assert results(turbo) == results(plain)
    assert results(turbo)


def test_turbo_validates_an_oxigraph_store_as_it_validates_a_graph():
    graph = CASES["identifiers and check digits"]()
    store = ox.Store()
    store.load(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    validator = ShaclValidator(shapes_graph())
    by_graph = {r[1:] for r in results(validator.validate(Graph() + graph)[1])}   # blank foci differ
    by_store = {r[1:] for r in results(validator.validate(store)[1])}
    assert by_store == by_graph and by_store


def test_pyshacl_is_not_patched_by_importing_publisher():
    """The old reference engine replaced pyshacl globals, which broke advanced=True for every caller."""
    import pyshacl.shape

    assert isinstance(pyshacl.shape.CONSTRAINT_PARAMS[0], list)
    graph = _identifiers(INVALID[:1])[0]
    conforms, _report, _text = pyshacl.validate(graph, shacl_graph=shapes_graph(), advanced=True,
                                                inference="none")
    assert conforms is False


def test_the_compiled_engine_lists_what_it_supports():
    assert {"MinCount", "Datatype", "Pattern", "SPARQL", "Or"} <= SUPPORTED
    assert not {"Xone", "Closed", "Equals", "Disjoint", "LessThan"} & SUPPORTED
