"""Where the project's own files live: ontology, vocabularies, shapes, queries. The one place that locates
them: the repository's top-level ontology/, shapes/ and queries/ are shipped as the packages
publisher.ontology, publisher.shapes and publisher.queries (pyproject.toml maps them), found here with
importlib.resources in a wheel and in an editable install alike."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from rdflib import Graph


def _directory(package: str) -> Path:
    """The directory of a data package; installed packages are files on disk (not a zip), which the
    server reads and sends as they are."""
    found = files(package)
    if not isinstance(found, Path):
        raise RuntimeError(f"{package} is not installed as files on disk ({found!r})")
    return found


ONTOLOGY = _directory("publisher.ontology") / "bdp.ttl"
VOCABULARIES = _directory("publisher.ontology") / "vocabularies.ttl"
SHAPES = _directory("publisher.shapes") / "bdp-shapes.ttl"
QUERIES = _directory("publisher.queries")


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
