"""Issue 2: the ontology, vocabularies and shapes parse, are labelled in pl and en, agree with each other,
and the seed practice's RDF is pinned by a golden file."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from publisher.assets import ONTOLOGY, SHAPES, VOCABULARIES
from publisher.namespaces import BDP, BDPV, PREFIXES, SH
from publisher.pipeline.check import Validator
from publisher.records import convert as conv
from publisher.records.read import read_record
from tests.conftest import DATA

GOLDEN = Path(__file__).parent / "golden" / "seed-practice.ttl"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    return Graph().parse(VOCABULARIES)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES)


def own_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(BDP))}


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def test_every_own_term_is_labelled_and_defined_in_pl_and_en(ontology):
    terms = own_terms(ontology)
    assert {BDP.Practice, BDP.sector, BDP.population, BDP.partnership, BDP.TERYT} <= terms
    for term in terms | {URIRef("https://w3id.org/bdp/ontology")}:
        assert {"pl", "en"} <= langs(ontology, term, RDFS.label), term
        assert {"pl", "en"} <= langs(ontology, term, SKOS.definition), term


def test_own_classes_and_properties_are_aligned(ontology):
    for term in own_terms(ontology):
        kinds = set(ontology.objects(term, RDF.type))
        if OWL.Class in kinds:
            assert any(ontology.objects(term, RDFS.subClassOf)), term
        if OWL.ObjectProperty in kinds:
            assert any(ontology.objects(term, RDFS.subPropertyOf)), term
    assert (URIRef("https://w3id.org/bdp/ontology"), OWL.versionIRI, None) in ontology


def test_voivodeships_carry_teryt_codes(vocabularies):
    scheme = BDPV["voivodeship"]
    concepts = set(vocabularies.subjects(SKOS.inScheme, scheme))
    codes = {str(vocabularies.value(c, SKOS.notation)) for c in concepts}
    assert codes == {f"{n:02d}" for n in range(2, 33, 2)}
    assert vocabularies.value(BDPV["voivodeship/22"], SKOS.prefLabel) in (
        Literal("pomorskie", lang="pl"), Literal("Pomeranian Voivodeship", lang="en"))


def test_every_concept_and_scheme_is_labelled_in_pl_and_en(vocabularies):
    schemes = set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    assert {str(s).removeprefix(str(BDPV)) for s in schemes} >= {
        "theme", "sector", "unit-type", "voivodeship", "funding", "role"}
    for concept in set(vocabularies.subjects(RDF.type, SKOS.Concept)) | schemes:
        assert {"pl", "en"} <= langs(vocabularies, concept, SKOS.prefLabel), concept


def test_shape_concept_lists_equal_the_vocabularies(shapes, vocabularies):
    """The shapes list each scheme's concepts (sh:in); the lists and the vocabularies must not drift."""
    checked = 0
    for shape, scheme in shapes.subject_objects(RDFS.seeAlso):
        listed = shapes.value(shape, SH["in"])
        if listed is None:
            continue
        in_list = set(Collection(shapes, listed))
        assert in_list == set(vocabularies.subjects(SKOS.inScheme, scheme)), scheme
        checked += 1
    assert checked >= 6


def test_messages_in_pl_and_en(shapes):
    for node in set(shapes.subjects(SH.message, None)):
        assert {"pl", "en"} <= langs(shapes, node, SH.message), node


def test_no_undeclared_bdp_terms(ontology, built):
    declared = own_terms(ontology)
    used: set[str] = set()
    for graph_text in (SHAPES.read_text(encoding="utf-8"),):
        used |= {str(t) for t in Graph().parse(data=graph_text, format="turtle").all_nodes()
                 if isinstance(t, URIRef) and str(t).startswith(str(BDP))}
    with gzip.open(built / "dumps" / "bdp.nt.gz", "rt", encoding="utf-8") as f:
        for line in f:
            used |= {part.strip("<>") for part in line.split(" ", 3)[:3] if part.startswith(f"<{BDP}")}
            if f"^^<{BDP}" in line:
                used.add(line.rsplit("^^<", 1)[1].split(">", 1)[0])
    assert used, "nothing used?"
    assert used <= {str(t) for t in declared}, used - {str(t) for t in declared}


def _seed_turtle() -> str:
    validator = Validator("https://w3id.org/bdp/")
    rec = read_record(DATA / "practices" / "trzy-filary-bank-partnerow-lokalnych.yaml", "practice")
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for triple in conv.convert([rec], validator.base, validator.vocab)[0].triples:
        graph.add(triple)
    return graph.serialize(format="turtle")


def test_seed_practice_golden_turtle():
    """The seed practice's Turtle is pinned. BDP_UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    text = _seed_turtle()
    if os.environ.get("BDP_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert _seed_turtle() == text  # deterministic within a run as well
