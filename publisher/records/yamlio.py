"""Editor-friendly YAML for source records: keys in the order given, Polish letters as they are, dates
as YYYY-MM-DD, short mappings and lists on one line, long texts as block scalars so that a diff shows the
line that changed: a long paragraph folded ('>') at about 100 columns, a text of several paragraphs
literal ('|', one line per paragraph, a blank line between), as in the curated data/ records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

_WIDTH = 100
_LONG = 80          # a text longer than this (or with a line break) becomes a block scalar
_FLOW_MAX = 70      # a mapping or list of plain values this short stays on one line (URLs never do)
_SCALARS = (str, int, float, bool, dt.date, type(None))


def _flow(values: list[Any]) -> bool:
    if not all(isinstance(v, _SCALARS) for v in values):
        return False
    if any(isinstance(v, str) and (len(v) > _LONG or "\n" in v or ":" in v) for v in values):
        return False
    return sum(len(str(v)) + 2 for v in values) <= _FLOW_MAX


def _make_dumper(fold: bool) -> type[yaml.SafeDumper]:
    class Dumper(yaml.SafeDumper):
        def represent_str(self, data: str) -> yaml.ScalarNode:
            if "\n" in data or len(data) > _LONG:
                style = ">" if fold and "\n" not in data else "|"
                return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)
            return super().represent_str(data)

        def represent_dict(self, data: dict[Any, Any]) -> yaml.MappingNode:  # type: ignore[override]
            flow = _flow([*data.keys(), *data.values()])
            return self.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)

        def represent_list(self, data: list[Any]) -> yaml.SequenceNode:  # type: ignore[override]
            return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_flow(data))

        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)   # list items indented under their key

    Dumper.add_representer(str, Dumper.represent_str)
    Dumper.add_representer(dict, Dumper.represent_dict)
    Dumper.add_representer(list, Dumper.represent_list)
    return Dumper


_DUMPERS = {fold: _make_dumper(fold) for fold in (True, False)}


def _dump(record: dict[str, Any], fold: bool) -> str:
    return yaml.dump(record, Dumper=_DUMPERS[fold], allow_unicode=True, sort_keys=False,
                     width=_WIDTH, default_flow_style=False)


def dump_yaml(record: dict[str, Any]) -> str:
    """The record as YAML text that reads back (yaml.safe_load) to an equal record.

    Should a folded text not read back exactly (odd whitespace), every text is written literal instead;
    PyYAML itself falls back to quoted style for a text that no block style can hold."""
    text = _dump(record, True)
    if yaml.safe_load(text) != record:
        text = _dump(record, False)
    return text
