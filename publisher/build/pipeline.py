"""`bdp build`: records -> RDF -> Oxigraph store -> SHACL -> N-Triples dump -> further outputs, built in a
temporary directory beside OUT and swapped in only when everything succeeded.

Records are read and converted in chunks by a pool of worker processes (one per core): each chunk comes
back as N-Triples text, in order, so the output is deterministic, and the IRIs each record owns. The
records' triples are bulk-loaded into the store and validated there by the shapes compiled to SPARQL
(publisher/build/shacl_sparql.py; the queries run in the same workers on read-only handles of the store);
the results are traced back to records only when there are any. Then the ontology, vocabularies and
linksets join the store and the dump."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode
from rdflib.plugins.serializers.nt import _nt_row

from publisher.build import convert as conv
from publisher.build.documents import check_documents, copy_documents
from publisher.build.records import Record, check_references, check_unique, read_record, record_files
from publisher.build.shacl_run import run_shapes
from publisher.build.validate import Problem, checked_iris, focus_names, problems_from_results
from publisher.build.vocab import Vocabularies
from publisher.errors import BdpError, SourceError
from publisher.link.linksets import read_linksets
from publisher.resources import ontology_graph

CHUNK = 400


class BuildFailed(BdpError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{sum(p.severity == 'Violation' for p in problems)} violation(s)")
        self.problems = problems


@dataclass
class BuildReport:
    counts: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "Violation"]


# --- work done in the worker processes ------------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(base: str, organisations: frozenset[str], lang: str = "en") -> None:
    _worker.update(organisations=organisations, base=base, lang=lang, vocab=Vocabularies(ontology_graph()))


def _read(task: tuple[str, list[str]]) -> list[Record] | SourceError:
    kind, paths = task
    try:
        return [read_record(Path(p), kind) for p in paths]
    except SourceError as exc:
        return exc


def _convert_chunk(records: list[Record]) -> tuple[str, list[str], int, list[Problem]] | SourceError:
    """The chunk's N-Triples, for each record the IRIs it owns (N-Triples form, one per line), and the
    triples left out because an IRI in them is not valid (as Violations)."""
    w = _worker
    try:
        for rec in records:
            if rec.kind == "practice":
                check_references(rec, w["organisations"])
    except SourceError as exc:
        return exc
    items, invalid = checked_iris(conv.convert(records, w["base"], w["vocab"]), w["lang"])
    lines = [_nt_row(t) for item in items for t in item.triples]
    owned = ["\n".join(n.n3() for n in item.nodes if not isinstance(n, BNode)) for item in items]
    return "".join(lines), owned, len(lines), invalid


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- the build --------------------------------------------------------------------------------------

def _pool(initargs: tuple, workers: int | None) -> Any:
    ctx = multiprocessing.get_context("fork")
    return ctx.Pool(processes=workers or os.cpu_count() or 1, initializer=_init_worker, initargs=initargs)


def _progress(label: str, done: int, total: int, stream: Any) -> None:
    if stream is not None:
        stream.write(f"\r{label}: {done}/{total}")
        stream.flush()
        if done >= total:
            stream.write("\n")


def read_all(data_dir: Path, pool: Any, progress: Any = None) -> list[Record]:
    files = list(record_files(data_dir))
    tasks = [(kind, [str(p) for _, p in group]) for kind in ("organisation", "practice", "publication")
             for group in _chunks([f for f in files if f[0] == kind], CHUNK)]
    records: list[Record] = []
    for result in pool.imap(_read, tasks):
        if isinstance(result, SourceError):
            pool.terminate()
            raise result
        records.extend(result)
        _progress("read", len(records), len(files), progress)
    check_unique(records)
    return records


@dataclass
class Conversion:
    """The records in the order of the dump, for each the IRIs it owns (to trace results back), and the
    problems found while converting (IRIs that are not valid)."""

    records: list[Record]
    owned: list[str]
    triples: int
    problems: list[Problem]


def convert_all(records: list[Record], pool: Any, sink: Callable[[str], None], progress: Any = None
                ) -> Conversion:
    ordered = [r for kind in ("organisation", "practice", "publication") for r in records if r.kind == kind]
    owned: list[str] = []
    problems: list[Problem] = []
    triples = 0
    for result in pool.imap(_convert_chunk, list(_chunks(ordered, CHUNK))):
        if isinstance(result, SourceError):
            pool.terminate()
            raise result
        text, chunk_owned, count, invalid = result
        sink(text)
        owned += chunk_owned
        problems += invalid
        triples += count
        _progress("converted", len(owned), len(ordered), progress)
    return Conversion(ordered, owned, triples, problems)


def validate_store(store: ox.Store, path: Path, converted: Conversion, pool: Any, lang: str) -> list[Problem]:
    """The compiled shapes on the store (records only), their results as Problems of the records."""
    results = run_shapes(store, pool=pool, path=str(path))
    if not results:
        return sorted(set(converted.problems))
    names = focus_names(results, store)
    wanted = set(names.values())
    owner = {node: converted.records[i] for i, joined in enumerate(converted.owned)
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


def build(settings: Any, data_dir: Path, out: Path, *, lang: str = "en", workers: int | None = None,
          progress: Any = None, validate: bool = True, steps: Iterable[Callable] | None = None
          ) -> BuildReport:
    """Build `data_dir` into `out`. Raises SourceError or BuildFailed; `out` is then untouched."""
    report = BuildReport()
    stage_started = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal stage_started
        now = time.perf_counter()
        report.stages[name] = now - stage_started
        stage_started = now

    if not data_dir.is_dir():
        raise SourceError(str(data_dir), "no such data directory")
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    store: ox.Store | None = None
    try:
        with _pool((settings.base_uri, frozenset()), workers) as pool:
            records = read_all(data_dir, pool, progress)
        documents = check_documents(records, data_dir, settings.attachment_max_bytes)
        linksets = read_linksets(data_dir, settings.base_uri, records)   # data/links/*.ttl, checked early
        stage("read")
        organisations = frozenset(r.key for r in records if r.kind == "organisation")
        report.counts = {"practices": sum(r.kind == "practice" for r in records),
                         "organisations": len(organisations)}
        (tmp / "dumps").mkdir(parents=True)
        copy_documents(documents, tmp)
        linksets.write(tmp / "links")
        nt_path = tmp / "bdp.nt"
        with _pool((settings.base_uri, organisations, lang), workers) as pool:
            with open(nt_path, "w", encoding="utf-8") as nt:
                converted = convert_all(records, pool, nt.write, progress)
            stage("convert")
            store = ox.Store(str(tmp / "store"))
            store.bulk_load(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
            store.flush()
            stage("store")
            report.problems = (validate_store(store, tmp / "store", converted, pool, lang) if validate
                               else converted.problems)
            stage("validate")
        if any(p.severity == "Violation" for p in report.problems):
            raise BuildFailed(report.problems)
        onto_text, onto_count = _ontology_nt()
        rest = onto_text + linksets.nt
        with open(nt_path, "a", encoding="utf-8") as nt:
            nt.write(rest)
        store.load(rest.encode(), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        report.triples = converted.triples + onto_count + linksets.count
        with open(nt_path, "rb") as src, gzip.GzipFile(tmp / "dumps" / "bdp.nt.gz", "wb", compresslevel=6,
                                                       mtime=0) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        stage("dump")
        nt_path.unlink()
        context = BuildContext(settings, tmp, store, report)
        for step in steps if steps is not None else default_steps():
            step(context)
        del store, context
        stage("outputs")
        manifest = {"base_uri": settings.base_uri, "triples": report.triples, "counts": report.counts,
                    "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        (tmp / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap(tmp, out)
        stage("swap")
        return report
    finally:
        store = context = None  # noqa: F841 (closes the store: a failed build's traceback keeps this frame)
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class BuildContext:
    """What a later output step (catalogue, VoID, search index, ...) gets: the loaded store, the output
    directory being built, the settings and the report so far."""

    settings: Any
    out: Path
    store: ox.Store
    report: BuildReport


def default_steps() -> list[Callable[[BuildContext], None]]:
    from publisher.build.outputs import STEPS

    return list(STEPS)


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames; the old build is removed only after the new is in place."""
    old = out.parent / f".{out.name}.previous-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


def peak_memory_mib() -> float:
    """Peak RSS of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024 if sys.platform != "darwin" else max(own, children) / 2**20
