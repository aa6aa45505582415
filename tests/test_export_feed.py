"""The change feed in a static export (publisher/web/export_feed.py): the files are the bytes `/feed/`
answers, whether the export's public URL is the build's (TriG hard-linked) or another (rebased); an export
again converts only the pages that are not already current, and drops pages the build no longer keeps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.config import load_settings
from publisher.dataset.facts import load_facts
from publisher.formats import QUAD_FORMATS
from publisher.outputs.feed import FEED
from publisher.web import create_app
from publisher.web.export_feed import write_feed_pages

OTHER = "http://static.bdp.test/mirror/"


def _served(built: Path, public: str, stem: str, suffix: str) -> bytes:
    app = create_app(load_settings({"out": str(built), "public_url": public}, environ={}))
    fmt = next(f for f in QUAD_FORMATS if f.suffix == suffix)
    url = "/feed/" if stem == "index" else f"/feed/{stem}.{suffix}"
    response = app.test_client().get(url, headers={"Accept": fmt.media_type})
    assert response.status_code == 200, url
    return response.get_data()


@pytest.mark.parametrize("other", [False, True], ids=["build's URL", "another URL"])
def test_feed_files_are_the_bytes_served(built, tmp_path, other):
    built_public = load_facts(built).public
    public = OTHER if other else built_public
    pages = sorted((built / FEED).glob("*.trig"))
    assert len(pages) >= 2, "the bundled build has an index and a page"
    files = write_feed_pages(built, tmp_path, built_public, public, workers=2)
    assert files == len(pages) * len(QUAD_FORMATS)
    for page in pages:
        for f in QUAD_FORMATS:
            written = (tmp_path / FEED / f"{page.stem}.{f.suffix}").read_bytes()
            assert written == _served(built, public, page.stem, f.suffix), (page.stem, f.suffix)
        assert os.path.samefile(page, tmp_path / FEED / page.name) is not other
    if other:
        assert OTHER.encode() in (tmp_path / FEED / "index.trig").read_bytes()


def test_an_export_again_converts_only_pages_not_current_and_drops_old_ones(built, tmp_path):
    public = load_facts(built).public
    write_feed_pages(built, tmp_path, public, public, workers=1)
    folder = tmp_path / FEED
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    redo = sorted(folder.glob("*.nq"))[0]
    redo.unlink()
    (folder / "20000101T000000Z-1-1.trig").write_bytes(b"a page no longer kept")
    (folder / "20000101T000000Z-1-1.nq").write_bytes(b"a page no longer kept")
    write_feed_pages(built, tmp_path, public, public, workers=1)
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert after.keys() == stamps.keys()
    changed = {name for name in after if after[name] != stamps[name]}
    # The page whose N-Quads went is made again (its TriG, a link already, kept); nothing else is touched.
    assert changed == {redo.name}
    assert redo.read_bytes() == _served(built, public, redo.stem, "nq")
