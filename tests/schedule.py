"""The order in which pytest-xdist hands the test scopes to the two workers: the longest first.

`make test` runs `-n 2 --dist loadscope --no-loadscope-reorder`: a module (or a class) is one unit of work,
so its module fixtures (a build, a server) are made once, and the units go out in collection order.
xdist's own reorder (by number of tests) would send a module of a few slow tests, such as test_virtuoso
or test_wheel, last, and the run would end with one worker busy and the other idle. Sorting the
scopes by their time, the longest first, leaves the short ones to even out the end.

SECONDS is each scope's test time (setup included, pytest's --durations summed by scope) of one
`make test` on the shared machine at 420524c (s7-suite; load 8-18, two to four times an idle machine's
figures, the builds' modules more than the browser's): only their order matters;
a scope missing from it counts as short and keeps its place among the others. Only the order depends
on it: a wrong or stale figure costs time, never a test.
"""

from __future__ import annotations

import pytest

SECONDS = {
    "tests/test_incremental_tables.py": 113, "tests/test_export.py": 110, "tests/test_index_patch.py": 85,
    "tests/test_intake_browser.py": 73, "tests/test_pages_browser.py::TestDesktop": 72,
    "tests/test_pages_browser.py::TestPhone": 70, "tests/test_remote.py": 56, "tests/test_build.py": 44,
    "tests/test_sparql_safety.py": 42, "tests/test_shacl_reference.py": 36, "tests/test_wheel.py": 35,
    "tests/test_virtuoso.py": 26, "tests/test_incremental.py": 26, "tests/test_resources.py": 20,
    "tests/test_queries.py": 16, "tests/test_browser.py": 15, "tests/test_shacl_sparql.py": 15,
    "tests/test_outputs.py": 14, "tests/test_pages_browser.py": 14, "tests/test_feed.py": 14,
    "tests/test_browser_search.py": 13, "tests/test_harvest.py": 13, "tests/test_incremental_rows.py": 12,
    "tests/test_intake_http.py": 12, "tests/test_linking.py": 12, "tests/test_intake_review.py": 12,
    "tests/test_build_chunks.py": 10, "tests/test_incremental_reuse.py": 9, "tests/test_attachments.py": 8,
    "tests/test_site_reads.py": 7, "tests/test_catalog.py": 6, "tests/test_serve.py": 5,
    "tests/test_changes.py": 4, "tests/test_latest.py": 4, "tests/test_sparql.py": 3,
    "tests/test_base_from_build.py": 3, "tests/test_generate.py": 2, "tests/test_architecture.py": 2,
    "tests/test_i18n.py": 2, "tests/test_pages_html.py": 2, "tests/test_export_apache.py": 2,
    "tests/test_browser_cors.py": 2, "tests/test_bulk.py": 2,
}


def scope_of(nodeid: str) -> str:
    """xdist's loadscope unit: the part of the node id before the last '::' (a module, or a class)."""
    return nodeid.rsplit("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: -SECONDS.get(scope_of(item.nodeid), 0))    # stable: a scope stays together
