"""Which Polish lemmatiser for the search index: morfeusz2 (SGJP dictionary) or simplemma, by measurement.

    .venv/bin/python -m bench.bench_lemma [--repeat 60]

Needs `pip install morfeusz2 simplemma` (neither is a dependency yet). For each library it prints:

- accuracy on tests/fixtures/lemmas-pl.tsv (form -> lemma checked by hand; sections text, search, caps,
  nodiac): *any* = the expected lemma is among the lemmas returned, *first* = it is the first (or only)
  one; case-insensitive (the index folds case). The forms typed without diacritics (section nodiac) are
  scored apart, strictly and after folding both sides as the index folds (fold_text: case, diacritics,
  ł -> l), since the index would fold after lemmatising;
- *match*: the fraction of pairs where a query word finds the indexed word, i.e. the folded lemmas of the
  form and of the lemma (the first expected) meet: *all* = any lemma of one among those of the other (index
  and query every lemma), *first* = first == first. For comparison, the index as it is (prefix match of
  the folded words): the lemma typed as a query word finds the form in a text when fold(form) starts with
  fold(lemma);
- index growth: folded lemmas per distinct word of the text, and the distinct index terms (folded
  forms and folded lemmas) per distinct folded form;
- throughput: words/s lemmatising the words of the seed page and the attachment, repeated --repeat times
  (one call per word, no cache: simplemma's own is turned off; the build would cache per distinct word);
- memory: the RSS a child process adds by importing the library, building the analyser and lemmatising one
  word, then after the whole test set and text (pages of the dictionary touched); one child per library;
  the file-backed part (RssFile: the mapped library, shared by every process) is shown apart;
- install size: the files of the installed distribution (importlib.metadata), and the load time."""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TSV = ROOT / "tests" / "fixtures" / "lemmas-pl.tsv"
TEXTS = [ROOT / "tests" / "fixtures" / "seed_page.txt",
         ROOT / "data" / "attachments" / "trzy-filary-opis-projektu.txt"]
WORD = re.compile(r"[^\W\d_]+")


# --- the libraries: name -> (distribution, factory of a `word -> [lemmas]` function) ----------------------

# Readings "pruned" drops (unless nothing else is left): archaic, rare, dialectal or incorrect words,
# surnames and first names (Filary, Giełda, Typa: homographs of common words), depreciative forms
# (praktyki as the plural of praktyk).
RARE = {"daw.", "przest.", "rzad.", "gwar.", "niepopr.", "niezal."}
PERSONS = {"nazwisko", "imię"}


def _morfeusz(pruned: bool = False):
    import morfeusz2
    m = morfeusz2.Morfeusz(generate=False)           # analysis only: the generator is not loaded

    def rare(tag: str, names: list[str], quals: list[str]) -> bool:
        return (any(q in RARE for qs in quals for q in qs.split(",")) or any(n in PERSONS for n in names)
                or tag.startswith("depr"))

    def lemmas(word: str) -> list[str]:
        found: list[str] = []
        kept: list[str] = []
        for start, _end, (_form, lemma, tag, names, quals) in m.analyse(word):
            if start != 0:
                continue                             # an agglutinate (-em, -by) after the first segment
            if tag == "ign":
                lemma = word                         # unknown to the dictionary: the form itself
            lemma = lemma.split(":", 1)[0]           # 'Giełda:Sf', 'zamek:s1' -> the word
            if lemma not in found:
                found.append(lemma)
            if pruned and not rare(tag, names, quals) and lemma not in kept:
                kept.append(lemma)
        return kept or found or [word]
    return lemmas


def _simplemma(greedy: bool = False, low_memory: bool = False):
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy

    # No result cache (simplemma's default is an lru_cache of 65536 words): throughput of real lookups.
    lemmatize = Lemmatizer(cache_max_size=0, lemmatization_strategy=DefaultStrategy(
        greedy=greedy, low_memory=low_memory)).lemmatize

    def lemmas(word: str) -> list[str]:
        return [lemmatize(word, "pl")]
    return lemmas


LIBS = {
    "morfeusz2": ("morfeusz2", _morfeusz),
    "morfeusz2 pruned": ("morfeusz2", lambda: _morfeusz(pruned=True)),
    "simplemma": ("simplemma", _simplemma),
    "simplemma greedy": ("simplemma", lambda: _simplemma(greedy=True)),
    "simplemma low_memory": ("simplemma", lambda: _simplemma(low_memory=True)),
}


# --- data ------------------------------------------------------------------------------------------------

def load_pairs(path: Path = TSV) -> list[tuple[str, str, list[str]]]:
    """(section, form, expected lemmas) of the test set."""
    pairs, section = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# section:"):
            section = line.split(":", 1)[1].strip()
        elif line.strip() and not line.startswith("#"):
            form, lemma = line.split("\t")
            pairs.append((section, form, lemma.split("|")))
    return pairs


def text_words() -> list[str]:
    return [w for p in TEXTS for w in WORD.findall(p.read_text(encoding="utf-8"))]


# --- the child: memory ------------------------------------------------------------------------------------

def _rss_kib(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(name: str) -> None:
    before, anon, file = _rss_kib(), _rss_kib("RssAnon"), _rss_kib("RssFile")
    t0 = time.perf_counter()
    lemmas = LIBS[name][1]()
    lemmas("współpracy")
    load = time.perf_counter() - t0
    first = _rss_kib()
    for _, form, expected in load_pairs():
        lemmas(form)
        lemmas(expected[0])
    for w in text_words():
        lemmas(w)
    print(json.dumps({"before": before, "first": first, "warm": _rss_kib(), "load_s": load,
                      "anon": _rss_kib("RssAnon") - anon, "file": _rss_kib("RssFile") - file}))


def memory(name: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.bench_lemma", "--child", name], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def install_size(dist: str) -> tuple[str, int]:
    d = md.distribution(dist)
    size = sum(f.locate().stat().st_size for f in d.files or () if f.locate().is_file())
    return d.version, size


# --- the parent: accuracy, matching, throughput ----------------------------------------------------------

def score(lemmas, pairs, fold) -> dict[str, float]:
    """Fractions (0..1) of the test pairs, by measure."""
    got = {}
    cells: dict[str, list[bool]] = {}

    def add(key: str, ok: bool) -> None:
        cells.setdefault(key, []).append(ok)

    def of(word: str) -> list[str]:
        if word not in got:
            got[word] = lemmas(word)
        return got[word]

    for section, form, expected in pairs:
        found = of(form)
        low = {e.lower() for e in expected}
        folded = {fold(e) for e in expected}
        any_ok, first_ok = any(x.lower() in low for x in found), found[0].lower() in low
        any_f, first_f = any(fold(x) in folded for x in found), fold(found[0]) in folded
        group = "nodiac" if section == "nodiac" else "typed"
        add(f"any {group}", any_ok)
        add(f"first {group}", first_ok)
        add(f"any {group} folded", any_f)
        add(f"first {group} folded", first_f)
        if group == "typed":
            add(f"any {section}", any_ok)
            add(f"first {section}", first_ok)
        query = of(expected[0])
        add("match all", bool({fold(x) for x in found} & {fold(x) for x in query}))
        add("match first", fold(found[0]) == fold(query[0]))
        add(f"match all {group}", bool({fold(x) for x in found} & {fold(x) for x in query}))
        add("prefix", fold(form).startswith(fold(expected[0])))
    return {k: sum(v) / len(v) for k, v in cells.items()} | {"n": len(pairs)}


def index_growth(lemmas, words: list[str], fold) -> tuple[float, float]:
    """Over the distinct words of the text: folded lemmas per word, and the index terms (folded surface
    forms and folded lemmas) per distinct surface form."""
    forms = {fold(w) for w in words}
    distinct = set(words)
    per_word = sum(len({fold(x) for x in lemmas(w)}) for w in distinct) / len(distinct)
    terms = forms | {fold(x) for w in distinct for x in lemmas(w)}
    return per_word, len(terms) / len(forms)


def throughput(lemmas, words: list[str], repeat: int) -> float:
    run = words * repeat
    t0 = time.perf_counter()
    for w in run:
        lemmas(w)
    return len(run) / (time.perf_counter() - t0)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _cell(key: str):
    return lambda r: _pct(r[4][key])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_lemma", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=60, help="times the text is lemmatised [%(default)s]")
    parser.add_argument("--libs", default=",".join(LIBS), help="[%(default)s]")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    from publisher.polish import fold_text as fold

    pairs = load_pairs()
    words = text_words()
    sections = sorted({s for s, _, _ in pairs})
    counts = {s: sum(1 for p in pairs if p[0] == s) for s in sections}
    print(f"test set: {len(pairs)} forms ({', '.join(f'{s} {n}' for s, n in counts.items())}); "
          f"text: {len(words)} words x {args.repeat}")
    rows = []
    for name in args.libs.split(","):
        dist = LIBS[name][0]
        version, size = install_size(dist)
        mem = memory(name)
        lemmas = LIBS[name][1]()
        s = score(lemmas, pairs, fold)
        wps = throughput(lemmas, words, args.repeat)
        rows.append((name, version, size, mem, s, wps, index_growth(lemmas, words, fold)))
        print(f"  {name}: done", file=sys.stderr, flush=True)
    measures = [
        ("version", lambda r: r[1]),
        ("installed size", lambda r: f"{r[2] / 2**20:.1f} MiB"),
        ("RSS added: import + first call", lambda r: f"{(r[3]['first'] - r[3]['before']) / 1024:.1f} MiB"),
        ("RSS added: after test set + text", lambda r: f"{(r[3]['warm'] - r[3]['before']) / 1024:.1f} MiB"),
        ("  of which file-backed (shared between processes)", lambda r: f"{r[3]['file'] / 1024:.1f} MiB"),
        ("load time (import + first call)", lambda r: f"{r[3]['load_s'] * 1000:.0f} ms"),
        ("throughput, words/s (no cache)", lambda r: f"{r[5]:,.0f}"),
        ("folded lemmas per distinct text word", lambda r: f"{r[6][0]:.2f}"),
        ("index terms (forms + lemmas) / forms", lambda r: f"{r[6][1]:.2f}"),
        *[(f"any lemma right: {sec}", _cell(f"any {sec}")) for sec in sections if sec != "nodiac"],
        ("any lemma right: all typed with diacritics", lambda r: _pct(r[4]["any typed"])),
        ("first lemma right: all typed with diacritics", lambda r: _pct(r[4]["first typed"])),
        ("  the same, folded", lambda r: f"{_pct(r[4]['any typed folded'])} / {_pct(r[4]['first typed folded'])}"),
        ("nodiac: any / first, strict", lambda r: f"{_pct(r[4]['any nodiac'])} / {_pct(r[4]['first nodiac'])}"),
        ("nodiac: any / first, folded", lambda r: f"{_pct(r[4]['any nodiac folded'])} / "
                                               f"{_pct(r[4]['first nodiac folded'])}"),
        ("match, all lemmas (typed / nodiac)", lambda r: f"{_pct(r[4]['match all typed'])} / "
                                                      f"{_pct(r[4]['match all nodiac'])}"),
        ("match, all lemmas (whole set)", lambda r: _pct(r[4]["match all"])),
        ("match, first lemma only (whole set)", lambda r: _pct(r[4]["match first"])),
    ]
    print()
    print("| measure | " + " | ".join(r[0] for r in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for label, cell in measures:
        print(f"| {label} | " + " | ".join(cell(r) for r in rows) + " |")
    print(f"\nthe index as it is (prefix match, lemma typed -> form in text): {_pct(rows[0][4]['prefix'])} "
          "of the whole set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
