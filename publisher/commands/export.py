"""`bdp export DIR`: the build in OUT as a static site in DIR, with nginx and Apache httpd configurations
that answer reads as `bdp serve` does (publisher/web/export.py, publisher/web/servers.py).

When DIR holds the export of the build that OUT's build followed (its changes.json names it as previous),
only the documents the changes touch are rewritten (publisher/read/touched.py) and those of deleted
resources removed; the site-wide files (catalogue, VoID, dumps, sitemaps, landing page, feed, /def/) are
always rewritten. `--full` rewrites everything."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import click

from publisher.commands.support import fail, handle_errors, settings_from
from publisher.errors import BdpError

STATE = "_static/export.json"
RECORDS = "_static/records.json"


@click.command("export")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="The build to export [out].")
@click.option("--public-url", default=None, help="URL the static site is served at [the base URI].")
@click.option("--listen", default="8080", show_default=True, help="nginx/Apache listen address in the configs.")
@click.option("--workers", type=int, default=None, help="Worker processes [one per core].")
@click.option("--full", is_flag=True, help="Rewrite every document, even after an incremental build.")
@handle_errors
def command(dest: Path, out: Path | None, public_url: str | None, listen: str, workers: int | None,
            full: bool) -> None:
    """Write the site as static files into DEST, with DEST/_static/nginx.conf and apache.conf."""
    settings = settings_from(out=out, public_url=public_url)
    if not (settings.out / "build.json").is_file():
        fail(f"{settings.out}: no finished build here (build.json is missing): run `bdp build`")
    public = settings.public_url or settings.base_uri
    public = public if public.endswith("/") else public + "/"
    settings = settings.with_(public_url=public)
    try:
        report = export(settings, dest.resolve(), public, listen, workers, full, _progress())
    except OSError as e:               # DEST not writable, full, or a file where a folder belongs
        fail(f"{e.filename or dest}: {e.strerror or e}; the files written so far stay in {dest}")
    click.echo(f"exported {report['documents']} documents ({report['mode']}), {report['files']} files, removed "
               f"{report['removed']} into {dest} in {report['seconds']:.1f}s; configs in {dest}/_static/")


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\rdocuments: {done}/{total}" + ("\n" if done >= total else ""))
        sys.stderr.flush()
    return show


def export(settings: Any, dest: Path, public: str, listen: str = "8080", workers: int | None = None,
           full: bool = False, progress: Any = None) -> dict[str, Any]:
    from publisher.web.apache import apache_conf
    from publisher.web.export import resources, write_documents, write_site
    from publisher.web.servers import nginx_conf

    started = time.perf_counter()
    out = settings.out
    built = json.loads((out / "build.json").read_text(encoding="utf-8"))["built"]
    changes = _read(out / "changes.json")
    state = _read(dest / STATE)
    incremental = (not full and changes is not None and state is not None and state.get("public") == public
                   and changes.get("previous") is not None and state.get("build") == changes["previous"])
    atomic = (dest / "doc").exists()        # a site that may be served: each file renamed in
    dest.mkdir(parents=True, exist_ok=True)
    removed = 0
    paths: list[str] = []
    if incremental:
        paths, gone = _touched(settings, dest, changes)         # type: ignore[arg-type]
        for path in gone:
            removed += _remove(dest, path)
    site = _aside(write_site, settings, dest, public, workers)
    try:
        if not incremental:
            paths = list(resources(out / "store", settings.base_uri))
        documents, files = write_documents(settings, dest, paths, public, workers, progress, atomic)
    except BaseException:
        site(wait_only=True)                # the documents' error is the one to report
        raise
    files += site()
    (dest / "_static" / "nginx.conf").write_text(nginx_conf(str(dest), listen), encoding="utf-8")
    (dest / "_static" / "apache.conf").write_text(apache_conf(str(dest), listen), encoding="utf-8")
    if (out / "records.json").is_file():
        shutil.copyfile(out / "records.json", dest / RECORDS)
    (dest / STATE).write_text(json.dumps({"build": built, "public": public}) + "\n", encoding="utf-8")
    return {"documents": documents, "files": files, "removed": removed, "mode": "changes only" if incremental
            else "full", "seconds": time.perf_counter() - started}


def _aside(call: Callable[..., int], *args: Any) -> Callable[..., int]:
    """`call(*args)` run in a forked process beside the documents, which spend their first seconds in one
    core (listing the resources, reading ahead before the workers fork) while the other waits. Returns
    the function that waits for it and gives its result or raises its error (`wait_only`: returns 0).
    A plain Process and a pipe, not an executor: no thread in this process when the document workers
    fork."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)

    def run() -> None:
        try:
            writer.send((True, call(*args)))
        except BaseException as e:           # noqa: BLE001 (handed to the parent, which raises it)
            writer.send((False, e if _picklable(e) else BdpError(f"{type(e).__name__}: {e}")))

    process = context.Process(target=run, name="bdp-export-site")
    process.start()
    writer.close()

    def result(wait_only: bool = False) -> int:
        try:
            ok, value = reader.recv()
        except EOFError:
            ok, value = False, None
        finally:
            reader.close()
            process.join()
        if ok or wait_only:
            return int(value or 0)
        raise value if value is not None else BdpError(
            f"the site's files (catalogue, VoID, sitemaps, feed, /def/) were not written: their process "
            f"ended with exit code {process.exitcode}")
    return result


def _picklable(error: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:                        # noqa: BLE001 (any failure: send a plain BdpError instead)
        return False
    return True


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _refs(path: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    doc = _read(path) or {"columns": [], "records": []}
    if "refs" not in doc["columns"]:
        return {}
    kind, key, refs = (doc["columns"].index(c) for c in ("kind", "key", "refs"))
    return {(row[kind], row[key]): tuple(row[refs]) for row in doc["records"]}


def _touched(settings: Any, dest: Path, changes: dict[str, Any]) -> tuple[list[str], set[str]]:
    """(documents to write, documents to remove) for the changes: the neighbours of each changed resource
    now, and, for what an updated or deleted record linked to before (the previous export's records.json),
    the documents that are still there (rewritten) or gone (removed)."""
    from publisher.iris import mint
    from publisher.read.touched import exists, neighbours
    from publisher.store import open_store

    base = settings.base_uri
    old_refs, new_refs = _refs(dest / RECORDS), _refs(settings.out / "records.json")
    store = open_store(settings)
    try:
        site = store.site()
        write: set[str] = set()
        candidates: set[str] = set()
        listed: list[str] = []

        def persons() -> list[str]:         # contact persons exported before ({record key}--{name}), listed once
            if not listed and (dest / "doc" / "person").is_dir():
                listed.extend(n[:-4] for n in os.listdir(dest / "doc" / "person") if n.endswith(".ttl"))
            return listed
        for what in ("created", "updated", "deleted"):
            for entry in changes.get(what, []):
                kind, key = entry["kind"], entry["key"]
                write |= neighbours(site, entry["iri"], base)
                candidates.add(entry["iri"])
                if what == "created":
                    continue
                orgs = [r.split(":", 1)[1] for r in old_refs.get((kind, key), ()) + new_refs.get((kind, key), ())
                        if r.startswith("organisation:")]
                candidates |= {mint(base, "organisation", o) for o in orgs}
                if kind == "practice":
                    candidates |= {mint(base, "partnership", key), mint(base, "place", key)}
                    candidates |= {mint(base, "membership", f"{key}--{o}") for o in orgs}
                candidates |= {mint(base, "person", p) for p in persons() if p.startswith(key + "--")}
        gone: set[str] = set()
        for iri in candidates - write:
            (write if exists(site, iri) else gone).add(iri)
    finally:
        store.close()
    prefix = base + "id/"
    return sorted("doc/" + i[len(prefix):] for i in write), {"doc/" + unquote(i[len(prefix):]) for i in gone}


def _remove(dest: Path, path: str) -> int:
    """Every representation (and each later page) of the document at `path`, by name (no directory scan:
    a folder may hold two million files)."""
    from publisher.web.export import REPRESENTATIONS, file_name

    count = 0
    for suffix, _ in REPRESENTATIONS:
        page = 1
        while (file := dest / file_name(path, suffix, page)).exists():
            file.unlink()
            count, page = count + 1, page + 1
    return count
