"""Issue 17: the incremental build's bookkeeping of the records' rows (publisher/pipeline/plan.py,
changes.py, incremental.delta) compares only the rows that differ from the previous build's. These cases
reach its shortcuts: a file touched but unchanged (a new mtime, the same bytes), a record moved to another
file under the same key, an organisation renamed (its practices' table rows touched), a practice added."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from publisher.pipeline.build import build, default_steps
from publisher.pipeline.context import BuildContext, Delta
from publisher.pipeline.incremental import build_changed
from publisher.synthetic.generate import generate
from tests.test_incremental import assert_same_output


@pytest.fixture
def data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("rows") / "data"
    generate(40, data, seed=5)
    return data


def _rows(out: Path) -> list[dict]:
    doc = json.loads((out / "records.json").read_text(encoding="utf-8"))
    return [dict(zip(doc["columns"], row, strict=True)) for row in doc["records"]]


def _expected_touched(before: list[dict], after: list[dict], moved: set[tuple[str, str]]) -> set[str]:
    """Delta.touched as its docstring defines it, from every row of both builds."""
    touched = {key for kind, key in moved if kind == "practice"}
    for row in before + after:
        if row["kind"] == "practice" and any(tuple(r.split(":", 1)) in moved for r in row["refs"]):
            touched.add(row["key"])
        elif row["kind"] == "publication" and (row["kind"], row["key"]) in moved:
            touched |= {r.split(":", 1)[1] for r in row["refs"] if r.startswith("practice:")}
    return touched & {row["key"] for row in after if row["kind"] == "practice"}


def test_touched_moved_and_renamed_records_as_a_full_build_sees_them(data, tmp_path, settings):
    out = tmp_path / "out"
    build(settings, data, out, workers=1)
    before = _rows(out)
    practices, orgs = sorted((data / "practices").iterdir()), sorted((data / "organisations").iterdir())

    os.utime(practices[0], ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))   # same bytes
    practices[1].rename(practices[1].with_name("przeniesiona.yaml"))                   # same key
    named = next(o for o in orgs if any(f"organisation:{o.stem}" in r["refs"] for r in before))
    text = named.read_text(encoding="utf-8")
    named.write_text(text.replace("name: {pl: ", "name: {pl: Nowa ", 1), encoding="utf-8")
    added = practices[2].read_text(encoding="utf-8").replace(f"key: {practices[2].stem}", "key: dodana")
    (data / "practices" / "dodana.yaml").write_text(added, encoding="utf-8")

    seen: list[Delta] = []

    def capture(context: BuildContext) -> None:
        assert context.delta is not None
        seen.append(context.delta)

    assert build_changed(settings, data, out, steps=[*default_steps(), capture]).full is False
    full = tmp_path / "full"
    build(settings, data, full, workers=1)
    assert_same_output(out, full)     # records.json too: the touched file's new mtime, the moved path

    after = _rows(out)
    assert next(r for r in after if r["key"] == practices[0].stem)["mtime_ns"] == 1_000_000_000_000_000_000
    delta = seen[0]
    # The moved record's triples are taken out under its old path and put in under its new one
    # (removed_nt, added_nt): Delta counts it as updated; changes.json, by triples' hash, does not.
    assert delta.updated == {("organisation", named.stem), ("practice", practices[1].stem)}
    assert delta.added == {("practice", "dodana")} and delta.removed == frozenset()
    moved = set(delta.updated | delta.added)
    assert delta.touched == _expected_touched(before, after, moved)
    assert len(delta.touched) > 1       # the renamed organisation's practices, the added one

    changes = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert [c["key"] for c in changes["created"]] == ["dodana"]
    assert [c["key"] for c in changes["updated"]] == [named.stem]
    assert changes["deleted"] == []


def test_removed_and_readded_records_are_deleted_and_created(data, tmp_path, settings):
    """A record removed in one build and back in the next: deleted, then created, under the same IRI."""
    out = tmp_path / "out"
    build(settings, data, out, workers=1)
    victim = sorted((data / "practices").iterdir())[4]
    kept = tmp_path / victim.name
    shutil.move(victim, kept)
    assert build_changed(settings, data, out).full is False
    gone = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert [c["key"] for c in gone["deleted"]] == [victim.stem] and gone["created"] == gone["updated"] == []
    shutil.move(kept, victim)
    assert build_changed(settings, data, out).full is False
    back = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert [c["iri"] for c in back["created"]] == [c["iri"] for c in gone["deleted"]]
    assert back["deleted"] == back["updated"] == []
