"""`bdp build` with a previous build in OUT: only the records whose file changed (size or mtime, then the
content hash), were added or were removed are read, checked, converted and validated; the store and the
N-Triples dump are the previous ones patched with the difference (splice.py), and the other outputs are
made from them by the same output steps as a full build's, so they come out as a full build would make
them (tests/test_incremental.py compares the two). Built beside OUT and swapped in like a full build.

What changed is found by plan.py. A full build runs instead (`build_changed`) when asked (`--full`), when
OUT has no build of this kind, when the fingerprint differs (fingerprint.py: code, ontology, shapes,
settings, attachments, linksets), when linksets exist and records were added or removed (they are checked
against the records), or when more than a fifth of the records changed (a full build is then about as
fast).

Checks that span records still hold: keys stay unique (against the keys of the records not read), and an
unchanged record that names a key no longer there (a removed organisation, practice or publication) is
read again, so that it fails with the message a full build gives. The shapes run on the changed records'
triples with a stub for each organisation they name (as `bdp validate` does): warnings of records that
did not change are not reported again."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext, suppress
from itertools import chain, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.clock import build_time
from publisher.config import Settings
from publisher.dataset.facts import DUMPS, public_prefix
from publisher.errors import BdpError, SourceError
from publisher.iris import mint
from publisher.outputs.catalog import file_digest
from publisher.outputs.dump_members import FRAMES
from publisher.outputs.dump_members import splice as splice_dump
from publisher.outputs.feed import write_feed
from publisher.outputs.rdf_dumps import SOURCE
from publisher.pipeline import chunks, warm
from publisher.pipeline.build import BuildFailed, _swap, build, default_steps
from publisher.pipeline.changes import Entry, differing, records_in_child, write_manifests
from publisher.pipeline.context import BuildContext, BuildReport, Delta
from publisher.pipeline.fingerprint import fingerprint
from publisher.pipeline.index_patch import patch_search_index
from publisher.pipeline.members import splice
from publisher.pipeline.plan import DUMP, ORDER, Plan, cycle_collection, no_cycle_collection, plan
from publisher.pipeline.splice import copy_store, patch_store
from publisher.pipeline.table_patches import patch_csv
from publisher.pipeline.validate import Problem, focus_names, problems_from_results
from publisher.records.documents import check_references as check_doc_references
from publisher.records.documents import copy_documents
from publisher.records.read import RecordRef, check_unique
from publisher.records.vocab import Vocabularies
from publisher.shacl.compile import CompiledShapes
from publisher.shacl.run import run_shapes

# Output steps of an incremental build run before the build's own (`steps`): each patches a file of the
# previous build with context.delta and adds its table part to context.patched, which the jobs then skip.
PATCHES: list[Callable[[BuildContext], None]] = [patch_csv, patch_search_index]


def build_changed(settings: Settings, data_dir: Path, out: Path, *, full: bool = False, lang: str = "en",
                  workers: int | None = None, progress: Any = None,
                  steps: Iterable[Callable] | None = None) -> BuildReport:
    """An incremental build of `data_dir` into `out` when possible, else a full one (module docstring)."""
    started = time.perf_counter()
    depends = fingerprint(settings, data_dir, lang)
    with no_cycle_collection():
        found = None if full or not data_dir.is_dir() else plan(settings, data_dir, out.resolve(), depends)
        if found is not None:
            return _incremental(settings, data_dir, out.resolve(), found, depends, lang, steps,
                                time.perf_counter() - started)
    return build(settings, data_dir, out, lang=lang, workers=workers, progress=progress, steps=steps)


def _read(settings: Any, data_dir: Path, found: Plan, lang: str, vocab: Vocabularies
          ) -> tuple[list[chunks.Chunk], list[Entry]]:
    """The changed records read, checked and converted as the build's workers do it (chunks.py), here in
    this process; raises the first SourceError. Returns the chunks read and the new rows."""
    rows = found.rows
    unchanged: list[Entry] = list(filter(None, map(itemgetter(2), rows)))     # None: to read (an Entry is truthy)
    paths: dict[str, list[str]] = {kind: [] for kind in ORDER}
    for kind, rel in found.to_read:
        paths[kind].append(str(data_dir / rel))
    base = {"base": settings.base_uri, "lang": lang, "data_dir": data_dir,
            "max_bytes": settings.attachment_max_bytes, "vocab": vocab}
    chunks.init_worker({**base, "organisations": None, "publications": None})
    done = [_chunk(kind, paths[kind]) for kind in ("organisation", "publication") if paths[kind]]
    taken: dict[str, set[str]] = {kind: set() for kind in ORDER}       # the unchanged records' keys
    for kind, group in groupby(unchanged, itemgetter(1)):              # rows come kind by kind
        taken[kind].update(map(itemgetter(2), group))
    keys = {kind: set(taken[kind]) for kind in ORDER}                  # and the records read
    for c in done:
        keys[c.refs[0].kind] |= {r.key for r in c.refs}
    publications = [RecordRef("publication", k, "", (), ()) for k in sorted(keys["publication"])]
    chunks.init_worker({**base, "organisations": frozenset(keys["organisation"]), "publications": publications})
    if paths["practice"]:
        done.append(_chunk("practice", paths["practice"]))
        keys["practice"] |= {r.key for r in done[-1].refs}
    # Unchanged records naming a key that is gone are read again: they fail with a full build's message.
    gone = {f"{e.kind}:{e.key}" for e in [*found.removed, *found.replaced] if e.key not in keys[e.kind]}
    dangling = [e for e in unchanged if not gone.isdisjoint(e.refs)] if gone else []
    for kind in ORDER:
        again = [str(data_dir / e.path) for e in dangling if e.kind == kind]
        done += [_chunk(kind, again)] if again else []
    read = [r for c in done for r in c.refs]
    if len({(r.kind, r.key) for r in read}) < len(read) or any(r.key in taken[r.kind] for r in read):
        # the message names both files
        check_unique([RecordRef(e.kind, e.key, str(data_dir / e.path), (), ()) for e in unchanged
                      if e not in dangling] + read)
    for name in (chunks.REFERENCES, chunks.DOCUMENTS, chunks.ORGANISATIONS):
        for c in done:
            if name in c.errors:
                raise c.errors[name]
    changed_pubs = [r for c in done for r in c.publications]
    if changed_pubs:
        practices = [RecordRef("practice", k, "", (), ()) for k in sorted(keys["practice"])]
        check_doc_references([*practices, *changed_pubs])
    if dangling:    # not reached: each fails one of the checks above
        raise SourceError(str(data_dir / dangling[0].path), "names a record that is no longer there")
    fresh = {e.path: e for c in done for e in c.entries}
    entries: list[Entry] = list(map(itemgetter(2), rows))
    for i in found.reread:
        entries[i] = fresh[rows[i][1]]
    return done, entries


def _chunk(kind: str, paths: list[str]) -> chunks.Chunk:
    result = chunks.records_chunk((kind, paths))
    if isinstance(result, SourceError):
        raise result
    return result


def _validate(settings: Any, done: list[chunks.Chunk], lang: str, shapes: CompiledShapes) -> list[Problem]:
    """The compiled shapes on the changed records, each named organisation at least a stub."""
    store = ox.Store()
    named = {r.split(":", 1)[1] for c in done for e in c.entries for r in e.refs
             if r.startswith("organisation:")}
    stubs = "".join(f"<{mint(settings.base_uri, 'organisation', k)}> "
                    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/org#Organization> .\n"
                    for k in sorted(named))
    store.bulk_load(("".join(c.text for c in done) + stubs).encode(), format=ox.RdfFormat.N_TRIPLES)
    results = run_shapes(store, shapes, per_target=sum(len(c.refs) for c in done) <= 20)
    owner = {node: c.refs[i] for c in done for i, joined in enumerate(c.owned)
             for node in joined.split("\n") if node}
    found = problems_from_results(results, focus_names(results, store), owner.get, lang)
    return sorted(set(found) | {p for c in done for p in c.invalid})


def _incremental(settings: Settings, data_dir: Path, out: Path, found: Plan, depends: str, lang: str,
                 steps: Iterable[Callable] | None, scanned: float) -> BuildReport:
    report = BuildReport(full=False, stages={"scan": scanned})
    built = build_time()
    mark = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal mark
        report.stages[name] = time.perf_counter() - mark
        mark = time.perf_counter()

    compiled, cached = warm.load(out, depends)
    done, entries = _read(settings, data_dir, found, lang, compiled.vocab)
    report.problems = _validate(settings, done, lang, compiled.shapes) if done else []
    if any(p.severity == "Violation" for p in report.problems):
        raise BuildFailed(report.problems)
    stage("records")
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    store = context = hashing = None
    written: Callable[[], None] | None = None
    try:
        (tmp / "dumps").mkdir(parents=True)
        _carry_files(out, tmp, entries, done)
        new_text: dict[str, bytes] = {}
        sha1s = {e.path: e.nt_sha1 for c in done for e in c.entries}
        for c in done:
            text, start = c.text.encode("utf-8"), 0
            for e in c.entries:
                new_text[e.path], start = text[start:start + e.nt_length], start + e.nt_length
        members, stale, origins, counts = splice(out / DUMP, found.previous.entries, found.previous.members,
                                                 entries, new_text, tmp / DUMP, found.previous.segments)
        ready = _splice_dumps(out, tmp, found.previous.members, members, origins)
        written = records_in_child(tmp, settings.base_uri, built, entries, members, counts)
        # The dumps made already are hashed for the catalogue while the store and tables are patched
        # (hashlib lets this thread run); started after the fork above, which then copied no thread.
        hashing = ThreadPoolExecutor(2)
        digests = {name: hashing.submit(file_digest, tmp / "dumps" / name) for name in [SOURCE, *sorted(ready)]}
        stage("dump")
        copy_store(out / "store", tmp / "store")
        store = ox.Store(str(tmp / "store"))
        old = {e.path: e.nt_sha1 for e in differing(found.previous.entries, entries)[0]}
        patch_store(store, stale.values(), (t for p, t in new_text.items() if old.get(p) != sha1s[p]))
        stage("store")
        kinds = Counter(map(itemgetter(1), entries))
        report.counts = {kind + "s": kinds[kind] for kind in ("practice", "organisation")}
        report.triples = (found.manifest["triples"] - sum(t.count(b"\n") for t in stale.values())
                          + sum(t.count(b"\n") for p, t in new_text.items() if old.get(p) != sha1s[p]))
        context = BuildContext(settings, tmp, store, report, built, ready,
                               delta(out, found.previous.entries, entries, stale, new_text, old, sha1s),
                               hashing=digests)
        with cycle_collection():           # the output steps run as in a full build
            for patch in PATCHES:
                patch(context)
            for step in steps if steps is not None else default_steps():
                step(context)
        stage("outputs")
        manifest = {"base_uri": settings.base_uri, "triples": report.triples, "counts": report.counts,
                    "built": built, "fingerprint": depends}
        write_manifests(tmp, out, manifest, entries, members, full=False, previous=found.previous, records=False)
        warm.save(tmp, compiled, out if cached else None)
        texts = {(e.kind, e.key): new_text[e.path] for c in done for e in c.entries}
        write_feed(tmp, out, public_prefix(settings.public_url or settings.base_uri), settings.base_uri,
                   settings.feed_builds, texts)
        wait, written = written, None
        wait()
        stage("feed")
        store = context = None
        _swap(tmp, out)
        stage("swap")
        return report
    finally:
        store = context = None  # noqa: F841 (closes the store before the directory goes)
        if hashing is not None:
            hashing.shutdown(cancel_futures=True)
        if written is not None:     # a failed build: the child's file goes with the directory
            with suppress(BdpError):
                written()
        shutil.rmtree(tmp, ignore_errors=True)


def delta(out: Path, previous: list[Entry], entries: list[Entry], stale: dict[str, bytes],
          new_text: dict[str, bytes], old_sha1: dict[str, str], new_sha1: dict[str, str]) -> Delta:
    """The difference the output steps may patch with (context.Delta): records by whether their triples
    changed, and the practices whose table rows they reach through references."""
    old_rows, new_rows = differing(previous, entries)       # rows carried over: no difference
    before = {(e.kind, e.key) for e in old_rows}
    after = {(e.kind, e.key) for e in new_rows}
    changed_paths = {p for p in new_text if old_sha1.get(p) != new_sha1[p]}
    updated = {(e.kind, e.key) for e in new_rows if e.path in changed_paths} & before
    added, removed = after - before, before - after
    moved = updated | added | removed
    # As rows name them in `refs`: practices name organisations and publications, so only when one of
    # those moved are the unchanged practices' rows looked through.
    named = {f"{kind}:{key}" for kind, key in moved if kind != "practice"}
    touched = {key for kind, key in moved if kind == "practice"}
    for e in [*old_rows, *(entries if named else new_rows)]:
        if e.kind == "practice" and not named.isdisjoint(e.refs):
            touched.add(e.key)
        elif e.kind == "publication" and (e.kind, e.key) in moved:
            touched |= {r.split(":", 1)[1] for r in e.refs if r.startswith("practice:")}
    if removed:
        touched &= {e.key for e in entries if e.kind == "practice"}
    return Delta(out, frozenset(updated), frozenset(added), frozenset(removed), frozenset(touched),
                 b"".join(stale.values()), b"".join(new_text[p] for p in sorted(changed_paths)))


def _carry_files(out: Path, tmp: Path, entries: list[Entry], done: list[chunks.Chunk]) -> None:
    """Attachments of unchanged records linked from the previous build, the changed records' copied from
    the data; the linksets' files linked (the fingerprint covers them)."""
    fresh = {rel: path for c in done for rel, path in c.files}
    for rel in sorted(set(chain.from_iterable(map(itemgetter(9), entries))) - fresh.keys()):   # their `files`
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        os.link(out / rel, tmp / rel)
    copy_documents(sorted((path, rel) for rel, path in fresh.items()), tmp)
    if (out / "links").is_dir():
        shutil.copytree(out / "links", tmp / "links", copy_function=os.link)



def _splice_dumps(out: Path, tmp: Path, old_nt: list[int], new_nt: list[int], origins: list[int | None]
                  ) -> frozenset[str]:
    """The Turtle and JSON-LD dumps following the N-Triples dump's members (dump_members.py), each when the
    previous build has it as such members; the output step writes the others whole. The formats are
    spliced at the same time, all but the last in forked children (the members written anew are parsed,
    serialised and compressed: work that grows with the changes)."""
    names = [d.name for d in DUMPS if d.format in FRAMES and d.name != SOURCE]
    formats = {d.name: d.format for d in DUMPS}
    tasks = [(out / "dumps" / name, len(old_nt), tmp / DUMP, new_nt, origins, tmp / "dumps" / name, formats[name])
             for name in names]
    if not tasks:
        return frozenset()
    with multiprocessing.get_context("fork").Pool(len(tasks) - 1) if len(tasks) > 1 else nullcontext() as pool:
        pending = pool.starmap_async(splice_dump, tasks[:-1]) if pool is not None else None
        last = splice_dump(*tasks[-1])
        done = [*(pending.get() if pending is not None else []), last]
    return frozenset(name for name, spliced in zip(names, done, strict=True) if spliced)
