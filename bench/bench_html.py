"""Cost of one HTML page of each kind, per language: ms per page through the app's own dispatch (view, read
model, store, templates; what `bdp serve` and `bdp export` pay a page), on a sample of each kind's
documents, in CPU time of the process (the machine is shared: wall time would count the waits for a core).
With `--peer DIR` the same sample is timed with the code in DIR too (e.g. main's, from
`git archive main | tar -x -C DIR`), in alternating rounds of the same run. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_html.py --out /tmp/out100k [--per-kind 40] [--rounds 3] [--peer /tmp/main]
    .venv/bin/python bench/bench_html.py --out /tmp/out100k --peer /tmp/main --export-memo  # as bdp export
    .venv/bin/python bench/bench_html.py --out /tmp/out100k --profile organisation:pl   # cProfile, top 45

Each page is asked once before timing (templates compiled, per-build caches warm): the figures are the
steady cost a page, as in the middle of an export."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
LANGS = ("pl", "en")


def sample(out: Path, per_kind: int) -> list[str]:
    """The first `per_kind` /doc/ paths of each kind, in the store's order (without reading them all)."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(out / "store"))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    kinds: dict[str, list[str]] = {}
    for quad in store.quads_for_pattern(None, rdf_type, None, ox.DefaultGraph()):
        iri = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else ""
        at = iri.find("/id/")
        if at < 0:
            continue
        path = "/doc/" + iri[at + 4:]
        found = kinds.setdefault(path.split("/")[2], [])
        if len(found) < per_kind and path not in found:
            found.append(path)
    return [p for paths in kinds.values() for p in paths]


def _app(code: Path, out: Path, memo: bool = False):  # type: ignore[no-untyped-def]
    """The app made by the code in `code` (before the installed package on the path)."""
    sys.path.insert(0, str(code))
    import publisher
    from publisher.web import create_app

    if not Path(publisher.__file__).resolve().is_relative_to(code.resolve()):
        raise SystemExit(f"publisher imported from {publisher.__file__}, not from {code}")
    app = create_app(out=out)
    if memo:                # as `bdp export` runs the app: one description for every representation
        app.extensions["bdp_describe_memo"] = {}
    return app


def time_pages(code: Path, out: Path, paths: list[str], rounds: int, memo: bool = False) -> dict[str, float]:
    """{"kind lang": ms a page} with the code in `code` (this process imports it)."""
    app = _app(code, out, memo)

    def ask(url: str) -> None:
        with app.test_request_context(url, headers={"Accept": "text/html"}):
            response = app.full_dispatch_request()
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            response.get_data()

    for path in paths:
        for lang in LANGS:
            ask(f"{path}?lang={lang}")
    best: dict[str, float] = {}
    for _ in range(rounds):
        spent: dict[str, list[float]] = {}
        for path in paths:
            if memo:
                app.extensions["bdp_describe_memo"].clear()
            for lang in LANGS:
                started = time.process_time()
                ask(f"{path}?lang={lang}")
                spent.setdefault(f"{path.split('/')[2]} {lang}", []).append(time.process_time() - started)
        for key, times in spent.items():
            ms = sum(times) / len(times) * 1000
            best[key] = min(best.get(key, ms), ms)
    return best


def profile(code: Path, out: Path, paths: list[str], which: str) -> None:
    import cProfile
    import pstats

    kind, _, lang = which.partition(":")
    app = _app(code, out)
    urls = [f"{p}?lang={lang or 'pl'}" for p in paths if p.split("/")[2] == kind]

    def run() -> None:
        for url in urls:
            with app.test_request_context(url, headers={"Accept": "text/html"}):
                app.full_dispatch_request().get_data()

    run()
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(45)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="a build")
    parser.add_argument("--per-kind", type=int, default=40, help="documents of each kind [%(default)s]")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds, the best kept [%(default)s]")
    parser.add_argument("--peer", type=Path, help="a checkout of other code to time the same way")
    parser.add_argument("--code", type=Path, default=HERE.parents[1], help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export-memo", action="store_true",
                        help="keep a document's description for its other language, as `bdp export` does")
    parser.add_argument("--profile", metavar="KIND:LANG", help="cProfile the pages of one kind instead")
    args = parser.parse_args(argv)
    paths = sample(args.out, args.per_kind)
    if args.profile:
        profile(args.code, args.out, paths, args.profile)
        return
    if args.json:
        print(json.dumps(time_pages(args.code, args.out, paths, 1, args.export_memo)))
        return
    codes = {"this": args.code, **({"peer": args.peer} if args.peer else {})}
    best: dict[str, dict[str, float]] = {name: {} for name in codes}
    for _ in range(args.rounds):        # alternating: each in its own process, the load seen by both
        for name, code in codes.items():
            child = subprocess.run([sys.executable, str(HERE), "--out", str(args.out), "--per-kind",
                                    str(args.per_kind), "--code", str(code), "--json",
                                    *(["--export-memo"] if args.export_memo else [])],
                                   capture_output=True, text=True, check=True)
            for key, ms in json.loads(child.stdout.splitlines()[-1]).items():
                best[name][key] = min(best[name].get(key, ms), ms)
    counts = {k: sum(1 for p in paths if p.split("/")[2] == k) for k in {p.split("/")[2] for p in paths}}
    print(f"{args.out}: CPU ms a page (best of {args.rounds} rounds), {args.per_kind} documents a kind at most"
          + (", descriptions kept across the two languages (as bdp export)" if args.export_memo else ""))
    print(f"  {'kind':<14}{'lang':<6}{'pages':>6}" + "".join(f"{n:>10}" for n in codes)
          + ("     ratio" if args.peer else ""))
    for key in sorted(best["this"]):
        kind, lang = key.split()
        row = f"  {kind:<14}{lang:<6}{counts[kind]:>6}" + "".join(f"{best[n][key]:>10.2f}" for n in codes)
        if args.peer:
            row += f"{best['peer'][key] / best['this'][key]:>9.2f}x"
        print(row)


if __name__ == "__main__":
    main()
