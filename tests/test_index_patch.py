"""Issue 17: an incremental build patches the previous build's search index (outputs/search_patch.py) when
it can be exact, and the file is then, table by table and row by row, what a full build writes
(tests/test_incremental.py's assert_same_output); where it cannot (ids shift, a term enters or leaves the
vocabulary), the index is written whole, with the same result."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from publisher.outputs import search_words
from publisher.pipeline.build import build
from publisher.pipeline.incremental import build_changed
from publisher.synthetic.generate import generate
from tests.test_incremental import assert_same_output


@pytest.fixture(scope="module", autouse=True)
def frequent_min():
    """Words in 5 of the 60 practices get a bitmap (at 100k, those in 2,000), so that word_bitmap has rows:
    for the whole module, the first build included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_words, "FREQUENT_MIN", 5)
        yield


@pytest.fixture(scope="module")
def first(tmp_path_factory, settings) -> tuple[Path, Path]:
    """60 generated practices and a full build of them, made once (in this process at this size:
    outputs.PARALLEL_FROM); each test works on a copy (below)."""
    root = tmp_path_factory.mktemp("first")
    generate(60, root / "data", seed=11)
    build(settings, root / "data", root / "out", workers=1)
    return root / "data", root / "out"


@pytest.fixture
def copied(first, tmp_path) -> tuple[Path, Path]:
    """DATA and OUT as a full build of DATA leaves them: copytree keeps the records' modification times and
    nothing in OUT names where the records were, so the next build sees the previous build it would have."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(first[0], data)
    shutil.copytree(first[1], out)
    return data, out


def _full(settings, data: Path, full: Path) -> None:
    shutil.rmtree(full, ignore_errors=True)
    assert build(settings, data, full, workers=1).full


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _save(path: Path, record: dict) -> None:
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _files(data: Path, kind: str) -> list[Path]:
    return sorted((data / kind).iterdir())


def _swap(data: Path, kind: str, first: int, second: int, get: Callable, put: Callable) -> None:
    """Swap a value of two records: every word stays in the index (no term enters or leaves it)."""
    paths = _files(data, kind)
    a, b = _load(paths[first]), _load(paths[second])
    va, vb = get(a), get(b)
    assert va != vb
    put(a, vb)
    put(b, va)
    _save(paths[first], a)
    _save(paths[second], b)


def swap_titles(data: Path) -> None:
    """Two practices' Polish titles swapped: each moves in the alphabetical orders."""
    _swap(data, "practices", 3, 50, lambda r: r["title"]["pl"], lambda r, v: r["title"].update(pl=v))


def swap_organisation_names(data: Path) -> None:
    """Two organisations renamed (to each other's names): their practices' rows change."""
    named = {_load(p)["implementing_unit"] for p in _files(data, "practices")}
    orgs = [n for n, p in enumerate(_files(data, "organisations")) if p.stem in named]
    _swap(data, "organisations", orgs[0], orgs[-1], lambda r: r["name"]["pl"], lambda r, v: r["name"].update(pl=v))


def swap_voivodeships(data: Path) -> None:
    practices = [_load(p)["place"]["voivodeship"] for p in _files(data, "practices")]
    other = next(n for n, v in enumerate(practices) if v != practices[4])
    _swap(data, "practices", 4, other, lambda r: r["place"]["voivodeship"],
          lambda r, v: r["place"].update(voivodeship=v))


def change_theme_coordinates_partners(data: Path) -> None:
    """One practice: another theme, coordinates added (or moved), a partner that other practices have."""
    paths = _files(data, "practices")
    records = [_load(p) for p in paths]
    record = records[6]
    themes = sorted({t for r in records for t in r.get("themes", [])} - set(record.get("themes", [])))
    record["themes"] = [themes[0]]
    record["place"]["coordinates"] = {"lat": 50.0614, "lon": 19.9366}
    mine = {p["organisation"] for p in record.get("partners", [])}
    sectors = {p.stem: _load(p)["sector"] for p in _files(data, "organisations")}
    have = {sectors[o] for o in mine}
    partner = next(p["organisation"] for r in records for p in r.get("partners", [])
                   if p["organisation"] not in mine and sectors[p["organisation"]] not in have)
    record["partners"] = [*record.get("partners", []), {"organisation": partner, "role": "partner"}]
    _save(paths[6], record)


def retitle_with_new_words(data: Path) -> None:
    """A title of words no practice has (terms enter the vocabulary; the old title's words that no other
    practice has leave it: the terms after them get new ids), and an organisation renamed likewise."""
    paths = _files(data, "practices")
    _save(paths[3], {**_load(paths[3]), "title": {"pl": "Źdźbło Ąkwarium Zupełnie Nowe", "en": "Quixotic Zebras"}})
    unit = data / "organisations" / f"{_load(paths[10])['implementing_unit']}.yaml"
    _save(unit, {**_load(unit), "name": {"pl": "Przemianowana Fundacja Żółwi"}})


def change_contacts_only(data: Path) -> None:
    """A change the index does not show: nothing in it is rewritten, and it is still as a full build's."""
    paths = _files(data, "practices")
    record = _load(paths[8])
    record["contacts"] = [{"name": "Jan Nowak", "role": "Koordynator", "publish": False}]
    _save(paths[8], record)


@pytest.mark.parametrize("change", [swap_titles, swap_organisation_names, swap_voivodeships,
                                    change_theme_coordinates_partners, retitle_with_new_words,
                                    change_contacts_only])
def test_index_patched_equals_full(change, copied, tmp_path, settings):
    data, out = copied
    before = _orders(out)
    change(data)
    report = build_changed(settings, data, out)
    assert report.full is False
    assert "patch:index" in report.stages, report.stages
    full = tmp_path / "full"
    _full(settings, data, full)
    assert_same_output(out, full)
    with sqlite3.connect(out / "search.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM word_bitmap").fetchone()[0] > 0
    if change is swap_titles:
        assert _orders(out) != before


def _orders(out: Path) -> list[bytes]:
    with sqlite3.connect(out / "search.sqlite") as db:
        return [r[0] for r in db.execute("SELECT ids FROM practice_order ORDER BY name")]


def test_new_words_and_shifted_ids_write_the_index_whole(copied, tmp_path, settings):
    """A changed date entered, a practice added, one removed: the ids would shift, so the index is written
    whole, and is still as a full build's."""
    (data, out), full = copied, tmp_path / "full"
    paths = _files(data, "practices")
    steps = [
        lambda: _save(paths[5], {**_load(paths[5]), "entered": _load(paths[40])["entered"]}),
        lambda: shutil.copy(paths[9], data / "practices" / "nowa-praktyka.yaml") and _save(
            data / "practices" / "nowa-praktyka.yaml", {**_load(paths[9]), "key": "nowa-praktyka"}),
        lambda: paths[11].unlink(),
    ]
    for step in steps:
        step()
        report = build_changed(settings, data, out)
        assert report.full is False
        assert "patch:index-whole" in report.stages, report.stages
        _full(settings, data, full)
        assert_same_output(out, full)


def test_a_new_spelling_of_a_term_in_the_newest_practice(copied, tmp_path, settings):
    """The newest practice (id 1, learnt first) given another spelling of a term it does not have (a
    with an ogonek: the same folded term): the term's spelling in the vocabulary becomes that one, as a
    full build learns it, and the index is patched."""
    (data, out), full = copied, tmp_path / "full"
    with sqlite3.connect(out / "search.sqlite") as db:
        key = db.execute("SELECT key FROM practice WHERE id = 1").fetchone()[0]
        terms = [(term, shown) for term, shown in db.execute(
            "SELECT term, shown FROM vocabulary WHERE shown != term AND term LIKE '%a%' ORDER BY docs DESC")
            if 1 not in {r[0] for r in db.execute("SELECT rowid FROM practice_fts WHERE practice_fts MATCH ?",
                                                    (f'"{term}"',))}]
    term, shown = terms[0]
    at = shown.index("a")
    spelling = shown[:at] + "ą" + shown[at + 1:]
    path = data / "practices" / f"{key}.yaml"
    record = _load(path)
    record["title"]["pl"] += f" {spelling}"
    _save(path, record)
    report = build_changed(settings, data, out)
    assert "patch:index" in report.stages, report.stages
    _full(settings, data, full)
    assert_same_output(out, full)
    with sqlite3.connect(out / "search.sqlite") as db:
        assert db.execute("SELECT shown FROM vocabulary WHERE term = ?", (term,)).fetchone()[0] == spelling

