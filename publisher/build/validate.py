"""SHACL validation of converted records with pyshacl, reported as `file: record: property: message`.

A chunk of records is validated as its own graph: the records' triples and a stub (`a org:Organization`)
for each organisation they reference. The shapes list each scheme's concepts themselves (`sh:in`), so the
vocabularies need not be copied in (tests/test_ontology.py keeps the lists equal to the vocabularies). Results on nodes a record owns
are traced back to it; results on stubs are someone else's (their own record is validated too)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from publisher.build.convert import FIELDS, Converted
from publisher.build.shacl import ShaclValidator
from publisher.namespaces import ORG, SH, curie


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


def _message(report: Graph, result: object, lang: str) -> str:
    messages = list(report.objects(result, SH.resultMessage))
    for m in messages:
        if getattr(m, "language", None) == lang:
            return str(m)
    return str(messages[0]) if messages else "constraint not met"


def validate_converted(items: Iterable[Converted], validator: ShaclValidator, lang: str = "en"
                       ) -> list[Problem]:
    items = list(items)
    data = Graph()
    owners: dict[object, Converted] = {}
    for item in items:
        for node in item.nodes:
            owners[node] = item
        for triple in item.triples:
            data.add(triple)
    for item in items:
        for _s, p, o in item.triples:
            if p in (ORG.hasMember, ORG.member) and (o, RDF.type, ORG.Organization) not in data:
                data.add((o, RDF.type, ORG.Organization))
    conforms, report = validator.validate(data)
    if conforms and not any(report.subjects(RDF.type, SH.ValidationResult)):
        return []
    problems = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        item = owners.get(focus)
        if item is None:
            continue
        path = report.value(result, SH.resultPath)
        field = FIELDS.get(str(path), "") if isinstance(path, URIRef) else ""
        prop = curie(str(path)) if isinstance(path, URIRef) else (field or "(record)")
        if field:
            prop = f"{prop} ({field})"
        severity = str(report.value(result, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        rec = item.record
        line = rec.line(field) or rec.line(f"place.{field}")
        problems.add(Problem(rec.path, line, rec.label, prop, _message(report, result, lang), severity))
    return sorted(problems)
