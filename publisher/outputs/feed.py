"""The change feed: what each build created, updated and deleted, as a Linked Data Event Stream (W3C
community group LDES over TREE), written into OUT/feed/ and carried from build to build.

Each build adds pages of at most MEMBERS_PER_PAGE members. A member is a version of a practice or an
organisation, `{base}version/{type}/{key}/{build}`, typed as:Create, as:Update or as:Delete, with
`dct:isVersionOf` the resource and `prov:generatedAtTime` the build's time; the triples of a created or
updated resource's record (cut from the dump by records.json's lengths) are the member's named graph. Pages
link forward with `tree:GreaterThanOrEqualToRelation` on prov:generatedAtTime; the last page of a build
gets its relation appended when the next build adds pages, so earlier pages never change and a harvester
that read the stream before fetches only the new pages (and the page it stopped at, which now links on).

The stream (`feed/` -> feed/index) names its first page as its view; pages of the `keep` latest builds that
changed something are kept (ldes:PointInTimePolicy: older versions are in the dump, not in the stream).

Files in TriG, written as text (the records' N-Triples are valid inside a TriG graph block), with URLs
under `public` (the server rebases them, and gives N-Quads from them on request): feed/index.trig,
feed/{page}.trig; feed/builds.json lists the retained builds and their pages. One format on disk: the
first build's pages hold every record (at 5,000 practices TriG and N-Quads together took 138 MB)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

FEED = "feed"
BUILDS = "builds.json"
MEMBERS_PER_PAGE = 1000
SUFFIXES = ("trig",)

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT = "http://purl.org/dc/terms/"
PROV_TIME = "http://www.w3.org/ns/prov#generatedAtTime"
AS = "https://www.w3.org/ns/activitystreams#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
LDES_SPEC = "https://w3id.org/ldes/specification"
KINDS = {"created": "Create", "updated": "Update", "deleted": "Delete"}


def stream_url(public: str) -> str:
    return public + FEED + "/"


def _page_url(public: str, name: str) -> str:
    return f"{public}{FEED}/{name}"


def _time(value: str) -> str:
    return f'"{value}"^^<{XSD_DATETIME}>'


def _member_iri(base: str, kind: str, key: str, built: str) -> str:
    return f"{base}version/{kind}/{key}/{built.replace('-', '').replace(':', '')}"


class _Page:
    """One page's TriG: default-graph triples and members' graphs."""

    def __init__(self) -> None:
        self.trig: list[str] = []

    def triple(self, s: str, p: str, o: str) -> None:
        self.trig.append(f"{s} {p} {o} .\n")

    def graph(self, name: str, nt: str) -> None:
        if nt:
            self.trig.append(f"{name} {{\n{nt}}}\n")

    def write(self, folder: Path, name: str) -> None:
        (folder / f"{name}.trig").write_text("".join(self.trig), encoding="utf-8")


def _relation(public: str, page: str, target: str, value: str) -> _Page:
    rel = f"<{_page_url(public, page)}#next>"
    p = _Page()
    p.triple(f"<{_page_url(public, page)}>", f"<{TREE}relation>", rel)
    p.triple(rel, f"<{RDF_TYPE}>", f"<{TREE}GreaterThanOrEqualToRelation>")
    p.triple(rel, f"<{TREE}node>", f"<{_page_url(public, target)}>")
    p.triple(rel, f"<{TREE}path>", f"<{PROV_TIME}>")
    p.triple(rel, f"<{TREE}value>", _time(value))
    return p


def _record_texts(out: Path, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The N-Triples of the wanted (kind, key) records, cut from the dump by records.json's byte lengths
    (the records come first in the dump, in records.json's order)."""
    doc = orjson.loads((out / "records.json").read_bytes())
    columns = doc["columns"]
    kind_i, key_i, length_i = columns.index("kind"), columns.index("key"), columns.index("nt_length")
    found: dict[tuple[str, str], str] = {}
    with gzip.open(out / "dumps" / "bdp.nt.gz", "rb") as dump:
        for row in doc["records"]:
            text = dump.read(row[length_i])
            if (row[kind_i], row[key_i]) in wanted:
                found[(row[kind_i], row[key_i])] = text.decode("utf-8")
                if len(found) == len(wanted):
                    break
    return found


def _members(changes: dict[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    for change in KINDS:
        for entry in changes.get(change, []):
            yield change, entry


def _previous(previous: Path | None) -> list[dict[str, Any]]:
    try:
        return json.loads((previous / FEED / BUILDS).read_text(encoding="utf-8"))["builds"]  # type: ignore[operator]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write_feed(out: Path, previous: Path | None, public: str, base: str, keep: int,
               texts: dict[tuple[str, str], bytes] | None = None) -> list[str]:
    """Write OUT/feed/ for the build in `out` (its changes.json, records.json and dump), carrying the pages
    of `previous`/feed (the build being replaced) forward. Returns the names of the pages this build added.
    `texts`: the N-Triples of at least each created or updated (kind, key), when the caller has them (an
    incremental build), so that the dump is not read through to find them."""
    changes = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    folder = out / FEED
    folder.mkdir(exist_ok=True)
    builds = _previous(previous) if previous is not None and previous.resolve() != out.resolve() else []
    built = changes["build"]
    members = list(_members(changes))
    added: list[str] = []
    if members:
        seq = (builds[-1]["seq"] + 1) if builds else 1
        stamp = built.replace("-", "").replace(":", "")
        wanted = {(e["kind"], e["key"]) for change, e in members if change != "deleted"}
        found = ({k: texts[k].decode("utf-8") for k in wanted} if texts is not None and wanted <= texts.keys()
                 else _record_texts(out, wanted))
        stream = f"<{stream_url(public)}>"
        for start in range(0, len(members), MEMBERS_PER_PAGE):
            name = f"{stamp}-{seq}-{start // MEMBERS_PER_PAGE + 1}"
            page = _Page()
            page.triple(f"<{_page_url(public, name)}>", f"<{RDF_TYPE}>", f"<{TREE}Node>")
            for change, entry in members[start:start + MEMBERS_PER_PAGE]:
                member = f"<{_member_iri(base, entry['kind'], entry['key'], built)}>"
                page.triple(stream, f"<{TREE}member>", member)
                page.triple(member, f"<{RDF_TYPE}>", f"<{AS}{KINDS[change]}>")
                page.triple(member, f"<{DCT}isVersionOf>", f"<{entry['iri']}>")
                page.triple(member, f"<{PROV_TIME}>", _time(built))
                if change != "deleted":
                    page.graph(member, found.get((entry["kind"], entry["key"]), ""))
            added.append(name)
            pages_so_far = added
            if len(pages_so_far) > 1:          # the page before links on to this one
                _append(folder, pages_so_far[-2], _relation(public, pages_so_far[-2], name, built))
            page.write(folder, name)
        builds.append({"build": built, "seq": seq, "pages": added})
    kept = builds[-keep:] if keep > 0 else []
    for entry in kept:
        for name in entry["pages"]:
            if name in added:
                continue
            for suffix in SUFFIXES:
                source = previous / FEED / f"{name}.{suffix}"  # type: ignore[operator]
                target = folder / f"{name}.{suffix}"
                if entry is kept[-2 if added else -1] and name == entry["pages"][-1] and added:
                    shutil.copyfile(source, target)     # the old head: its relation is appended below
                else:
                    _link(source, target)
    if added and len(kept) > 1:
        head = kept[-2]["pages"][-1]
        _append(folder, head, _relation(public, head, added[0], built))
    _index(folder, public, kept)
    (folder / BUILDS).write_text(json.dumps({"builds": kept}, indent=1) + "\n", encoding="utf-8")
    return added


def _link(source: Path, target: Path) -> None:
    """Unchanged pages are hard links to the previous build's (the swap removes the old directory)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _append(folder: Path, name: str, extra: _Page) -> None:
    with open(folder / f"{name}.trig", "a", encoding="utf-8") as f:
        f.write("".join(extra.trig))


def _index(folder: Path, public: str, kept: list[dict[str, Any]]) -> None:
    stream = f"<{stream_url(public)}>"
    page = _Page()
    page.triple(stream, f"<{RDF_TYPE}>", f"<{LDES}EventStream>")
    page.triple(stream, f"<{LDES}timestampPath>", f"<{PROV_TIME}>")
    page.triple(stream, f"<{LDES}versionOfPath>", f"<{DCT}isVersionOf>")
    page.triple(stream, f"<{LDES}versionCreateObject>", f"<{AS}Create>")
    page.triple(stream, f"<{LDES}versionUpdateObject>", f"<{AS}Update>")
    page.triple(stream, f"<{LDES}versionDeleteObject>", f"<{AS}Delete>")
    page.triple(stream, f"<{DCT}conformsTo>", f"<{LDES_SPEC}>")
    if kept:
        policy = f"<{stream_url(public)}#retention>"
        page.triple(stream, f"<{LDES}retentionPolicy>", policy)
        page.triple(policy, f"<{RDF_TYPE}>", f"<{LDES}PointInTimePolicy>")
        page.triple(policy, f"<{LDES}pointInTime>", _time(kept[0]["build"]))
        first = f"<{_page_url(public, kept[0]['pages'][0])}>"
        page.triple(stream, f"<{TREE}view>", first)
        page.triple(first, f"<{RDF_TYPE}>", f"<{TREE}Node>")
    page.write(folder, "index")
