"""Query results (the types every backend returns) and their bytes in a negotiated format: SPARQL JSON, XML, CSV and TSV for SELECT and ASK,
RDF formats (through pyoxigraph's serialisers) for CONSTRUCT and DESCRIBE. Used by /sparql, /queries
and `bdp query` alike, so the three answer byte for byte the same."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Union, cast
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from publisher.formats import FORMATS, Format
from publisher.namespaces import PREFIXES

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]



def ox_solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """A SELECT's answer from pyoxigraph, whose query() is typed with every query form's answer."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"a SELECT was expected, not {type(result).__name__}")
    return result

@dataclass
class SelectResult:
    variables: list[str]
    rows: list[dict[str, Any]]   # Terms (Any: read models take .value of the IRIs and literals they bind)
    truncated: bool = False


@dataclass
class GraphResult:
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False


@dataclass
class AskResult:
    value: bool
    truncated: bool = False


QueryResult = Union[SelectResult, GraphResult, AskResult]

KINDS = ("select", "ask", "graph")


def kind_of(result: QueryResult) -> str:
    """'select', 'ask' or 'graph' (CONSTRUCT and DESCRIBE)."""
    if isinstance(result, SelectResult):
        return "select"
    return "ask" if isinstance(result, AskResult) else "graph"


def term_json(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _json(result: SelectResult | AskResult) -> bytes:
    if isinstance(result, AskResult):
        return json.dumps({"head": {}, "boolean": result.value}).encode()
    body = {"head": {"vars": result.variables},
            "results": {"bindings": [{k: term_json(v) for k, v in row.items()} for row in result.rows]}}
    return json.dumps(body, ensure_ascii=False).encode()


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _xml(result: SelectResult | AskResult) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    if isinstance(result, AskResult):
        out.append(f"</head>\n<boolean>{'true' if result.value else 'false'}</boolean>\n</sparql>\n")
        return "".join(out).encode()
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out.append("</head>\n<results>\n")
    for row in result.rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>" for k, v in row.items()]
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode()


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _csv(result: SelectResult | AskResult) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if isinstance(result, AskResult):
        writer.writerows([["boolean"], ["true" if result.value else "false"]])
    else:
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([_csv_value(row.get(v)) for v in result.variables])
    return buffer.getvalue().encode()


def _tsv(result: SelectResult | AskResult) -> bytes:
    if isinstance(result, AskResult):
        return f"?boolean\n{'true' if result.value else 'false'}\n".encode()
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(str(row[v]) if v in row else "" for v in result.variables))
    return ("\n".join(lines) + "\n").encode()


_WRITERS = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}


def serialize(result: QueryResult, fmt: Format) -> bytes:
    """`result` in `fmt`; the caller has negotiated a format that fits the result's kind."""
    if isinstance(result, GraphResult):
        if fmt.kind not in ("graph", "quads"):   # (a dataset format writes the triples in the default graph)
            raise ValueError(f"a graph cannot be written as {fmt.media_type}")
        return graph_bytes(result.triples, (fmt,))[0]
    if fmt.kind != "results":
        raise ValueError(f"results cannot be written as {fmt.media_type}")
    return _WRITERS[fmt.name](result)


def _graph_writer(fmt: Format) -> tuple[ox.RdfFormat, dict[str, str] | None]:
    """pyoxigraph's format and the prefixes to declare (where the format has them) for `fmt`."""
    return fmt.rdf_format, PREFIXES if fmt.name in ("ttl", "rdf", "trig") else None


_GRAPH_WRITERS = {f: _graph_writer(f) for f in FORMATS if f.kind in ("graph", "quads")}


def graph_bytes(triples: list[ox.Triple], formats: Iterable[Format]) -> list[bytes]:
    """`triples` in each of `formats` (graph or dataset formats; a dataset format writes them in the
    default graph), as `serialize` writes a graph: one list for all (a document written four ways)."""
    out = []
    for fmt in formats:
        writer = _GRAPH_WRITERS.get(fmt)
        if writer is None:
            raise ValueError(f"a graph cannot be written as {fmt.media_type}")
        out.append(cast(bytes, ox.serialize(triples, format=writer[0], prefixes=writer[1])))
    return out


# A blank node's label in SPARQL results (JSON, either key order, or XML), as some stores write it:
# Virtuoso writes "nodeID://b10007", which is no blank node label (RDF 1.1: PN_CHARS only).
_BNODE_VALUE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")([^"]*)(")'
                          rb'|("value"\s*:\s*")([^"]*)("\s*,\s*"type"\s*:\s*"bnode")|(<bnode>)([^<]*)(</bnode>)')
_NOT_LABEL = re.compile(rb"[^A-Za-z0-9_]")
_HOLD = 512   # bytes kept back at the end of a chunk, where a label may be cut in two


def _relabel(match: re.Match[bytes]) -> bytes:
    groups = match.groups()
    i = next(i for i in (0, 3, 6) if groups[i] is not None)
    return groups[i] + _NOT_LABEL.sub(b"_", groups[i + 1]) + groups[i + 2]


class BlankNodeLabels:
    """A reader of SPARQL results that rewrites blank-node labels into valid ones (every character
    outside [A-Za-z0-9_] becomes '_': the same label, the same node), streaming."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.pending, self.done = raw, b"", False

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.pending) < size + _HOLD):
            chunk = self.raw.read(1 << 16)
            if not chunk:
                self.done = True
            self.pending += chunk or b""
        text = _BNODE_VALUE.sub(_relabel, self.pending)
        keep = 0 if self.done else min(_HOLD, len(text))
        cut = len(text) - keep if size < 0 else min(size, len(text) - keep)
        out, self.pending = text[:cut], text[cut:]
        return out
