"""Instructions (valgrind's callgrind, Ir) a document of `bdp export`'s read + RDF steps take, kind by kind:
a count that, unlike CPU seconds, does not move with the load of a shared machine.

    python bench/read_instructions.py OUT [KINDS] [DOCS] [--empty]

For DOCS resources of each kind (default 50; spread over the store's order) it runs, in the first language's
kept request context (export_documents.Contexts), what write_document does for the RDF of a first page:
read_document, then the four RDF bodies (graph_bodies); older code, without Contexts, in an app context a
document, as its write_document did. Each kind runs in a child under
`valgrind --tool=callgrind --instr-atstart=no`: warmed on the same documents, then counted from
`callgrind_control -i on` to the end. `--empty` counts entering the context alone (nothing run in it: the
`ctx` part of the figure, to subtract). Needs valgrind; nothing is written but callgrind's file (removed)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def child(out: Path, paths: list[str], signal: Path, empty: bool) -> None:
    from publisher.config import load_settings
    from publisher.formats import GRAPH_FORMATS
    from publisher.web import export_documents as ed
    from publisher.web.documents import graph_bodies, read_document

    public = "http://127.0.0.1:8080/"
    settings = load_settings({"out": str(out), "public_url": public}, environ={})
    app, base = ed.app_for(settings), settings.base_uri
    contexts = ed.Contexts.of(app, public) if hasattr(ed, "Contexts") else None

    def one(path: str) -> None:
        if empty:
            return
        graph_bodies(read_document(base + "id/" + path[4:], 1), base + path, GRAPH_FORMATS)

    def run() -> None:
        for path in paths:
            if contexts is not None:
                contexts.run(ed.HTML_LANGS[0], path, 1, one, path)
            else:                 # older code: an app context a document (copy this file into it)
                with app.app_context():
                    one(path)
    run()
    (signal / "ready").touch()
    while not (signal / "go").exists():
        time.sleep(0.05)
    run()
    os._exit(0)           # (the interpreter's clean-up is not counted)


def main() -> None:
    empty = "--empty" in sys.argv
    sys.argv = [a for a in sys.argv if a != "--empty"]
    if sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]).read_text().split("\n"), Path(sys.argv[4]), empty)
        return
    from publisher.config import load_settings
    from publisher.web.export import resources

    out, docs = Path(sys.argv[1]), int(sys.argv[3]) if len(sys.argv) > 3 else 50
    kinds = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] else []
    base = load_settings({"out": str(out)}, environ={}).base_uri
    by_kind: dict[str, list[str]] = {}
    for path in resources(out / "store", base):
        by_kind.setdefault(path.split("/")[1], []).append(path)
    for kind in kinds or sorted(by_kind):
        found = by_kind[kind]
        with tempfile.TemporaryDirectory(prefix="bdp-ir-") as work:
            signal = Path(work)
            (signal / "paths").write_text("\n".join(found[::max(1, len(found) // docs)][:docs]))
            result = signal / "callgrind.out"
            proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                     f"--callgrind-out-file={result}", sys.executable, __file__, "--child",
                                     str(out), str(signal / "paths"), str(signal), *(["--empty"] if empty else [])],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not (signal / "ready").exists():
                if proc.poll() is not None:
                    sys.exit(f"{kind}: the child ended before its warm-up was done")
                time.sleep(0.2)
            subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
            (signal / "go").touch()
            proc.wait()
            total = next(int(line.split()[1]) for line in result.read_text().splitlines()
                         if line.startswith("summary:"))
        step = "entering the context" if empty else "read + rdf4"
        print(f"{kind:13s} {docs:4d} docs  {step}: {total / docs / 1000:,.0f} k instructions a doc")


if __name__ == "__main__":
    main()
