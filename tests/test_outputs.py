"""The build's output steps as a whole (publisher/pipeline/outputs.py): the dumps, CSV, search index and
sitemaps written from bdp.nt.gz by jobs in child processes or in this one, the practice table they share,
the stages they report."""

from __future__ import annotations

import gzip
import re
import shutil
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.config import load_settings
from publisher.errors import BdpError
from publisher.formats import BY_NAME
from publisher.outputs import rdf_dumps
from publisher.outputs.practice_table import collect, collect_ntriples
from publisher.outputs.rdf_dumps import SOURCE, subject_blocks
from publisher.pipeline.build import build
from publisher.pipeline.context import BuildContext, BuildReport
from publisher.pipeline.jobs import Job, Jobs
from publisher.pipeline.outputs import write_outputs
from tests.conftest import DATA

BASE = "https://w3id.org/bdp/"
FORMATS = {"bdp.ttl.gz": "ttl", "bdp.jsonld.gz": "jsonld"}
CLOCK = "2026-01-02T03:04:05Z"   # a fixed build clock: outputs written a second apart stay equal
SQL = "SELECT * FROM practice ORDER BY id; SELECT * FROM practice_text ORDER BY id; SELECT * FROM facet_bitmap"


def _copy(built, target: Path) -> BuildContext:
    """A context over a copy of the bundled build's store and N-Triples, as the pipeline hands it over."""
    (target / "dumps").mkdir(parents=True)
    shutil.copytree(built / "store", target / "store")
    shutil.copy(built / "dumps" / SOURCE, target / "dumps")
    return BuildContext(load_settings({}, environ={}), target, ox.Store(str(target / "store")), BuildReport(),
                        built=CLOCK)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and "store" not in p.parts and p.suffix != ".sqlite"}


def _index(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / "search.sqlite")
    try:
        return [row for sql in SQL.split("; ") for row in db.execute(sql)]
    finally:
        db.close()


def test_child_processes_and_this_process_write_the_same_files(built, tmp_path):
    children, here = _copy(built, tmp_path / "children"), _copy(built, tmp_path / "here")
    write_outputs(children, parallel=True)
    write_outputs(here, parallel=False)
    assert set(children.report.stages) >= {"outputs:counts", "outputs:ttl", "outputs:jsonld"}
    one, two = _files(children.out), _files(here.out)
    assert one.keys() == two.keys() >= {"dumps/bdp.ttl.gz", "dumps/bdp.jsonld.gz", "dumps/practices.csv",
                                         "sitemap.xml", "catalog.json", "void.ttl"}
    untimed = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")   # the catalogue's build time
    assert {k: untimed.sub(b"T", v) for k, v in one.items()} == {k: untimed.sub(b"T", v) for k, v in two.items()}
    assert _index(children.out) == _index(here.out) and len(_index(here.out)) > 2
    assert not list(children.out.rglob("*.part"))


def test_dumps_hold_the_graph_of_the_ntriples(built, tmp_path):
    context = _copy(built, tmp_path / "out")
    write_outputs(context, parallel=True)
    dumps = context.out / "dumps"
    source = _canonical(dumps / SOURCE, ox.RdfFormat.N_TRIPLES)
    for name, fmt in FORMATS.items():
        assert _canonical(dumps / name, BY_NAME[fmt].rdf_format) == source, name


def _canonical(path, fmt) -> set[str]:
    """The graph in a gzip file, with blank nodes named canonically (RDFC-1.0)."""
    dataset = ox.Dataset(ox.parse(gzip.decompress(path.read_bytes()), format=fmt))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def test_the_practice_table_is_the_same_from_the_ntriples_and_from_the_store(built):
    store = ox.Store.read_only(str(built / "store"))
    from_store, from_file = collect(store, BASE), collect_ntriples(built / "dumps" / SOURCE, BASE)
    assert from_store.practices.keys() == from_file.practices.keys() and from_store.practices
    assert from_store.documents == from_file.documents and from_store.concepts == from_file.concepts
    seed = from_file.practices[BASE + "id/practice/trzy-filary-bank-partnerow-lokalnych"]
    assert seed.key == "trzy-filary-bank-partnerow-lokalnych"
    assert seed.texts["title"]["pl"] == "Trzy Filary - Bank Partnerów Lokalnych"
    assert seed.first("issued") == "2011-03-03"
    assert {from_file.name(o) for o in from_file.partners(seed)} >= {"Fundacja Pokolenia", "Powiat Tczewski"}
    assert from_file.place(seed)["label"] == from_store.place(seed)["label"]


def test_a_subject_is_written_once_when_its_lines_are_interleaved(tmp_path):
    lines = ["<http://e/a> <http://e/p> _:x .", "_:x <http://e/q> \"1\" .", "<http://e/a> <http://e/r> \"2\" .",
             "<http://e/b> <http://e/p> <http://e/a> .", "_:x <http://e/s> \"3\" ."]
    (tmp_path / SOURCE).write_bytes(gzip.compress("\n".join(lines).encode() + b"\n"))
    blocks = list(subject_blocks(tmp_path / SOURCE))
    assert len(blocks) == 1
    subjects = [line.split(b" ", 1)[0] for line in blocks[0].splitlines()]
    assert subjects == sorted(subjects, key=subjects.index)        # each subject's lines together
    rdf_dumps.write_rdf_dump(tmp_path / SOURCE, tmp_path / "x.ttl.gz", "ttl")
    text = gzip.decompress((tmp_path / "x.ttl.gz").read_bytes()).decode()
    assert text.count("<http://e/a> ") == 2        # once as a subject, once as the object of <http://e/b>
    assert len(ox.Dataset(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))) == 5


@pytest.mark.parametrize("parallel", [True, False])
def test_a_failing_job_is_reported_with_what_it_was_writing(tmp_path, parallel):
    (tmp_path / SOURCE).write_bytes(gzip.compress(b"<http://e/a> <http://e/p> this is not N-Triples .\n"))
    (tmp_path / "dumps").mkdir()
    (tmp_path / SOURCE).rename(tmp_path / "dumps" / SOURCE)
    job = Job("ttl", "dumps/bdp.ttl.gz", "publisher.outputs.tables",
              (str(tmp_path), "https://example.org/", "https://example.org/", "10", "bdp.ttl.gz", "ttl", "index"))
    with pytest.raises(BdpError, match=r"^writing dumps/bdp\.ttl\.gz failed: SyntaxError: .+"):
        with Jobs([job], parallel=parallel) as jobs:
            jobs.wait()
    assert [p.name for p in tmp_path.rglob("*")] == ["dumps", SOURCE]          # nothing half written left behind


def test_the_build_reports_each_output_part(tmp_path, settings):
    report = build(settings, DATA, tmp_path / "out", workers=1)
    parts = {k for k in report.stages if k.startswith("outputs:")}
    assert {"outputs:counts", "outputs:ttl", "outputs:jsonld", "outputs:catalog"} <= parts
    assert list(report.stages)[-3:] == ["outputs", "feed", "swap"]      # feed: the change feed (LDES)


def test_the_ntriples_dump_is_the_default_graph_of_the_store(built):
    """What the jobs read instead of the store must say the same: a pipeline change that loads triples
    into the store but not into bdp.nt.gz (or the other way round) fails here. (Both are read through a
    store: Oxigraph writes some datatypes back canonically, e.g. xsd:nonNegativeInteger as xsd:integer,
    so the dumps, made from bdp.nt.gz, keep the published datatypes where Store.dump did not.)"""
    loaded = ox.Store()
    loaded.bulk_load(gzip.decompress((built / "dumps" / SOURCE).read_bytes()), format=ox.RdfFormat.N_TRIPLES)
    graphs = []
    for store in (ox.Store.read_only(str(built / "store")), loaded):
        dataset = ox.Dataset(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        graphs.append({str(q) for q in dataset})
    assert graphs[0] == graphs[1] and len(graphs[0]) > 500


def test_source_date_epoch_is_the_clock_of_a_build(tmp_path):
    """Reproducible builds: SOURCE_DATE_EPOCH, not the wall clock, stamps build.json and the catalogue."""
    import json

    from tests.conftest import invoke_bdp

    out = tmp_path / "out"
    done = invoke_bdp("build", "--data", str(DATA), "--out", str(out), env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "build.json").read_text())["built"] == "2026-01-01T00:00:00Z"
    catalog = ox.Dataset(ox.parse(path=str(out / "catalog.ttl"), format=ox.RdfFormat.TURTLE))
    stamps = {q.object.value for q in catalog if q.predicate.value == "http://purl.org/dc/terms/modified"
              and q.object.datatype.value.endswith("#dateTime")}     # (xsd:date ones come from the records)
    assert stamps == {"2026-01-01T00:00:00Z"}


def test_a_malformed_source_date_epoch_is_refused_by_name(tmp_path):
    done = run_bdp_build(tmp_path, {"SOURCE_DATE_EPOCH": "yesterday"})
    assert done.returncode != 0 and "SOURCE_DATE_EPOCH" in done.stderr and "Traceback" not in done.stderr


def run_bdp_build(tmp_path: Path, env: dict[str, str]):
    """The command in this process (the environment set around it): its exit code and message are what a
    child prints, tests/test_catalog.py runs `bdp build` as a child for a refused setting."""
    from tests.conftest import invoke_bdp

    return invoke_bdp("build", "--data", str(DATA), "--out", str(tmp_path / "out"), env=env)
