"""Where a practice document's CPU goes in `bdp export`'s writer, step by step, without a profiler's
overhead: a run in the store's order (as export_slice.py: the labels and the organisations' table read
first, WARM documents written before unmeasured), each step's function wrapped to add up its process
time while the run is measured:

    python bench/practice_phases.py OUT START COUNT [--warm N]

Steps nest (practice_page holds _metric, with_extra holds cards._about): read the figures as parts of
their caller, not as a sum."""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_kinds import run_arguments, store_run, whole_export_labels, write_timed  # noqa: E402
from bench.export_slice import share_table  # noqa: E402

STEPS = (("publisher.web.documents", ("first_look", "practice_page", "schema_org", "jsonld_script", "render_page",
                                      "read_document", "graph_bodies")),
         ("publisher.web.export_documents", ("_write_graphs",)),
         ("publisher.read.resources", ("with_extra",)),
         ("publisher.web.present", ("number", "format_date", "phone")),
         ("publisher.web.practice_page", ("_metric", "_own_link", "_text")),
         ("publisher.read.cards", ("_about", "_member")))


def main() -> None:
    import importlib

    parser = run_arguments(argparse.ArgumentParser())
    parser.add_argument("--warm", type=int, default=500)
    args = parser.parse_args()
    settings, run = store_run(args)
    start = args.start
    args.start, args.count = max(0, start - args.warm), min(args.warm, start)
    warm = store_run(args)[1]
    labels, _ = whole_export_labels(settings)
    share_table(Path(args.out) / "store", labels)
    spent: collections.Counter[str] = collections.Counter()
    measuring = [False]

    def wrap(module: Any, name: str) -> None:
        call = getattr(module, name)

        def timed(*a: Any, **k: Any) -> Any:
            if not measuring[0]:
                return call(*a, **k)
            began = time.process_time()
            try:
                return call(*a, **k)
            finally:
                spent[f"{module.__name__.rsplit('.', 1)[-1]}.{name}"] += time.process_time() - began
        setattr(module, name, timed)

    for module_name, names in STEPS:
        module = importlib.import_module(module_name)
        for name in names:
            if hasattr(module, name):
                wrap(module, name)
    from publisher.web import export_documents
    chunk = export_documents._chunk

    def measured(paths: list[str]) -> tuple[int, int]:
        measuring[0] = paths is run
        return chunk(paths)
    export_documents._chunk = measured  # type: ignore[assignment]
    docs, _, user, system = write_timed(settings, run, None, warm=warm, labels=labels)
    print(f"{docs} documents: user {1000 * user:.3f} ms, system {1000 * system:.3f} ms a document (wrapped)")
    for step, seconds in spent.most_common():
        print(f"  {step:32s} {1000 * seconds / docs:.3f} ms")


if __name__ == "__main__":
    main()
