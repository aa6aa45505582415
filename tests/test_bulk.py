"""The store's parallel bulk load (publisher/pipeline/bulk.py): cut only between chunks, it loads the same
graph as one load; cut anywhere, blank nodes would split (the reason for the boundaries)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.pipeline.bulk import BulkLoadError, bulk_load_nt, fast_allocator, load_store, ranges


def _chunks() -> list[str]:
    # 40 "records", each with its own subject and two blank nodes used on several lines
    return ["".join(f'<http://e/r{r}> <http://e/has> _:b{r}x{k} .\n_:b{r}x{k} <http://e/v> "{r}-{k}" .\n'
                    f'_:b{r}x{k} <http://e/w> <http://e/r{(r + 1) % 40}> .\n' for k in range(2))
            for r in range(40)]


def _write(tmp_path: Path) -> tuple[Path, list[int]]:
    path, ends, offset = tmp_path / "records.nt", [], 0
    with open(path, "wb") as f:
        for chunk in _chunks():
            data = chunk.encode()
            f.write(data)
            offset += len(data)
            ends.append(offset)
    return path, ends


def _shape(store: ox.Store) -> tuple[int, int, int]:
    blank = {q.object for q in store.quads_for_pattern(None, ox.NamedNode("http://e/has"), None)}
    joined = list(store.query('SELECT ?r ?v WHERE { ?r <http://e/has> ?b . ?b <http://e/v> ?v }'))
    return len(store), len(blank), len(joined)


def test_ranges_cut_only_at_boundaries_and_cover_the_file():
    spans = ranges(1000, [100, 480, 530, 900], 2)
    assert spans == [(0, 480), (480, 1000)]
    assert ranges(1000, [], 2) == [(0, 1000)]
    assert ranges(1000, [100, 480, 530, 900], 4) == [(0, 100), (100, 480), (480, 900), (900, 1000)]


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_parallel_load_equals_one_load(tmp_path, parts):
    path, ends = _write(tmp_path)
    one = ox.Store(str(tmp_path / "one"))
    one.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    many = ox.Store(str(tmp_path / f"many{parts}"))
    bulk_load_nt(many, path, boundaries=ends, parts=parts, lenient=True)
    assert _shape(many) == _shape(one) == (240, 80, 80)


def test_a_cut_inside_a_record_would_split_its_blank_nodes(tmp_path):
    # the control: the same file cut at a line inside a record gives more blank nodes and fewer joins
    path, _ends = _write(tmp_path)
    text = path.read_bytes()
    inside = text.index(b"\n", len(text) // 2 - 40) + 1
    store = ox.Store(str(tmp_path / "bad"))
    bulk_load_nt(store, path, boundaries=[inside], parts=2)
    assert _shape(store) != (240, 80, 80)


def test_a_syntax_error_in_one_range_is_raised(tmp_path):
    path, ends = _write(tmp_path)
    with open(path, "ab") as f:
        f.write(b"<http://e/x> <http://e/p> broken .\n")
    with pytest.raises(SyntaxError):
        bulk_load_nt(ox.Store(str(tmp_path / "s")), path, boundaries=ends, parts=2)


@pytest.mark.parametrize("fast_malloc", [True, False])
def test_the_builds_load_in_a_child_process_equals_one_load(tmp_path, fast_malloc):
    path, ends = _write(tmp_path)
    one = ox.Store(str(tmp_path / "one"))
    one.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    report = load_store(tmp_path / "child", path, boundaries=ends, lenient=True, fast_malloc=fast_malloc)
    allocator = report["allocator"]
    assert report["peak_mib"] > 0
    assert _shape(ox.Store.read_only(str(tmp_path / "child"))) == _shape(one) == (240, 80, 80)
    if fast_malloc and fast_allocator():
        assert allocator is not None and Path(allocator).name.startswith("libmimalloc")
    else:
        assert allocator is None


@pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                    reason="cmeel-mimalloc is a dependency on Linux x86-64 only")
def test_mimalloc_is_installed_where_it_is_a_dependency():
    assert fast_allocator() is not None


def test_a_failed_load_in_the_child_is_one_clear_error(tmp_path):
    path, ends = _write(tmp_path)
    with open(path, "ab") as f:
        f.write(b"<http://e/x> <http://e/p> broken .\n")
    with pytest.raises(BulkLoadError) as failed:
        load_store(tmp_path / "s", path, boundaries=ends)
    message = str(failed.value)
    assert message.startswith(f"{path}: ") and "Traceback" not in message
    # one load (mimalloc): the file's own line; ranges without it: a line of the range
    assert ("line 241 " if fast_allocator() else "line ") in message, message
