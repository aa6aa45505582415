"""What a whole `bdp export` would take if the pages for people cost nothing: the export of the build OUT
into DEST (which must not exist), with every page's body a fixed text of the same size as a page for people
(documents.html_body patched in this process, before the workers fork) and nothing read for pages beyond
the document (page_extra None). Every document is still listed, read, serialised four ways and written as
its six files, and the site-wide files beside; so the figure is the floor the rest of the export sets:

    python bench/export_floor.py OUT DEST [--build-seconds S] [--no-files]

Prints wall time, user and system CPU (this process and its children) and, with --build-seconds, the
ratio to the full build. --no-files: the documents' files are not written either (Files.write does
nothing), to tell the kernel's part from the reads and serialisations. An organisation's later pages (its practices) are not written: without the
practice list there are none, so the files are ~10,000 fewer than a real export's. Remove DEST after."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAGE = "<!doctype html>" + "x" * 4600 + "\n"     # a membership's page is ~4.5 kB, a practice's ~8 kB


def main() -> None:
    from publisher.commands.export import export
    from publisher.config import load_settings
    from publisher.web import documents, export_documents

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--public-url", default="http://127.0.0.1/")
    parser.add_argument("--build-seconds", type=float, default=None)
    parser.add_argument("--no-files", action="store_true", help="nor write the documents' files")
    args = parser.parse_args()
    if args.dest.exists():
        sys.exit(f"{args.dest}: exists; the floor is measured into a new folder")
    documents.html_body = lambda d, url, formats, asked: (PAGE, d.page)   # type: ignore[assignment]
    documents.page_extra = lambda iri: None                                # type: ignore[assignment]
    if args.no_files:
        export_documents.Files.write = lambda self, name, body: None        # type: ignore[method-assign]
    settings = load_settings({"out": str(args.out), "public_url": args.public_url}, environ={})
    before, wall = os.times(), time.perf_counter()
    report = export(settings, args.dest.resolve(), args.public_url)
    after, wall = os.times(), time.perf_counter() - wall
    user = after.user + after.children_user - before.user - before.children_user
    system = after.system + after.children_system - before.system - before.children_system
    ratio = f", {wall / args.build_seconds:.2f}x the build" if args.build_seconds else ""
    print(f"pages free{', no files' if args.no_files else ''}: {report['documents']} documents, {report['files']} files in {wall:.1f} s wall{ratio}; "
          f"{user:.1f} s user, {system:.1f} s system CPU")


if __name__ == "__main__":
    main()
