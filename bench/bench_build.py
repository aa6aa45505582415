"""Issue 2's figures: the whole build of a synthetic data set, each stage's time, its CPU seconds and the
peak memory; the store load alone (Oxigraph bulk load, strict and lenient, with rdflib's parser into a
Graph as the peer, on the same dump); validation with both engines (the shapes compiled to SPARQL, which
the build uses, and pyshacl-turbo, the reference, on the same sample of records); and re-validating one changed
record with both engines (and plain `pyshacl.validate` as a further peer).

    python -m bench.bench_build [--practices 100000] [--work /tmp/bdp-bench-build] [--reuse] [--records-only]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BDP = [sys.executable, "-m", "publisher"]


def _run(args: list[str]) -> tuple[str, float, float]:
    """(output, seconds, peak RSS MiB of the command and its children) via /usr/bin/time when present."""
    timer = ["/usr/bin/time", "-f", "MAXRSS %M CPU %U %S"] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    done = subprocess.run(timer + args, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{done.stderr[-2000:]}")
    peak = re.search(r"MAXRSS (\d+)", done.stderr)
    return done.stdout + done.stderr, seconds, int(peak.group(1)) / 1024 if peak else float("nan")


def build_figures(data: Path, out: Path) -> dict:
    output, seconds, peak = _run(BDP + ["build", "--data", str(data), "--out", str(out)])
    stages = dict(re.findall(r"([a-z+:-]+) ([0-9.]+)s", output.split("(", 1)[-1]))
    cpu = re.search(r"CPU ([0-9.]+) ([0-9.]+)", output)
    return {"seconds": seconds, "peak_mib": peak, "stages": {k: float(v) for k, v in stages.items()},
            "cpu_s": float(cpu.group(1)) + float(cpu.group(2)) if cpu else float("nan"),
            "summary": [line for line in output.strip().splitlines() if line.startswith("built")][-1]}


def blank_node_free_cuts(nt: Path) -> list[int]:
    """Line ends of an N-Triples file that no blank node label spans (first use before, last use after):
    where the build's parallel bulk load may cut (the build knows its chunk ends; a dump must be scanned)."""
    spans: dict[bytes, list[int]] = {}
    ends = []
    offset = 0
    with open(nt, "rb") as f:
        for line in f:
            for label in re.findall(rb"_:[A-Za-z0-9_.-]+", line):
                span = spans.setdefault(label, [offset, offset])
                span[1] = offset
            offset += len(line)
            ends.append(offset)
    covered = sorted((a, b) for a, b in spans.values() if b > a)
    cuts, i, reach = [], 0, -1
    for end in ends:
        while i < len(covered) and covered[i][0] < end:
            reach = max(reach, covered[i][1])
            i += 1
        if reach < end:
            cuts.append(end)
    return cuts


def load_figures(out: Path, with_rdflib: bool, rounds: int = 2) -> dict:
    """Seconds of each way of loading the whole dump into a fresh store, in `rounds` interleaved rounds (the
    disk's write-back varies from one load to the next): as the build loads (publisher.pipeline.bulk.load_store:
    a child process with mimalloc preloaded, lenient since the workers checked every IRI); the same child with
    the system's malloc (one range per core, cut where no blank node crosses); one `bulk_load` in process,
    strict and lenient."""
    import statistics

    import pyoxigraph as ox

    from publisher.pipeline.bulk import load_store, ranges

    dump = out / "dumps" / "bdp.nt.gz"
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "bdp.nt"
        with gzip.open(dump, "rb") as src, open(nt, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        # the build knows its few chunk ends; a dump's millions of safe line ends are thinned to the cuts
        # the loads will take before anything is timed
        spans = ranges(nt.stat().st_size, blank_node_free_cuts(nt), os.cpu_count() or 1)
        boundaries = [start for start, _ in spans[1:]]

        def in_process(where: Path, lenient: bool) -> dict:
            store = ox.Store(str(where))
            store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, lenient=lenient)
            store.flush()
            return {}

        ways = {"build": lambda where: load_store(where, nt, boundaries=boundaries, lenient=True),
                "system_malloc": lambda where: load_store(where, nt, boundaries=boundaries, lenient=True,
                                                          fast_malloc=False),
                "oxigraph_bulk_load": lambda where: in_process(where, False),
                "oxigraph_lenient": lambda where: in_process(where, True)}
        figures: dict = {f"{name}_runs": [] for name in ways}
        for _ in range(rounds):
            for name, way in ways.items():
                where = Path(tmp) / f"store-{name}"
                shutil.rmtree(where, ignore_errors=True)
                os.sync()   # the previous load's write-back does not fall into this one's time
                started = time.perf_counter()
                report = way(where)
                figures[f"{name}_runs"].append(time.perf_counter() - started)
                figures.update({f"{name}_{k}": v for k, v in report.items()})
        for name in ways:
            figures[f"{name}_s"] = statistics.median(figures[f"{name}_runs"])
        figures["build_triples"] = len(ox.Store.read_only(str(Path(tmp) / "store-build")))
        if with_rdflib:
            code = ("import sys,time,resource; from rdflib import Graph; t=time.perf_counter(); "
                    "g=Graph(); g.parse(sys.argv[1], format='nt'); "
                    "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, len(g))")
            done = subprocess.run([sys.executable, "-c", code, str(nt)], capture_output=True, text=True)
            seconds, peak, triples = done.stdout.split()
            figures.update(rdflib_parse_s=float(seconds), rdflib_peak_mib=float(peak), triples=int(triples))
    return figures


def validation_figures(data: Path, sample: int = 3000) -> dict:
    """Both engines on the same first `sample` records (read and converted once, not timed), CPU seconds
    in this process: pyshacl in chunks of 400 with stubs, as the build did before; the compiled engine as
    the build runs it (N-Triples bulk-loaded into an on-disk store, then the queries, here in one process:
    the build spreads the queries over its workers)."""
    import pyoxigraph as ox
    from rdflib import URIRef
    from rdflib.plugins.serializers.nt import _nt_row

    from publisher.pipeline.check import Validator
    from publisher.pipeline.validate import focus_names, problems_from_results, validate_converted
    from publisher.records import convert as conv
    from publisher.records.read import read_record, record_files
    from publisher.shacl.run import compiled_shapes, run_shapes

    validator = Validator("https://w3id.org/bdp/", engine="pyshacl")
    files = sorted(record_files(data), key=lambda f: f[0] != "organisation")[:sample]
    items = conv.convert([read_record(p, kind) for kind, p in files], validator.base, validator.vocab)
    owners = {node.n3(): item.record for item in items for node in item.nodes if isinstance(node, URIRef)}
    validator.shacl  # noqa: B018 - parse and wrap the shapes before timing
    compiled_shapes()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.process_time()
        store = ox.Store(tmp)
        store.bulk_load("".join(_nt_row(t) for item in items for t in item.triples).encode(),
                        format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        loaded = time.process_time()
        results = run_shapes(store)
        compiled = problems_from_results(results, focus_names(results, store), owners.get)
        queried = time.process_time()
        del store
    reference = sorted({p for i in range(0, len(items), 400) for p in validate_converted(items[i:i + 400],
                                                                                          validator.shacl)})
    peer = time.process_time() - queried
    return {"records": len(items), "load_cpu_s": loaded - started, "queries_cpu_s": queried - loaded,
            "pyshacl_cpu_s": peer, "same": compiled == reference, "problems": len(reference)}


def revalidate_figures(data: Path, runs: int = 200) -> dict:
    import pyshacl
    from rdflib import Graph

    from publisher.assets import shapes_graph
    from publisher.config import load_settings
    from publisher.pipeline.check import Validator
    from publisher.records import convert as conv
    from publisher.records.read import read_record

    settings = load_settings({}, environ={})
    paths = sorted((data / "practices").iterdir())[:runs]
    organisations = {p.stem for p in (data / "organisations").iterdir()}
    figures = {}
    for engine in ("sparql", "pyshacl"):
        validator = Validator(settings.base_uri, engine=engine)
        validator.records([read_record(paths[0], "practice")], organisations)  # warm up
        seconds = []
        for path in paths:  # read + convert + validate, as `bdp validate FILE` does once loaded
            started = time.perf_counter()
            validator.records([read_record(path, "practice")], organisations)
            seconds.append(time.perf_counter() - started)
        figures[engine] = (statistics.median(seconds) * 1000, sorted(seconds)[int(len(seconds) * .95)] * 1000)
    shapes = shapes_graph()
    plain = []
    for path in paths[: max(20, runs // 10)]:
        item = conv.convert([read_record(path, "practice")], validator.base, validator.vocab)[0]
        g = Graph()
        for t in item.triples:
            g.add(t)
        started = time.perf_counter()
        pyshacl.validate(g, shacl_graph=shapes, inference="none", allow_warnings=True)
        plain.append(time.perf_counter() - started)
    figures["plain_pyshacl_validate_p50_ms"] = statistics.median(plain) * 1000
    return figures


def records_figures(data: Path) -> dict:
    """The build's one pass over the records alone (read, check, convert in the workers, N-Triples to a
    scratch file), in this process: wall seconds and CPU seconds of the parent and of the workers."""
    import os

    from publisher.config import load_settings
    from publisher.pipeline.build import read_and_convert

    settings = load_settings({}, environ={})
    worker = {"base": settings.base_uri, "lang": "en", "data_dir": data, "max_bytes": settings.attachment_max_bytes}
    before, started = os.times(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "records.nt", "w", encoding="utf-8") as nt:
        converted, pool = read_and_convert(data, worker, nt, None)
        pool.close()
        pool.join()     # the workers' CPU counts once they are reaped
    seconds, after = time.perf_counter() - started, os.times()
    return {"records": len(converted.refs), "triples": converted.triples, "seconds": seconds,
            "parent_cpu_s": after.user + after.system - before.user - before.system,
            "workers_cpu_s": after.children_user + after.children_system - before.children_user
            - before.children_system}


def print_load_figures(load: dict) -> None:
    allocator = "mimalloc" if load["build_allocator"] else "the system's malloc (mimalloc not installed)"

    def runs(name: str) -> str:
        return ", ".join(f"{t:.2f}" for t in load[f"{name}_runs"]) + " s"

    print(f"store load alone (Oxigraph bulk load as the build does it: a child process with {allocator}, "
          f"lenient): {runs('build')} (limit 15 s), peak {load['build_peak_mib']} MiB, "
          f"{load['build_triples']} triples")
    print(f"  peers, interleaved with it: the same child with the system's malloc (one range per core) "
          f"{runs('system_malloc')}, peak {load['system_malloc_peak_mib']} MiB "
          f"({load['system_malloc_s'] / load['build_s']:.2f}x, medians); in process one bulk_load "
          f"{runs('oxigraph_bulk_load')} ({load['oxigraph_bulk_load_s'] / load['build_s']:.2f}x), "
          f"one lenient {runs('oxigraph_lenient')}")
    if "rdflib_parse_s" in load:
        print(f"  peer: rdflib Graph parse of the same {load['triples']} triples: {load['rdflib_parse_s']:.2f} s, "
              f"peak {load['rdflib_peak_mib']:.0f} MiB; ratio rdflib/oxigraph "
              f"{load['rdflib_parse_s'] / load['oxigraph_bulk_load_s']:.1f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--practices", type=int, default=100000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bdp-bench-build")
    parser.add_argument("--reuse", action="store_true", help="reuse a generated data set in --work")
    parser.add_argument("--no-rdflib", action="store_true", help="skip the rdflib peer (slow at 100k)")
    parser.add_argument("--sample", type=int, default=3000, help="records validated by both engines")
    parser.add_argument("--records-only", action="store_true",
                        help="time only the pass over the records (read, check, convert) and stop")
    parser.add_argument("--load-rounds", type=int, default=2, help="interleaved rounds of the store loads")
    parser.add_argument("--load-only", action="store_true",
                        help="only the store loads, of the dump of the build already in --work")
    args = parser.parse_args(argv)
    data, out = args.work / f"gen{args.practices}", args.work / f"out{args.practices}"
    if args.load_only:
        print_load_figures(load_figures(out, with_rdflib=not args.no_rdflib, rounds=args.load_rounds))
        return
    if not (args.reuse and (data / "SYNTHETIC.md").exists()):
        shutil.rmtree(data, ignore_errors=True)
        _, seconds, _ = _run(BDP + ["generate", "--practices", str(args.practices), "--out", str(data)])
        print(f"generate {args.practices}: {seconds:.1f} s")
    if args.records_only:
        rec = records_figures(data)
        cpu = rec["parent_cpu_s"] + rec["workers_cpu_s"]
        print(f"records: {rec['records']} read, checked and converted to {rec['triples']} triples in "
              f"{rec['seconds']:.2f} s wall; CPU parent {rec['parent_cpu_s']:.2f} s, workers "
              f"{rec['workers_cpu_s']:.2f} s ({cpu / rec['records'] * 1000:.3f} ms a record)")
        return
    figures = build_figures(data, out)
    print(f"build: {figures['seconds']:.1f} s wall, {figures['cpu_s']:.1f} s CPU (with the workers), "
          f"peak {figures['peak_mib']:.0f} MiB (limit 180 s, 4096 MiB)")
    for stage, seconds in figures["stages"].items():
        print(f"  {stage:<22} {seconds:8.2f} s")
    print_load_figures(load_figures(out, with_rdflib=not args.no_rdflib, rounds=args.load_rounds))
    val = validation_figures(data, args.sample)
    print(f"validation of {val['records']} records (CPU, one process): compiled SPARQL on Oxigraph "
          f"{val['queries_cpu_s']:.2f} s (+ {val['load_cpu_s']:.2f} s serialising and bulk-loading them, which "
          f"the build needs anyway), peer pyshacl-turbo {val['pyshacl_cpu_s']:.2f} s "
          f"({val['pyshacl_cpu_s'] / val['queries_cpu_s']:.0f}x); same {val['problems']} problems: {val['same']}")
    re_ = revalidate_figures(data)
    print(f"re-validate one changed record (read + convert + SHACL), limit 5 ms: compiled SPARQL p50 "
          f"{re_['sparql'][0]:.1f} ms, p95 {re_['sparql'][1]:.1f} ms; peer pyshacl p50 {re_['pyshacl'][0]:.1f} ms, "
          f"p95 {re_['pyshacl'][1]:.1f} ms; plain pyshacl.validate p50 {re_['plain_pyshacl_validate_p50_ms']:.1f} ms")


if __name__ == "__main__":
    main()
