"""Issue 2: the knowledge-graph core, through the real build, store and command line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from publisher.errors import SourceError
from publisher.pipeline.build import BuildFailed, build
from tests.conftest import FIXTURES, invoke_bdp, run_bdp, tree_digest

SEED = "https://w3id.org/bdp/id/practice/trzy-filary-bank-partnerow-lokalnych"
PREFIXES = """
PREFIX bdp: <https://w3id.org/bdp/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def _store(out: Path) -> ox.Store:
    return ox.Store.read_only(str(out / "store"))


def test_seed_practice_as_published(built):
    store = _store(built)
    row = next(iter(store.query(PREFIXES + """
        SELECT ?p ?title ?issued ?population ?postal ?teryt WHERE {
          ?p dct:title ?title ; dct:issued ?issued ; dct:spatial ?place .
          FILTER(lang(?title) = "pl")
          ?place bdp:population ?population ; bdp:voivodeship ?v ; vcard:hasAddress ?a .
          ?a vcard:postal-code ?postal .
          ?v skos:notation ?teryt ; skos:prefLabel "pomorskie"@pl .
        }""", substitutions={ox.Variable("p"): ox.NamedNode(SEED)})))
    assert row["title"] == ox.Literal("Trzy Filary - Bank Partnerów Lokalnych", language="pl")
    assert row["issued"] == ox.Literal("2011-03-03", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    assert row["population"] == ox.Literal("112495", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert row["postal"].value == "83-110"
    assert row["teryt"].value == "22"


def test_seed_partnership_spans_three_sectors(built):
    rows = list(_store(built).query(PREFIXES + """
        SELECT ?p ?org ?sector WHERE {
          ?p bdp:partnership ?ps . ?ps a org:OrganizationalCollaboration ; org:hasMember ?org .
          ?org bdp:sector ?sector .
        }""", substitutions={ox.Variable("p"): ox.NamedNode(SEED)}))
    assert len({r["org"] for r in rows}) == 3
    assert {r["sector"].value.rsplit("/", 1)[1] for r in rows} == {"public", "ngo", "business"}


def test_memberships_carry_roles(built):
    rows = list(_store(built).query(PREFIXES + """
        SELECT ?p ?org ?role WHERE {
          ?p bdp:partnership ?ps . ?ps org:hasMembership ?m .
          ?m a org:Membership ; org:member ?org ; org:organization ?ps ; org:role ?role .
        }""", substitutions={ox.Variable("p"): ox.NamedNode(SEED)}))
    roles = {r["org"].value.rsplit("/", 1)[1]: r["role"].value.rsplit("/", 1)[1] for r in rows}
    assert roles == {"powiat-tczewski": "lead", "fundacja-pokolenia": "partner",
                     "bank-spoldzielczy-w-tczewie": "partner"}


def test_dump_equals_store_and_unpublished_contacts_stay_out(built):
    with gzip.open(built / "dumps" / "bdp.nt.gz", "rt", encoding="utf-8") as f:
        text = f.read()
    lines = [line for line in text.splitlines() if line.strip()]
    count = next(iter(_store(built).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"]
    assert int(count.value) == len(lines)
    # The seed's contacts are not marked for publishing: no name, phone or e-mail anywhere.
    for private in ("Jagodda", "Jabłonowska", "773 49 41", "+48587734941", "fundusze@powiat.tczew.pl"):
        assert private not in text


def test_published_contact_appears(data_copy, tmp_path, settings):
    path = data_copy / "practices" / "trzy-filary-bank-partnerow-lokalnych.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["contacts"][0]["publish"] = True
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    build(settings, data_copy, out, workers=1)
    text = gzip.open(out / "dumps" / "bdp.nt.gz", "rt", encoding="utf-8").read()
    assert "Adam Jagodda" in text and "<tel:+48587734941>" in text
    assert "Jabłonowska" not in text  # the other contact is still private


def test_build_is_deterministic(built, tmp_path):
    """Another process builds the same bytes (blank nodes included), so checksums and ETags stay."""
    again = tmp_path / "again"
    result = run_bdp("build", "--out", str(again))
    assert result.returncode == 0, result.stderr
    assert (again / "dumps" / "bdp.nt.gz").read_bytes() == (built / "dumps" / "bdp.nt.gz").read_bytes()


def test_imported_seed_page_builds_and_validates(tmp_path):
    data = tmp_path / "data"
    result = invoke_bdp("import-page", str(FIXTURES / "seed_page.txt"), "-o", str(data))
    assert result.returncode == 0, result.stderr
    record = yaml.safe_load((data / "practices" / "trzy-filary-bank-partnerow-lokalnych.yaml").read_text())
    assert all(c.get("publish") is not True for c in record["contacts"])
    result = invoke_bdp("validate", "--data", str(data))
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    result = invoke_bdp("build", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr  # no progress output when not on a terminal
    title = next(iter(_store(out).query(PREFIXES + "SELECT ?p ?t WHERE { ?p dct:title ?t }",
                                        substitutions={ox.Variable("p"): ox.NamedNode(SEED)})))["t"]
    assert title.value == "Trzy Filary - Bank Partnerów Lokalnych"


# --- every kind of Violation fails the build and leaves the previous output byte for byte ----------

def _edit(data: Path, kind: str, key: str, change) -> Path:
    path = data / kind / f"{key}.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


PRACTICE = ("practices", "trzy-filary-bank-partnerow-lokalnych")
VIOLATIONS = {
    "missing title": (PRACTICE, lambda r: r.pop("title"), "dct:title"),
    "date not xsd:date": (PRACTICE, lambda r: r.update(entered="2011-13-45"), "dct:issued"),
    "postal code not NN-NNN": (PRACTICE, lambda r: r["place"].update(postal_code="83110"), "vcard:postal-code"),
    "partnership of one": (PRACTICE, lambda r: r.update(partners=r["partners"][:1]), "org:hasMember"),
    "organisation without sector": (("organisations", "fundacja-pokolenia"), lambda r: r.pop("sector"),
                                    "bdp:sector"),
    "concept not in its scheme": (PRACTICE, lambda r: r.update(themes=["gotowanie"]), "dct:subject"),
    "unknown voivodeship": (PRACTICE, lambda r: r["place"].update(voivodeship="bawaria"), "bdp:voivodeship"),
    "negative population": (PRACTICE, lambda r: r["place"].update(population=-5), "bdp:population"),
    "malformed TERYT": (("organisations", "powiat-tczewski"), lambda r: r["identifiers"].update(teryt="22A"),
                        "skos:notation"),
    "coordinates outside Poland": (PRACTICE, lambda r: r["place"].update(coordinates={"lat": 48.1, "lon": 11.5}),
                                   "geo:lat"),
}


@pytest.fixture(scope="module")
def previous(tmp_path_factory, settings):
    """A good build, which every failing build below must leave exactly as it is."""
    from tests.conftest import DATA

    out = tmp_path_factory.mktemp("previous") / "out"
    build(settings, DATA, out, workers=1)
    return out, tree_digest(out)


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_violation_fails_build_and_keeps_previous_output(case, previous, data_copy, settings):
    (folder, key), change, prop = VIOLATIONS[case]
    path = _edit(data_copy, folder, key, change)
    out, digest = previous
    with pytest.raises(BuildFailed) as failure:
        build(settings, data_copy, out, workers=1)
    violations = [p for p in failure.value.problems if p.severity == "Violation"]
    assert any(p.path == str(path) and prop in p.property for p in violations), violations
    assert all(str(p).startswith(str(path)) for p in violations)
    assert tree_digest(out) == digest
    assert not list(out.parent.glob(f".{out.name}.*"))  # no temporary build left behind


def test_violation_through_cli_names_file_and_property(data_copy, tmp_path):
    path = _edit(data_copy, *PRACTICE, lambda r: r["place"].update(postal_code="83110"))
    result = invoke_bdp("build", "--data", str(data_copy), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"{path}:" in result.stderr and "vcard:postal-code" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    result = invoke_bdp("validate", "--data", str(data_copy), "--lang", "pl")
    assert result.returncode == 1 and "vcard:postal-code" in result.stderr


def test_warning_does_not_fail(data_copy, tmp_path):
    _edit(data_copy, *PRACTICE, lambda r: r.pop("websites"))
    result = invoke_bdp("build", "--data", str(data_copy), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr and "foaf:page" in result.stderr


# --- structural errors: file and line, exit 1, nothing written --------------------------------------

def _write(data: Path, folder: str, name: str, text: str) -> Path:
    path = data / folder / name
    path.write_text(text, encoding="utf-8")
    return path


STRUCTURAL = {
    "malformed YAML": (lambda d: _write(d, "organisations", "zla.yaml", "key: zla\nname: {pl: [Zła\nsector: ngo\n"),
                       "malformed YAML"),
    "unknown field": (lambda d: _write(d, "organisations", "nowa.yaml",
                                       "key: nowa\nname: {pl: Nowa}\nsector: ngo\ncolour: red\n"),
                      "unknown field 'colour'"),
    "missing organisation": (lambda d: _write(d, "practices", "p.yaml",
                                              "key: p\ntitle: {pl: P}\nentered: 2020-01-01\npartners:\n"
                                              "  - {organisation: powiat-tczewski, role: lead}\n"
                                              "  - {organisation: nie-ma-takiej, role: partner}\n"),
                             "no organisation with key 'nie-ma-takiej'"),
    "two records with one key": (lambda d: _write(d, "organisations", "kopia.yaml",
                                                  "key: fundacja-pokolenia\nname: {pl: Kopia}\nsector: ngo\n"),
                                 "already used by"),
}
EXPECTED_LINE = {"malformed YAML": 3, "unknown field": 4, "missing organisation": 6, "two records with one key": 1}


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_structural_error_names_file_and_line(case, data_copy, tmp_path):
    make, message = STRUCTURAL[case]
    path = make(data_copy)
    out = tmp_path / "out"
    result = invoke_bdp("build", "--data", str(data_copy), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert f"{path.name}:{EXPECTED_LINE[case]}:" in result.stderr or \
        (case == "two records with one key" and ":1:" in result.stderr), result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_structural_error_as_exception(data_copy, settings, tmp_path):
    _write(data_copy, "organisations", "x.yaml", "key: x\nname: Zła nazwa bez języka\nsector: ngo\n")
    with pytest.raises(SourceError) as error:
        build(settings, data_copy, tmp_path / "out", workers=1)
    assert error.value.line == 2 and error.value.field == "name"


def test_namesakes_in_two_practices_stay_two_people(data_copy, tmp_path, settings):
    """Contacts are scoped to their practice: one name in two practices never merges two phones."""
    path = data_copy / "practices" / "trzy-filary-bank-partnerow-lokalnych.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["contacts"][0]["publish"] = True
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    record.update(key="druga-praktyka")
    record["contacts"][0]["phone"] = "600 100 200"
    (data_copy / "practices" / "druga-praktyka.yaml").write_text(yaml.safe_dump(record, allow_unicode=True),
                                                                 encoding="utf-8")
    out = tmp_path / "out"
    build(settings, data_copy, out, workers=1)
    rows = list(_store(out).query("""
        SELECT ?person (COUNT(?tel) AS ?phones) WHERE {
          ?person <http://www.w3.org/2006/vcard/ns#hasTelephone> ?tel } GROUP BY ?person"""))
    assert len(rows) == 2 and all(int(r["phones"].value) == 1 for r in rows)
