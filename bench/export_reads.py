"""CPU a document of `bdp export` outside the pages for people, over runs in the store's order: entering
the kept request context (`ctx`), reading the description (`read`), its four RDF bodies (`rdf4`) and,
with --dir, writing them (`files`: the four files of each, all written after the run, user and system CPU apart, into a fresh folder under DIR, removed
after; put DIR on disk to see the kernel's part, /dev/shm to leave it out):

    python bench/export_reads.py OUT START[,START...] COUNT [--dir DIR] [--profile ORDER]

Every label is read first, as a whole export's workers have them (outside the measured runs). Each run
is measured twice in a row, `cold` and `warm` (the first pays for caches' first misses, as the export)."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_kinds import PUBLIC, paths_by_kind, whole_export_labels  # noqa: E402


def main() -> None:
    from publisher.formats import GRAPH_FORMATS
    from publisher.web import build_cache
    from publisher.web import export_documents as ed
    from publisher.web.documents import graph_bodies, read_document

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("starts")
    parser.add_argument("count", type=int)
    parser.add_argument("--dir", default="", help="write the RDF files into a new folder under DIR")
    parser.add_argument("--profile", default="", help="cProfile's order (tottime, cumulative, ...)")
    args = parser.parse_args()
    settings, _ = paths_by_kind(args.out)
    app = ed.app_for(settings)
    labels, _ = whole_export_labels(settings)
    with app.app_context():
        build_cache()["linked_labels"] = labels
    every = list(ed.resources(args.out / "store", settings.base_uri))
    contexts, base = ed.Contexts.of(app, PUBLIC), settings.base_uri
    profile = cProfile.Profile() if args.profile else None
    for start in (int(s) for s in args.starts.split(",")):
        paths = every[start:start + args.count]
        for round_ in ("cold", "warm"):
            spent = {"ctx": 0.0, "read": 0.0, "rdf4": 0.0, "files_user": 0.0, "files_sys": 0.0}
            site = Path(tempfile.mkdtemp(prefix="bdp-reads-", dir=args.dir)) if args.dir else None
            files = ed.Files(site / "site", False) if site else None
            if profile:
                profile.enable()
            written: list[tuple[str, list[bytes]]] = []
            for path in paths:
                t0 = time.process_time()
                for lang in reversed(ed.HTML_LANGS):     # both languages' requests, the first kept
                    context = contexts.enter(lang, path, 1)
                t1 = time.process_time()
                d = context.run(read_document, base + "id/" + path[4:], 1)
                t2 = time.process_time()
                bodies = context.run(graph_bodies, d, base + path, GRAPH_FORMATS)
                t3 = time.process_time()
                spent["ctx"] += t1 - t0
                spent["read"] += t2 - t1
                spent["rdf4"] += t3 - t2
                if files is not None:
                    written.append((path, bodies))
            if files is not None:             # all in one block: the kernel's CPU, measured by getrusage
                before = resource.getrusage(resource.RUSAGE_SELF)
                for path, bodies in written:
                    for fmt, body in zip(GRAPH_FORMATS, bodies, strict=True):
                        files.write(ed.file_name(path, fmt.suffix), body)
                after = resource.getrusage(resource.RUSAGE_SELF)
                spent["files_user"] = after.ru_utime - before.ru_utime
                spent["files_sys"] = after.ru_stime - before.ru_stime
            if profile:
                profile.disable()
            if site:
                shutil.rmtree(site, ignore_errors=True)
            kind = paths[0].split("/")[1] if paths else "-"
            steps = " ".join(f"{k} {1000 * v / len(paths):.3f}" for k, v in spent.items() if v or k in ("ctx",))
            core = spent["ctx"] + spent["read"] + spent["rdf4"]
            print(f"{kind:12s} @{start:6d} x{len(paths)} {round_}  ms a doc: {steps}  ctx+read+rdf4 {1000 * core / len(paths):.3f}",
              flush=True)
    if profile:
        pstats.Stats(profile).sort_stats(args.profile).print_stats(35)


if __name__ == "__main__":
    main()
