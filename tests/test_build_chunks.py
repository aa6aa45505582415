"""The build's one pass over the records in worker processes (publisher/pipeline/chunks.py): errors found in
different chunks and by different checks come out as the same first error, with file and line, that
checking all records one check after the other gives; validation problems keep their records' lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.errors import SourceError
from publisher.pipeline.build import CHUNK, BuildFailed, build
from publisher.pipeline.check import validate_paths


def _org(data: Path, name: str, key: str | None = None) -> Path:
    path = data / "organisations" / f"{name}.yaml"
    path.write_text(f"key: {key or name}\nname: {{pl: Organizacja {name}}}\nsector: ngo\n", encoding="utf-8")
    return path


def _practice(data: Path, name: str, partners: tuple[str, ...], extra: str = "") -> Path:
    path = data / "practices" / f"{name}.yaml"
    listed = "".join(f"  - {{organisation: {p}, role: partner}}\n" for p in partners)
    path.write_text(f"key: {name}\ntitle: {{pl: Praktyka {name}}}\nentered: 2020-01-01\n{extra}partners:\n{listed}",
                    encoding="utf-8")
    return path


@pytest.fixture
def many(data_copy: Path) -> Path:
    """The bundled data and more organisations than one chunk holds, so that checks span chunks."""
    for i in range(CHUNK + 5):
        _org(data_copy, f"org-{i:04d}")
    return data_copy


def _fails(settings, data: Path, out: Path) -> SourceError:
    with pytest.raises(SourceError) as error:
        build(settings, data, out, workers=2)
    assert not out.exists() and not list(out.parent.glob(f".{out.name}.*"))
    return error.value


def test_duplicate_key_across_chunks_names_both_files_and_line(many, settings, tmp_path):
    first = many / "organisations" / "org-0000.yaml"
    copy = _org(many, "zz-kopia", key="org-0000")        # sorted last: in another chunk than org-0000
    error = _fails(settings, many, tmp_path / "out")
    assert (error.path, error.line, error.field) == (str(copy), 1, "key")
    assert f"already used by {first}" in str(error)


def test_missing_organisation_in_a_later_chunk_names_file_and_line(many, settings, tmp_path):
    _practice(many, "zz-praktyka", ("org-0001", "org-0404", "nie-ma-takiej"))
    error = _fails(settings, many, tmp_path / "out")
    assert error.line == 7 and error.field == "partners[2].organisation"
    assert str(error).startswith(f"{many / 'practices' / 'zz-praktyka.yaml'}:7: practice zz-praktyka: ")
    assert "no organisation with key 'nie-ma-takiej'" in str(error)


def test_checks_keep_their_order_whichever_chunk_fails_first(many, settings, tmp_path):
    """A missing organisation (checked last) in the first practice, an attachment that cannot be published
    in the next, a duplicate key in the last organisation: the duplicate key is the error, then the
    attachment, then the organisation, as when every record was checked by one check after the other."""
    _practice(many, "a-praktyka", ("org-0001", "nie-ma-takiej"))
    attachment = "attachments:\n  - {title: {pl: Opis}, file: attachments/nie-ma.pdf}\n"
    bad_file = _practice(many, "b-praktyka", ("org-0001", "org-0002"), extra=attachment)
    _org(many, "zz-kopia", key="org-0000")
    assert "already used by" in str(_fails(settings, many, tmp_path / "out"))
    (many / "organisations" / "zz-kopia.yaml").unlink()
    error = _fails(settings, many, tmp_path / "out")
    assert error.path == str(bad_file) and "no such file: attachments/nie-ma.pdf" in str(error)
    bad_file.unlink()
    assert "no organisation with key 'nie-ma-takiej'" in str(_fails(settings, many, tmp_path / "out"))


def test_read_error_of_a_practice_comes_before_one_of_a_publication(data_copy, settings, tmp_path):
    (data_copy / "publications").mkdir()
    (data_copy / "publications" / "a.yaml").write_text("key: a\ntitle: {pl: [Zła\n", encoding="utf-8")
    broken = data_copy / "practices" / "zz.yaml"
    broken.write_text("key: zz\ntitle: {pl: P}\ncolour: red\n", encoding="utf-8")
    error = _fails(settings, data_copy, tmp_path / "out")
    assert error.path == str(broken) and "unknown field 'colour'" in str(error)
    broken.unlink()
    assert "malformed YAML" in str(_fails(settings, data_copy, tmp_path / "out"))


def test_build_problems_name_the_same_lines_as_validate(many, settings, tmp_path):
    """The build keeps only each record's lines (RecordRef) and must report what `bdp validate`, which
    holds the whole records, reports: file, line, record, property."""
    _practice(many, "zz-praktyka", ("org-0001", "org-0002"),
              extra="place: {town: Tczew, postal_code: '83110', population: -5}\nwebsites: ['http://::']\n")
    path = many / "organisations" / "org-0300.yaml"
    path.write_text("key: org-0300\nname: {pl: Bez sektora}\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(settings, many, tmp_path / "out", workers=2)
    expected = validate_paths(settings, many, [])
    assert failed.value.problems == expected
    lines = {(Path(p.path).name, p.line) for p in expected if p.severity == "Violation"}
    assert {("zz-praktyka.yaml", 4), ("zz-praktyka.yaml", 5), ("org-0300.yaml", 1)} <= lines
