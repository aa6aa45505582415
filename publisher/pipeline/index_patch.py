"""The incremental build's patch of the search index (registered in incremental.PATCHES): the previous
build's OUT/search.sqlite with the rows of the practices the change reaches rewritten
(outputs/search_patch.py), their facts read from the new store (context.touched_table) rather
than from every triple of the dump. When the patch cannot be exact (ids shift: a practice added or removed,
a date entered changed; search_patch.py), the output step writes the file whole."""

from __future__ import annotations

import time

from publisher.outputs.search_index import FILE
from publisher.outputs.search_patch import patch_index
from publisher.pipeline.context import BuildContext


def patch_search_index(context: BuildContext) -> None:
    delta = context.delta
    if delta is None or not (delta.previous / FILE).is_file():
        return
    started = time.perf_counter()
    if any(kind == "practice" for kind, _ in delta.added | delta.removed):
        reason: str | None = "practices added or removed: the ids shift"
    else:
        table = context.touched_table()
        reason = patch_index(delta.previous / FILE, context.out / FILE, table, delta.touched)
    if reason is None:
        context.patched.add("index")
        context.report.stages["patch:index"] = time.perf_counter() - started
    else:
        context.report.stages["patch:index-whole"] = time.perf_counter() - started
