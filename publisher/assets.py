"""Where the project's own files live: ontology, vocabularies, shapes, queries (next to the package)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "bdp.ttl"
VOCABULARIES = ROOT / "ontology" / "vocabularies.ttl"
SHAPES = ROOT / "shapes" / "bdp-shapes.ttl"
QUERIES = ROOT / "queries"


@cache
def _parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def ontology_graph() -> Graph:
    """Ontology and vocabularies together (a fresh copy: callers may add to it)."""
    g = Graph()
    for path in (ONTOLOGY, VOCABULARIES):
        for triple in _parsed(path):
            g.add(triple)
    return g


def shapes_graph() -> Graph:
    return _parsed(SHAPES)
