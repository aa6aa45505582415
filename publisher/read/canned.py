"""The library of canned SPARQL queries: one `queries/NAME.rq` file per question, with a header of
`# key: value` comment lines (titles, descriptions, typed parameters; see queries/README.md).

Parameter values are turned into typed RDF terms (an IRI of a class, a concept of a scheme, an integer,
a date, a string) and passed to the store as `bindings`: they never become query text. A value of the
wrong type, outside its scheme or naming nothing of the right class is a `QueryError` naming the
parameter. An optional parameter left empty stays unbound, which the queries read as "any"."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.assets import QUERIES
from publisher.config import Settings
from publisher.errors import QueryError, SourceError
from publisher.iris import IriMap, mint
from publisher.namespaces import PREFIXES, sparql_prologue
from publisher.read.concepts import scheme_concepts
from publisher.records.read import KEY_RE
from publisher.records.vocab import fold
from publisher.store import QueryResult, Store
from publisher.store.results import Term

XSD = PREFIXES["xsd"]
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PARAM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")          # a parameter is a SPARQL variable name
RESERVED = frozenset({"format", "lang", "view", "page"})   # request arguments that are not parameters
HEADER_KEYS = ("title@pl", "title@en", "description@pl", "description@en")
PARAM_TYPES = ("iri", "concept", "integer", "date", "string")
# Classes whose instances may be given by key alone, with the IRI type (publisher/iris.py) they mint.
KEYED_CLASSES = {"org:Organization": "organisation", "bdp:Practice": "practice",
                 "org:OrganizationalCollaboration": "partnership", "dct:Location": "place"}
_LINE = re.compile(r"^#\s?([A-Za-z@-]+):\s?(.*)$")
_MORE = re.compile(r"^#\s{2,}(\S.*)$")
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*(PREFIX|BASE)\b", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Param:
    name: str
    type: str                     # one of PARAM_TYPES
    target: str = ""              # the class CURIE of an iri, the scheme of a concept
    required: bool = False
    default: str | None = None    # text, as a user would give it
    minimum: int | None = None
    maximum: int | None = None
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> str:
        """The type as written in the header, e.g. 'concept:voivodeship'."""
        return f"{self.type}:{self.target}" if self.target else self.type

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.spec, "required": self.required, "default": self.default,
                "min": self.minimum, "max": self.maximum, "label": dict(self.labels)}


@dataclass(frozen=True)
class CannedQuery:
    name: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    params: tuple[Param, ...]
    body: str                     # the query after the header, without PREFIX lines
    form: str                     # SELECT, CONSTRUCT, ASK or DESCRIBE
    columns: dict[str, dict[str, str]] = field(default_factory=dict)   # variable -> {lang: header}
    chart: tuple[str, str] | None = None     # (label variable, count variable) drawn as bars

    def column(self, variable: str, lang: str) -> str:
        """The header of a result column for people: declared in the file, else the variable name."""
        labels = self.columns.get(variable, {})
        return labels.get(lang) or labels.get("pl") or variable

    @property
    def text(self) -> str:
        """The runnable query: the PREFIX lines it needs (from publisher/namespaces.py), then the body."""
        used = tuple(p for p in PREFIXES if re.search(rf"(?<![\w.:/<#-]){p}:", self.body))
        return (sparql_prologue(used) if used else "") + self.body

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# --- reading the files --------------------------------------------------------------------------------

def _param(spec: str, where: str) -> Param:
    words = spec.split()
    if len(words) < 2:
        raise SourceError(where, f"param {spec!r}: expected 'NAME TYPE [required] [default=V] [min=N] [max=N]'")
    name, kind, *flags = words
    type_, _, target = kind.partition(":")
    if not PARAM_RE.match(name) or name in RESERVED:
        raise SourceError(where, f"param {name!r}: a name is letters and digits (a SPARQL variable), "
                                 f"not one of {', '.join(sorted(RESERVED))}")
    if type_ not in PARAM_TYPES or bool(target) != (type_ in ("iri", "concept")):
        raise SourceError(where, f"param {name}: type {kind!r} is not one of iri:CLASS, concept:SCHEME, "
                                 "integer, date, string")
    if type_ == "iri" and target.partition(":")[0] not in PREFIXES:
        raise SourceError(where, f"param {name}: class {target!r} is not a CURIE of publisher/namespaces.py")
    values: dict[str, Any] = {"required": False}
    for flag in flags:
        key, eq, value = flag.partition("=")
        if flag == "required":
            values["required"] = True
        elif eq and key == "default":
            values["default"] = value
        elif eq and key in ("min", "max") and re.fullmatch(r"[+-]?\d+", value) and type_ == "integer":
            values["minimum" if key == "min" else "maximum"] = int(value)
        else:
            raise SourceError(where, f"param {name}: unknown flag {flag!r}")
    param = Param(name, type_, target, **values)
    if param.default and type_ in ("integer", "date", "string"):
        try:
            _literal(param, param.default)
        except QueryError as exc:
            raise SourceError(where, f"default: {exc}") from None
    return param


def parse_query(name: str, text: str, path: str = "") -> CannedQuery:
    """A canned query from the text of its file; a bad header is a SourceError naming file and line."""
    path = path or f"{name}.rq"
    if not NAME_RE.match(name):
        raise SourceError(path, f"query name {name!r} must be lower-case letters, digits and '-'")
    lines = text.splitlines()
    texts: dict[str, str] = {}
    params: list[tuple[str, dict[str, str], str]] = []      # (spec, labels, where)
    columns: dict[str, dict[str, str]] = {}
    chart: tuple[str, str] | None = None
    last: str | None = None
    body_start = len(lines)
    for number, line in enumerate(lines, 1):
        where = f"{path}:{number}"
        if not line.startswith("#"):
            if line.strip():
                body_start = number - 1
                break
            continue
        more, entry = _MORE.match(line), _LINE.match(line)
        if more and last in ("param", "column"):
            sub = _LINE.match("# " + more.group(1))
            if not sub or sub.group(1) not in ("label@pl", "label@en"):
                raise SourceError(where, f"a line under a {last} must be 'label@pl: ...' or 'label@en: ...'")
            labels = params[-1][1] if last == "param" else columns[next(reversed(columns))]
            labels[sub.group(1)[-2:]] = sub.group(2).strip()
        elif more and last in texts:
            texts[last] += " " + more.group(1).strip()
        elif entry and entry.group(1) == "param":
            params.append((entry.group(2), {}, where))
            last = "param"
        elif entry and entry.group(1) == "column":
            variable = entry.group(2).strip()
            if not PARAM_RE.match(variable) or variable in columns:
                raise SourceError(where, f"column {variable!r}: give a result variable's name, once")
            columns[variable] = {}
            last = "column"
        elif entry and entry.group(1) == "chart":
            words = entry.group(2).split()
            if len(words) != 3 or words[0] != "bars":
                raise SourceError(where, "chart must be 'bars LABEL_VARIABLE COUNT_VARIABLE'")
            chart = (words[1], words[2])
            last = "chart"
        elif entry and entry.group(1) in HEADER_KEYS:
            if entry.group(1) in texts:
                raise SourceError(where, f"{entry.group(1)} given twice")
            last = entry.group(1)
            texts[last] = entry.group(2).strip()
        elif line.strip() != "#":
            raise SourceError(where, "a header line must be '# KEY: value' with KEY one of "
                                     f"{', '.join(HEADER_KEYS)}, param, column, chart (see queries/README.md)")
    missing = [k for k in HEADER_KEYS if not texts.get(k)]
    if missing:
        raise SourceError(path, f"the header lacks {', '.join(missing)}")
    body = "\n".join(lines[body_start:]).strip() + "\n"
    if _PROLOGUE.search(body):
        raise SourceError(path, "the query declares PREFIX or BASE: the catalogue adds the prefixes of "
                                "publisher/namespaces.py itself")
    form = _FORM.search(body)
    if not form:
        raise SourceError(path, "no SELECT, CONSTRUCT, ASK or DESCRIBE in the query")
    built: list[Param] = []
    for spec, labels, where in params:
        param = _param(spec, where)
        if not re.search(rf"[?$]{param.name}\b", body):
            raise SourceError(where, f"param {param.name}: the query has no variable ?{param.name}")
        if any(p.name == param.name for p in built):
            raise SourceError(where, f"param {param.name} declared twice")
        built.append(Param(**{**param.__dict__, "labels": labels}))
    for variable in [*columns, *(chart or ())]:
        if not re.search(rf"[?$]{variable}\b", body):
            raise SourceError(path, f"column or chart {variable}: the query has no variable ?{variable}")
    return CannedQuery(name, {k[-2:]: texts[k] for k in HEADER_KEYS if k.startswith("title")},
                       {k[-2:]: texts[k] for k in HEADER_KEYS if k.startswith("description")},
                       tuple(built), body, form.group(1).upper(), columns, chart)


def load_catalogue(directory: Path = QUERIES) -> dict[str, CannedQuery]:
    """Every `*.rq` in `directory`, by name (the file name without .rq), in name order."""
    if not directory.is_dir():
        raise SourceError(str(directory), "no queries directory")
    catalogue = {}
    for path in sorted(directory.glob("*.rq")):
        catalogue[path.stem] = parse_query(path.stem, path.read_text(encoding="utf-8"),
                                           f"queries/{path.name}")
    return catalogue


# --- binding parameters ---------------------------------------------------------------------------------

def _literal(param: Param, raw: str) -> ox.Literal:
    if param.type == "string":
        return ox.Literal(raw)
    if param.type == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError
            value = dt.date.fromisoformat(raw)
        except ValueError:
            raise QueryError(f"parameter {param.name}: {raw!r} is not a date (YYYY-MM-DD)") from None
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if not re.fullmatch(r"[+-]?\d{1,18}", raw.strip()):
        raise QueryError(f"parameter {param.name}: {raw!r} is not an integer")
    number = int(raw)
    if (param.minimum is not None and number < param.minimum) or \
            (param.maximum is not None and number > param.maximum):
        raise QueryError(f"parameter {param.name}: {number} is outside {param.minimum}..{param.maximum}")
    return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))


def _concept(param: Param, raw: str, store: Store) -> ox.NamedNode:
    concepts = scheme_concepts(store, param.target)
    wanted = fold(raw).replace(" ", "-")
    for concept in concepts:
        if raw == concept.iri or wanted in (fold(n).replace(" ", "-") for n in concept.names):
            return ox.NamedNode(concept.iri)
    known = ", ".join(c.notation for c in concepts)
    raise QueryError(f"parameter {param.name}: {raw!r} is not a concept of the scheme {param.target!r}"
                     + (f" (one of: {known})" if known else ""))


def _iri(param: Param, raw: str, store: Store, iri_map: IriMap) -> ox.NamedNode:
    value = raw.strip()
    if value.startswith(iri_map.public) and iri_map.public != iri_map.base:
        value = iri_map.base + value[len(iri_map.public):]
    if value.startswith(iri_map.base + "doc/"):            # a page URL stands for its resource
        value = iri_map.base + "id/" + value[len(iri_map.base) + 4:]
    if KEY_RE.match(value) and param.target in KEYED_CLASSES:
        value = mint(iri_map.base, KEYED_CLASSES[param.target], value)
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value):
        raise QueryError(f"parameter {param.name}: {raw!r} is neither an IRI nor a key")
    try:
        node = ox.NamedNode(value)
    except ValueError:
        raise QueryError(f"parameter {param.name}: {raw!r} is not a valid IRI") from None
    prefix, _, local = param.target.partition(":")
    found = store.ask("ASK { ?resource a ?class }",
                      bindings={"resource": node, "class": ox.NamedNode(PREFIXES[prefix] + local)})
    if not found:
        raise QueryError(f"parameter {param.name}: <{value}> is not a {param.target} in the data")
    return node


def bind(query: CannedQuery, values: Mapping[str, str], store: Store, iri_map: IriMap) -> dict[str, Term]:
    """The typed terms for `values` (parameter name -> text); raises QueryError naming the parameter."""
    for name in values:
        if query.param(name) is None:
            known = ", ".join(p.name for p in query.params) or "none"
            raise QueryError(f"{query.name}: unknown parameter {name!r} (parameters: {known})")
    bindings: dict[str, Term] = {}
    for param in query.params:
        raw = values.get(param.name)
        if raw is None or raw == "":
            raw = param.default
        if raw is None or (raw == "" and param.type != "string"):
            if param.required:
                raise QueryError(f"parameter {param.name} is required ({param.spec})")
            continue                                        # unbound: the query reads it as "any"
        if param.type == "concept":
            bindings[param.name] = _concept(param, raw, store)
        elif param.type == "iri":
            bindings[param.name] = _iri(param, raw, store, iri_map)
        else:
            bindings[param.name] = _literal(param, raw)
    return bindings


def run(query: CannedQuery, values: Mapping[str, str], store: Store, settings: Settings,
        iri_map: IriMap | None = None) -> tuple[QueryResult, dict[str, Term]]:
    """Bind `values` and run `query` within the settings' time limit and row cap."""
    iri_map = iri_map or IriMap(settings.base_uri, settings.base_uri)
    bindings = bind(query, values, store, iri_map)
    result = store.query(query.text, bindings=bindings, timeout=settings.query_timeout,
                         limit=settings.row_cap)
    return result, bindings


def shareable_text(query: CannedQuery, bindings: Mapping[str, Term]) -> str:
    """The query text with the bound values as comments (for opening it in the query page). The terms
    are written in their N-Triples form, so a value cannot end the comment line."""
    lines = [f"# {query.name}"] + [f"# ?{k} = {v}" for k, v in bindings.items()]
    return "\n".join(lines) + "\n" + query.text

