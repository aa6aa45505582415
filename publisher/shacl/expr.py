"""SHACL constraints as SPARQL boolean expressions: "does node X conform to shape S" and "does focus node F
fail constraint C", for publisher/shacl/compile.py, which builds the validation queries from them.

Only what shapes/bdp-shapes.ttl uses is implemented; any other SHACL term in a shape is refused with an
error naming the shape and the feature, so a shapes edit cannot silently weaken validation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import count

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from publisher.errors import BdpError
from publisher.namespaces import SH, curie
from publisher.store.results import ox_solutions


def python_dollar(pattern: str) -> str:
    """A pattern whose `$` (outside a character class, not escaped) matches where Python's does without
    re.MULTILINE, which is how pyshacl runs sh:pattern: at the end or before a final newline."""
    out: list[str] = []
    in_class = escaped = False
    for c in pattern:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == "[" and not in_class:
            in_class, opened = True, len(out)
        elif c == "]" and in_class and "".join(out[opened:]) not in ("[", "[^"):   # []] and [^]] hold a ]
            in_class = False
        elif c == "$" and not in_class:
            out.append("(?:\\n?$)")
            continue
        out.append(c)
    return "".join(out)


class UnsupportedShape(BdpError):
    """The shapes use a SHACL feature this compiler does not implement (named with the shape)."""


# sh: terms allowed on a shape besides the constraint parameters compiled below.
_DESCRIPTIVE = {SH.path, SH.property, SH.targetClass, SH.severity, SH.message, SH.name, SH.description,
                SH.deactivated, SH.order, SH.group, SH.qualifiedMinCount, SH.qualifiedValueShapesDisjoint,
                SH.flags}
VALUE_COMPONENTS = {SH.datatype: "Datatype", SH.nodeKind: "NodeKind", SH["class"]: "Class",
                     SH.pattern: "Pattern", SH["in"]: "In", SH.languageIn: "LanguageIn",
                     SH.minInclusive: "MinInclusive", SH.maxInclusive: "MaxInclusive", SH.node: "Node",
                     SH["not"]: "Not", SH["or"]: "Or"}
FOCUS_COMPONENTS = {SH.minCount: "MinCount", SH.maxCount: "MaxCount", SH.uniqueLang: "UniqueLang",
                     SH.hasValue: "HasValue", SH.qualifiedValueShape: "QualifiedMinCount",
                     SH.sparql: "SPARQL"}
_NODE_KINDS: dict[Node, str] = {SH.IRI: "isIRI({0})", SH.BlankNode: "isBlank({0})", SH.Literal: "isLiteral({0})",
               SH.BlankNodeOrIRI: "!isLiteral({0})", SH.BlankNodeOrLiteral: "!isIRI({0})",
               SH.IRIOrLiteral: "!isBlank({0})"}
# How pyshacl judges a literal of a datatype: it checks the lexical form of the types rdflib converts
# (ill-typed literals fail); Oxigraph casts the lexical form instead. rdflib leaves xsd:gYear unchecked.
# Oxigraph stores xsd:nonNegativeInteger as xsd:integer, so there an integer >= 0 of either type passes
# (the reference engine alone tells "5"^^xsd:integer from "5"^^xsd:nonNegativeInteger; the converter
# writes only the latter). Other XSD types would need a rule of their own: refused.
_CASTS = {XSD.integer, XSD.decimal, XSD.boolean, XSD.date, XSD.dateTime, XSD.time, XSD.float, XSD.double}
_UNCHECKED = {XSD.gYear}
_NON_NEGATIVE = XSD.nonNegativeInteger
TYPE_PATH = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
MAX_COUNT = 6   # nested minCount/maxCount/qualifiedMinCount: joins of n distinct values


def sparql_term(term: Node) -> str:
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    raise TypeError(term)


class Expressions:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.vars = count()
        self.prefixes: dict[str, str] = {}
        self.stack: list[Node] = []
        self.probe = ox.Store()   # empty: to try regular expressions on

    # --- naming and reading ------------------------------------------------------------------------

    def name(self, shape: Node) -> str:
        if isinstance(shape, URIRef):
            return curie(str(shape))
        seen = {shape}
        node = shape
        while isinstance(node, BNode):
            parents = [s for s in self.g.subjects(None, node) if s not in seen]
            if not parents:
                return "a blank-node shape"
            node = parents[0]
            seen.add(node)
        return f"a blank-node shape inside {curie(str(node))}"

    def refuse(self, shape: Node, feature: str) -> UnsupportedShape:
        return UnsupportedShape(f"shape {self.name(shape)}: {feature} is not supported by the compiled "
                                "SHACL engine (publisher/shacl/compile.py); add it there first")

    def one(self, shape: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(shape, predicate))
        if len(values) > 1:
            raise self.refuse(shape, f"more than one {curie(str(predicate))}")
        return values[0] if values else None

    def items(self, shape: Node, head: Node) -> list[Node]:
        if not isinstance(head, (BNode, URIRef)):
            raise self.refuse(shape, "a list value that is not an RDF list")
        return list(Collection(self.g, head))

    def var(self, stem: str = "v") -> str:
        return f"?{stem}{next(self.vars)}"

    def path(self, shape: Node) -> str | None:
        path = self.one(shape, SH.path)
        if path is None:
            return None
        if not isinstance(path, URIRef):
            raise self.refuse(shape, "a sh:path other than a predicate (inverse, sequence, ... paths)")
        return f"<{path}>"

    def deactivated(self, shape: Node) -> bool:
        value = self.one(shape, SH.deactivated)
        return isinstance(value, Literal) and value.value is True

    def check_terms(self, shape: Node) -> None:
        known = _DESCRIPTIVE | set(VALUE_COMPONENTS) | set(FOCUS_COMPONENTS)
        for p in sorted(set(self.g.predicates(shape)) - known, key=str):
            if str(p).startswith(str(SH)):
                raise self.refuse(shape, curie(str(p)))
        types = set(self.g.objects(shape, RDF.type))
        if types & {RDFS.Class, OWL.Class}:
            raise self.refuse(shape, "an implicit class target (a shape that is also a class)")

    # --- constraints -------------------------------------------------------------------------------

    def constraints(self, shape: Node, focus: str, reporting: bool = False
                    ) -> Iterator[tuple[str, str, str | None]]:
        """(component, fails-expression over `focus`, for a constraint on value nodes a pattern binding
        the failing ?value given `focus`, else None)."""
        path = self.path(shape)
        for predicate, component in VALUE_COMPONENTS.items():
            for parameter in sorted(self.g.objects(shape, predicate), key=str):
                if path is None:
                    failing = f"!COALESCE({self.value_ok(shape, predicate, parameter, focus)}, false)"
                    yield component, failing, f"BIND({focus} AS ?value) FILTER({failing})"
                    continue
                x = self.var()
                ok = self.value_ok(shape, predicate, parameter, x)
                values = f"{focus} {path} ?value FILTER(!COALESCE({self.value_ok(shape, predicate, parameter, '?value')}, false))"
                yield component, f"EXISTS {{ {focus} {path} {x} FILTER(!COALESCE({ok}, false)) }}", values
        for predicate, component in FOCUS_COMPONENTS.items():
            for parameter in sorted(self.g.objects(shape, predicate), key=str):
                fails = self.focus_fails(shape, predicate, parameter, path, focus, reporting)
                if fails is not None:
                    yield component, fails, None

    def value_components(self) -> list[tuple[URIRef, str]]:
        return list(VALUE_COMPONENTS.items())

    def focus_components(self) -> list[tuple[URIRef, str]]:
        return list(FOCUS_COMPONENTS.items())

    def term(self, value: Node) -> str:
        return sparql_term(value)

    def focus_fails(self, shape: Node, predicate: Node, parameter: Node, path: str | None, focus: str,
                    reporting: bool) -> str | None:
        if predicate == SH.sparql:
            if reporting:
                raise self.refuse(shape, "sh:sparql on a shape that reports results itself (pyshacl drops the "
                                         "language tags of its messages): use it through sh:node")
            return None if self.deactivated(parameter) else self.sparql_fails(shape, parameter, path, focus)
        if predicate == SH.hasValue:
            term = sparql_term(parameter)
            return f"NOT EXISTS {{ {focus} {path} {term} }}" if path else f"!sameTerm({focus}, {term})"
        if path is None:
            raise self.refuse(shape, f"{curie(str(predicate))} on a node shape")
        if predicate == SH.minCount:
            return f"!({self.at_least(focus, path, self.integer(shape, parameter))})"
        if predicate == SH.maxCount:
            return self.at_least(focus, path, self.integer(shape, parameter) + 1)
        if predicate == SH.uniqueLang:
            if not self.unique_lang(shape, parameter):
                return None
            a, b = self.var(), self.var()
            return (f"EXISTS {{ {focus} {path} {a} . {focus} {path} {b} FILTER(!sameTerm({a}, {b}) && "
                    f"LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
        return f"!({self.at_least(focus, path, self.qualified_min(shape), parameter)})"

    def unique_lang(self, shape: Node, parameter: Node) -> bool:
        if not (isinstance(parameter, Literal) and isinstance(parameter.value, bool)):
            raise self.refuse(shape, "a sh:uniqueLang that is not a boolean")
        return parameter.value

    def qualified_min(self, shape: Node) -> int:
        """sh:qualifiedMinCount (sh:qualifiedMaxCount and disjoint qualified shapes are not supported)."""
        disjoint = self.one(shape, SH.qualifiedValueShapesDisjoint)
        if isinstance(disjoint, Literal) and disjoint.value is True:
            raise self.refuse(shape, "sh:qualifiedValueShapesDisjoint true")
        minimum = self.one(shape, SH.qualifiedMinCount)
        if minimum is None:
            raise self.refuse(shape, "sh:qualifiedValueShape without sh:qualifiedMinCount")
        return self.integer(shape, minimum)

    def integer(self, shape: Node, value: Node, limit: int | None = MAX_COUNT) -> int:
        if not (isinstance(value, Literal) and isinstance(value.value, int) and value.value >= 0
                and (limit is None or value.value <= limit)):
            raise self.refuse(shape, f"a count that is not an integer from 0 to {limit or 'any'} ({value})")
        return int(value.value)

    def at_least(self, focus: str, path: str, n: int, qualified: Node | None = None) -> str:
        """At least n distinct values (conforming to `qualified`, if given)."""
        if n == 0:
            return "true"
        xs = [self.var() for _ in range(n)]
        patterns = " . ".join(f"{focus} {path} {x}" for x in xs)
        tests = [f"!sameTerm({a}, {b})" for i, a in enumerate(xs) for b in xs[i + 1:]]
        if qualified is not None:
            tests += [self.conforms(qualified, x) for x in xs]
        return f"EXISTS {{ {patterns} {'FILTER(' + ' && '.join(tests) + ')' if tests else ''} }}"

    def value_ok(self, shape: Node, predicate: URIRef, parameter: Node, x: str) -> str:
        if predicate == SH.datatype:
            return self.datatype_ok(shape, parameter, x)
        if predicate == SH.nodeKind:
            if parameter not in _NODE_KINDS:
                raise self.refuse(shape, f"sh:nodeKind {parameter}")
            return _NODE_KINDS[parameter].format(x)
        if predicate == SH["class"]:
            return f"EXISTS {{ {x} {TYPE_PATH} {sparql_term(parameter)} }}"
        if predicate == SH.pattern:
            flags = self.one(shape, SH.flags)
            kept = "".join(f for f in (str(flags).lower() if flags is not None else "") if f in "im")
            pattern = Literal(python_dollar(str(parameter)) if "m" not in kept else str(parameter)).n3()
            probe = f'SELECT (COALESCE(REGEX("", {pattern}, "{kept}"), "error") AS ?r) {{}}'
            try:
                works = next(iter(ox_solutions(self.probe.query(probe))))["r"].value != "error"
            except (SyntaxError, ValueError):
                works = False
            if not works:
                raise self.refuse(shape, f"sh:pattern {str(parameter)!r} (not a regular expression Oxigraph reads)")
            return f"REGEX(STR({x}), {pattern}, \"{kept}\")"
        if predicate == SH["in"]:
            members = self.items(shape, parameter)
            if all(isinstance(m, URIRef) for m in members):
                return f"({x} IN ({', '.join(sparql_term(m) for m in members)}))" if members else "false"
            return "(" + " || ".join(f"sameTerm({x}, {sparql_term(m)})" for m in members) + ")"
        if predicate == SH.languageIn:
            tags = [str(t).lower() for t in self.items(shape, parameter)]
            if "*" in tags:
                return f"(LANG({x}) != \"\")"
            return "(" + " || ".join(f"langMatches(LANG({x}), {Literal(t).n3()})" if "-" not in t
                                     else f"LCASE(LANG({x})) = {Literal(t).n3()}" for t in tags) + ")"
        if predicate in (SH.minInclusive, SH.maxInclusive):
            if not isinstance(parameter, Literal):
                raise self.refuse(shape, f"a {curie(str(predicate))} that is not a literal")
            op = ">=" if predicate == SH.minInclusive else "<="
            return f"({x} {op} {sparql_term(parameter)})"
        if predicate == SH.node:
            return self.conforms(parameter, x)
        if predicate == SH["not"]:
            return f"!({self.conforms(parameter, x)})"
        # sh:or
        return "(" + " || ".join(self.conforms(s, x) for s in self.items(shape, parameter)) + ")"

    def datatype_ok(self, shape: Node, datatype: Node, x: str) -> str:
        if not isinstance(datatype, URIRef):
            raise self.refuse(shape, "a sh:datatype that is not an IRI")
        if datatype == RDF.langString:
            return f"(LANG({x}) != \"\")"
        typed = f"DATATYPE({x}) = <{datatype}>"
        if datatype == XSD.string or not str(datatype).startswith(str(XSD)):
            return f"({typed})"
        if datatype in _CASTS:
            return f"({typed} && isLiteral(<{datatype}>(STR({x}))))"
        if datatype in _UNCHECKED:
            return f"({typed})"
        if datatype == _NON_NEGATIVE:
            number = f"<{XSD.integer}>(STR({x}))"
            return (f"(DATATYPE({x}) IN (<{datatype}>, <{XSD.integer}>) && "
                    f"isLiteral({number}) && {number} >= 0)")
        raise self.refuse(shape, f"sh:datatype {curie(str(datatype))} (its ill-typed literals)")

    # --- conformance of a value node to a shape ----------------------------------------------------

    def conforms(self, shape: Node, x: str) -> str:
        if shape in self.stack:
            raise self.refuse(shape, "a recursive shape reference")
        self.check_terms(shape)
        if self.deactivated(shape):
            return "true"
        self.stack.append(shape)
        try:
            parts = [f"!({fails})" for _c, fails, _v in self.constraints(shape, x)]
            for prop in sorted(self.g.objects(shape, SH.property), key=str):
                self.check_terms(prop)
                if self.path(prop) is None:
                    raise self.refuse(prop, "a sh:property value without sh:path")
                parts.append(self.conforms(prop, x))
        finally:
            self.stack.pop()
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def sparql_fails(self, shape: Node, constraint: Node, path: str | None, focus: str) -> str:
        known = {SH.select, SH.prefixes, SH.message, SH.deactivated}
        for p in set(self.g.predicates(constraint)) - known - {RDF.type}:
            if str(p).startswith(str(SH)):
                raise self.refuse(shape, f"{curie(str(p))} in a SPARQL constraint")
        select = self.one(constraint, SH.select)
        if select is None:
            raise self.refuse(shape, "a SPARQL constraint without sh:select")
        for declared in self.g.objects(constraint, SH.prefixes):
            for decl in self.g.objects(declared, SH.declare):
                prefix, namespace = str(self.one(decl, SH.prefix)), str(self.one(decl, SH.namespace))
                if self.prefixes.setdefault(prefix, namespace) != namespace:
                    raise self.refuse(shape, f"prefix {prefix}: declared with two namespaces")
        try:
            body, prefixes = constraint_body(str(select), focus, path, f"s{next(self.vars)}_")
        except ValueError as exc:
            raise self.refuse(shape, f"this sh:select ({exc})") from None
        for prefix, namespace in prefixes.items():
            if self.prefixes.setdefault(prefix, namespace) != namespace:
                raise self.refuse(shape, f"prefix {prefix}: declared with two namespaces")
        return f"EXISTS {body}"


_TOKEN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*'
                    r'|[?$](\w+)|[{}]')
_PREFIX = re.compile(r"\s*PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.I)
_SELECT = re.compile(r"\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*WHERE\s*(?=\{)", re.I | re.S)


def constraint_body(select: str, focus: str, path: str | None, stem: str) -> tuple[str, dict[str, str]]:
    """The WHERE group of a SHACL-SPARQL SELECT with $this replaced by `focus`, $PATH by `path` and every
    other variable renamed apart (`stem`), and the query's own PREFIX declarations."""
    prefixes, at = {}, 0
    while m := _PREFIX.match(select, at):
        prefixes[m.group(1)] = m.group(2)
        at = m.end()
    m = _SELECT.match(select, at)
    if m is None:
        raise ValueError("not a SELECT ... WHERE { ... } query")
    if not re.search(r"[?$]this\b|^\*$", m.group(1)):
        raise ValueError("$this is not selected")
    out, depth, start = [], 0, m.end()
    last = start
    for token in _TOKEN.finditer(select, start):
        name = token.group(1)
        if token.group() in "{}":
            depth += 1 if token.group() == "{" else -1
            if depth == 0 and select[token.end():].strip():
                raise ValueError("solution modifiers or VALUES after the WHERE group")
            continue
        if name is None:
            continue
        if name in ("currentShape", "shapesGraph") or (name == "PATH" and path is None):
            raise ValueError(f"${name}")
        out.append(select[last:token.start()])
        out.append(focus if name == "this" else path or "" if name == "PATH" else f"?{stem}{name}")
        last = token.end()
    out.append(select[last:])
    return "".join(out).strip(), prefixes
