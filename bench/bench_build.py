"""Issue 2's figures: the whole build of a synthetic data set, each stage's time and the peak memory,
the store load alone (Oxigraph bulk load, with rdflib's parser into a Graph as the peer, on the same dump),
and re-validating one changed record (ours, with plain `pyshacl.validate` as the peer).

    python -m bench.bench_build [--practices 100000] [--work /tmp/bdp-bench-build] [--reuse]
"""

from __future__ import annotations

import argparse
import gzip
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
    timer = ["/usr/bin/time", "-f", "MAXRSS %M"] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    done = subprocess.run(timer + args, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{done.stderr[-2000:]}")
    peak = re.search(r"MAXRSS (\d+)", done.stderr)
    return done.stdout + done.stderr, seconds, int(peak.group(1)) / 1024 if peak else float("nan")


def build_figures(data: Path, out: Path) -> dict:
    output, seconds, peak = _run(BDP + ["build", "--data", str(data), "--out", str(out)])
    stages = dict(re.findall(r"([a-z+]+) ([0-9.]+)s", output.split("(", 1)[-1]))
    return {"seconds": seconds, "peak_mib": peak, "stages": {k: float(v) for k, v in stages.items()},
            "summary": output.strip().splitlines()[-1]}


def load_figures(out: Path, with_rdflib: bool) -> dict:
    import pyoxigraph as ox

    dump = out / "dumps" / "bdp.nt.gz"
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "bdp.nt"
        with gzip.open(dump, "rb") as src, open(nt, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        started = time.perf_counter()
        store = ox.Store(str(Path(tmp) / "store"))
        store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        oxigraph = time.perf_counter() - started
        del store
        figures = {"oxigraph_bulk_load_s": oxigraph}
        if with_rdflib:
            code = ("import sys,time,resource; from rdflib import Graph; t=time.perf_counter(); "
                    "g=Graph(); g.parse(sys.argv[1], format='nt'); "
                    "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, len(g))")
            done = subprocess.run([sys.executable, "-c", code, str(nt)], capture_output=True, text=True)
            seconds, peak, triples = done.stdout.split()
            figures.update(rdflib_parse_s=float(seconds), rdflib_peak_mib=float(peak), triples=int(triples))
    return figures


def revalidate_figures(data: Path, runs: int = 200) -> dict:
    import pyshacl

    from publisher.build import convert as conv
    from publisher.build.check import Validator
    from publisher.build.records import read_record
    from publisher.build.validate import validate_converted
    from publisher.config import load_settings
    from publisher.resources import shapes_graph

    settings = load_settings({}, environ={})
    validator = Validator(settings.base_uri)
    paths = sorted((data / "practices").iterdir())[:runs]
    organisations = {p.stem for p in (data / "organisations").iterdir()}
    records = [read_record(p, "practice") for p in paths]
    validator.records(records[:1], organisations)  # warm up
    ours = []
    for rec in records:  # read + convert + validate, as `bdp validate FILE` does once loaded
        started = time.perf_counter()
        validator.records([read_record(Path(rec.path), "practice")], organisations)
        ours.append(time.perf_counter() - started)
    shapes = shapes_graph()
    plain = []
    for rec in records[: max(20, runs // 10)]:
        item = conv.convert([rec], validator.base, validator.vocab)[0]
        from rdflib import Graph

        g = Graph()
        for t in item.triples:
            g.add(t)
        started = time.perf_counter()
        pyshacl.validate(g, shacl_graph=shapes, inference="none", allow_warnings=True)
        plain.append(time.perf_counter() - started)
    assert validate_converted  # the function `validator.records` runs
    return {"ours_p50_ms": statistics.median(ours) * 1000, "ours_p95_ms": sorted(ours)[int(len(ours) * .95)] * 1000,
            "pyshacl_validate_p50_ms": statistics.median(plain) * 1000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--practices", type=int, default=100000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bdp-bench-build")
    parser.add_argument("--reuse", action="store_true", help="reuse a generated data set in --work")
    parser.add_argument("--no-rdflib", action="store_true", help="skip the rdflib peer (slow at 100k)")
    args = parser.parse_args(argv)
    data, out = args.work / f"gen{args.practices}", args.work / f"out{args.practices}"
    if not (args.reuse and (data / "SYNTHETIC.md").exists()):
        shutil.rmtree(data, ignore_errors=True)
        _, seconds, _ = _run(BDP + ["generate", "--practices", str(args.practices), "--out", str(data)])
        print(f"generate {args.practices}: {seconds:.1f} s")
    figures = build_figures(data, out)
    print(f"build: {figures['seconds']:.1f} s wall, peak {figures['peak_mib']:.0f} MiB (limit 180 s, 4096 MiB)")
    for stage, seconds in figures["stages"].items():
        print(f"  {stage:<18} {seconds:8.2f} s")
    load = load_figures(out, with_rdflib=not args.no_rdflib)
    print(f"store load alone (Oxigraph bulk load): {load['oxigraph_bulk_load_s']:.2f} s (limit 15 s)")
    if "rdflib_parse_s" in load:
        print(f"  peer: rdflib Graph parse of the same {load['triples']} triples: {load['rdflib_parse_s']:.2f} s, "
              f"peak {load['rdflib_peak_mib']:.0f} MiB; ratio rdflib/oxigraph "
              f"{load['rdflib_parse_s'] / load['oxigraph_bulk_load_s']:.1f}x")
    re_ = revalidate_figures(data)
    print(f"re-validate one changed record (read + convert + SHACL): p50 {re_['ours_p50_ms']:.1f} ms, "
          f"p95 {re_['ours_p95_ms']:.1f} ms (limit 5 ms); peer plain pyshacl.validate p50 "
          f"{re_['pyshacl_validate_p50_ms']:.1f} ms ({re_['pyshacl_validate_p50_ms'] / re_['ours_p50_ms']:.1f}x)")


if __name__ == "__main__":
    main()
