"""Reading source records: YAML files, one per record, checked field by field with line numbers.

Structural problems (malformed YAML, an unknown field, a wrong type, a duplicate key, a reference to a
missing organisation) are `SourceError`s naming file and line. Whether the *data* is right and complete
(a title, dates, postal codes, concepts in their schemes) is the shapes' job, after conversion to RDF, so
that those rules live in one place that SPARQL users can read too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import yaml

from publisher.errors import SourceError

try:  # libyaml when present: same behaviour, several times faster
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

KEY_RE = re.compile(r"^[0-9a-ząćęłńóśźż][0-9a-ząćęłńóśźż-]*$")

# Field name -> expected shape. "text": str; "lang": {pl:, en:}; "date": a date (a string is left to the
# shapes); "int"; "bool"; "key": a record key; "keys": list of keys; nested dicts are sub-schemas;
# [schema] a list of items of that schema.
LANG = "lang"
PLACE = {"town": "text", "voivodeship": "text", "postal_code": "text", "post_office": "text",
         "street": "text", "population": "int", "teryt": "text",
         "coordinates": {"lat": "number", "lon": "number"}}
PARTNER = {"organisation": "key", "role": "key"}
CONTACT = {"name": "text", "role": "text", "phone": "text", "email": "text", "publish": "bool"}
ATTACHMENT = {"title": LANG, "file": "text", "url": "text", "media_type": "text"}
PRACTICE: dict[str, Any] = {
    "key": "key", "title": LANG, "summary": LANG, "description": LANG, "entered": "date",
    "modified": "date", "unit_type": "key", "themes": "keys", "funding": "keys",
    "implementing_unit": "key", "place": PLACE, "websites": ["text"], "partners": [PARTNER],
    "contacts": [CONTACT], "attachments": [ATTACHMENT], "publications": "keys",
    "source": {"page": "text", "imported": "date"}, "synthetic": "bool",
}
ORGANISATION: dict[str, Any] = {
    "key": "key", "name": LANG, "sector": "key", "unit_type": "key", "voivodeship": "text",
    "identifiers": {"teryt": "text", "krs": "text", "regon": "text", "nip": "text"},
    "websites": ["text"], "synthetic": "bool",
}
PUBLICATION: dict[str, Any] = {
    "key": "key", "title": LANG, "description": LANG, "year": "int", "url": "text", "file": "text",
    "media_type": "text", "practices": "keys", "synthetic": "bool",
}
SCHEMAS = {"practice": PRACTICE, "organisation": ORGANISATION, "publication": PUBLICATION}
KINDS = {"practices": "practice", "organisations": "organisation", "publications": "publication"}


@dataclass
class Record:
    kind: str                     # "practice" | "organisation"
    key: str
    path: str                     # as given, for messages
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)   # "place.postal_code" -> line

    def line(self, field_path: str) -> int | None:
        """The line of a field, or of its nearest enclosing field."""
        while field_path:
            if field_path in self.lines:
                return self.lines[field_path]
            field_path = field_path.rpartition(".")[0]
        return self.lines.get("")

    @property
    def label(self) -> str:
        return f"{self.kind} {self.key}"

    def ref(self, fields: tuple[str, ...]) -> RecordRef:
        """What the build keeps of this record once it is converted: its lines of `fields`."""
        return RecordRef(self.kind, self.key, self.path, fields, tuple(self.line(f) for f in fields),
                         bool(self.data.get("place")))


class RecordRef(NamedTuple):
    """A record as the build's parent process holds it (the workers keep the data): kind, key, file, the
    line of each of `fields` (what `Record.line` gave), and the one field later steps ask about (`data`:
    whether a practice has a place, for data/links/). Small to pickle: `fields` is one shared tuple."""

    kind: str
    key: str
    path: str
    fields: tuple[str, ...]
    lines: tuple[int | None, ...]
    place: bool = False

    def line(self, field_path: str) -> int | None:
        try:
            return self.lines[self.fields.index(field_path)]
        except ValueError:
            return None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def data(self) -> dict[str, Any]:
        return {"place": True} if self.place else {}


def _lines(node: yaml.Node, prefix: str, out: dict[str, int]) -> None:
    out.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            name = f"{prefix}.{k.value}" if prefix else str(k.value)
            out[name] = k.start_mark.line + 1
            _lines(v, name, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, f"{prefix}[{i}]", out)


def _check(value: Any, schema: Any, where: str, rec: Record) -> None:
    def fail(message: str) -> NoReturn:
        raise SourceError(rec.path, message, line=rec.line(where), record=rec.label, field=where)

    if value is None:
        return
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            fail("expected a mapping of fields")
        for name, item in value.items():
            sub = f"{where}.{name}" if where else str(name)
            if name not in schema:
                allowed = ", ".join(schema)
                raise SourceError(rec.path, f"unknown field {name!r} (allowed: {allowed})",
                                  line=rec.line(sub), record=rec.label, field=sub)
            _check(item, schema[name], sub, rec)
    elif isinstance(schema, list):
        if not isinstance(value, list):
            fail("expected a list")
        for i, item in enumerate(value):
            _check(item, schema[0], f"{where}[{i}]", rec)
    elif schema == LANG:
        if isinstance(value, str):
            fail("expected texts by language, e.g. {pl: '...', en: '...'}")
        if not isinstance(value, dict) or not all(k in ("pl", "en") and isinstance(v, str)
                                                  for k, v in value.items()):
            fail("expected texts by language: only 'pl' and 'en', each a text")
    elif schema == "key":
        if not isinstance(value, str) or not KEY_RE.match(value):
            fail(f"{value!r} is not a key (lower-case letters, digits and '-')")
    elif schema == "keys":
        if not isinstance(value, list):
            fail("expected a list of keys")
        for i, item in enumerate(value):
            _check(item, "key", f"{where}[{i}]", rec)
    elif schema == "text":
        if isinstance(value, (dict, list)):
            fail("expected a single text")
    elif schema in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float) if schema == "number" else int):
            if not isinstance(value, str):  # a string is left to the shapes, which name the datatype
                fail(f"expected a {'whole number' if schema == 'int' else 'number'}")
    elif schema == "bool":
        if not isinstance(value, bool):
            fail("expected true or false")
    elif schema == "date":
        if not isinstance(value, (dt.date, str)) or isinstance(value, dt.datetime):
            fail("expected a date YYYY-MM-DD")


def parse_record(text: str, path: str, kind: str) -> Record:
    """One record from YAML text; `path` is used in messages."""
    label = f"{kind} {Path(path).stem}"
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "malformed YAML"
        raise SourceError(path, f"malformed YAML: {reason}", line=mark.line + 1 if mark else None,
                          record=label) from None
    except yaml.YAMLError as exc:
        raise SourceError(path, f"malformed YAML: {exc}", record=label) from None
    if not isinstance(data, dict):
        raise SourceError(path, "a record is a mapping of fields (field: value)", line=1, record=label)
    rec = Record(kind, str(data.get("key") or Path(path).stem), path, data)
    _lines(node, "", rec.lines)
    _check(data, SCHEMAS[kind], "", rec)
    if "key" not in data:
        _check(rec.key, "key", "key", rec)
    return rec


def read_record(path: Path, kind: str) -> Record:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    return parse_record(text, str(path), kind)


def record_files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """(kind, path) of every record file under data/, in a stable order."""
    for folder, kind in KINDS.items():
        directory = data_dir / folder
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.suffix in (".yaml", ".yml") and path.is_file():
                    yield kind, path


def check_unique(records: list[Record] | list[RecordRef]) -> None:
    """Two records of one kind with one key: an error naming both files."""
    seen: dict[tuple[str, str], Record | RecordRef] = {}
    for rec in records:
        other = seen.setdefault((rec.kind, rec.key), rec)
        if other is not rec:
            raise SourceError(rec.path, f"key {rec.key!r} is already used by {other.path}",
                              line=rec.line("key"), record=rec.label, field="key")


def check_references(rec: Record, organisations: set[str] | frozenset[str]) -> None:
    """Every organisation a practice names exists as a record."""
    refs: list[tuple[str, Any]] = [("implementing_unit", rec.data.get("implementing_unit"))]
    refs += [(f"partners[{i}].organisation", p.get("organisation"))
             for i, p in enumerate(rec.data.get("partners") or []) if isinstance(p, dict)]
    for where, key in refs:
        if key is not None and key not in organisations:
            raise SourceError(rec.path, f"no organisation with key {key!r} (data/organisations/{key}.yaml)",
                              line=rec.line(where), record=rec.label, field=where)
