"""Issue 17: an incremental `bdp build` makes what a full build of the same records makes (byte for byte
where the format allows, as graphs otherwise), checks what spans records, and leaves OUT as it was when
it fails."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.errors import SourceError
from publisher.pipeline.build import BuildFailed, build
from publisher.pipeline.incremental import build_changed
from publisher.synthetic.generate import generate
from tests.conftest import DATA, invoke_bdp, tree_digest
from tests.test_build import VIOLATIONS
from tests.test_build import _edit as _edit_record

# Byte for byte; the rest as graphs (RDF), rows (CSV, SQLite) or without the build's time (manifests).
SAME_BYTES = ["dumps/bdp.nt.gz", "dumps/bdp.ttl.gz", "dumps/bdp.jsonld.gz", "bdp.ttl.gz.members.json",
              "bdp.jsonld.gz.members.json", "sitemap.xml", "dumps/practices.csv", "practices.csv.rows.json",
              "counts.json"]
# (The Turtle and JSON-LD dumps are compared byte for byte above: the same bytes are the same graph.)
GRAPHS = {"catalog.ttl": ox.RdfFormat.TURTLE, "catalog.jsonld": ox.RdfFormat.JSON_LD, "void.ttl": ox.RdfFormat.TURTLE}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """60 generated practices, and a spare organisation that no practice names (one test removes it)."""
    data = tmp_path_factory.mktemp("gen") / "data"
    generate(60, data, seed=11)
    first = sorted((data / "organisations").iterdir())[0]
    spare = first.read_text(encoding="utf-8").replace(f"key: {first.stem}", "key: zapasowa-organizacja")
    (data / "organisations" / "zapasowa-organizacja.yaml").write_text(spare, encoding="utf-8")
    return data


@pytest.fixture
def data(generated, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(generated, copy)
    return copy


@pytest.fixture(scope="module")
def first_out(generated, tmp_path_factory, settings) -> Path:
    """A full build of the generated records, made once: a test that starts from it gets a copy (below)."""
    out = tmp_path_factory.mktemp("first") / "out"
    build(settings, generated, out, workers=1)
    return out


@pytest.fixture
def out(first_out, tmp_path) -> Path:
    """OUT as a full build of `data` leaves it: a copy of `first_out`. `data` is a copy of the same records
    with their modification times (copytree keeps them), and nothing in OUT names where the records were,
    so a later build sees exactly the previous build it would have seen."""
    copy = tmp_path / "out"
    shutil.copytree(first_out, copy)
    return copy


# A build's time (dct:modified, dct:issued of the catalogue, dataset, distributions) may differ.
BUILD_TIME = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\^\^<http://www.w3.org/2001/XMLSchema#dateTime>')


def _canonical(quads) -> list[str]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(text for text in map(str, dataset) if not BUILD_TIME.search(text))


def _graph(path: Path, fmt: ox.RdfFormat) -> list[str]:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return _canonical(ox.parse(raw, format=fmt))


# The pages of FTS5 and R*Tree tables depend on the order rows were written in: those tables are compared
# by what they hold (every term of every row, with its column and offset; the row sizes and totals bm25
# uses; the R*Tree's rows).
PAGES = re.compile(r"_(data|idx|node|parent|rowid)$")


def _rows(path: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(path)
    try:
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        found = {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables
                 if not (PAGES.search(t) and t.rsplit("_", 1)[0] in tables)}
        for t, sql in tables.items():
            if "USING fts5" in sql:
                db.execute(f"CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, '{t}', 'instance')")
                found[t] = sorted(map(repr, db.execute("SELECT * FROM temp.v")))
                db.execute("DROP TABLE temp.v")
                found[t + "_averages"] = [repr(r) for r in db.execute(f'SELECT * FROM "{t}_data" WHERE id = 1')]
        return found
    finally:
        db.close()


def assert_same_output(incremental: Path, full: Path) -> None:
    # feed/ is history (the pages of every build kept), not a function of the records (tests/test_feed.py)
    files = sorted(str(p.relative_to(full)) for p in full.rglob("*") if p.is_file()
                   and not {"store", "feed"} & set(p.parts))
    assert files == sorted(str(p.relative_to(incremental)) for p in incremental.rglob("*")
                           if p.is_file() and not {"store", "feed"} & set(p.parts))
    for name in SAME_BYTES + [f for f in files if f.startswith(("attachments/", "links/", "sitemap-"))]:
        assert (incremental / name).read_bytes() == (full / name).read_bytes(), name
    for name, fmt in GRAPHS.items():
        assert _graph(incremental / name, fmt) == _graph(full / name, fmt), name
    assert sorted((incremental / "dumps/practices.csv").read_text().splitlines()) == sorted(
        (full / "dumps/practices.csv").read_text().splitlines())
    assert _rows(incremental / "search.sqlite") == _rows(full / "search.sqlite")
    stores = [ox.Store.read_only(str(d / "store")) for d in (incremental, full)]
    assert _canonical(stores[0]) == _canonical(stores[1])
    records = [json.loads((d / "records.json").read_text())["records"] for d in (incremental, full)]
    assert records[0] == records[1]
    manifests = [json.loads((d / "build.json").read_text()) for d in (incremental, full)]
    assert {**manifests[0], "built": ""} == {**manifests[1], "built": ""}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_incremental_equals_full(data, out, tmp_path, settings):
    practices, orgs = sorted((data / "practices").iterdir()), sorted((data / "organisations").iterdir())

    # One practice's title, one organisation's name (shown with its practices in the CSV and search
    # index), a practice added, one removed, an unreferenced organisation removed.
    _edit(practices[3], "title: {pl: ", "title: {pl: Nowy tytuł ")
    _edit(orgs[2], "name: {pl: ", "name: {pl: Przemianowana ")
    added = practices[5].read_text(encoding="utf-8").replace(f"key: {practices[5].stem}", "key: nowa-praktyka")
    (data / "practices" / "nowa-praktyka.yaml").write_text(added, encoding="utf-8")
    practices[7].unlink()
    (data / "organisations" / "zapasowa-organizacja.yaml").unlink()

    report = build_changed(settings, data, out)
    assert report.full is False
    full = tmp_path / "full"
    assert build_changed(settings, data, full).full is True
    assert_same_output(out, full)

    changes = json.loads((out / "changes.json").read_text())
    assert changes["full"] is False
    assert [c["key"] for c in changes["created"]] == ["nowa-praktyka"]
    assert sorted(c["key"] for c in changes["updated"]) == sorted([practices[3].stem, orgs[2].stem])
    assert sorted(c["key"] for c in changes["deleted"]) == sorted([practices[7].stem, "zapasowa-organizacja"])


def test_nothing_changed_then_full_forced(data, out, tmp_path, settings):
    before = json.loads((out / "records.json").read_text())["records"]
    assert build_changed(settings, data, out).full is False
    assert json.loads((out / "changes.json").read_text())["created"] == []
    assert json.loads((out / "records.json").read_text())["records"] == before
    done = invoke_bdp("build", "--data", str(data), "--out", str(out), "--full")   # a child: test_build
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("MiB), full")


def test_changed_settings_force_a_full_build(data, out, tmp_path, settings):
    import dataclasses

    other = dataclasses.replace(settings, publisher_name="Inny wydawca")
    assert build_changed(other, data, out).full is True
    assert build_changed(other, data, out).full is False


def test_removed_organisation_still_named_fails_and_out_stays(data, out, tmp_path, settings):
    before = tree_digest(out)
    victim = sorted((data / "organisations").iterdir())[0]
    victim.unlink()
    with pytest.raises(SourceError) as caught:
        build_changed(settings, data, out)
    with pytest.raises(SourceError) as from_full:
        build(settings, data, tmp_path / "full", workers=1)
    assert str(caught.value) == str(from_full.value)
    assert f"no organisation with key {victim.stem!r}" in str(caught.value)
    assert tree_digest(out) == before


def test_duplicate_key_and_violation_fail_and_out_stays(data, out, tmp_path, settings):
    before = tree_digest(out)
    first = sorted((data / "practices").iterdir())[0]
    twin = data / "practices" / "zz-kopia.yaml"
    shutil.copy(first, twin)
    with pytest.raises(SourceError) as caught:
        build_changed(settings, data, out)
    assert first.name in str(caught.value) and twin.name in str(caught.value)
    assert tree_digest(out) == before
    assert not list(out.parent.glob(f".{out.name}.*"))


@pytest.fixture(scope="module")
def bundled_first(tmp_path_factory, settings) -> tuple[Path, Path]:
    """The bundled records (without links, as conftest's data_copy) and a full build of them, made once."""
    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(DATA, root / "data", ignore=shutil.ignore_patterns("links"))
    build(settings, root / "data", root / "out", workers=1)
    return root / "data", root / "out"


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_violations_as_a_full_build_finds_them(case, bundled_first, tmp_path, settings):
    data_copy, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(bundled_first[0], data_copy)     # the records' times kept, as the build saw them
    shutil.copytree(bundled_first[1], out)
    before = tree_digest(out)
    (folder, key), change, _prop = VIOLATIONS[case]
    _edit_record(data_copy, folder, key, change)
    with pytest.raises(BuildFailed) as incremental:
        build_changed(settings, data_copy, out)
    with pytest.raises(BuildFailed) as full:
        build(settings, data_copy, tmp_path / "full", workers=1)
    violations = [[p for p in f.value.problems if p.severity == "Violation"] for f in (incremental, full)]
    assert violations[0] and violations[0] == violations[1]
    assert tree_digest(out) == before


def test_dump_members_other_than_the_changed_record_are_kept(data, out, tmp_path, settings):
    """The N-Triples dump is a series of gzip members (publisher/pipeline/members.py): one change
    rewrites the member that holds the record, and the file still reads as one gzip stream."""
    old = (out / "dumps/bdp.nt.gz").read_bytes()
    sizes = json.loads((out / "records.json").read_text())["members"]
    assert len(sizes) > 2 and sum(sizes) == len(old)
    key = sorted((data / "practices").iterdir())[10].stem
    _edit_record(data, "practices", key, lambda r: r["title"].update(pl="Inny tytuł"))
    build_changed(settings, data, out)
    new = (out / "dumps/bdp.nt.gz").read_bytes()
    new_sizes = json.loads((out / "records.json").read_text())["members"]

    def parts(blob: bytes, lengths: list[int]) -> list[bytes]:
        at = [sum(lengths[:i]) for i in range(len(lengths) + 1)]
        return [blob[at[i]:at[i + 1]] for i in range(len(lengths))]

    changed = [a != b for a, b in zip(parts(old, sizes), parts(new, new_sizes), strict=True)]
    assert changed.count(True) == 1
    assert "Inny" in gzip.decompress(new).decode("utf-8")



@pytest.mark.parametrize(("name", "fmt"), [("bdp.ttl.gz", ox.RdfFormat.TURTLE), ("bdp.jsonld.gz", ox.RdfFormat.JSON_LD)])
def test_turtle_and_jsonld_dumps_follow_the_members(name, fmt, data, out, tmp_path, settings):
    """The Turtle and JSON-LD dumps are a head member, one member per N-Triples member and a tail member
    (publisher/outputs/dump_members.py): one change rewrites one member, the others are copied, and the
    whole reads as one document with the N-Triples dump's graph."""
    old = (out / "dumps" / name).read_bytes()
    sizes = json.loads((out / f"{name}.members.json").read_text())
    assert len(sizes) == len(json.loads((out / "records.json").read_text())["members"]) + 2
    # A record member recompressed at another level: the same text in other bytes, which only a copy keeps.
    at = sum(sizes[:-2])
    again = gzip.compress(gzip.decompress(old[at:at + sizes[-2]]), compresslevel=9, mtime=0)
    assert again != old[at:at + sizes[-2]]
    old, sizes = old[:at] + again + old[at + sizes[-2]:], [*sizes[:-2], len(again), sizes[-1]]
    (out / "dumps" / name).write_bytes(old)
    (out / f"{name}.members.json").write_text(json.dumps(sizes))
    key = sorted((data / "practices").iterdir())[10].stem
    _edit_record(data, "practices", key, lambda r: r["title"].update(pl="Inny tytuł"))
    assert build_changed(settings, data, out).full is False
    new = (out / "dumps" / name).read_bytes()
    new_sizes = json.loads((out / f"{name}.members.json").read_text())
    assert sum(new_sizes) == len(new)

    def parts(blob: bytes, lengths: list[int]) -> list[bytes]:
        at = [sum(lengths[:i]) for i in range(len(lengths) + 1)]
        return [blob[at[i]:at[i + 1]] for i in range(len(lengths))]

    changed = [a != b for a, b in zip(parts(old, sizes), parts(new, new_sizes), strict=True)]
    assert changed.count(True) == 1 and not changed[0] and not changed[-2]
    text = gzip.decompress(new).decode("utf-8")
    assert "Inny tytuł" in text
    if fmt == ox.RdfFormat.JSON_LD:
        assert isinstance(json.loads(text), list)
    else:
        assert text.startswith("@prefix ") and text.count("@prefix bdp: ") == 1
    assert _graph(out / "dumps" / name, fmt) == _graph(out / "dumps/bdp.nt.gz", ox.RdfFormat.N_TRIPLES)
