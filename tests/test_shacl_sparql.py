"""The shapes compiled to SPARQL (publisher/shacl/compile.py) report exactly what pyshacl reports:
the same set of Problems (file, line, record, property, message, severity) on every broken record the
other tests write, on the bundled data, on a generated data set, through `bdp build` itself, and on
random mutations of a valid record. A shapes feature the compiler does not know is refused by name."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rdflib import Graph

from publisher.assets import shapes_graph
from publisher.pipeline.build import BuildFailed, build
from publisher.pipeline.check import Validator
from publisher.pipeline.validate import Problem, validate_converted, validate_converted_sparql
from publisher.records import convert as conv
from publisher.records.read import Record, read_record, record_files
from publisher.shacl.compile import UnsupportedShape, compile_shapes
from publisher.synthetic.generate import generate
from tests.conftest import DATA
from tests.test_build import VIOLATIONS
from tests.test_identifiers import INVALID, VALID

REFERENCE = Validator("https://w3id.org/bdp/", engine="pyshacl")
SEED = "trzy-filary-bank-partnerow-lokalnych"


def _records(data: Path) -> list[Record]:
    found = [read_record(path, kind) for kind, path in record_files(data)]
    return [r for kind in ("organisation", "practice", "publication") for r in found if r.kind == kind]


BUNDLED = _records(DATA)


def both(records: list[Record], lang: str = "en") -> tuple[list[Problem], list[Problem]]:
    """(pyshacl's problems, the compiled engine's problems) for the same records."""
    items = conv.convert(records, REFERENCE.base, REFERENCE.vocab)
    return validate_converted(items, REFERENCE.shacl, lang), validate_converted_sparql(items, lang)


def _with(change, kind: str = "practice", key: str = SEED) -> list[Record]:
    """The bundled records with one of them changed (a deep copy: the lines stay those of the file)."""
    out = []
    for rec in BUNDLED:
        if rec.kind == kind and rec.key == key:
            rec = Record(rec.kind, rec.key, rec.path, copy.deepcopy(rec.data), rec.lines)
            change(rec.data)
        out.append(rec)
    return out


# --- the fixtures of the other tests ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_bundled_data(lang):
    reference, compiled = both(BUNDLED, lang)
    assert compiled == reference


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_every_violation_of_test_build(case):
    (folder, key), change, prop = VIOLATIONS[case]
    reference, compiled = both(_with(change, "practice" if folder == "practices" else "organisation", key))
    assert compiled == reference
    assert any(p.severity == "Violation" and p.property.startswith(prop) for p in compiled)


@pytest.mark.parametrize(("kind", "code"), VALID + INVALID + [("teryt", "22A"), ("krs", "123"), ("regon", "1"),
                                                             ("nip", "526-025-02-74"), ("teryt", "2214011")])
def test_identifiers_and_check_digits(kind, code):
    reference, compiled = both(_with(lambda d: d.setdefault("identifiers", {}).update({kind: code}),
                                     "organisation", "fundacja-pokolenia"))
    assert compiled == reference
    assert any(p.property.startswith("skos:notation") for p in compiled) == ((kind, code) not in VALID + [
        ("teryt", "2214011")])


def test_publications_and_attachments(tmp_path):
    """test_attachments.py's broken publication (English title only, a year that is no year) and an
    attachment given by URL without a title in Polish."""
    pub = tmp_path / "publications" / "raport.yaml"
    pub.parent.mkdir()
    pub.write_text("key: raport\ntitle: {en: Only English}\nyear: 12345\nurl: https://example.org/r.pdf\n"
                   "media_type: application/pdf\npractices: [" + SEED + "]\n", encoding="utf-8")
    publication = read_record(pub, "publication")
    records = _with(lambda d: d["attachments"].append({"title": {"en": "Link"}, "url": "https://x.pl/a.pdf",
                                                       "media_type": "application/pdf"})) + [publication]
    reference, compiled = both(records)
    assert compiled == reference
    assert {p.record for p in compiled if p.severity == "Violation"} == {"publication raport"}


def test_a_generated_data_set_of_300_practices(tmp_path):
    generate(300, tmp_path / "gen", seed=3)
    reference, compiled = both(_records(tmp_path / "gen"))
    assert compiled == reference and reference


def _edit(path: Path, change) -> None:
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_build_reports_what_pyshacl_reports(tmp_path, settings):
    """The build's own path (bulk-loaded store, queries in the workers, blank nodes traced through the
    IRI they hang from): a generated set with an identifier, an address and a date broken."""
    data = tmp_path / "gen"
    generate(60, data, seed=5)
    _edit(sorted((data / "organisations").iterdir())[0], lambda r: r.update(identifiers={"nip": "5260250275"}))
    practices = sorted((data / "practices").iterdir())
    _edit(practices[0], lambda r: r["place"].update(postal_code="83110"))
    dated = next(p for p in practices[1:] if "modified" in yaml.safe_load(p.read_text(encoding="utf-8")))
    _edit(dated, lambda r: r.update(entered="2011-13-45"))   # (without `modified`, entered is its date too)
    reference = REFERENCE.records(_records(data), {p.stem for p in (data / "organisations").iterdir()})
    with pytest.raises(BuildFailed) as failure:
        build(settings, data, tmp_path / "out", workers=2, steps=[])
    assert failure.value.problems == reference
    assert {p.property for p in reference if p.severity == "Violation"} == {
        "skos:notation (identifiers)", "vcard:postal-code (place.postal_code)", "dct:issued (entered)"}
    assert not (tmp_path / "out").exists()


def test_an_iri_oxigraph_refuses_is_a_violation_of_its_field(data_copy, tmp_path, settings):
    """rdflib takes any text as an IRI, Oxigraph's parser does not: a website 'http://::' is reported
    (by both engines) instead of stopping the store load with a parse error."""
    path = data_copy / "practices" / f"{SEED}.yaml"
    _edit(path, lambda r: (r.update(websites=["http://::", "www.dobra.pl"]), r["place"].update(voivodeship="x{y}")))
    with pytest.raises(BuildFailed) as failure:
        build(settings, data_copy, tmp_path / "out", workers=1, steps=[])
    invalid = [p for p in failure.value.problems if "Not a valid IRI" in p.message]
    assert [(p.path, p.property) for p in invalid] == [(str(path), "bdp:voivodeship (voivodeship)"),
                                                       (str(path), "foaf:page (websites)")]
    reference, compiled = both(_records(data_copy))
    assert compiled == reference == failure.value.problems


# --- random mutations of a valid record --------------------------------------------------------------

TEXT = st.text(alphabet="0123456789-abc: /.@+\n", max_size=12)
MUTATIONS = {
    "drop": st.sampled_from(["title", "summary", "description", "entered", "modified", "unit_type", "themes",
                             "websites", "partners", "place", "implementing_unit", "attachments"]),
    "place": st.tuples(st.sampled_from(["town", "postal_code", "street", "teryt", "voivodeship"]), TEXT),
    "population": st.integers(min_value=-10, max_value=10**7),
    "coordinates": st.tuples(st.floats(40, 60, allow_nan=False), st.floats(10, 30, allow_nan=False)),
    "date": st.tuples(st.sampled_from(["entered", "modified"]),
                      st.sampled_from(["2011-02-30", "2011-13-01", "dawno", "2011-03-03T10:00", "11-03-03"])),
    "concept": st.tuples(st.sampled_from(["unit_type", "themes", "funding"]),
                         st.sampled_from(["gotowanie", "powiat", "smup", "efs", "po-kl", "uslugi-spoleczne"])),
    "partners": st.integers(min_value=0, max_value=3),
    "role": st.sampled_from(["lead", "partner", "sponsor"]),
    "website": TEXT,
    "contact": st.tuples(TEXT, TEXT),
    "title": st.sampled_from([{"en": "Only English"}, {"pl": "Tylko po polsku"}, {"pl": " ", "en": "x"}]),
    "identifier": st.tuples(st.sampled_from(["teryt", "krs", "regon", "nip"]), st.text("0123456789", max_size=15)),
    "sector": st.sampled_from([None, "public", "ngo", "business", "church"]),
}


def _mutate(practice: dict, org: dict, kind: str, value) -> None:
    if kind == "drop":
        practice.pop(value, None)
    elif kind == "place":
        practice.setdefault("place", {})[value[0]] = value[1]
    elif kind == "population":
        practice.setdefault("place", {})["population"] = value
    elif kind == "coordinates":
        practice.setdefault("place", {})["coordinates"] = {"lat": value[0], "lon": value[1]}
    elif kind in ("date", "concept"):
        practice[value[0]] = [value[1]] if value[0] in ("themes", "funding") else value[1]
    elif kind == "partners":
        practice["partners"] = practice.get("partners", [])[:value]
    elif kind == "role":
        for partner in practice.get("partners", [])[:1]:
            partner["role"] = value
    elif kind == "website":
        practice["websites"] = [value]
    elif kind == "contact":
        practice["contacts"][0].update(phone=value[0], email=value[1], publish=True)
    elif kind == "title":
        practice["title"] = value
    elif kind == "identifier":
        org.setdefault("identifiers", {})[value[0]] = value[1]
    elif value is None:
        org.pop("sector", None)
    else:
        org["sector"] = value


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(*[st.tuples(st.just(k), s) for k, s in MUTATIONS.items()]), min_size=1, max_size=4))
def test_random_mutations_of_a_valid_record(mutations):
    practice = next(r for r in BUNDLED if r.key == SEED)
    org = next(r for r in BUNDLED if r.key == "powiat-tczewski")
    p_data, o_data = copy.deepcopy(practice.data), copy.deepcopy(org.data)
    for kind, value in mutations:
        _mutate(p_data, o_data, kind, value)
    records = [Record(r.kind, r.key, r.path, o_data if r is org else p_data if r is practice else r.data, r.lines)
               for r in BUNDLED]
    reference, compiled = both(records)
    assert compiled == reference


# --- what the compiler refuses -----------------------------------------------------------------------

EXTRA = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
ex:P a sh:PropertyShape ; sh:path ex:p ; {feature} ; sh:message "m"@en .
"""


@pytest.mark.parametrize(("feature", "named"), [
    ("sh:minLength 3", "sh:minLength"),
    ("sh:equals ex:q", "sh:equals"),
    ("sh:datatype <http://www.w3.org/2001/XMLSchema#int>", "xsd:int"),
    ("sh:qualifiedValueShape [ sh:datatype ex:D ] ; sh:qualifiedMaxCount 1", "sh:qualifiedMaxCount"),
    ("sh:closed true", "sh:closed"),
])
def test_an_unsupported_feature_is_refused_by_name(feature, named):
    graph = Graph().parse(data=EXTRA.format(feature=feature), format="turtle")
    with pytest.raises(UnsupportedShape) as refused:
        compile_shapes(graph)
    assert "http://example.org/P" in str(refused.value) and named in str(refused.value)


@pytest.mark.parametrize(("shapes", "named"), [
    ("ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:message 'm'@en .", "sh:targetNode"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm'@en ; "
     "sh:sparql [ sh:select 'SELECT $this WHERE { $this ex:p 1 }' ] .", "sh:sparql on a shape that reports"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:T ; sh:message 'm'@en . "
     "ex:T sh:sparql [ sh:select 'SELECT $this WHERE { $this ex:p ( }' ] .", "does not parse"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:pattern '(?<=a)b' ; sh:message 'm'@en .", "sh:pattern"),
])
def test_unsupported_targets_and_sparql_are_refused(shapes, named):
    graph = Graph().parse(data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . "
                               + shapes, format="turtle")
    with pytest.raises(UnsupportedShape) as refused:
        compile_shapes(graph)
    assert "http://example.org/S" in str(refused.value) and named in str(refused.value)


def test_the_project_shapes_compile():
    compiled = compile_shapes(shapes_graph())
    assert {c.component for c in compiled.checks} >= {
        "MinCountConstraintComponent", "QualifiedMinCountConstraintComponent", "OrConstraintComponent",
        "NodeConstraintComponent", "PatternConstraintComponent", "UniqueLangConstraintComponent"}


# --- results, not only Problems: pyshacl's (focus, shape, component, value) on a hand-made graph ------

GRAPH = """
@prefix bdp: <https://w3id.org/bdp/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://example.org/> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
ex:p a bdp:Practice ; dct:title "bez języka", "a"@en, "b"@EN ; dct:issued "2011-02-30"^^xsd:date ;
    dct:modified "2011-02-03"^^xsd:date, "2011-02-04"^^xsd:date ; dct:subject ex:elsewhere, "text" ;
    foaf:page <ftp://x.pl> ; dct:spatial ex:place .
ex:place a dct:Location ; bdp:population -1 ; geo:lat 55.5 ; geo:long "14"^^xsd:decimal .
ex:i a adms:Identifier ; skos:notation "2214"^^bdp:KRS ; dct:type <https://w3id.org/bdp/def/identifier-type/teryt> .
ex:n a adms:Identifier ; skos:notation "5260250275"^^bdp:NIP ; dct:type <https://w3id.org/bdp/def/identifier-type/nip> .
"""


def test_results_equal_pyshacl_results_in_both_query_forms():
    import pyoxigraph as ox

    from publisher.namespaces import SH
    from publisher.shacl.run import run_shapes

    graph = Graph().parse(data=GRAPH, format="turtle")
    _conforms, report = REFERENCE.shacl.validate(Graph() + graph)
    keys = (SH.focusNode, SH.sourceShape, SH.sourceConstraintComponent, SH.value)
    nested = set(report.objects(None, SH.detail))   # results of nested shapes, inside a top-level one
    expected = {tuple(str(report.value(r, k)) if report.value(r, k) is not None else None for k in keys)
                for r in report.subjects(None, SH.ValidationResult) if r not in nested}
    store = ox.Store()
    store.load(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)

    def plain(term):
        return None if term is None else term.value

    for per_target in (False, True):
        found = {(plain(r.focus), r.check.shape, f"{SH}{r.check.component}", plain(r.value))
                 for r in run_shapes(store, per_target=per_target)}
        assert found == {(f, s, c, v if v is None else str(v)) for f, s, c, v in expected}
    assert len(expected) > 12
