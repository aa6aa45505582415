"""Running the compiled shapes (publisher/build/shacl_sparql.py) on a pyoxigraph Store.

Each targeted shape's query returns the failing focus nodes with a flag per check; the failing values of
a value constraint are then read with a second, focused query (few: only where something failed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF

from publisher.build.shacl_sparql import TYPE_PATH, Check, CompiledShapes, TargetQuery, compile_shapes
from publisher.resources import shapes_graph

THIS, VALUE, SUBJECT = ox.Variable("this"), ox.Variable("value"), ox.Variable("s")
GROUP = 12   # checks per query: smaller queries share the cores better; each re-reads its focus nodes
SUBCLASSES = "ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }"
Job = tuple[TargetQuery, tuple[Check, ...]]


@dataclass(frozen=True)
class Result:
    """One SHACL validation result: what failed, on which focus node, with which value (if any)."""

    focus: ox.NamedNode | ox.BlankNode
    check: Check
    value: Any = None


@cache
def compiled_shapes() -> CompiledShapes:
    """The project's shapes, compiled once per process."""
    return compile_shapes(shapes_graph())


def jobs(compiled: CompiledShapes) -> list[Job]:
    return [(q, q.checks[i:i + GROUP]) for q in compiled.queries for i in range(0, len(q.checks), GROUP)]


def failing(store: ox.Store, job: Job, subclasses: bool = True) -> list[tuple[Any, tuple[int, ...]]]:
    """The focus nodes of `job` failing one of its checks, each with the indexes of those checks.
    Without rdfs:subClassOf triples in the store, SHACL instances are plain rdf:type (measured faster)."""
    query, checks = job
    text = query.text(checks)
    if not subclasses:
        text = text.replace(TYPE_PATH, f"<{RDF.type}>")
    return [(row[THIS], tuple(i for i in range(len(checks)) if row[f"f{i}"].value == "true"))
            for row in store.query(text)]


_opened: dict[str, ox.Store] = {}


def failing_in(task: tuple[str, int, bool]) -> list[tuple[str, str, tuple[int, ...]]]:
    """`failing` of job number `index` of the project's shapes, in a worker process, on a read-only
    handle of the store at `path` (pyoxigraph holds the GIL while it evaluates: threads do not help)."""
    path, index, subclasses = task
    store = _opened.get(path)
    if store is None:
        store = _opened[path] = ox.Store.read_only(path)
    rows = failing(store, jobs(compiled_shapes())[index], subclasses)
    return [("b" if isinstance(focus, ox.BlankNode) else "n", focus.value, flags) for focus, flags in rows]


def run_shapes(store: ox.Store, compiled: CompiledShapes | None = None, *, pool: Any = None,
               path: str | None = None) -> list[Result]:
    """Every result of validating the store's default graph against the compiled shapes; with a
    process `pool` and the store's `path` (flushed), the shapes' queries run in the pool's workers."""
    subclasses = bool(store.query(SUBCLASSES))
    todo = jobs(compiled or compiled_shapes())
    if pool is not None and path is not None and compiled in (None, compiled_shapes()):
        tasks = [(path, i, subclasses) for i in range(len(todo))]
        answers = [[(ox.BlankNode(v) if kind == "b" else ox.NamedNode(v), flags) for kind, v, flags in rows]
                   for rows in pool.map(failing_in, tasks, chunksize=1)]
    else:
        answers = [failing(store, job, subclasses) for job in todo]
    results: list[Result] = []
    for (query, checks), rows in zip(todo, answers, strict=True):
        for focus, flags in rows:
            for i in flags:
                results.extend(_with_values(store, query, checks[i], focus))
    return results


def _with_values(store: ox.Store, query: TargetQuery, check: Check, focus: Any) -> Iterator[Result]:
    if check.values is None:
        yield Result(focus, check)
        return
    found = store.query(f"{query.prologue}SELECT DISTINCT ?this ?value WHERE {{ {check.values} }}",
                        substitutions={THIS: focus})
    values = [row[VALUE] for row in found]
    for value in values:
        yield Result(focus, check, value)
    if not values:   # cannot happen unless the two queries disagree; report the focus all the same
        yield Result(focus, check)


def named_ancestor(store: ox.Store, node: Any) -> ox.NamedNode | None:
    """The IRI a blank node hangs from (an address from its place, an identifier from its holder)."""
    seen = set()
    while isinstance(node, ox.BlankNode) and node not in seen:
        seen.add(node)
        parents = [row[SUBJECT] for row in store.query("SELECT ?s ?o WHERE { ?s ?p ?o } LIMIT 1",
                                                        substitutions={ox.Variable("o"): node})]
        node = parents[0] if parents else None
    return node if isinstance(node, ox.NamedNode) else None
