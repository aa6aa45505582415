"""Bindings for stores that only take query text (the SPARQL 1.1 Protocol has no parameters).

Each bound term is written as a SPARQL term (an IRI in <>, an escaped literal) into a `VALUES` block put
first in the query's outermost group pattern, so the value is fixed before grouping, filters and
aggregates, as pyoxigraph's substitutions do. Values are never pasted into the query as raw text, and the
query text around them is not rewritten: a small lexer only finds where the group pattern starts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import pyoxigraph as ox

from publisher.errors import QueryError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_VARNAME = re.compile(r"[A-Za-z0-9_]+\Z")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"[A-Za-z]+(-[A-Za-z0-9]+)*\Z")

# Tokens that matter for finding the group pattern; runs of anything else are skipped as `other`.
_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>:?[A-Za-z_][A-Za-z0-9_\-.:]*)
  | (?P<punct>[{}()])
  | (?P<other>[^#'"<?$A-Za-z_:{}()]+|.)
""", re.VERBOSE | re.DOTALL)

FORMS = ("select", "construct", "describe", "ask")


def term_text(term: object) -> str:
    """A bound value as SPARQL text. Raises QueryError for terms VALUES cannot hold."""
    if isinstance(term, ox.NamedNode):
        if _IRI_BAD.search(term.value):
            raise QueryError(f"cannot bind the IRI {term.value!r}: it holds characters an IRI may not")
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        text = ('"' + term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                .replace("\r", "\\r") + '"')
        if term.language:
            if not _LANG.match(term.language):
                raise QueryError(f"cannot bind a literal with the language tag {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype.value != XSD_STRING:
            return f"{text}^^{term_text(term.datatype)}"
        return text
    raise QueryError(f"cannot bind {type(term).__name__} values on a remote store (IRIs and literals only)")


def _tokens(query: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end) of the tokens that matter (not comments, not runs of other characters)."""
    return [(m.lastgroup or "", m.group(), m.start(), m.end()) for m in _TOKEN.finditer(query)
            if m.lastgroup not in ("comment", "other")]


def _matching(tokens: list[tuple[str, str, int, int]], open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(tokens)):
        if tokens[i][1] == "{":
            depth += 1
        elif tokens[i][1] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise QueryError("SPARQL syntax error: a '{' is never closed")


def query_form(query: str) -> str:
    """'select', 'construct', 'describe' or 'ask': the first query-form keyword of the query."""
    return _analyse(query)[0]


def _where_group(tokens: list[tuple[str, str, int, int]]) -> int | None:
    """Index of the '{' opening the outermost group pattern of the query, or None (no WHERE group)."""
    form_at = next((i for i, t in enumerate(tokens) if t[0] == "word" and t[1].lower() in FORMS), None)
    if form_at is None:
        raise QueryError("SPARQL syntax error: no SELECT, CONSTRUCT, DESCRIBE or ASK found")
    i = form_at + 1
    if tokens[form_at][1].lower() == "construct":
        if i < len(tokens) and tokens[i][1] == "{":
            i = _matching(tokens, i) + 1   # skip the template
        else:
            return None                    # CONSTRUCT WHERE { ... }: the template is the pattern
    parens = 0
    for j in range(i, len(tokens)):
        text = tokens[j][1]
        if text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == "{" and parens == 0:
            return j
    return None


@lru_cache(maxsize=256)
def _analyse(query: str) -> tuple[str, int | None, int | None]:
    """(query form, where a VALUES block goes or None for a trailing one, end of a sub-select to wrap or
    None). Read models send the same texts again and again with other values: computed once per text."""
    tokens = _tokens(query)
    form = next((t[1].lower() for t in tokens if t[0] == "word" and t[1].lower() in FORMS), None)
    if form is None:
        raise QueryError("SPARQL syntax error: no SELECT, CONSTRUCT, DESCRIBE or ASK found")
    at = _where_group(tokens)
    if at is None:
        return form, None, None
    following = tokens[at + 1] if at + 1 < len(tokens) else None
    if following is not None and following[0] == "word" and following[1].lower() == "select":
        return form, tokens[at][3], tokens[_matching(tokens, at)][2]
    return form, tokens[at][3], None


def with_bindings(query: str, bindings: Mapping[str, object] | None) -> str:
    """`query` with a VALUES block that fixes each bound variable to its term."""
    if not bindings:
        return query
    names = []
    for name in bindings:
        if not _VARNAME.match(name):
            raise QueryError(f"cannot bind the variable name {name!r}")
        names.append(name)
    row = " ".join(term_text(bindings[n]) for n in names)
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"
    _, start, end = _analyse(query)
    if start is None:
        return f"{query}\n{block}\n"   # a trailing VALUES clause: valid after DESCRIBE/CONSTRUCT WHERE
    if end is not None:                  # the group is a sub-select: wrap it in its own group
        return f"{query[:start]} {block} {{{query[start:end]}}} {query[end:]}"
    return f"{query[:start]} {block} {query[start:]}"
