"""The reference SHACL engine: pyshacl-turbo (a Rust engine with pyshacl's API and results): the
tests' oracle for the compiled engine (publisher/shacl/compile.py) and `engine="pyshacl"` of
publisher.pipeline.check.Validator. Plain pyshacl checks turbo itself on a small fixed set of cases
(tests/test_shacl_reference.py); nothing here patches either library."""

from __future__ import annotations

from typing import Any

from pyshacl_turbo import compile_shapes
from rdflib import Graph


class ShaclValidator:
    """Validates data graphs (rdflib graphs or pyoxigraph stores) against one shapes graph, compiled once."""

    def __init__(self, shapes: Graph) -> None:
        self._shapes = compile_shapes(shapes)

    def validate(self, data: Any) -> tuple[bool, Graph]:
        """(conforms, report graph) of `data`; warnings and infos are reported, not failures."""
        conforms, report, _text = self._shapes.validate(data, allow_warnings=True, allow_infos=True)
        return bool(conforms), report
