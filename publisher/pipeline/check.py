"""`bdp validate`: the build's checks without writing anything, for all records or a few changed ones."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from publisher.assets import ontology_graph, shapes_graph
from publisher.config import Settings
from publisher.errors import SourceError
from publisher.pipeline.validate import Problem, validate_converted, validate_converted_sparql
from publisher.records import convert as conv
from publisher.records.documents import check_documents
from publisher.records.read import KINDS, Record, check_references, check_unique, read_record, record_files
from publisher.records.vocab import Vocabularies
from publisher.shacl.reference import ShaclValidator


def kind_of(path: Path) -> str:
    kind = KINDS.get(path.resolve().parent.name)
    if kind is None:
        raise SourceError(str(path), "a record lives in practices/ or organisations/ of a data directory")
    return kind


class Validator:
    """Holds the vocabularies and the shapes (compiled to SPARQL once per process) so that validating one
    record costs only its subgraph. `engine="pyshacl"` validates with the reference engine instead (the
    same problems, slower: bench/bench_build.py)."""

    def __init__(self, base: str, lang: str = "en", engine: str = "sparql") -> None:
        if engine not in ("sparql", "pyshacl"):
            raise ValueError(f"unknown validation engine {engine!r}")
        self.base, self.lang, self.engine = base, lang, engine
        self.ontology = ontology_graph()
        self.vocab = Vocabularies(self.ontology)

    @cached_property
    def shacl(self) -> ShaclValidator:
        """pyshacl with the shapes, wrapped once (the reference engine)."""
        return ShaclValidator(shapes_graph())

    def records(self, records: list[Record], organisations: set[str] | frozenset[str]) -> list[Problem]:
        for rec in records:
            if rec.kind == "practice":
                check_references(rec, organisations)
        items = conv.convert(records, self.base, self.vocab)
        if self.engine == "pyshacl":
            return validate_converted(items, self.shacl, self.lang)
        return validate_converted_sparql(items, self.lang)


def validate_paths(settings: Settings, data_dir: Path, paths: list[Path], *, lang: str = "en") -> list[Problem]:
    everything = [read_record(p, kind) for kind, p in record_files(data_dir)] if data_dir.is_dir() else []
    chosen = [read_record(p, kind_of(p)) for p in paths] if paths else everything
    by_path = {str(Path(r.path).resolve()) for r in chosen}
    others = [r for r in everything if str(Path(r.path).resolve()) not in by_path]
    check_unique(chosen + others)
    check_documents(chosen + others, data_dir, settings.attachment_max_bytes)
    organisations = {r.key for r in everything + chosen if r.kind == "organisation"}
    return Validator(settings.base_uri, lang).records(chosen, organisations)
