"""Issue 17: what an incremental build takes over from the previous one to be quick (the dump's segments
recorded in records.json, the compiled shapes and vocabularies in OUT/compiled.pickle, the listing compared
by columns) gives the output of a full build, and a previous build without them, or with them spoilt,
is built on as well. The old build's directory goes after the swap, without the command waiting."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
import yaml

from publisher.config import Settings
from publisher.pipeline import warm
from publisher.pipeline.build import build
from publisher.pipeline.changes import read_records
from publisher.pipeline.fingerprint import fingerprint
from publisher.pipeline.incremental import build_changed
from publisher.pipeline.plan import Plan, _other_files, _same_files, _scan
from publisher.synthetic.generate import generate
from tests.test_incremental import assert_same_output


@pytest.fixture(scope="module")
def built(tmp_path_factory, settings) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("reuse")
    generate(40, base / "data", seed=17)
    build(settings, base / "data", base / "out", workers=1)
    return base / "data", base / "out"


@pytest.fixture
def data_out(built, tmp_path) -> tuple[Path, Path]:
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(built[0], data)
    shutil.copytree(built[1], out)
    return data, out


def _segments(out: Path) -> list[int]:
    return json.loads((out / "records.json").read_text(encoding="utf-8"))["segments"]


def _edit_titles(data: Path, picks: tuple[int, ...]) -> None:
    """The Polish title of the practices at `picks` (in file order) changed in place."""
    practices = sorted((data / "practices").iterdir())
    for i in picks:
        record = yaml.safe_load(practices[i].read_text(encoding="utf-8"))
        record["title"]["pl"] = f"Zmieniony {i}: {record['title']['pl']}"
        practices[i].write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_edits_in_place_as_a_full_build(data_out, tmp_path, settings):
    data, out = data_out
    _edit_titles(data, (0, 17, 39))
    assert build_changed(settings, data, out).full is False
    full = tmp_path / "full"
    build(settings, data, full, workers=1)
    assert_same_output(out, full)
    assert _segments(out) == _segments(full)
    assert sum(_segments(out)) == len(read_records(out).entries)


def test_previous_build_without_segments_and_with_a_spoilt_pickle(data_out, tmp_path, settings):
    data, out = data_out
    doc = json.loads((out / "records.json").read_text(encoding="utf-8"))
    del doc["segments"]
    (out / "records.json").write_text(json.dumps(doc), encoding="utf-8")
    (out / warm.FILE).write_bytes(b"not a pickle")
    _edit_titles(data, (5,))
    assert build_changed(settings, data, out).full is False
    full = tmp_path / "full"
    build(settings, data, full, workers=1)
    assert_same_output(out, full)
    assert _segments(out) == _segments(full)
    compiled, cached = warm.load(out, fingerprint(settings, data, "en"))
    assert cached and compiled.vocab.schemes() and compiled.shapes.queries


def test_compiled_tables_of_another_fingerprint_are_made_again(data_out, settings):
    data, out = data_out
    depends = fingerprint(settings, data, "en")
    compiled, cached = warm.load(out, depends)
    assert cached                                     # the full build left them
    stale = warm.Compiled("another", compiled.vocab, compiled.shapes)
    (out / warm.FILE).write_bytes(pickle.dumps(stale))
    again, cached = warm.load(out, depends)
    assert not cached and again.fingerprint == depends
    assert again.vocab.schemes() == compiled.vocab.schemes()


def test_listing_compared_by_columns_as_file_by_file(data_out, settings: Settings):
    """The rows when no file came or went (_same_files) are those the general case gives (_other_files):
    a file touched (new mtime, same bytes) keeps its row with the new mtime, a changed one is read."""
    data, out = data_out
    practices = sorted((data / "practices").iterdir())
    stat = practices[3].stat()
    os.utime(practices[3], ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    _edit_titles(data, (8,))
    previous = read_records(out)
    assert previous is not None
    scan = _scan(data)
    by_columns, by_file = Plan(previous, {}), Plan(previous, {})
    _same_files(by_columns, data, scan)
    _other_files(by_file, data, scan)
    assert by_columns.rows == by_file.rows
    assert by_columns.to_read == by_file.to_read == [("practice", f"practices/{practices[8].name}")]
    assert by_columns.replaced == by_file.replaced
    touched = next(e for _, rel, e in by_columns.rows if rel.endswith(practices[3].name))
    assert touched is not None and touched.mtime_ns == stat.st_mtime_ns + 10**9


def test_previous_build_removed_after_the_swap(data_out, settings):
    data, out = data_out
    _edit_titles(data, (1,))
    assert build_changed(settings, data, out).full is False
    assert (out / "build.json").is_file()
    deadline = time.monotonic() + 60     # removed in the background: waited for, not timed
    while any(p.name.startswith(f".{out.name}.previous-") for p in out.parent.iterdir()):
        assert time.monotonic() < deadline, "the previous build's directory is still there"
        time.sleep(0.05)
