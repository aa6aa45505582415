"""`bdp build`: records -> RDF -> Oxigraph store -> SHACL -> N-Triples dump -> further outputs, built in a
temporary directory beside OUT and swapped in only when everything succeeded.

Records are read, checked and converted in one pass, in chunks, by a pool of worker processes (one per
core; publisher/pipeline/chunks.py): each chunk comes back as N-Triples text, in order, so the output is
deterministic, with each record's key, file, lines and the IRIs it owns; the parent never holds the
records' data. The records' triples are bulk-loaded into the store and validated there by the shapes compiled to SPARQL
(publisher/shacl/compile.py; the queries run in the same workers on read-only handles of the store);
the results are traced back to records only when there are any. Then the ontology, vocabularies and
linksets join the store and the dump."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher import shacl
from publisher.assets import ontology_graph
from publisher.clock import build_time
from publisher.config import Settings
from publisher.dataset.facts import public_prefix
from publisher.errors import BdpError, SourceError
from publisher.link.linksets import read_linksets
from publisher.outputs.feed import write_feed
from publisher.pipeline import warm
from publisher.pipeline.bulk import load_store
from publisher.pipeline.changes import Entry, write_manifests
from publisher.pipeline.chunks import DOCUMENTS, ORGANISATIONS, REFERENCES, Chunk, init_worker, records_chunk
from publisher.pipeline.context import BuildContext, BuildReport
from publisher.pipeline.fingerprint import fingerprint
from publisher.pipeline.members import write_dump
from publisher.pipeline.outputs import STEPS
from publisher.pipeline.validate import Problem, focus_names, problems_from_results
from publisher.records.documents import check_references as check_doc_references
from publisher.records.documents import copy_documents
from publisher.records.read import RecordRef, check_unique, record_files
from publisher.records.vocab import Vocabularies

CHUNK = 400


class BuildFailed(BdpError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{sum(p.severity == 'Violation' for p in problems)} violation(s)")
        self.problems = problems


# --- the build --------------------------------------------------------------------------------------

def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _ChunkFile:
    """The records' N-Triples file, written a chunk of records at a time; `ends` are the offsets where
    chunks end (the store's parallel bulk load may cut there: no blank node crosses a record)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.ends: list[int] = []

    def write(self, text: str) -> None:
        self._raw.write(text.encode("utf-8"))
        self.ends.append(self._raw.tell())


def _pool(settings: dict[str, Any], workers: int | None) -> Any:
    ctx = multiprocessing.get_context("fork")
    return ctx.Pool(processes=workers or os.cpu_count() or 1, initializer=init_worker, initargs=(settings,))


def _progress(label: str, done: int, total: int, stream: Any) -> None:
    if stream is not None:
        stream.write(f"\r{label}: {done}/{total}")
        stream.flush()
        if done >= total:
            stream.write("\n")


@dataclass
class Conversion:
    """The records in the order of the dump (as RecordRefs), for each the IRIs it owns (to trace results
    back), the files to publish and the problems found while converting (IRIs that are not valid)."""

    refs: list[RecordRef] = field(default_factory=list)
    owned: list[str] = field(default_factory=list)
    triples: int = 0
    problems: list[Problem] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)
    errors: dict[str, SourceError] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)

    def add(self, chunk: Chunk) -> None:
        self.extend(Conversion(chunk.refs, chunk.owned, chunk.count, chunk.invalid, chunk.files, chunk.errors,
                               chunk.entries))

    def extend(self, other: Conversion) -> None:
        self.refs += other.refs
        self.owned += other.owned
        self.triples += other.triples
        self.problems += other.problems
        self.files += other.files
        self.entries += other.entries
        for name, error in other.errors.items():
            self.errors.setdefault(name, error)


def _tasks(files: list[tuple[str, Path]], kind: str) -> list[tuple[str, list[str]]]:
    return [(kind, [str(p) for _, p in group]) for group in _chunks([f for f in files if f[0] == kind], CHUNK)]


def _keep(conversion: Conversion, nt: _ChunkFile) -> Callable[[Chunk], None]:
    """A pass's sink: the chunk's records kept, its N-Triples written."""
    def sink(chunk: Chunk) -> None:
        conversion.add(chunk)
        nt.write(chunk.text)
    return sink


def _run(pool: Any, tasks: list[tuple[str, list[str]]], label: str, done: int, total: int, progress: Any,
         sink: Callable[[Chunk], None]) -> int:
    for result in pool.imap(records_chunk, tasks):
        if isinstance(result, SourceError):
            pool.terminate()
            raise result
        sink(result)
        done += len(result.refs)
        _progress(label, done, total, progress)
    return done


def read_and_convert(data_dir: Path, settings: dict[str, Any], nt: Any, workers: int | None,
                     progress: Any = None, vocab: Vocabularies | None = None) -> tuple[Conversion, Any]:
    """Every record read, checked and converted by the workers, its N-Triples written to `nt` in the
    dump's order (organisations, practices, publications). The organisations and publications go first
    (a practice's references are checked against their keys), then the practices in a new pool that
    knows them, which is returned (still open) for the validation queries. Raises the first SourceError
    in the order of the checks (module docstring of chunks.py)."""
    # The vocabularies are made here, not in each worker's initializer: an unreadable ontology then fails
    # the build with its message instead of a pool that respawns failing workers forever; the forked
    # workers of both pools inherit them without pickling.
    settings = {**settings, "vocab": vocab or Vocabularies(ontology_graph())}
    files = list(record_files(data_dir))
    total = len(files)
    orgs, pubs = Conversion(), Conversion()
    pub_chunks: list[Chunk] = []
    pub_error: SourceError | None = None
    with _pool({**settings, "organisations": None, "publications": None}, workers) as pool:
        done = _run(pool, _tasks(files, "organisation"), "records", 0, total, progress,
                    _keep(orgs, nt))
        for result in pool.imap(records_chunk, _tasks(files, "publication")):
            if isinstance(result, SourceError):   # a practice's error, if any, comes first
                pub_error = result
                break
            pub_chunks.append(result)
    for chunk in pub_chunks:
        pubs.add(chunk)
    done += len(pubs.refs)
    keys = {"organisations": frozenset(r.key for r in orgs.refs), "publications": pubs.refs}
    pool = _pool({**settings, **keys}, workers)
    try:
        practices = Conversion()
        _run(pool, _tasks(files, "practice"), "records", done, total, progress,
             _keep(practices, nt))
        if pub_error is not None:
            raise pub_error
        for chunk in pub_chunks:
            nt.write(chunk.text)
        everything = Conversion()
        for part in (orgs, practices, pubs):
            everything.extend(part)
        check_unique(everything.refs)
        if REFERENCES in practices.errors:
            raise practices.errors[REFERENCES]
        check_doc_references([*practices.refs, *(r for c in pub_chunks for r in c.publications)])
        if DOCUMENTS in everything.errors:
            raise everything.errors[DOCUMENTS]
        return everything, pool
    except BaseException:
        pool.terminate()
        pool.join()
        raise


def validate_store(store: ox.Store, path: Path, converted: Conversion, pool: Any, lang: str) -> list[Problem]:
    """The compiled shapes on the store (records only), their results as Problems of the records."""
    results = shacl.validate(store, pool=pool, path=str(path))
    if not results:
        return sorted(set(converted.problems))
    names = focus_names(results, store)
    wanted = set(names.values())
    owner = {node: converted.refs[i] for i, joined in enumerate(converted.owned)
             for node in joined.split("\n") if node in wanted}
    return sorted(set(problems_from_results(results, names, owner.get, lang)) | set(converted.problems))


def _ontology_nt() -> tuple[str, int]:
    """The ontology and vocabularies as sorted N-Triples with canonical blank-node labels (RDFC-1.0), so
    that an unchanged dataset dumps to the same bytes and keeps its checksums and ETags across builds."""
    text = ontology_graph().serialize(format="nt")
    dataset = ox.Dataset(q for q in ox.parse(text, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    rows = sorted(f"{q.subject} {q.predicate} {q.object} .\n" for q in dataset)
    return "".join(rows), len(rows)


def build(settings: Settings, data_dir: Path, out: Path, *, lang: str = "en", workers: int | None = None,
          progress: Any = None, validate: bool = True, steps: Iterable[Callable] | None = None,
          built: str | None = None) -> BuildReport:
    """Build `data_dir` into `out`. Raises SourceError or BuildFailed; `out` is then untouched. `built`: the
    build's time stamp (publisher.clock; default: SOURCE_DATE_EPOCH, else now)."""
    report = BuildReport()
    built = built or build_time()
    stage_started = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal stage_started
        now = time.perf_counter()
        report.stages[name] = now - stage_started
        stage_started = now

    if not data_dir.is_dir():
        raise SourceError(str(data_dir), "no such data directory")
    depends = fingerprint(settings, data_dir, lang)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    store: ox.Store | None = None
    try:
        (tmp / "dumps").mkdir(parents=True)
        nt_path = tmp / "bdp.nt"
        worker_settings = {"base": settings.base_uri, "lang": lang, "data_dir": data_dir,
                           "max_bytes": settings.attachment_max_bytes}
        with open(nt_path, "wb") as raw:
            nt = _ChunkFile(raw)
            compiled = warm.make(depends)
            converted, pool = read_and_convert(data_dir, worker_settings, nt, workers, progress, compiled.vocab)
        with pool:
            linksets = read_linksets(data_dir, settings.base_uri, converted.refs)   # data/links/*.ttl
            if ORGANISATIONS in converted.errors:
                raise converted.errors[ORGANISATIONS]
            report.counts = {"practices": sum(r.kind == "practice" for r in converted.refs),
                             "organisations": sum(r.kind == "organisation" for r in converted.refs)}
            copy_documents(sorted((path, rel) for rel, path in dict(converted.files).items()), tmp)
            linksets.write(tmp / "links")
            stage("records")
            # In a child process (mimalloc preloaded where installed), so the store is closed before the
            # workers query it: a writable handle's background compaction may delete a file that a
            # worker's read-only handle is opening ("Corruption: ... No such file", seen once).
            load_store(tmp / "store", nt_path, boundaries=nt.ends, lenient=True)   # IRIs checked by the workers
            stage("store")
            report.problems = (validate_store(ox.Store.read_only(str(tmp / "store")), tmp / "store", converted,
                                              pool, lang) if validate else sorted(set(converted.problems)))
            stage("validate")
        store = ox.Store(str(tmp / "store"))
        if any(p.severity == "Violation" for p in report.problems):
            raise BuildFailed(report.problems)
        onto_text, onto_count = _ontology_nt()
        rest = onto_text + linksets.nt
        with open(nt_path, "a", encoding="utf-8") as tail:
            tail.write(rest)
        store.load(rest.encode(), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        report.triples = converted.triples + onto_count + linksets.count
        members, counts = write_dump(nt_path, converted.entries, tmp / "dumps" / "bdp.nt.gz")
        stage("dump")
        nt_path.unlink()
        context = BuildContext(settings, tmp, store, report, built)
        for step in steps if steps is not None else default_steps():
            step(context)
        del store, context
        stage("outputs")
        manifest = {"base_uri": settings.base_uri, "triples": report.triples, "counts": report.counts,
                    "built": built, "fingerprint": depends}
        write_manifests(tmp, out, manifest, converted.entries, members, full=True, segments=counts)
        warm.save(tmp, compiled)
        write_feed(tmp, out, public_prefix(settings.public_url or settings.base_uri), settings.base_uri,
                   settings.feed_builds)
        stage("feed")
        _swap(tmp, out)
        stage("swap")
        return report
    finally:
        store = context = None  # type: ignore[assignment]  # noqa: F841 (closes the store: a failed build's traceback keeps this frame)
        shutil.rmtree(tmp, ignore_errors=True)


def default_steps() -> list[Callable[[BuildContext], None]]:
    return list(STEPS)


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames; the old build is removed only after the new is in place,
    by a detached `rm` that the command does not wait for (unlinking a large build's files is a share of a
    one-record build's time: bench/README.md)."""
    old = out.parent / f".{out.name}.previous-{os.getpid()}-{next(_SWAPS)}"
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    if old.exists():
        remove_detached(old)


_SWAPS = itertools.count()


def remove_detached(path: Path) -> None:
    """`path` removed by an `rm -rf` left running in the background, in a session of its own (the shell
    that starts it exits at once, so nothing is left to reap); removed here when no shell can be run."""
    try:
        subprocess.run(["sh", "-c", 'rm -rf -- "$1" &', "sh", str(path)], check=True, start_new_session=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        shutil.rmtree(path, ignore_errors=True)


def peak_memory_mib() -> float:
    """Peak RSS of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024 if sys.platform != "darwin" else max(own, children) / 2**20
