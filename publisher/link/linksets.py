"""Linkset files: `data/links/*.ttl`, Turtle holding links from our organisations and places to the same
things in other datasets (`owl:sameAs wd:Q...`), reviewed by an editor and committed with the records.

The build reads every file (not the `suggestions/` folder beneath), checks that each triple links one of
our organisations or places to an http(s) IRI outside our base with a link property, and appends the
triples to the dump and the store like the ontology's. Subject IRIs may be written relative to the base
(`<id/organisation/powiat-tczewski>`), so that one file serves a build under any `base_uri`.

Writing: `write_linkset` writes a file whole or not at all (a temporary file renamed over the target)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from rdflib import Graph, URIRef
from rdflib.plugins.serializers.nt import _nt_row

from publisher.errors import SourceError
from publisher.iris import mint
from publisher.namespaces import PREFIXES
from publisher.read.catalog import LINK_PROPERTIES

LINKS_DIR = "links"


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


def link_predicates() -> frozenset[str]:
    """The properties a linkset may use: those VoID counts as links (publisher/read/catalog.py)."""
    return frozenset(_expand(c) for c in LINK_PROPERTIES)


@dataclass
class Linksets:
    """The linkset files of a data directory, checked: their N-Triples and the number of links per file."""

    nt: str = ""
    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)     # file name -> its N-Triples lines

    @property
    def count(self) -> int:
        return sum(self.files.values())

    def write(self, directory: Path) -> None:
        """Each linkset as N-Triples with absolute IRIs, `directory/NAME.nt`: published beside the dumps and
        described in VoID (publisher/dataset/linksets.py)."""
        if not self.rows:
            return
        directory.mkdir(parents=True, exist_ok=True)
        for name, rows in self.rows.items():
            (directory / (Path(name).stem + ".nt")).write_text("".join(rows), encoding="utf-8")


def our_subjects(records: Iterable, base: str) -> frozenset[str]:
    """IRIs a linkset may describe: every organisation, and the place of every practice that has one."""
    found = set()
    for rec in records:
        if rec.kind == "organisation":
            found.add(mint(base, "organisation", rec.key))
        elif rec.kind == "practice" and rec.data.get("place"):
            found.add(mint(base, "place", rec.key))
    return frozenset(found)


def _line_of(text: str, iri: str, base: str) -> int | None:
    """The first line that names `iri` (written whole or relative to the base), for messages."""
    needles = ("<" + iri + ">", "<" + iri[len(base):] + ">") if iri.startswith(base) else ("<" + iri + ">",)
    for number, line in enumerate(text.splitlines(), 1):
        if any(n in line for n in needles):
            return number
    return None


def read_linkset(path: Path, base: str, subjects: frozenset[str]) -> list[tuple]:
    """The triples of one linkset file; SourceError naming the file (and line) on the first bad one."""
    text = path.read_text(encoding="utf-8")
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises BadSyntax, ValueError, ... for malformed Turtle
        line = getattr(exc, "lines", None)
        reason = str(getattr(exc, "_why", "") or exc).splitlines()[0]
        raise SourceError(str(path), f"not valid Turtle: {reason}", line=line + 1 if line is not None else None
                          ) from None
    predicates = link_predicates()
    triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    for s, p, o in triples:
        if not isinstance(s, URIRef) or str(s) not in subjects:
            problem = (f"{s.n3()} is none of our organisations or places ({base}id/organisation/KEY or "
                       f"{base}id/place/PRACTICE-KEY)")
        elif str(p) not in predicates:
            problem = f"{p.n3()} is not a link property; use one of {', '.join(sorted(predicates))}"
        elif not isinstance(o, URIRef) or urlsplit(str(o)).scheme not in ("http", "https") \
                or str(o).startswith(base):
            problem = f"{o.n3()} is not an http(s) IRI of another dataset"
        else:
            continue
        raise SourceError(str(path), problem, line=_line_of(text, str(s), base))
    return triples


def read_linksets(data_dir: Path, base: str, records: Iterable) -> Linksets:
    """Every `data_dir/links/*.ttl`, checked against the records, as N-Triples for the build."""
    found = Linksets()
    paths = sorted((data_dir / LINKS_DIR).glob("*.ttl"))
    if not paths:
        return found
    subjects = our_subjects(records, base)
    for path in paths:
        triples = read_linkset(path, base, subjects)
        found.files[path.name] = len(triples)
        found.rows[path.name] = [_nt_row(t) for t in triples]
    found.nt = "".join(row for rows in found.rows.values() for row in rows)
    return found


def write_atomically(path: Path, text: str) -> None:
    """`text` into `path` whole, or nothing: a temporary file beside it, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Link:
    subject: str                 # our IRI, relative to the base: id/organisation/KEY
    predicate: str               # a CURIE of the prefix table, e.g. owl:sameAs
    target: str                  # the other dataset's IRI
    comment: str = ""            # for the reviewer: what matched


def turtle(links: Iterable[Link], header: list[str], prefixes: dict[str, str]) -> str:
    """A linkset as Turtle for people: a commented header, prefixes, one link per line, sorted."""
    out = [f"# {line}".rstrip() for line in header]
    used = {"owl": PREFIXES["owl"], "skos": PREFIXES["skos"], **prefixes}
    out += [""] + [f"@prefix {p}: <{ns}> ." for p, ns in used.items()] + [""]

    def term(iri: str) -> str:
        for p, ns in prefixes.items():
            local = iri[len(ns):]
            if iri.startswith(ns) and local.replace("_", "").isalnum():
                return f"{p}:{local}"
        return f"<{iri}>"
    for link in sorted(set(links), key=lambda x: (x.subject, x.predicate, x.target)):
        comment = " ".join(link.comment.split())
        out.append(f"<{link.subject}> {link.predicate} {term(link.target)} .{'  # ' + comment if comment else ''}")
    return "\n".join(out) + "\n"
