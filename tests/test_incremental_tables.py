"""Issue 17: an incremental build patches the CSV of practices, the sitemaps and the VoID counts by the
difference (publisher/pipeline/table_patches.py, publisher/read/counts_delta.py) and still writes what a
full build of the same records writes: the CSV and sitemaps byte for byte (split at a small limit, so that
an added or removed document moves the split), the counts equal to the whole store's measure."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from publisher.pipeline.build import build
from publisher.pipeline.context import BuildContext
from publisher.pipeline.incremental import build_changed
from publisher.pipeline.outputs import with_sitemap_limit
from publisher.read.catalog import measure
from publisher.read.counts_delta import counts_after
from publisher.store.embedded import DirectStore
from publisher.synthetic.generate import generate
from tests.test_build import _edit
from tests.test_incremental import assert_same_output

LIMIT = 7
SPARE = "zapasowa-organizacja"


@pytest.fixture(scope="module")
def base(tmp_path_factory, settings) -> tuple[Path, Path]:
    """40 practices; only one organisation (not named by any practice) has a website, so that removing it
    removes the last use of foaf:homepage. Built once, with sitemaps split at LIMIT URLs."""
    root = tmp_path_factory.mktemp("tables")
    data = root / "data"
    generate(40, data, seed=5)
    orgs = sorted((data / "organisations").iterdir())
    for path in orgs:
        path.write_text(re.sub(r"websites:\n(  - .*\n)+", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    spare = orgs[0].read_text(encoding="utf-8").replace(f"key: {orgs[0].stem}", f"key: {SPARE}")
    (data / "organisations" / f"{SPARE}.yaml").write_text(spare + 'websites: ["http://zapasowa.example.pl"]\n',
                                                           encoding="utf-8")
    build(settings, data, root / "out", workers=1, steps=[with_sitemap_limit(LIMIT)])
    return data, root / "out"


def _practices(data: Path) -> list[Path]:
    return sorted((data / "practices").iterdir())


def _copy(data: Path, key: str, new_key: str) -> None:
    text = (data / "practices" / f"{key}.yaml").read_text(encoding="utf-8")
    (data / "practices" / f"{new_key}.yaml").write_text(text.replace(f"key: {key}", f"key: {new_key}"),
                                                        encoding="utf-8")


def _earliest(data: Path) -> Path:
    return min(_practices(data), key=lambda p: re.search(r"entered: (\S+)", p.read_text(encoding="utf-8")).group(1))


def _org(data: Path, n: int) -> str:
    return sorted(p.stem for p in (data / "organisations").iterdir() if p.stem != SPARE)[n]


CHANGES: dict[str, Callable[[Path], object]] = {
    "practice title": lambda d: _edit(d, "practices", _practices(d)[3].stem,
                                      lambda r: r["title"].update(pl="Inny tytuł")),
    "organisation renamed": lambda d: _edit(d, "organisations", _org(d, 2),
                                            lambda r: r["name"].update(pl="Przemianowana")),
    "practice added first": lambda d: _copy(d, _practices(d)[5].stem, "aaa-pierwsza"),
    "practice added last": lambda d: _copy(d, _practices(d)[5].stem, "zzz-ostatnia"),
    "first practice removed": lambda d: _practices(d)[0].unlink(),
    "earliest practice removed": lambda d: _earliest(d).unlink(),
    "dates moved out": lambda d: _edit(d, "practices", _practices(d)[8].stem,
                                       lambda r: r.update(entered=date(1999, 1, 2), modified=date(2026, 11, 30))),
    "last website removed": lambda d: _edit(d, "organisations", SPARE, lambda r: r.pop("websites")),
    "organisation removed with its website": lambda d: (d / "organisations" / f"{SPARE}.yaml").unlink(),
    # removed before the other is added: the other order would remove the practice just added
    "several at once": lambda d: [CHANGES[c](d) for c in ("first practice removed", "practice title",
                                                          "organisation renamed", "practice added first")],
}


def _normal(value: object) -> object:
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_patched_tables_and_counts_equal_a_full_build(change, base, tmp_path, settings):
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(base[0], data)
    shutil.copytree(base[1], out)
    CHANGES[change](data)
    checked: list[tuple[object, object]] = []

    def compare_counts(context: BuildContext) -> None:
        """counts_after on this build's difference, against the whole store's measure."""
        assert context.delta is not None
        previous = json.loads((context.delta.previous / "counts.json").read_text(encoding="utf-8"))
        found = counts_after(context.store, settings.base_uri, previous["counts"], previous["extremes"],
                             context.delta.removed_nt, context.delta.added_nt)
        checked.append((_normal(found), _normal(list(measure(DirectStore(context.store), settings.base_uri)))))

    report = build_changed(settings, data, out, steps=[with_sitemap_limit(LIMIT), compare_counts])
    assert report.full is False
    assert checked and checked[0][0] is not None and checked[0][0] == checked[0][1]
    # The CSV and sitemaps were patched: no job read the whole dump for them (the JSON-LD dump was spliced).
    assert {"patch:csv", "patch:sitemaps"} <= set(report.stages)
    assert "outputs:jsonld" not in report.stages
    full = tmp_path / "full"
    assert build(settings, data, full, workers=1, steps=[with_sitemap_limit(LIMIT)]).full
    assert_same_output(out, full)
    assert len(list(full.glob("sitemap-*.xml"))) > 1


def test_previous_build_without_row_lengths_falls_back_to_the_jobs(base, tmp_path, settings):
    """A previous build written before the CSV kept its rows' lengths: the job writes the CSV whole."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(base[0], data)
    shutil.copytree(base[1], out)
    (out / "practices.csv.rows.json").unlink()
    (out / "counts.json").unlink()
    CHANGES["practice title"](data)
    report = build_changed(settings, data, out, steps=[with_sitemap_limit(LIMIT)])
    assert report.full is False and "outputs:jsonld" in report.stages
    full = tmp_path / "full"
    build(settings, data, full, workers=1, steps=[with_sitemap_limit(LIMIT)])
    assert_same_output(out, full)
