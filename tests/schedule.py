"""The order in which pytest-xdist hands the test scopes to the two workers: the longest first.

`make test` runs `-n 2 --dist loadscope --no-loadscope-reorder`: a module (or a class) is one unit of work,
so its module fixtures (a build, a server) are made once, and the units go out in collection order.
xdist's own reorder (by number of tests) would send a module of a few slow tests, such as test_virtuoso
or test_wheel, last, and the run would end with one worker busy and the other idle. Sorting the
scopes by their time, the longest first, leaves the short ones to even out the end.

SECONDS is each scope's test time (setup included, pytest's --durations summed by scope) of one
`make test` on a quiet machine (load 0.0 at its start) at a966ffc, the merge of s7-suite, s7-generic and
s7-browser: only their order matters;
a scope missing from it counts as short and keeps its place among the others. Only the order depends
on it: a wrong or stale figure costs time, never a test.
"""

from __future__ import annotations

import pytest

SECONDS = {
    "tests/test_export.py": 14.4, "tests/test_intake_browser.py": 14,
    "tests/test_pages_browser.py::TestDesktop": 12.3, "tests/test_index_patch.py": 10.5,
    "tests/test_incremental_tables.py": 10.4, "tests/test_remote.py": 9.5,
    "tests/test_pages_browser.py::TestPhone": 9.1, "tests/test_sparql_safety.py": 9, "tests/test_build.py": 8,
    "tests/test_incremental.py": 7.5, "tests/test_pages_browser.py": 6.8, "tests/test_resources.py": 6.1,
    "tests/test_browser_search.py": 5, "tests/test_browser.py": 5, "tests/test_virtuoso.py": 4.1,
    "tests/test_wheel.py": 4.1, "tests/test_shacl_reference.py": 3.7, "tests/test_site_reads.py": 3.4,
    "tests/test_incremental_rows.py": 3.1, "tests/test_harvest.py": 2.6, "tests/test_queries.py": 2.6,
    "tests/test_shacl_sparql.py": 2.6, "tests/test_incremental_reuse.py": 2.5, "tests/test_feed.py": 2.5,
    "tests/test_intake_review.py": 2.3, "tests/test_linking.py": 2.1, "tests/test_attachments.py": 2.1,
    "tests/test_intake_http.py": 2, "tests/test_outputs.py": 1.8, "tests/test_build_chunks.py": 1.7,
    "tests/test_serve.py": 1.5, "tests/test_catalog.py": 1.3, "tests/test_search_polish.py": 1,
    "tests/test_latest.py": 1, "tests/test_sparql.py": 0.8, "tests/test_w3c_protocol.py": 0.8,
    "tests/test_export_apache.py": 0.8, "tests/test_i18n.py": 0.7, "tests/test_base_from_build.py": 0.7,
    "tests/test_pages_html.py": 0.7, "tests/test_generate.py": 0.7, "tests/test_architecture.py": 0.7,
    "tests/test_browser_cors.py": 0.7, "tests/test_changes.py": 0.6, "tests/test_identifiers.py": 0.6,
}


def scope_of(nodeid: str) -> str:
    """xdist's loadscope unit: the part of the node id before the last '::' (a module, or a class)."""
    return nodeid.rsplit("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: -SECONDS.get(scope_of(item.nodeid), 0))    # stable: a scope stays together
