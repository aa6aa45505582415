"""Golden check of the pages for people: renders every /doc/ and /def/ page of one or more builds in both
languages (and their later pages, and the `.html` suffix of a sample), plus the home, browse and a few list
pages, through the whole Flask app in process, and records the SHA-256 of each body. Run it with the code
before a change (`--record FILE`) and after (`--check FILE`): any page whose bytes differ is named, and
with `--save DIR` its body is written there to diff. Asserts nothing else; prints a summary.

    .venv/bin/python bench/golden_pages.py --out /tmp/g/bundled --out /tmp/g/out300 --record /tmp/g/main.json
    .venv/bin/python bench/golden_pages.py --out /tmp/g/bundled --out /tmp/g/out300 --check /tmp/g/main.json

The builds: `bdp build --data data --out A` and `bdp generate --practices 300 --out D && bdp build --data D
--out B`. The hashes depend on the build (its data and base IRI), not on the machine."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publisher.assets import ontology_graph  # noqa: E402
from publisher.config import load_settings  # noqa: E402
from publisher.namespaces import ONTOLOGY_IRI, VOCAB_BASE  # noqa: E402
from publisher.read import browse as lists  # noqa: E402
from publisher.web import create_app  # noqa: E402

LANGS = ("pl", "en")
MAX_PAGES = 3            # later pages followed per document (by its Link rel="next")
SUFFIXED = 40            # documents also asked as `.html`
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def doc_paths(out: Path, base: str) -> list[str]:
    """/doc/ of every typed resource under {base}id/, sorted (a kind's pages together)."""
    store = ox.Store.read_only(str(out / "store"))
    prefix = base + "id/"
    found = {q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, None, ox.DefaultGraph())
             if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)}
    return sorted("/doc/" + iri[len(prefix):] for iri in found)


def def_paths() -> list[str]:
    paths = {"/def/", "/def/ontology"}
    for subject in ontology_graph().subjects():
        iri = str(subject)
        if iri.startswith(VOCAB_BASE) and "/" in iri[len(VOCAB_BASE):]:
            paths.add("/def/" + iri[len(VOCAB_BASE):])
        elif iri.startswith(ONTOLOGY_IRI + "#"):
            paths.add("/def/ontology/" + iri[len(ONTOLOGY_IRI) + 1:])
    return sorted(paths)


def list_paths() -> list[str]:
    paths = ["/", "/browse"]
    for facet, (scheme, _) in sorted(lists.FACETS.items()):
        keys = sorted({str(s).rsplit("/", 1)[-1] for s in ontology_graph().subjects()
                       if str(s).startswith(VOCAB_BASE + scheme + "/")})
        paths += [f"/browse/{facet}/{k}" for k in keys[:3]]
    return paths


def render_all(out: Path, save: Path | None = None) -> tuple[dict[str, str], dict[str, float]]:
    """{label: sha256 of status + body} of every page of the build in `out`; seconds per kind."""
    app = create_app(out=out)
    client = app.test_client()
    base = load_settings({"out": out}, environ={}).base_uri
    docs = doc_paths(out, base)
    hashes: dict[str, str] = {}
    seconds: dict[str, float] = {}
    jobs = [(p, p) for p in docs + def_paths() + list_paths()] + [(p + ".html", p) for p in docs[:SUFFIXED]]
    for url, path in jobs:
        kind = path.split("/")[2] if path.startswith("/doc/") else path.split("/")[1] or "home"
        for lang in LANGS:
            for page in range(1, MAX_PAGES + 1):
                query = f"?lang={lang}" + (f"&page={page}" if page > 1 else "")
                started = time.perf_counter()
                response = client.get(url + query, headers={"Accept": "text/html"})
                seconds[kind] = seconds.get(kind, 0.0) + time.perf_counter() - started
                body = response.get_data()
                key = f"{out.name}{url}{query}"
                hashes[key] = hashlib.sha256(str(response.status_code).encode() + b"\n" + body).hexdigest()
                if save is not None:
                    target = save / (key.replace("/", "_").replace("?", "_") + ".html")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(body)
                if 'rel="next"' not in response.headers.get("Link", ""):
                    break
    return hashes, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, action="append", required=True, help="a build (repeatable)")
    parser.add_argument("--record", type=Path, help="write the hashes to this JSON file")
    parser.add_argument("--check", type=Path, help="compare with the hashes in this JSON file")
    parser.add_argument("--save", type=Path, help="write every body here (to diff)")
    args = parser.parse_args(argv)
    hashes: dict[str, str] = {}
    for out in args.out:
        found, seconds = render_all(out, args.save)
        hashes.update(found)
        print(f"{out}: {len(found)} pages; " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(seconds.items())))
    total = hashlib.sha256("".join(f"{k} {v}\n" for k, v in sorted(hashes.items())).encode()).hexdigest()
    print(f"{len(hashes)} pages, digest {total}")
    if args.record:
        args.record.write_text(json.dumps({"digest": total, "pages": hashes}, indent=0, sort_keys=True) + "\n")
    if args.check:
        golden = json.loads(args.check.read_text())["pages"]
        differ = sorted(k for k in golden.keys() | hashes.keys() if golden.get(k) != hashes.get(k))
        for key in differ[:40]:
            print(f"  differs: {key}")
        print(f"{len(differ)} of {len(golden)} pages differ from {args.check}")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
