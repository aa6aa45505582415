"""SHACL shapes compiled to SPARQL, so that Oxigraph validates a whole build in seconds (pyshacl, the
reference engine, is far slower: publisher/shacl/reference.py).

The queries are set-oriented, because on Oxigraph's on-disk store a scan of one predicate costs a
fraction of the cost of a lookup per focus node (bench/README.md: FILTER NOT EXISTS against MINUS):
- value constraints of a property shape (datatype, nodeKind, pattern, in, node, not, or, ...) are tested
  once per *distinct* value of its path (concepts, organisations: a handful), in one query returning the
  failing values with a flag per constraint; their focus nodes are read afterwards (few);
- sh:class keeps the distinct values without a matching rdf:type (MINUS);
- minCount, qualifiedMinCount and hasValue take the targets MINUS those that have enough values;
  maxCount and uniqueLang group the path's triples by focus node (GROUP BY ... HAVING);
- the constraints of a targeted node shape itself are tested per focus node (EXISTS), as are nested
  shapes (sh:node, sh:not, sh:or, qualified value shapes), through publisher/shacl/expr.py.
Targets are SHACL class targets (`rdf:type/rdfs:subClassOf*`). Every check carries what pyshacl puts in
its result: the reporting shape, its path, severity and `sh:message`s. tests/test_shacl_sparql.py holds
the results equal to pyshacl's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import Graph, Literal
from rdflib.namespace import RDF
from rdflib.term import Node

from publisher.namespaces import SH, curie
from publisher.shacl.expr import TYPE_PATH, Expressions, UnsupportedShape

__all__ = ["TYPE_PATH", "Check", "CheckQuery", "CompiledShapes", "UnsupportedShape", "compile_shapes"]


@dataclass(frozen=True)
class Check:
    """One constraint of a reporting shape, with what a result of it says."""

    shape: str                               # the reporting shape (IRI or blank-node id)
    component: str                           # e.g. "MinCountConstraintComponent"
    path: str | None                         # the result path of a property shape
    severity: str                            # "Violation" | "Warning" | "Info"
    messages: tuple[tuple[str, str], ...]    # (language tag or "", text)
    on_values: bool = False                  # a constraint on value nodes (results carry sh:value)


@dataclass(frozen=True)
class CheckQuery:
    """One SELECT (after the prologue). Its rows bind ?this, a failing focus node, or, when `foci` is
    set, ?value, a failing value, whose focus nodes the pattern `foci` binds to ?this (given ?value).
    With `flags`, ?f0, ?f1, ... tell which of `checks` failed; without, all of them did."""

    text: str
    checks: tuple[Check, ...]
    foci: str | None = None
    flags: bool = False
    targets: str = ""      # the pattern binding ?this to the focus nodes of the checks' target shape
    values: tuple[str | None, ...] = ()   # per check on a path, a pattern binding the failing ?value from ?this


@dataclass(frozen=True)
class CompiledShapes:
    queries: tuple[CheckQuery, ...]          # set-oriented: for a store of many records
    prologue: str = ""                       # PREFIX declarations of the SHACL-SPARQL constraints
    per_target: tuple[CheckQuery, ...] = ()  # one query per targeted shape: for a store of a few records

    @property
    def checks(self) -> Iterator[Check]:
        for q in self.queries:
            yield from q.checks


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Every targeted shape of `shapes` as queries; UnsupportedShape names what cannot be compiled."""
    ex = Expressions(shapes)
    g = shapes
    shapes_seen = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    for predicate in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
        for s in g.subjects(predicate, None):
            raise ex.refuse(s, curie(str(predicate)))
    shapes_seen |= set(g.subjects(SH.targetClass, None)) | set(g.objects(None, SH.property))
    for s in sorted(shapes_seen, key=str):
        ex.check_terms(s)
    queries: list[tuple[str, tuple[Check, ...], str | None, bool, str]] = []
    per_target: list[CheckQuery] = []
    for shape in sorted(set(g.subjects(SH.targetClass, None)), key=str):
        if ex.path(shape) is not None:
            raise ex.refuse(shape, "a property shape with a target")
        if not ex.deactivated(shape):
            classes = sorted(str(c) for c in g.objects(shape, SH.targetClass))
            targets = " UNION ".join(f"{{ ?this {TYPE_PATH} <{c}> }}" for c in classes)
            found = _node_queries(ex, shape, targets)
            for prop in sorted(g.objects(shape, SH.property), key=str):
                if not ex.deactivated(prop):
                    found += _property_queries(ex, prop, targets)
            queries += [(*q, targets) for q in found]
            per_target.append(_per_target(ex, shape, targets))
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(ex.prefixes.items()))
    compiled = CompiledShapes(tuple(CheckQuery(*q) for q in queries), prologue, tuple(per_target))
    for query in compiled.queries + compiled.per_target:   # parse each once: a SPARQL constraint may not
        try:
            ex.probe.query(prologue + query.text)
        except SyntaxError as exc:
            raise UnsupportedShape(f"shape {curie(query.checks[0].shape)}: its SPARQL does not parse ({exc})") from None
    return compiled


def _check(ex: Expressions, shape: Node, component: str, on_values: bool) -> Check:
    path = ex.path(shape)
    messages = tuple(sorted((m.language or "", str(m)) for m in ex.g.objects(shape, SH.message)
                            if isinstance(m, Literal)))
    if not messages:
        raise ex.refuse(shape, "a shape without sh:message (pyshacl would generate messages)")
    severity = str(ex.one(shape, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
    return Check(str(shape), f"{component}ConstraintComponent", path[1:-1] if path else None, severity,
                 messages, on_values)


def _flags(checks: list[tuple[Check, str]]) -> tuple[str, str]:
    binds = "".join(f"  BIND({fails} AS ?f{i})\n" for i, (_c, fails) in enumerate(checks))
    return " ".join(f"?f{i}" for i in range(len(checks))), \
        f"{binds}  FILTER({' || '.join(f'?f{i}' for i in range(len(checks)))})\n"


Compiled = tuple[str, tuple[Check, ...], str | None, bool]   # text, checks, foci, flags (+ targets)


def _per_target(ex: Expressions, shape: Node, targets: str) -> CheckQuery:
    """All checks of a targeted shape and its property shapes, tested per focus node (EXISTS): fewer
    queries to parse, which is what costs on a store of one record."""
    found = [(_check(ex, s, component, values is not None), fails, values)
             for s in [shape, *sorted(ex.g.objects(shape, SH.property), key=str)] if not ex.deactivated(s)
             for component, fails, values in ex.constraints(s, "?this", reporting=True)]
    columns, tests = _flags([(c, f) for c, f, _v in found])
    return CheckQuery(f"SELECT ?this {columns} WHERE {{\n  {targets}\n{tests}}}", tuple(c for c, _f, _v in found),
                      None, True, targets, tuple(v if c.path else None for c, _f, v in found))


def _node_queries(ex: Expressions, shape: Node, targets: str) -> list[Compiled]:
    """The constraints of the targeted node shape itself, tested per focus node."""
    checks = [(_check(ex, shape, component, values is not None), fails)
              for component, fails, values in ex.constraints(shape, "?this", reporting=True)]
    if not checks:
        return []
    columns, tests = _flags(checks)
    return [(f"SELECT ?this {columns} WHERE {{\n  {targets}\n{tests}}}", tuple(c for c, _f in checks), None,
             True)]


def _property_queries(ex: Expressions, shape: Node, targets: str) -> list[Compiled]:
    p = ex.path(shape)
    if p is None:
        raise ex.refuse(shape, "a sh:property value without sh:path")
    values = f"{{ SELECT DISTINCT ?value WHERE {{ ?any {p} ?value }} }}"
    foci = f"?this {p} ?value . {targets}"
    out: list[Compiled] = []
    tested = []
    for predicate, component in ex.value_components():
        for parameter in sorted(ex.g.objects(shape, predicate), key=str):
            check = _check(ex, shape, component, True)
            if predicate == SH["class"]:
                out.append((f"SELECT ?value WHERE {{ {values} MINUS {{ ?value {TYPE_PATH} "
                            f"{ex.term(parameter)} }} }}", (check,), foci, False))
            else:
                tested.append((check, f"!COALESCE({ex.value_ok(shape, predicate, parameter, '?value')}, false)"))
    if tested:
        columns, tests = _flags(tested)
        out.append((f"SELECT ?value {columns} WHERE {{\n  {values}\n{tests}}}", tuple(c for c, _f in tested),
                    foci, True))
    for predicate, component in ex.focus_components():
        for parameter in sorted(ex.g.objects(shape, predicate), key=str):
            text = _focus_query(ex, shape, predicate, parameter, p, targets)
            if text is not None:
                out.append((text, (_check(ex, shape, component, False),), None, False))
    return out


def _focus_query(ex: Expressions, shape: Node, predicate: Node, parameter: Node, p: str, targets: str
                 ) -> str | None:
    """A query selecting the focus nodes (?this) that fail a constraint on the set of their values.
    (COUNT(*) counts distinct values: the path is one predicate, and a graph holds a triple once.)"""
    def grouped(pattern: str, having: str) -> str:
        return f"{{ SELECT ?this WHERE {{ {pattern} }} GROUP BY ?this HAVING ({having}) }}"

    def lacking(enough: str) -> str:
        return f"SELECT ?this WHERE {{ {targets} MINUS {enough} }}"

    if predicate == SH.minCount:
        n = ex.integer(shape, parameter, limit=None)
        if n == 0:
            return None
        return lacking(f"{{ ?this {p} ?v }}" if n == 1 else grouped(f"?this {p} ?v", f"COUNT(*) >= {n}"))
    if predicate == SH.maxCount:
        n = ex.integer(shape, parameter, limit=None)
        return f"SELECT ?this WHERE {{ {grouped(f'?this {p} ?v', f'COUNT(*) > {n}')} {targets} }}"
    if predicate == SH.hasValue:
        return lacking(f"{{ ?this {p} {ex.term(parameter)} }}")
    if predicate == SH.uniqueLang:   # only focus nodes with two values or more need their languages read
        if not ex.unique_lang(shape, parameter):
            return None
        return (f"SELECT ?this WHERE {{ {grouped(f'?this {p} ?v', 'COUNT(*) > 1')} FILTER EXISTS {{ "
                f"?this {p} ?a . ?this {p} ?b FILTER(!sameTerm(?a, ?b) && "
                f"LANG(?a) != \"\" && LCASE(LANG(?a)) = LCASE(LANG(?b))) }} {targets} }}")
    if predicate == SH.qualifiedValueShape:
        n = ex.qualified_min(shape)
        conforming = f"?this {p} ?v FILTER({ex.conforms(parameter, '?v')})"
        if n == 0:
            return None
        return lacking(f"{{ {conforming} }}" if n == 1 else grouped(conforming, f"COUNT(*) >= {n}"))
    # sh:sparql directly on a reporting shape
    ex.focus_fails(shape, predicate, parameter, p, "?this", reporting=True)
    return None
