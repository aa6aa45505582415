"""What the NIP/REGON check digit (shapes/bdp-shapes.ttl, bdpsh:CheckDigit, SHACL-SPARQL) costs validation.

    .venv/bin/python bench/bench_identifiers.py [--organisations 1000] [--repeat 3]

Generates a synthetic set (`bdp generate` writes 0.4 organisations per practice) into a temporary directory, converts its organisations, and validates them in the build's
chunks of 400 with the build's validator: with the shapes as they are, and with the check-digit property
removed. Then it times the shape's SPARQL on one NIP in rdflib, parsed for every value (as plain pyshacl
runs it) and prepared once (as the reference engine did before pyshacl-turbo replaced it).
Figures: the best of --repeat runs, wall clock and CPU time of this process."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery

from publisher.assets import shapes_graph
from publisher.namespaces import BDP, SH
from publisher.pipeline.check import Validator
from publisher.pipeline.validate import validate_converted
from publisher.records import convert as conv
from publisher.records.read import read_record
from publisher.shacl.reference import ShaclValidator
from publisher.synthetic.generate import generate

CHECK = URIRef("https://w3id.org/bdp/shapes#Identifier-checkDigit")
CHUNK = 400


def _best(runs: int, work) -> tuple[float, float]:
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best


def _shape_query() -> str:
    graph = shapes_graph()
    constraint = graph.value(URIRef("https://w3id.org/bdp/shapes#CheckDigit"), SH.sparql)
    return str(graph.value(constraint, SH.select))


def main(organisations: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        counts = generate(round(organisations / 0.4), Path(tmp) / "gen", seed=1)
        records = [read_record(p, "organisation") for p in sorted((Path(tmp) / "gen" / "organisations").glob("*.yaml"))]
    validator = Validator("https://w3id.org/bdp/")
    items = conv.convert(records, validator.base, validator.vocab)
    kinds = [str(t[2].datatype).rsplit("#", 1)[-1] for item in items for t in item.triples if t[1].endswith("notation")]
    print(f"{counts['organisations']} generated organisations, {len(kinds)} identifiers "
          f"({', '.join(f'{k} {kinds.count(k)}' for k in sorted(set(kinds)))})")
    without = shapes_graph()
    without.remove((None, SH.property, CHECK))
    problems = []
    for label, validating in (("shapes as they are", validator.shacl), ("without the check digit", ShaclValidator(without))):
        def run(v=validating) -> None:
            problems[:] = [p for i in range(0, len(items), CHUNK) for p in validate_converted(items[i:i + CHUNK], v)]
        wall, cpu = _best(repeat, run)
        print(f"  validate all organisations, {label:<26} {wall:6.2f} s wall {cpu:6.2f} s cpu "
              f"({len(problems)} problems)")

    nip = Literal("5260250275", datatype=BDP.NIP)         # a wrong check digit: the query returns a row
    data = Graph()
    query = f"PREFIX bdp: <{BDP}>\nPREFIX xsd: <{XSD}>\n{_shape_query()}"   # what pyshacl prepends (sh:prefixes)
    assert list(data.query(query, initBindings={"this": nip}))
    for label, q, n in (("parsed every time (plain pyshacl)", query, 5),
                        ("prepared once", prepareQuery(query), 200)):
        wall, cpu = _best(repeat, lambda q=q, n=n: [list(data.query(q, initBindings={"this": nip})) for _ in range(n)])
        print(f"  one NIP through the check-digit query, {label:<42} {wall / n * 1000:8.2f} ms wall "
              f"{cpu / n * 1000:8.2f} ms cpu")

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    main(args.organisations, args.repeat)
