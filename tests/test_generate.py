"""The synthetic data generator: shape of the records, determinism, and the refusal to touch data/."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from publisher.errors import SourceError
from publisher.records.read import parse_record
from publisher.synthetic.generate import BBOX, generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("gen") / "set"
    return out, generate(200, out, seed=7)


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_counts(generated: tuple[Path, dict[str, int]]) -> None:
    out, counts = generated
    assert counts["practices"] == 200 and counts["organisations"] == 80
    assert len(list((out / "practices").glob("*.yaml"))) == 200
    assert len(list((out / "organisations").glob("*.yaml"))) == 80
    assert 0.4 < counts["cross_sector"] / 200 < 0.8
    assert 400 <= counts["partners"] <= 1000
    assert "synthetic" in (out / "SYNTHETIC.md").read_text(encoding="utf-8").lower()


def test_practices(generated: tuple[Path, dict[str, int]]) -> None:
    out, _ = generated
    organisations = {p.stem for p in (out / "organisations").glob("*.yaml")}
    coordinates = 0
    for path in sorted((out / "practices").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        record = yaml.safe_load(text)
        assert record["key"] == path.stem
        assert record["synthetic"] is True
        assert 2 <= len(record["partners"]) <= 5
        roles = [p["role"] for p in record["partners"]]
        assert roles == ["lead"] + ["partner"] * (len(roles) - 1)
        keys = [p["organisation"] for p in record["partners"]]
        assert len(set(keys)) == len(keys) and set(keys) <= organisations
        assert record["implementing_unit"] in keys
        assert 1 <= len(record["themes"]) <= 2
        assert record["title"]["pl"] and record["summary"]["pl"] and record["description"]["pl"]
        place = record["place"]
        assert len(place["postal_code"]) == 6 and place["postal_code"][2] == "-"
        if "coordinates" in place:
            coordinates += 1
            assert BBOX[0] <= place["coordinates"]["lat"] <= BBOX[1]
            assert BBOX[2] <= place["coordinates"]["lon"] <= BBOX[3]
        for contact in record.get("contacts", []):
            assert isinstance(contact["publish"], bool)
        parse_record(text, str(path), "practice")        # the build's own schema check
    assert 10 < coordinates < 80


def test_organisations(generated: tuple[Path, dict[str, int]]) -> None:
    out, _ = generated
    sectors = set()
    for path in sorted((out / "organisations").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        record = yaml.safe_load(text)
        assert record["key"] == path.stem and record["name"]["pl"]
        sectors.add(record["sector"])
        parse_record(text, str(path), "organisation")
    assert sectors == {"public", "ngo", "business"}


def test_same_seed_same_bytes(tmp_path: Path, generated: tuple[Path, dict[str, int]]) -> None:
    out, counts = generated
    assert generate(200, tmp_path / "again", seed=7) == counts
    assert files(tmp_path / "again") == files(out)
    generate(200, tmp_path / "other", seed=8)
    assert files(tmp_path / "other") != files(out)


def test_rerun_replaces_an_earlier_set(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate(30, tmp_path / "set")
    generate(10, tmp_path / "set", progress=lambda done, total: calls.append((done, total)))
    assert len(list((tmp_path / "set" / "practices").glob("*.yaml"))) == 10
    assert calls[-1] == (10, 10)


@pytest.mark.parametrize("target", ["data", "data/synthetic", "data/practices"])
def test_refuses_the_real_data_directory(tmp_path: Path, target: str) -> None:
    real = tmp_path / "data" / "practices"
    real.mkdir(parents=True)
    (real / "trzy-filary-bank-partnerow-lokalnych.yaml").write_text("key: trzy-filary\n", encoding="utf-8")
    with pytest.raises(SourceError, match="data/"):
        generate(5, tmp_path / target)
    assert sorted(p.name for p in real.iterdir()) == ["trzy-filary-bank-partnerow-lokalnych.yaml"]


def test_refuses_a_directory_of_records_that_is_not_generated(tmp_path: Path) -> None:
    (tmp_path / "records" / "practices").mkdir(parents=True)
    (tmp_path / "records" / "practices" / "x.yaml").write_text("key: x\n", encoding="utf-8")
    with pytest.raises(SourceError, match="SYNTHETIC.md"):
        generate(5, tmp_path / "records")
