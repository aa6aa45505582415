"""Running the compiled shapes (publisher/shacl/compile.py) on a pyoxigraph Store: the queries (in
worker processes when given a pool), then, for each failing value, its focus nodes (few)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF

from publisher.assets import shapes_graph
from publisher.shacl.compile import TYPE_PATH, Check, CheckQuery, CompiledShapes, compile_shapes
from publisher.store.results import ox_solutions

THIS, VALUE, SUBJECT = ox.Variable("this"), ox.Variable("value"), ox.Variable("s")
BATCH = 200   # failing values per VALUES block when reading their focus nodes
SUBCLASSES = "ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }"


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


def _typed(text: str, subclasses: bool) -> str:
    """Without rdfs:subClassOf triples in the store a SHACL instance is a plain rdf:type (faster)."""
    return text if subclasses else text.replace(TYPE_PATH, f"<{RDF.type}>")


def answer(store: ox.Store, query: CheckQuery, prologue: str = "", subclasses: bool = True
           ) -> list[tuple[Any, tuple[int, ...]]]:
    """The failing nodes (?this, or ?value when the query has `foci`), each with the indexes of the checks
    it fails."""
    key = VALUE if query.foci else THIS
    everything = tuple(range(len(query.checks)))
    return [(row[key], tuple(i for i in everything if row[f"f{i}"].value == "true") if query.flags else everything)
            for row in ox_solutions(store.query(_typed(prologue + query.text, subclasses)))]


def foci(store: ox.Store, query: CheckQuery, values: list[Any], prologue: str = "", subclasses: bool = True
         ) -> list[tuple[Any, Any]]:
    """(focus node, value) for failing values of a `foci` query: IRIs and literals in VALUES blocks,
    blank nodes (which a query text cannot name) one by one."""
    pattern = _typed(query.foci or "", subclasses)
    found = []
    named = [v for v in values if not isinstance(v, ox.BlankNode)]
    for i in range(0, len(named), BATCH):
        listed = " ".join(str(v) for v in named[i:i + BATCH])
        text = f"{prologue}SELECT ?this ?value WHERE {{ VALUES ?value {{ {listed} }} {pattern} }}"
        found += [(row[THIS], row[VALUE]) for row in ox_solutions(store.query(text))]
    for blank in (v for v in values if isinstance(v, ox.BlankNode)):
        text = f"{prologue}SELECT ?this ?value WHERE {{ {pattern} }}"
        found += [(row[THIS], blank) for row in ox_solutions(store.query(text, substitutions={VALUE: blank}))]
    return found


_opened: dict[str, ox.Store] = {}


def answer_in(task: tuple[str, int, bool]) -> list[tuple[Any, tuple[int, ...]]]:
    """`answer` to query number `index` of the project's shapes, in a worker process, on a read-only
    handle of the store at `path` (pyoxigraph holds the GIL while it evaluates: threads do not help)."""
    path, index, subclasses = task
    store = _opened.get(path)
    if store is None:
        store = _opened[path] = ox.Store.read_only(path)
    compiled = compiled_shapes()
    return answer(store, compiled.queries[index], compiled.prologue, subclasses)


def run_shapes(store: ox.Store, compiled: CompiledShapes | None = None, *, pool: Any = None,
               path: str | None = None, per_target: bool = False) -> list[Result]:
    """Every result of validating the store's default graph against the compiled shapes; with a
    process `pool` and the store's `path` (flushed), the queries run in the pool's workers. With
    `per_target`, one query per targeted shape (for a few records: fewer queries to parse)."""
    subclasses = bool(store.query(SUBCLASSES))
    compiled = compiled or compiled_shapes()
    prologue = compiled.prologue
    present = {t: bool(store.query(_typed(f"ASK {{ {t} }}", subclasses))) for t in {q.targets for q in compiled.queries}}
    if per_target:
        return _per_target(store, compiled, [q for q in compiled.per_target if present[q.targets]], subclasses)
    queries = [q for q in compiled.queries if present[q.targets]]   # no focus nodes, no results
    if pool is not None and path is not None and compiled is compiled_shapes():
        index = {q: i for i, q in enumerate(compiled.queries)}
        answers = pool.map(answer_in, [(path, index[q], subclasses) for q in queries], chunksize=1)
    else:
        answers = [answer(store, q, prologue, subclasses) for q in queries]
    results: list[Result] = []
    for query, rows in zip(queries, answers, strict=True):
        if query.foci is None:
            results += [Result(node, query.checks[i], node if query.checks[i].on_values else None)
                        for node, failed in rows for i in failed]
            continue
        failed_by_value = dict(rows)
        for focus, value in foci(store, query, list(failed_by_value), prologue, subclasses):
            results += [Result(focus, query.checks[i], value) for i in failed_by_value[value]]
    return results


def _per_target(store: ox.Store, compiled: CompiledShapes, queries: list[CheckQuery], subclasses: bool
                ) -> list[Result]:
    results = []
    for query in queries:
        for focus, failed in answer(store, query, compiled.prologue, subclasses):
            for i in failed:
                check, values = query.checks[i], query.values[i]
                if values is None:   # a constraint on the focus node itself has it as its value
                    results.append(Result(focus, check, focus if check.on_values else None))
                    continue
                text = _typed(f"{compiled.prologue}SELECT ?this ?value WHERE {{ {values} }}", subclasses)
                results += [Result(focus, check, row[VALUE]) for row in ox_solutions(store.query(text, substitutions={THIS: focus}))]
    return results


def named_ancestor(store: ox.Store, node: Any) -> ox.NamedNode | None:
    """The IRI a blank node hangs from (an address from its place, an identifier from its holder)."""
    seen = set()
    while isinstance(node, ox.BlankNode) and node not in seen:
        seen.add(node)
        parents = [row[SUBJECT] for row in ox_solutions(store.query("SELECT ?s ?o WHERE { ?s ?p ?o } LIMIT 1",
                                                        substitutions={ox.Variable("o"): node}))]
        node = parents[0] if parents else None
    return node if isinstance(node, ox.NamedNode) else None
