"""The output steps run after the store is loaded, in order. Each takes a `BuildContext` and writes
into `context.out`. Add a step by adding it to STEPS."""

from __future__ import annotations

from collections.abc import Callable

from publisher.build.catalog import catalog_step
from publisher.build.search_index import build_search_index

STEPS: list[Callable] = [build_search_index, catalog_step]
