"""Issue 8: identifier schemes and check digits. The shapes (SHACL-SPARQL, run by pyshacl) and the Python
table agree; a wrong NIP or REGON check digit is a Violation with messages in pl and en; the generator
writes valid numbers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from publisher.assets import shapes_graph
from publisher.identifiers import SCHEMES, complete_nip, nip_ok, regon_ok
from publisher.namespaces import ADMS, BDP, BDPV, SH
from publisher.pipeline.check import Validator
from publisher.records.read import read_record
from publisher.shacl.reference import ShaclValidator

CHECK_SHAPE = URIRef("https://w3id.org/bdp/shapes#Identifier-checkDigit")

# Worked out by hand: NIP 526-025-02-74: 5*6+2*5+6*7+0*2+2*3+5*4+0*5+2*6+7*7 = 169 = 15*11 + 4.
# REGON 123456785: 1*8+2*9+3*2+4*3+5*4+6*5+7*6+8*7 = 192 = 17*11 + 5.
# REGON 12345678512347: 1*2+2*4+3*8+4*5+5*0+6*9+7*7+8*3+5*6+1*1+2*2+3*4+4*8 = 260 = 23*11 + 7.
# The nine digits 100000016 weigh 1*6+1*6+6*7 = 54 = 4*11 + 10: no check digit fits, so no NIP starts so.
VALID = [("nip", "5260250274"), ("regon", "123456785"), ("regon", "12345678512347"), ("nip", "5932000001"),
         ("regon", "190000018")]
INVALID = [("nip", "5260250275"), ("nip", "1000000160"), ("regon", "123456786"), ("regon", "12345678512348")]


@pytest.mark.parametrize(("kind", "code"), VALID)
def test_valid_numbers(kind, code):
    assert SCHEMES[kind].problem(code) is None


@pytest.mark.parametrize(("kind", "code"), INVALID)
def test_wrong_check_digits(kind, code):
    assert "check digit" in SCHEMES[kind].problem(code)


def test_no_nip_when_the_remainder_is_ten():
    assert complete_nip("100000016") is None
    assert not any(nip_ok("100000016" + str(d)) for d in range(10))
    assert complete_nip("526025027") == "5260250274"


def test_malformed_codes_name_the_expected_shape():
    assert "2, 4 or 7 digits" in SCHEMES["teryt"].problem("221")
    assert "10 digits" in SCHEMES["nip"].problem("526-025-02-74")
    assert SCHEMES["regon"].problem("1234567851") is not None      # 10 digits is no REGON
    assert SCHEMES["teryt"].problem("2214011") is None and SCHEMES["krs"].problem("0000123456") is None


def _identifiers(codes: list[tuple[str, str]]) -> tuple[Graph, dict[BNode, tuple[str, str]]]:
    g, nodes = Graph(), {}
    for kind, code in codes:
        node = BNode()
        nodes[node] = (kind, code)
        g.add((node, RDF.type, ADMS.Identifier))
        g.add((node, SKOS.notation, Literal(code, datatype=BDP[kind.upper()])))
        g.add((node, DCTERMS.type, BDPV[f"identifier-type/{kind}"]))
    return g, nodes


def _failing(report: Graph) -> set:
    return {report.value(r, SH.focusNode) for r in report.subjects(SH.sourceShape, CHECK_SHAPE)}


def _random_codes(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    codes = []
    for _ in range(n):
        kind, length = rng.choice((("nip", 10), ("regon", 9), ("regon", 14)))
        body = "".join(rng.choice("0123456789") for _ in range(length - 1))
        good = next((c for c in (body + str(d) for d in range(10)) if (nip_ok if kind == "nip" else regon_ok)(c)),
                    None)
        codes.append((kind, good if good and rng.random() < 0.5 else body + rng.choice("0123456789")))
    return codes


def test_shapes_agree_with_the_python_table():
    """200 random numbers (about half valid) and the worked examples through the real shapes."""
    codes = _random_codes(200, seed=8) + VALID + INVALID + [("teryt", "2214011"), ("krs", "0000000001")]
    graph, nodes = _identifiers(codes)
    _conforms, report = ShaclValidator(shapes_graph()).validate(graph)
    expected = {n for n, (kind, code) in nodes.items() if SCHEMES[kind].problem(code) is not None}
    assert _failing(report) == expected
    assert 50 < len(expected) < 150


def _org(tmp_path: Path, nip: str, regon: str) -> Path:
    path = tmp_path / "organisations" / "firma.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"key: firma\nname: {{pl: Firma}}\nsector: business\nidentifiers: {{nip: '{nip}', "
                    f"regon: '{regon}'}}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_a_wrong_check_digit_is_a_violation_named_in_the_record(tmp_path, lang):
    path = _org(tmp_path, "5260250275", "123456785")
    problems = Validator("https://w3id.org/bdp/", lang).records([read_record(path, "organisation")], set())
    assert [(p.severity, p.line, p.property) for p in problems] == \
        [("Violation", 4, "skos:notation (identifiers)")]
    assert problems[0].path == str(path)
    assert problems[0].message.startswith({"pl": "Cyfra kontrolna", "en": "The check digit"}[lang])


def test_generated_organisations_carry_valid_numbers(tmp_path):
    from publisher.synthetic.generate import generate

    generate(60, tmp_path / "gen", seed=5)
    found = [yaml.safe_load(p.read_text(encoding="utf-8")).get("identifiers") or {}
             for p in (tmp_path / "gen" / "organisations").glob("*.yaml")]
    nips = [ids["nip"] for ids in found if "nip" in ids]
    assert nips and all(nip_ok(n) for n in nips)


def _stdnum_codes(n: int, seed: int) -> list[tuple[str, str]]:
    """Random NIPs and REGONs, a third of each kind valid, and 14-digit REGONs whose own check digit is
    right while their first nine digits are not a valid REGON (bdp accepted these before issue 18)."""
    from stdnum.pl import nip, regon

    rng = random.Random(seed)
    codes = []
    for i in range(n):
        kind, length = (("nip", 10), ("regon", 9), ("regon", 14))[i % 3]
        body = "".join(rng.choice("0123456789") for _ in range(length - 1))
        if length == 14 and i % 2:
            body = body[:8] + str((int(regon.calc_check_digit(body[:8])) + 1) % 10) + body[9:]  # parent wrong
        last = rng.choice("0123456789")
        if i % 4 == 0:    # the right check digit by the last-digit rule alone
            last = regon.calc_check_digit(body) if kind == "regon" else str(nip.checksum(body + "0") % 11 % 10)
        codes.append((kind, body + last))
    return codes


def test_check_digits_agree_with_python_stdnum():
    """The Python table and both SHACL engines (the reference and the compiled SPARQL) against
    stdnum.pl.nip and stdnum.pl.regon, on 600 random numbers and the worked examples."""
    import pyoxigraph as ox
    from stdnum.pl import nip, regon

    from publisher.shacl import validate

    codes = _stdnum_codes(600, seed=18) + VALID + INVALID
    by_stdnum = {(kind, code): (nip if kind == "nip" else regon).is_valid(code) for kind, code in codes}
    assert {c for c, ok in by_stdnum.items() if ok} == {c for c in by_stdnum if SCHEMES[c[0]].problem(c[1]) is None}
    parent_wrong = [c for c in by_stdnum if len(c[1]) == 14 and not regon.is_valid(c[1][:9])
                    and c[1][-1] == regon.calc_check_digit(c[1][:13])]
    assert len(parent_wrong) > 10 and not any(by_stdnum[c] for c in parent_wrong)

    graph, nodes = _identifiers(codes)
    invalid = {n for n, c in nodes.items() if not by_stdnum[c]}
    _conforms, report = ShaclValidator(shapes_graph()).validate(graph)
    assert _failing(report) == invalid
    store = ox.Store()
    store.load(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    found = {r.value.value for r in validate(store) if r.check.shape == str(CHECK_SHAPE)}
    assert found == {c[1] for c, ok in by_stdnum.items() if not ok}
    assert 150 < len(invalid) < 550
