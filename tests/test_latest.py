"""The home page's newest and recently updated practices (publisher/read/practice_list.py `latest`) read
from the build's search index answer what the store's ORDER BY query answered, ties of dates included
(broken by IRI), on the bundled build and on a generated set whose dates are made to tie, before and after
an incremental build patches the index."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from publisher.outputs.search_index import FILE
from publisher.read.practice_list import _latest_indexed, latest
from publisher.store.embedded import EmbeddedStore

SIZES = (1, 2, 5, 6, 12, 40, 10_000)


def _same_as_store(out: Path) -> int:
    """Every size and field answered from the index as from the store; how many answers were compared."""
    store = EmbeddedStore(out / "store")
    try:
        site = store.site()
        compared = 0
        for field in ("issued", "modified"):
            for n in SIZES:
                from_index = _latest_indexed(out / FILE, field, n)
                assert from_index is not None, "the index was not read"
                from_store = latest(site, field, n)
                assert from_index == from_store, (field, n)
                assert latest(site, field, n, out) == from_store
                compared += len(from_store)
        return compared
    finally:
        store.close()


def test_bundled_build_newest_from_the_index_as_from_the_store(built):
    assert _same_as_store(built) >= len(SIZES)


def _tie_dates(data: Path) -> None:
    """Dates entered from four values and dates updated from three (most records), so that nearly every
    answer ends inside a run of equal dates."""
    for n, path in enumerate(sorted((data / "practices").glob("*.yaml"))):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^entered: .*$", f"entered: 2020-0{1 + n % 4}-15", text)
        text = re.sub(r"(?m)^modified: .*$", f"modified: 2021-0{1 + n % 3}-10", text)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def tied(tmp_path_factory, settings) -> tuple[Path, Path]:
    from publisher.pipeline.build import build
    from tests.conftest import invoke_bdp

    data = tmp_path_factory.mktemp("tied") / "data"
    result = invoke_bdp("generate", "--practices", "120", "--out", str(data))
    assert result.returncode == 0, result.stderr
    _tie_dates(data)
    out = data.parent / "out"
    build(settings, data, out, workers=1)
    return data, out


def test_tied_dates_newest_from_the_index_as_from_the_store(tied):
    data, out = tied
    modified = [p for p in (data / "practices").glob("*.yaml") if "\nmodified: " in p.read_text(encoding="utf-8")]
    assert len(modified) > 12, "the generated set should have practices updated"
    assert _same_as_store(out) > 100


def test_after_an_incremental_build_the_patched_index_answers_as_the_store(tied, settings, tmp_path):
    from publisher.pipeline.incremental import build_changed

    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(tied[0], data)          # the records' modification times kept: only the edit changes
    shutil.copytree(tied[1], out)
    # One practice updated last: the patch rewrites its row in place.
    records = sorted((data / "practices").glob("*.yaml"))
    updated = next(p for p in records if "\nmodified: " in p.read_text(encoding="utf-8"))
    updated.write_text(re.sub(r"(?m)^modified: .*$", "modified: 2024-12-31", updated.read_text(encoding="utf-8")),
                       encoding="utf-8")
    report = build_changed(settings, data, out, workers=1)
    assert not report.full, "the second build should be incremental"
    key = updated.stem
    assert any(i.endswith("/practice/" + key) for i in _latest_indexed(out / FILE, "modified", 1) or [])
    _same_as_store(out)


def test_without_an_index_of_this_version_the_store_answers(built, tmp_path):
    (tmp_path / FILE).write_bytes(b"not a database")
    assert _latest_indexed(tmp_path / FILE, "issued", 3) is None
    assert _latest_indexed(tmp_path / "none" / FILE, "issued", 3) is None
