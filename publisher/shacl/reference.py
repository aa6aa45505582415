"""pyshacl, reused across validations and made fast enough for 100k records.

Four measured changes (bench/bench_build.py prints the per-record figures; tests/test_shacl_speedups.py
shows the results equal plain `pyshacl.validate` on every violation fixture):

1. The shapes graph is wrapped once (`pyshacl.Validator` normally re-discovers every shape per call).
2. pyshacl looks each shape predicate up in a *list* of ~40 constraint parameters (rdflib term equality
   in Python: half of all validation time here); we hand it the same parameters as a frozenset.
3. A node validated against a shape through `sh:node` (a concept against "is in scheme X") gives the same
   answer every time within one validation of one graph; our validator memoises it per run. Plain
   `pyshacl.validate` calls are not affected (the memo lives on our executors only).
4. A SHACL-SPARQL constraint (the NIP/REGON check digit) is run by pyshacl once per value, and each run
   parsed the query text again (0.28 s per value, measured: 197 s for 1,000 generated organisations)
   and ran five regular expressions over it that check it is allowed (no MINUS, VALUES, SERVICE, ...;
   ~5 ms per value on our query). We parse each distinct text once and hand rdflib the prepared query
   (the same algebra, so the same answers: tests/test_identifiers.py compares with the unpatched path),
   and check each text once (the checks read nothing but the text). docs/linking.md has the
   figures. This one applies to every caller in the process, plain `pyshacl.validate` included.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyshacl.shape as _shape
from pyshacl import Validator
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.graph_abstraction import DataGraph
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Graph, Literal
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import IdentifiedNode

_shape.CONSTRAINT_PARAMS = (frozenset(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)

_plain_validate = _shape.Shape.validate


def _memo_validate(self: Any, executor: Any, target_graph: Any, focus: Any = None,
                   _evaluation_path: Any = None) -> Any:
    memo = getattr(executor, "_bdp_memo", None)
    if memo is None or not isinstance(focus, (IdentifiedNode, Literal)) or self.is_property_shape:
        return _plain_validate(self, executor, target_graph, focus=focus, _evaluation_path=_evaluation_path)
    key = (self.node, focus)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _plain_validate(self, executor, target_graph, focus=focus,
                                            _evaluation_path=_evaluation_path)
    return found


if getattr(_shape.Shape.validate, "__name__", "") != "_memo_validate":
    _shape.Shape.validate = _memo_validate  # type: ignore[method-assign]


# The unpatched method, kept on the class so that a second import cannot wrap the wrapper.
_plain_sparql_query = SPARQLBasedConstraint.__dict__.get("_bdp_plain", SPARQLBasedConstraint._validate_sparql_query)
SPARQLBasedConstraint._bdp_plain = _plain_sparql_query  # type: ignore[attr-defined]


@lru_cache(maxsize=256)
def _prepared(text: str) -> Any:
    return prepareQuery(text)


def _prepared_sparql_query(self: Any, query: Any, init_binds: Any, target_graph: Any) -> Any:
    return _plain_sparql_query(self, _prepared(query) if isinstance(query, str) else query, init_binds,
                               target_graph)


if getattr(SPARQLBasedConstraint._validate_sparql_query, "__name__", "") != "_prepared_sparql_query":
    SPARQLBasedConstraint._validate_sparql_query = _prepared_sparql_query  # type: ignore[method-assign]

_plain_check = SPARQLQueryHelper.__dict__.get("_bdp_plain_check", SPARQLQueryHelper.check_invalid_sparql)
SPARQLQueryHelper._bdp_plain_check = _plain_check  # type: ignore[attr-defined]


_checked: set[tuple] = set()     # (text, no value node, extra variables) that passed the checks


def _check_once(self: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None) -> bool:
    key = (sparql_text, valuenode is None, tuple(sorted(extravars or ())))
    if key not in _checked:
        _plain_check(self, sparql_text, valuenode=valuenode, extravars=extravars)   # raises when not allowed
        _checked.add(key)
    return True


SPARQLQueryHelper.check_invalid_sparql = _check_once  # type: ignore[method-assign]


class _MemoValidator(Validator):
    def make_executor(self) -> Any:
        executor = super().make_executor()
        executor._bdp_memo = {}
        return executor


class ShaclValidator:
    """Validates data graphs against one shapes graph, parsed and wrapped once."""

    OPTIONS = {"inference": "none", "inplace": True, "allow_warnings": True, "allow_infos": True}

    def __init__(self, shapes: Graph) -> None:
        self._validator = _MemoValidator(DataGraph.from_rdflib(Graph()), shacl_graph=shapes,
                                         options=dict(self.OPTIONS))

    def validate(self, data: Graph) -> tuple[bool, Graph]:
        """(conforms, report graph) of `data` (used in place: not copied)."""
        self._validator.data_graph = DataGraph.from_rdflib(data)
        self._validator._target_graph = None
        conforms, report, _text = self._validator.run()
        return conforms, report
