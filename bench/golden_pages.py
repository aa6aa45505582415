"""Golden check of the pages for people: renders every /doc/ and /def/ page of one or more builds in both
languages (and their later pages, and the `.html` suffix of a sample), plus the home, browse and a few list
pages, through the whole Flask app in process, and records the SHA-256 of each body. Run it with the code
before a change (`--record FILE`) and after (`--check FILE`): any page whose bytes differ is named, and
with `--save DIR` its body is written there to diff. Asserts nothing else; prints a summary.

    .venv/bin/python bench/golden_pages.py --prepare /tmp/g                 # the three builds, once
    (cd /tmp/main && python bench/golden_pages.py --builds /tmp/g --record /tmp/g/main.json)   # old code
    .venv/bin/python bench/golden_pages.py --builds /tmp/g --check /tmp/g/main.json

`--prepare DIR` builds DIR/bundled (data/), DIR/out300 (`bdp generate --practices 300`, seed 1) and
DIR/tricky (data/ with the escaping test's practice, a `<script>` title, plus triples no record makes: a
`javascript:` page, a URL with `&` and quotes, an English title with markup). Run the script from a copy
of the old code (`git archive REV | tar -x -C /tmp/main`, this file copied in): it imports the package
beside it. The hashes depend on the builds, not on the machine."""

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


TRICKY = """key: skrypt-w-tytule
title: {pl: "<script>alert(1)</script>"}
summary: {pl: "Skrót z </script><b>pogrubieniem</b> & znakami"}
entered: 2020-05-05
unit_type: gmina-wiejska
themes: [smup]
place: {town: "Wieś <i>", voivodeship: "12", postal_code: 30-001}
partners:
  - {organisation: powiat-tczewski, role: lead}
  - {organisation: fundacja-pokolenia, role: partner}
"""


def prepare(root: Path) -> None:
    """The three builds the golden check renders (see the module's docstring)."""
    import shutil
    import subprocess

    def bdp(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "publisher", *args], cwd=ROOT, check=True, capture_output=True)

    root.mkdir(parents=True, exist_ok=True)
    bdp("build", "--data", str(ROOT / "data"), "--out", str(root / "bundled"))
    bdp("generate", "--practices", "300", "--seed", "1", "--out", str(root / "data300"))
    bdp("build", "--data", str(root / "data300"), "--out", str(root / "out300"))
    shutil.copytree(ROOT / "data", root / "tricky-data", ignore=shutil.ignore_patterns("links"))
    (root / "tricky-data" / "practices" / "skrypt-w-tytule.yaml").write_text(TRICKY, encoding="utf-8")
    bdp("build", "--data", str(root / "tricky-data"), "--out", str(root / "tricky"))
    store = ox.Store(str(root / "tricky" / "store"))
    base, node, page = "https://w3id.org/bdp/", ox.NamedNode, ox.NamedNode("http://xmlns.com/foaf/0.1/page")
    tricky = node(base + "id/practice/skrypt-w-tytule")
    for quad in (ox.Quad(tricky, page, node("javascript:alert(2)")),
                 ox.Quad(tricky, page, node("https://example.org/a?b=c&d='e'")),
                 ox.Quad(node(base + "id/organisation/powiat-tczewski"),
                         node("http://www.w3.org/2002/07/owl#sameAs"), node("http://www.wikidata.org/entity/Q1815463")),
                 ox.Quad(tricky, node("http://purl.org/dc/terms/title"), ox.Literal('Tytuł "en" <b>&amp;', language="en")),
                 ox.Quad(tricky, node("http://purl.org/dc/terms/abstract"),
                         ox.Literal('A "quoted" <i>abstract</i> & more', language="en"))):
        store.add(quad)
    store.flush()


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
    parser.add_argument("--out", type=Path, action="append", default=[], help="a build (repeatable)")
    parser.add_argument("--builds", type=Path, help="the three builds made by --prepare in this folder")
    parser.add_argument("--prepare", type=Path, help="make the three builds in this folder, then stop")
    parser.add_argument("--record", type=Path, help="write the hashes to this JSON file")
    parser.add_argument("--check", type=Path, help="compare with the hashes in this JSON file")
    parser.add_argument("--save", type=Path, help="write every body here (to diff)")
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.prepare)
        return 0
    if args.builds:
        args.out += [args.builds / name for name in ("bundled", "out300", "tricky")]
    if not args.out:
        parser.error("give --out, --builds or --prepare")
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
