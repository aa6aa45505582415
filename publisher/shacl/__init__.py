"""The SHACL engines.

The compiled engine (builds and `bdp validate`) is `validate(store)`: the project's shapes,
compiled to SPARQL once per process (compile.py, expr.py), run on an Oxigraph store (run.py). It supports
the subset of SHACL below and refuses any other feature by name (`UnsupportedShape`), so a new shape
never passes unchecked:
- targets: sh:targetClass (instances through rdfs:subClassOf*); paths: a single predicate;
- on the values of a path (SUPPORTED): sh:datatype, sh:nodeKind, sh:class, sh:pattern (with sh:flags),
  sh:in, sh:languageIn, sh:minInclusive, sh:maxInclusive, sh:node, sh:not, sh:or;
- on the focus node: sh:minCount, sh:maxCount, sh:uniqueLang, sh:hasValue, sh:qualifiedValueShape with
  sh:qualifiedMinCount, and SHACL-SPARQL constraints (sh:sparql, a SELECT over $this) on a property
  shape or a nested node shape;
- descriptive: sh:severity, sh:message (required), sh:name, sh:description, sh:deactivated, sh:order,
  sh:group.
The reference engine, pyshacl-turbo (reference.py), is the tests' oracle for this one."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from publisher.shacl.expr import FOCUS_COMPONENTS, VALUE_COMPONENTS, UnsupportedShape
from publisher.shacl.run import Result, run_shapes

__all__ = ["SUPPORTED", "Result", "UnsupportedShape", "validate"]

# The constraint components the compiled engine runs (names as in sh:<Name>ConstraintComponent).
SUPPORTED: frozenset[str] = frozenset(VALUE_COMPONENTS.values()) | frozenset(FOCUS_COMPONENTS.values())


def validate(store: ox.Store, *, pool: Any = None, path: str | None = None) -> list[Result]:
    """Every result of the project's shapes on the store's default graph (in `pool`'s workers when a
    process pool and the flushed store's `path` are given)."""
    return run_shapes(store, pool=pool, path=path)
