"""The build's output steps as a whole (publisher/build/outputs.py): the Turtle and JSON-LD dumps written
from bdp.nt.gz, in child processes or in this one, the shared practice table, the stages they report."""

from __future__ import annotations

import gzip
import shutil

import pyoxigraph as ox
import pytest

from publisher.build import rdf_dumps
from publisher.build.pipeline import build
from publisher.build.practice_table import collect
from publisher.build.rdf_dumps import SOURCE, DumpJobs, subject_blocks
from publisher.errors import BdpError
from publisher.formats import BY_NAME
from tests.conftest import DATA

FORMATS = {"bdp.ttl.gz": "ttl", "bdp.jsonld.gz": "jsonld"}


@pytest.fixture
def dumps(built, tmp_path):
    target = tmp_path / "dumps"
    target.mkdir()
    shutil.copy(built / "dumps" / SOURCE, target)
    return target


def test_child_processes_and_this_process_write_the_same_bytes(dumps, tmp_path):
    with DumpJobs(dumps, FORMATS, parallel=True) as jobs:
        assert len(jobs._children) == 2                       # really two child processes
        jobs.wait()
    in_children = {name: (dumps / name).read_bytes() for name in FORMATS}
    here = tmp_path / "here"
    here.mkdir()
    shutil.copy(dumps / SOURCE, here)
    with DumpJobs(here, FORMATS, parallel=False) as jobs:
        jobs.wait()
    assert {name: (here / name).read_bytes() for name in FORMATS} == in_children
    assert not list(dumps.glob("*.part"))


def test_dumps_hold_the_graph_of_the_ntriples(dumps):
    with DumpJobs(dumps, FORMATS, parallel=True) as jobs:
        jobs.wait()
    source = _canonical(dumps / SOURCE, ox.RdfFormat.N_TRIPLES)
    for name, fmt in FORMATS.items():
        assert _canonical(dumps / name, BY_NAME[fmt].rdf_format) == source, name


def _canonical(path, fmt) -> set[str]:
    """The graph in a gzip file, with blank nodes named canonically (RDFC-1.0)."""
    dataset = ox.Dataset(ox.parse(gzip.decompress(path.read_bytes()), format=fmt))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


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
def test_a_failing_dump_is_reported_with_the_file_it_was_writing(dumps, parallel):
    (dumps / SOURCE).write_bytes(gzip.compress(b"<http://e/a> <http://e/p> this is not N-Triples .\n"))
    with pytest.raises(BdpError, match=r"writing dumps/bdp\.(ttl|jsonld)\.gz failed: SyntaxError: .+"):
        with DumpJobs(dumps, FORMATS, parallel=parallel) as jobs:
            jobs.wait()
    assert sorted(p.name for p in dumps.iterdir()) == [SOURCE]          # nothing half written left behind


def test_the_build_reports_each_output_part(tmp_path, settings):
    report = build(settings, DATA, tmp_path / "out", workers=1)
    parts = {k for k in report.stages if k.startswith("outputs:")}
    assert {"outputs:table", "outputs:search", "outputs:counts", "outputs:rdf-dumps"} <= parts
    assert list(report.stages)[-2:] == ["outputs", "swap"]


def test_practice_table_reads_each_practice_once(built):
    store = ox.Store.read_only(str(built / "store"))
    table = collect(store, "https://w3id.org/bdp/")
    seed = table.practices["https://w3id.org/bdp/id/practice/trzy-filary-bank-partnerow-lokalnych"]
    assert seed.key == "trzy-filary-bank-partnerow-lokalnych"
    assert seed.texts["title"]["pl"] == "Trzy Filary - Bank Partnerów Lokalnych"
    assert seed.first("issued") == "2011-03-03"
    assert {table.name(o) for o in table.partners(seed)} >= {"Fundacja Pokolenia", "Powiat Tczewski"}
    assert table.place(seed)["label"] and list(table.practices) == sorted(table.practices)
