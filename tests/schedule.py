"""The order in which pytest-xdist hands the test scopes to the two workers: the longest first.

`make test` runs `-n 2 --dist loadscope --no-loadscope-reorder`: a module (or a class) is one unit of work,
so its module fixtures (a build, a server) are made once, and the units go out in collection order.
xdist's own reorder (by number of tests) would send a module of a few slow tests, such as test_virtuoso
or test_wheel, last, and the run would end with one worker busy and the other idle. Sorting the
scopes by their time, the longest first, leaves the short ones to even out the end.

SECONDS is each scope's test time (setup included), the mean of two `--junitxml` runs on the shared
machine (at a2f5340 and e3199c6, load 6-13, so larger than on an idle one: only their order matters;
test_index_patch, test_incremental_tables, test_incremental and test_linking from one run at 6686699,
load 3-6, where test_remote's time was the same as here);
a scope missing from it counts as short and keeps its place among the others. Only the order depends
on it: a wrong or stale figure costs time, never a test.
"""

from __future__ import annotations

import pytest

SECONDS = {
    "tests/test_remote.py": 60, "tests/test_pages_browser.py::TestPhone": 39,
    "tests/test_pages_browser.py::TestDesktop": 38, "tests/test_intake_browser.py": 34,
    "tests/test_export.py": 28, "tests/test_resources.py": 23,
    "tests/test_wheel.py": 20, "tests/test_shacl_reference.py": 19, "tests/test_queries.py": 18,
    "tests/test_browser.py": 17, "tests/test_build.py": 16,
    "tests/test_export_apache.py": 15, "tests/test_sparql_safety.py": 15, "tests/test_virtuoso.py": 14,
    "tests/test_harvest.py": 14, "tests/test_shacl_sparql.py": 14, "tests/test_outputs.py": 14,
    "tests/test_intake_review.py": 14, "tests/test_intake_http.py": 13, "tests/test_attachments.py": 13,
    "tests/test_feed.py": 13, "tests/test_browser_search.py": 12, "tests/test_site_reads.py": 12,
    "tests/test_pages_browser.py": 11, "tests/test_catalog.py": 10, "tests/test_build_chunks.py": 9,
    "tests/test_bulk.py": 7, "tests/test_generate.py": 6,
    "tests/test_index_patch.py": 26, "tests/test_incremental_tables.py": 18, "tests/test_incremental.py": 16,
    "tests/test_linking.py": 7,
}


def scope_of(nodeid: str) -> str:
    """xdist's loadscope unit: the part of the node id before the last '::' (a module, or a class)."""
    return nodeid.rsplit("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: -SECONDS.get(scope_of(item.nodeid), 0))    # stable: a scope stays together
