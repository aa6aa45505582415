"""The change feed in a static export: feed/{page}.trig and feed/{page}.nq, the bytes /feed/ serves
(publisher/web/feed.py) made without the app. A page's TriG is the build's file, hard-linked (copied across
file systems) when the export's public URL is the build's, else with its page URLs rebased as the server
rebases them; its N-Quads are that TriG parsed and serialised as the server does, in worker processes
(the parse is nearly all of the time: the first build's pages hold every record).

A build never rewrites a page in place (it copies the page it appends a relation to), so a page whose TriG
in DEST is still a link to the build's file, with its N-Quads beside it, is current: an export after a
build converts only the pages that build added or changed. The N-Quads are written before the TriG is
linked, so an export stopped between the two redoes the page. Pages the build no longer keeps are removed."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from publisher.formats import QUAD_FORMATS
from publisher.outputs.feed import FEED

DERIVED = tuple(f for f in QUAD_FORMATS if f.name != "trig")     # made from the TriG


def write_feed_pages(out: Path, dest: Path, built: str, public: str, workers: int | None = None) -> int:
    """The feed of the build in `out` (its pages under the URL prefix `built`) into `dest`/feed for the
    site at `public`; the number of files the feed has there."""
    source, folder = out / FEED, dest / FEED
    pages = sorted(source.glob("*.trig")) if source.is_dir() else []
    linked = built == public
    jobs = [(str(p), str(folder), built, public) for p in pages if not (linked and _current(p, folder))]
    folder.mkdir(parents=True, exist_ok=True)
    processes = min(workers or os.cpu_count() or 1, len(jobs))
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for _ in pool.imap_unordered(_page, jobs):
                pass
    else:
        for job in jobs:
            _page(job)
    kept = {p.stem for p in pages}
    suffixes = {"." + f.suffix for f in QUAD_FORMATS}
    for old in folder.iterdir():
        if old.suffix in suffixes and old.stem not in kept:
            old.unlink()
    return len(pages) * len(QUAD_FORMATS)


def _current(page: Path, folder: Path) -> bool:
    trig = folder / page.name
    try:
        return os.path.samefile(page, trig) and all((folder / f"{page.stem}.{f.suffix}").is_file() for f in DERIVED)
    except OSError:
        return False


def _page(job: tuple[str, str, str, str]) -> None:
    source, folder, built, public = Path(job[0]), Path(job[1]), job[2], job[3]
    body = source.read_bytes()
    if built != public:
        body = body.replace(f"<{built}{FEED}/".encode(), f"<{public}{FEED}/".encode())
    for f in DERIVED:
        quads = ox.parse(body, format=ox.RdfFormat.TRIG)
        write_atomic(folder / f"{source.stem}.{f.suffix}", cast(bytes, ox.serialize(quads, format=f.rdf_format)))
    target = folder / source.name
    if built != public:
        write_atomic(target, body)
        return
    if target.exists() and os.path.samefile(source, target):
        return                  # linked already (rename() of two links to one file does nothing)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        os.link(source, part)
    except OSError:
        shutil.copyfile(source, part)
    os.replace(part, target)


def write_atomic(target: Path, body: bytes) -> None:
    """Written beside and renamed in: a server reading the file sees the old bytes or the new. The folder
    is made when the write finds none (not asked for before every file)."""
    part = target.with_name(target.name + ".part")
    try:
        part.write_bytes(body)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(body)
    os.replace(part, target)
