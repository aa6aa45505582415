"""Where a whole `bdp export`'s workers spend their time, from a py-spy recording of it (py-spy is not a
dependency: `pip install py-spy` into any venv). Record the export and every process it forks:

    py-spy record --subprocesses --nonblocking --rate 20 --format speedscope -o SPY.json -- \\
        .venv/bin/bdp export DEST --out OUT --public-url http://127.0.0.1/
    python bench/export_spy.py SPY.json

Each sample of a document worker (the pool's processes: the two with the most samples by default,
--workers N) is put in the first category whose function is on its stack, in the order of CATEGORIES
(the files before what writes them, the reads before the pages that ask for them), and the rest under
`other`; prints seconds and shares. Sampling adds ~10 % to the export's wall time."""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

# (category, functions as "name@file"): a sample goes to the first category with one of them on its stack
CATEGORIES = (
    ("files (open, write: mostly the kernel)", ("Files.write@export_documents.py",)),
    ("RDF: pyoxigraph's serialize", ("graph_bytes@results.py",)),
    ("RDF: the document's triples", ("document_triples@render.py",)),
    ("read_document", ("read_document@documents.py",)),
    ("pages: with_extra (card, links)", ("with_extra@resources.py",)),
    ("pages: practice_list", ("practice_list@listing.py",)),
    ("pages: an organisation's roles", ("roles@network.py",)),
    ("pages: documents._network", ("_network@documents.py",)),
    ("pages: first_look", ("first_look@practice_page.py",)),
    ("pages: practice_page", ("practice_page@practice_page.py",)),
    ("pages: Presenter", ("Presenter.__init__@present.py",)),
    ("pages: schema_org, jsonld_script", ("schema_org@present.py", "jsonld_script@render.py")),
    ("pages: render_page (templates and what they call)", ("render_page@render.py",)),
    ("pages: html_body's own lines", ("html_body@documents.py",)),
    ("Contexts.enter", ("Contexts.enter@export_documents.py",)),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("recording", type=Path, help="py-spy's speedscope file")
    parser.add_argument("--workers", type=int, default=2, help="the N processes with the most samples")
    args = parser.parse_args()
    spy = json.loads(args.recording.read_text(encoding="utf-8"))
    names = [f"{f['name']}@{f.get('file', '').rsplit('/', 1)[-1]}" for f in spy["shared"]["frames"]]
    profiles = sorted(spy["profiles"], key=lambda p: -sum(p["weights"]))[:args.workers]
    seconds: collections.Counter[str] = collections.Counter()
    for profile in profiles:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            on = {names[i] for i in stack}
            seconds[next((c for c, functions in CATEGORIES if on.intersection(functions)), "other")] += weight
    total = sum(seconds.values())
    print(f"{len(profiles)} workers, {total:.0f} s sampled")
    for category, s in seconds.most_common():
        print(f"{s:8.1f} s {100 * s / total:5.1f} %  {category}")


if __name__ == "__main__":
    main()
