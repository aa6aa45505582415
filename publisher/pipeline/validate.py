"""SHACL validation of converted records, reported as `file: record: property: message`.

Two engines, one report. The build loads all records into its Oxigraph store and runs the shapes compiled
to SPARQL (publisher/shacl/compile.py, shacl_run.py); pyshacl (publisher/shacl/reference.py) is the
reference and checks small sets of records. Either way the data graph is the records' triples and a stub
(`a org:Organization`) for each organisation they reference that is not among them (in a whole build every
organisation is there: the references were checked when the records were read). The shapes list each
scheme's concepts themselves (`sh:in`), so the vocabularies need not be in the data graph
(tests/test_ontology.py keeps the lists equal to the vocabularies). Results on nodes a record owns are
traced back to it; results on stubs are someone else's (their own record is validated too)."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.term import Node

from publisher.namespaces import ORG, SH, curie
from publisher.records.convert import FIELDS, Converted
from publisher.records.read import Record, RecordRef
from publisher.shacl.compile import CompiledShapes
from publisher.shacl.reference import ShaclValidator
from publisher.shacl.run import Result, named_ancestor, run_shapes


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    record: str
    property: str
    message: str
    severity: str          # "Violation" | "Warning" | "Info"

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        return f"{where}: {self.record}: {self.property}: {self.message}"


def problem(rec: Record | RecordRef, path: str | None, severity: str, message: str) -> Problem:
    """A result on a node of `rec`, reported with the record field its result path came from."""
    field = FIELDS.get(path, "") if path else ""
    prop = curie(path) if path else "(record)"
    if field:
        prop = f"{prop} ({field})"
    return Problem(rec.path, rec.line(field) or rec.line(f"place.{field}"), rec.label, prop, message, severity)


INVALID_IRI = {"en": "Not a valid IRI ({reason}): {iri}", "pl": "To nie jest poprawny adres IRI ({reason}): {iri}"}


@lru_cache(maxsize=1 << 16)
def _iri_error(iri: str) -> str | None:
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        return str(exc)
    return None


def checked_iris(items: list[Converted], lang: str = "en") -> tuple[list[Converted], list[Problem]]:
    """The records without the triples whose IRIs are not valid (RFC 3987), and a Violation for each.
    Oxigraph's parser refuses such an IRI (a website written as 'http://::') while rdflib takes any text,
    so both engines see the records through this check first."""
    problems, out = [], []
    for item in items:
        bad = {t: reason for t in item.triples for term in (t[0], t[2])
               if isinstance(term, URIRef) and (reason := _iri_error(str(term)))}
        if bad:
            item = dataclasses.replace(item, triples=[t for t in item.triples if t not in bad])
            template = INVALID_IRI.get(lang, INVALID_IRI["en"])
            problems += [problem(item.record, str(t[1]), "Violation",
                                 template.format(reason=reason, iri=t[2] if isinstance(t[2], URIRef) else t[0]))
                         for t, reason in bad.items()]
        out.append(item)
    return out, problems


def _message(report: Graph, result: Node, lang: str) -> str:
    messages = list(report.objects(result, SH.resultMessage))
    for m in messages:
        if getattr(m, "language", None) == lang:
            return str(m)
    return str(messages[0]) if messages else "constraint not met"


def _stubs(items: list[Converted], has_type: Callable[[Any], bool]) -> list[tuple]:
    """`o a org:Organization` for each partner organisation not among the records."""
    stubs = {}
    for item in items:
        for _s, p, o in item.triples:
            if p in (ORG.hasMember, ORG.member) and not has_type(o):
                stubs[o] = (o, RDF.type, ORG.Organization)
    return list(stubs.values())


def validate_converted(items: Iterable[Converted], validator: ShaclValidator, lang: str = "en"
                       ) -> list[Problem]:
    """pyshacl, the reference engine."""
    items, invalid = checked_iris(list(items), lang)
    data = Graph()
    owners: dict[Node | None, Converted] = {}
    for item in items:
        for node in item.nodes:
            owners[node] = item
        for triple in item.triples:
            data.add(triple)
    for stub in _stubs(items, lambda o: (o, RDF.type, ORG.Organization) in data):
        data.add(stub)
    conforms, report = validator.validate(data)
    problems = set(invalid)
    if conforms and not any(report.subjects(RDF.type, SH.ValidationResult)):
        return sorted(problems)
    for result in report.subjects(RDF.type, SH.ValidationResult):
        owner = owners.get(report.value(result, SH.focusNode))
        if owner is None:
            continue
        path = report.value(result, SH.resultPath)
        severity = str(report.value(result, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        problems.add(problem(owner.record, str(path) if isinstance(path, URIRef) else None, severity,
                             _message(report, result, lang)))
    return sorted(problems)


def focus_names(results: Iterable[Result], store: ox.Store) -> dict[object, str | None]:
    """Each result's focus node as the N-Triples form of the IRI whose record owns it: a blank node belongs
    to the record of the IRI it hangs from (the converter gives an address to its place, an identifier
    to its place or organisation)."""
    names: dict[object, str | None] = {}
    for result in results:
        focus = result.focus
        if focus not in names:
            named = named_ancestor(store, focus) if isinstance(focus, ox.BlankNode) else focus
            names[focus] = str(named) if named is not None else None
    return names


def problems_from_results(results: Iterable[Result], names: dict[object, str | None],
                          record_of: Callable[[str], Record | RecordRef | None], lang: str = "en") -> list[Problem]:
    """The compiled engine's results as Problems; `record_of` maps a focus name to its record."""
    problems = set()
    for result in results:
        name = names.get(result.focus)
        rec = record_of(name) if name is not None else None
        if rec is None:
            continue
        messages = dict(result.check.messages)
        message = messages.get(lang) or next(iter(messages.values()), "constraint not met")
        problems.add(problem(rec, result.check.path, result.check.severity, message))
    return sorted(problems)


PER_TARGET = 20      # records: up to this many, one query per targeted shape (measured faster for one)
IN_MEMORY = 2000     # records: more go to a temporary on-disk store (an in-memory one takes ~400 B a triple)


def validate_converted_sparql(items: Iterable[Converted], lang: str = "en",
                              compiled: CompiledShapes | None = None) -> list[Problem]:
    """The compiled engine on converted records: a store holding their triples (and stubs)."""
    items, invalid = checked_iris(list(items), lang)
    owners = {node.n3(): item.record for item in items for node in item.nodes if isinstance(node, URIRef)}
    typed = {s for item in items for s, p, o in item.triples if p == RDF.type and o == ORG.Organization}
    rows = [_nt_row(t) for item in items for t in item.triples]
    rows += [_nt_row(t) for t in _stubs(items, typed.__contains__)]
    if len(items) <= IN_MEMORY:
        found = _validate_in(ox.Store(), rows, owners, lang, compiled, per_target=len(items) <= PER_TARGET)
    else:
        with tempfile.TemporaryDirectory(prefix="bdp-validate-") as tmp:
            found = _validate_in(ox.Store(tmp), rows, owners, lang, compiled)
    return sorted(set(found) | set(invalid))


def _validate_in(store: ox.Store, rows: list[str], owners: dict[str, Record], lang: str,
                 compiled: CompiledShapes | None, per_target: bool = False) -> list[Problem]:
    store.bulk_load("".join(rows).encode(), format=ox.RdfFormat.N_TRIPLES)
    results = run_shapes(store, compiled, per_target=per_target)
    return problems_from_results(results, focus_names(results, store), owners.get, lang)
