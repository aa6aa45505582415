"""The /doc/ documents of `bdp export` (publisher.web.export): each resource in every representation, from
the functions `bdp serve`'s view calls (publisher.web.documents: read_document, graph_body, html_body), not
through a request per representation: each page's description is read once from the store's indexes and
written six ways, by forked worker processes over chunks of resources (each opens the store read-only).
`{path}.{ttl,jsonld,rdf,nt}` and `{path}.html.{pl,en}`, later pages `{path}.p{N}.…` (the language last, as
Apache's MultiViews wants it)."""

from __future__ import annotations

import contextvars
import gc
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

import pyoxigraph as ox
from werkzeug.exceptions import HTTPException
from werkzeug.routing import UnicodeConverter
from werkzeug.test import EnvironBuilder

from publisher.formats import GRAPH_FORMATS
from publisher.read.quads import AllLabels, all_labels
from publisher.web.export_feed import write_atomic as _write

HTML_LANGS = ("pl", "en")
MAX_PAGE = 1_000_000
CHUNK = 200
# Every label of the store is read before the workers start (read.quads.all_labels: a read of each label
# triple) when the documents are at least 1/LABELS_AHEAD of the build's triples: a whole export names most
# labelled resources, each many times; a few changed documents look up the few they name.
LABELS_AHEAD = 100


def app_for(settings: Any) -> Any:
    from publisher.web import create_app

    return create_app(settings)


def file_name(path: str, suffix: str, page: int = 1) -> str:
    return f"{path}.{suffix}" if page == 1 else f"{path}.p{page}.{suffix}"


class Files:
    """Writes the files of an export. Over a site that may be live (`atomic`) each file is written beside
    and renamed in; into a fresh tree plainly, each folder made once."""

    def __init__(self, dest: Path, atomic: bool) -> None:
        self.dest, self.atomic, self.made = dest, atomic, set[str]()
        self.root = str(dest) + "/"

    def write(self, name: str, body: bytes) -> None:
        if self.atomic:
            _write(self.dest / name, body)
            return
        target = self.root + name
        folder = target.rpartition("/")[0]
        if folder not in self.made:
            os.makedirs(folder, exist_ok=True)
            self.made.add(folder)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def write_document(app: Any, files: Files, path: str, public: str) -> int:
    """Every representation of the /doc/ document at `path` (e.g. 'doc/practice/k') and of each of its
    later pages, from the functions `bdp serve`'s view calls (publisher.web.documents), without a request
    per representation: each page's description read once, serialised four ways, and rendered for people
    in the kept request context of each language (Contexts). Returns the files written."""
    from publisher.read.cards import ORGANISATION_PAGE
    from publisher.read.resources import Page, with_extra
    from publisher.web import settings, site_store
    from publisher.web.documents import html_body, page_extra, read_document
    from publisher.web.render import alternates

    contexts = Contexts.of(app, public)
    first, written = contexts.run(HTML_LANGS[0], path, 1, _write_graphs, files, path)
    if first is None:
        return 0
    iri, url = app.config["BDP"].base_uri + "id/" + path[4:], public + path
    # An organisation's later pages list more of its practices (html_body pages them by `d.page.number`),
    # and show nothing of the links that the description pages: the first page's description (and its
    # extra), its page number changed, serves them all.
    asked, formats = page_extra(iri), alternates(lambda suffix: f"{url}.{suffix}")
    d = first

    def page(lang: str, number: int) -> tuple[str | None, Any]:
        nonlocal d
        if lang == HTML_LANGS[0] and number > 1 and asked is ORGANISATION_PAGE:
            d = replace(d, page=Page(number, d.page.size, d.page.total))
        elif lang == HTML_LANGS[0]:
            d = first if number == 1 else read_document(iri, number)
            if asked is not None:
                d = with_extra(site_store(), d, asked, settings().row_cap)
        return html_body(d, url, formats, asked)

    name, number, more = unquote(path), 1, bool(HTML_LANGS)
    while more:                                   # the pages for people (an organisation's: its practices)
        more = False
        for lang in HTML_LANGS:
            body, where = contexts.run(lang, path, number, page, lang, number)
            if body is None:
                return written
            files.write(file_name(name, f"html.{lang}", number), body.encode())
            written, more = written + 1, where.next is not None and number < MAX_PAGE
        number += 1
    return written


def _write_graphs(files: Files, path: str) -> tuple[Any, int]:
    """The RDF files of the document at `path`, every page of its links; (its first page's description,
    None when there is no such resource; the files written)."""
    from publisher.web import settings
    from publisher.web.documents import graph_bodies, read_document

    base = settings().base_uri
    iri, doc_iri, name = base + "id/" + path[4:], base + path, unquote(path)
    first = d = read_document(iri, 1)
    if not first.found:
        return None, 0
    written, number = 0, 1
    while d.page.exists:                          # the RDF: the links paged
        for fmt, graph in zip(GRAPH_FORMATS, graph_bodies(d, doc_iri, GRAPH_FORMATS), strict=True):
            files.write(file_name(name, fmt.suffix, number), graph)
            written += 1
        if d.page.next is None or number >= MAX_PAGE:
            break
        number += 1
        d = read_document(iri, number)
    return first, written


class Contexts:
    """A request context per language, pushed once (with an app context of its own, the request
    preprocessed: `g` holds the language and Babel's choice of it) in a contextvars.Context kept for the
    whole export, and entered for each page. Pages differ only in their path and `page` parameter: each
    gets a Request of its own (what request.path, base_url and args say) with its route matched; the rest
    is made once — pushing, preprocessing and popping a context for every page and language cost more
    than reading the page's resource did. A page's query string never holds `lang`, so the language
    chosen first holds."""

    def __init__(self, app: Any, public: str) -> None:
        self.app, self.public = app, public
        self.kept: dict[str, tuple[contextvars.Context, Any]] = {}
        self.asked: dict[str, tuple[str, int]] = {}     # each language's request now: (path, page)
        self.matched: tuple[str, Any] = ("", None)       # the last path's (rule, its arguments)
        self.folders: dict[str, tuple[Any, dict[str, Any], str]] = {}   # (_match)
        self.shapes: dict[str, str] = {}

    @classmethod
    def of(cls, app: Any, public: str) -> Contexts:
        """The app's contexts for the public base `public`, made on first use."""
        kept = app.extensions.setdefault("bdp_export_contexts", {})
        found = kept.get(public)
        if found is None:
            found = kept[public] = cls(app, public)
        return found

    def enter(self, lang: str, path: str, page: int) -> contextvars.Context:
        """The context of `lang`, its request now a browser's GET of /{path}?page={page}: to run in."""
        found = self.kept.get(lang)
        if found is not None and self.asked.get(lang) == (path, page):
            return found[0]                          # (the RDF, then the same page for people)
        environ = _environ(self.public, lang, path, page)
        if found is None:
            found = self.kept[lang] = self._open(environ)
        request = self.app.request_class(environ)
        request.json_module = self.app.json           # as RequestContext makes its request
        if self.matched[0] != path:                   # the route, as RequestContext.match_request finds it
            self.matched = (path, self._match(found[1].url_adapter, request.path))
        if isinstance(self.matched[1], HTTPException):
            request.routing_exception = self.matched[1]
        else:
            request.url_rule, request.view_args = self.matched[1]
        found[1].request, self.asked[lang] = request, (path, page)
        return found[0]

    def _match(self, adapter: Any, url_path: str) -> tuple[Any, dict[str, Any]] | HTTPException:
        """The rule and arguments Werkzeug matches for `url_path`. The documents of a folder (/doc/practice/
        ...) all take the one rule under /doc/, its last argument the last segment: once Werkzeug has
        matched a folder's first document so, its others are answered by replacing that argument,
        without walking Werkzeug's matcher again (8 µs a document, half the cost of entering)."""
        folder, _, last = url_path.rpartition("/")
        known = self.folders.get(folder)
        if known is not None and last:
            rule, args, name = known
            return rule, {**args, name: last}
        try:
            rule, args = adapter.match(url_path, method="GET", return_rule=True)
        except HTTPException as e:
            return e
        argument = self._last_argument(rule)
        if argument is not None and args.get(argument) == last and last:
            self.folders[folder] = (rule, {k: v for k, v in args.items() if k != argument}, argument)
        return rule, args

    def _last_argument(self, rule: Any) -> str | None:
        """The name of `rule`'s last argument when it is the only rule under its first segment (/doc/)
        and that argument is a whole segment of any text (Werkzeug's default converter): then any last
        segment in a folder it matched takes it. None otherwise."""
        found = self.shapes.get(rule.rule)
        if found is None:
            head = rule.rule.split("/")[1] + "/"
            rivals = [r for r in self.app.url_map.iter_rules() if r.rule[1:].startswith(head)]
            last = rule.rule.rpartition("/")[2]
            name = last[1:-1] if last.startswith("<") and last.endswith(">") and ":" not in last else ""
            plain = name and type(rule._converters.get(name)) is UnicodeConverter
            found = self.shapes[rule.rule] = name if plain and rivals == [rule] else ""
        return found or None

    def run(self, lang: str, path: str, page: int, call: Callable[..., Any], *args: Any) -> Any:
        return self.enter(lang, path, page).run(call, *args)

    def _open(self, environ: dict[str, Any]) -> tuple[contextvars.Context, Any]:
        context, request_context = contextvars.copy_context(), self.app.request_context(environ)

        def push() -> None:
            self.app.app_context().push()     # its own `g`, whatever context the caller is in
            request_context.push()
            self.app.preprocess_request()
        context.run(push)
        return context, request_context


_ENVIRONS: dict[tuple[str, str], dict[str, Any]] = {}


def _environ(public: str, lang: str, path: str, page: int) -> dict[str, Any]:
    """The WSGI environ of a browser's GET of /{path}?page={page} in `lang`: what test_request_context
    builds, made once a language and copied rather than built again for every page."""
    made = _ENVIRONS.get((public, lang))
    if made is None:
        made = _ENVIRONS[(public, lang)] = EnvironBuilder(
            path="/", base_url=public, headers=[("Accept", "text/html"), ("Accept-Language", lang)]).get_environ()
    environ = dict(made)
    query = f"page={page}" if page > 1 else ""
    script = environ["SCRIPT_NAME"]
    environ["PATH_INFO"] = unquote_to_bytes("/" + path).decode("latin-1")
    environ["QUERY_STRING"] = query
    environ["REQUEST_URI"] = environ["RAW_URI"] = f"{script}/{path}" + (f"?{query}" if query else "")
    return environ


_worker: dict[str, Any] = {}


def _init(settings: Any, dest: str, base_url: str, atomic: bool, labels: dict | None = None) -> None:
    """A worker's app and files; `labels` (read.quads.all_labels, read before the fork): the labels its
    documents name, kept in the app's build cache where read_document looks them up."""
    app = app_for(settings)
    if labels is not None:
        from publisher.web import build_cache

        with app.app_context():
            build_cache()["linked_labels"] = labels
    _worker.update(app=app, files=Files(Path(dest), atomic), base_url=base_url)


def _chunk(paths: list[str]) -> tuple[int, int]:
    w = _worker
    files = 0
    for path in paths:
        files += write_document(w["app"], w["files"], path, w["base_url"])
    return len(paths), files


def resources(store_dir: Path, base: str) -> Iterator[str]:
    """The /doc/ path of every typed resource under {base}id/, in the store's order."""
    store = ox.Store.read_only(str(store_dir))
    prefix, seen = base + "id/", set()
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for quad in store.quads_for_pattern(None, rdf_type, None, ox.DefaultGraph()):
        iri = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else ""
        if iri.startswith(prefix) and iri not in seen:
            seen.add(iri)
            yield "doc/" + iri[len(prefix):]


def _build_triples(settings: Any) -> int | None:
    """The triples of the build (its build.json), None when it does not say."""
    try:
        return int(json.loads((settings.out / "build.json").read_text(encoding="utf-8"))["triples"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _all_labels(settings: Any) -> AllLabels:
    return all_labels(ox.Store.read_only(str(settings.out / "store")))


def write_documents(settings: Any, dest: Path, paths: list[str], base_url: str, workers: int | None,
                    progress: Callable[[int, int], None] | None = None, atomic: bool = True,
                    read_ahead: bool | None = None, timings: dict[str, float] | None = None) -> tuple[int, int]:
    """The /doc/ documents at `paths`, in chunks over `workers` forked processes; `atomic`: DEST may be
    served while it is written (Files). `read_ahead`: read every label and the organisations' facts before
    the workers start, for all of them (None: each when a whole export's worth of documents is written,
    LABELS_AHEAD and NETWORK_TABLE_FROM; never for a remote store, whose documents are read by SPARQL);
    `timings` gets the seconds that took ("ahead": wall; "ahead_user", "ahead_system": the CPU of
    this process and of the child the table's read forks). Returns (documents, files)."""
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    done = files = 0
    pool: Any = None
    shared: Any = None
    try:
        started, cpu, labels = time.perf_counter(), os.times(), None
        if settings.store != "remote" and read_ahead is not False:
            triples = _build_triples(settings)
            if read_ahead or (triples is not None and len(paths) * LABELS_AHEAD >= triples):
                labels = _all_labels(settings)
            if read_ahead or sum(p.startswith("doc/organisation/") for p in paths) >= NETWORK_TABLE_FROM:
                shared = _share_network(settings, labels)
        if timings is not None:
            now = os.times()
            timings.update(ahead=time.perf_counter() - started,
                           ahead_user=now.user + now.children_user - cpu.user - cpu.children_user,
                           ahead_system=now.system + now.children_system - cpu.system - cpu.children_system)
        if (workers or os.cpu_count() or 1) == 1 or len(chunks) <= 1:
            _init(settings, str(dest), base_url, atomic, labels)
            results: Iterable[tuple[int, int]] = map(_chunk, chunks)
        else:
            gc.freeze()     # the labels and the network table shared with the workers: no collection writes them
            pool = multiprocessing.get_context("fork").Pool(workers or os.cpu_count(), _init,
                                                            (settings, str(dest), base_url, atomic, labels))
            gc.unfreeze()
            results = pool.imap_unordered(_chunk, chunks)
        for n, f in results:
            done, files = done + n, files + f
            if progress:
                progress(done, len(paths))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        _unshare_network(shared)
    return done, files


# The organisations' facts read in the parent, before the workers fork (read.network_table): worth its
# scan of the store when at least this many organisation pages are written (a whole export, not the few
# pages of an incremental one).
NETWORK_TABLE_FROM = 10_000          # where it pays back its time (bench/README.md, s9-org)


def _share_network(settings: Any, labels: AllLabels | None) -> Any:
    from publisher.read import network_table

    store_dir = settings.out / "store"
    table = network_table.read_table(ox.Store.read_only(str(store_dir)), store_dir, labels)
    return network_table.share(store_dir, table)


def _unshare_network(key: Any) -> None:
    from publisher.read import network_table

    if key is not None:
        network_table.unshare(key)
