"""`bdp export`: the site as static files, rendered by the same app `bdp serve` runs, so that a static server
answers with the same bytes. Every document under /doc/ (each page of its links) is written once per
representation: `{path}.{ttl,jsonld,rdf,nt}` and `{path}.html.{pl,en}` (later pages `{path}.p{N}.…`; the
language last, as Apache's MultiViews wants it); the
/def/ documents, the shapes, the catalogue and VoID likewise; dumps are hard links; the sitemaps, robots.txt,
the landing page and the static assets are written as served, the change feed from the build's files
(export_feed.py). The search, lists, map,
canned questions and SPARQL need the server: the static site answers them with a page that says so.
nginx and Apache httpd configurations that negotiate among these files come from publisher.web.servers.

The /doc/ documents are written by publisher.web.export_documents, from the functions `bdp serve`'s view
calls, without a request per representation; the few hundred /def/ documents through the app's dispatch.
With `changed` (IRIs), only the documents of those resources are rewritten and those of deleted ones
removed; the caller works out what a change touches (publisher.commands.export)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from publisher.dataset.facts import load_facts, public_prefix
from publisher.formats import DOCUMENT_FORMATS, GRAPH_FORMATS
from publisher.web.export_documents import HTML_LANGS as HTML_LANGS
from publisher.web.export_documents import MAX_PAGE, app_for, file_name
from publisher.web.export_documents import resources as resources
from publisher.web.export_documents import write_documents as write_documents
from publisher.web.export_feed import write_atomic as _write
from publisher.web.export_feed import write_feed_pages

# (file suffix, request headers): one file per representation of a negotiated document.
REPRESENTATIONS: tuple[tuple[str, dict[str, str]], ...] = (
    *((f.suffix, {"Accept": f.media_type}) for f in GRAPH_FORMATS),
    *((f"html.{lang}", {"Accept": "text/html", "Accept-Language": lang}) for lang in HTML_LANGS))
# Paths that need the server; the static site answers them with NOT_STATIC (404, saying so).
DYNAMIC = ("search", "browse", "map", "queries", "sparql", "lookup", "api")
NOT_STATIC = "_static/dynamic"
ERRORS = "_static/errors"


@dataclass
class ExportReport:
    documents: int = 0          # negotiated documents written (each in every representation)
    files: int = 0
    removed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def answer(app: Any, url: str, headers: dict[str, str], base_url: str) -> tuple[int, bytes, str]:
    """(status, body, Link header) of a GET of `url` as `bdp serve` answers it: the app's own dispatch with
    its before- and after-request hooks, in a request context, without a test client's WSGI round trip."""
    with app.test_request_context(url, headers=headers, base_url=base_url):
        response = app.full_dispatch_request()
        return response.status_code, response.get_data(), response.headers.get("Link", "")


def write_served(app: Any, dest: Path, path: str, base_url: str, max_pages: int = MAX_PAGE) -> int:
    """Every representation of the document at `path` and of each later page its Link header announces,
    through the app's dispatch (the /def/ documents: a few hundred); returns the files written."""
    written = 0
    for suffix, headers in REPRESENTATIONS:
        page = 1
        while True:
            url = "/" + path + (f"?page={page}" if page > 1 else "")
            status, body, link = answer(app, url, headers, base_url)
            if status != 200:
                break
            _write(dest / unquote(file_name(path, suffix, page)), body)
            written += 1
            if 'rel="next"' not in link or page >= max_pages:
                break
            page += 1
    return written


def write_site(settings: Any, dest: Path, base_url: str, workers: int | None = None) -> int:
    """Everything but the /doc/ documents: /def/, shapes, catalogue, VoID, dumps, sitemaps, robots.txt, the
    landing page, static assets, the change feed (`workers` processes convert its pages) and the error
    pages."""
    app = app_for(settings)
    client = app.test_client()
    files = 0

    def save(name: str, url: str, headers: dict[str, str] | None = None) -> None:
        nonlocal files
        response = client.get(url, headers=headers or {}, base_url=base_url)
        if response.status_code == 200:
            _write(dest / name, response.get_data())
            files += 1

    with app.app_context():
        for suffix, headers in REPRESENTATIONS:
            for path in ("def/index", "def/ontology", "shapes", "catalog"):
                save(file_name(path, suffix), "/" + path.replace("def/index", "def/"), headers)
            if suffix.startswith("html"):
                save(f"index.{suffix}", "/", headers)
        for f in GRAPH_FORMATS:
            save(f".well-known/void.{f.suffix}", "/.well-known/void", {"Accept": f.media_type})
        for path in _def_paths():     # first pages only: a theme's later pages list thousands of practices
            files += write_served(app, dest, path, base_url, max_pages=1)
        facts = load_facts(settings.out)
        for name in (facts.files if facts else {}):
            _link(settings.out / "dumps" / name, dest / "dumps" / name)
            files += 1
        save("sitemap.xml", "/sitemap.xml")
        for n in range(1, (facts.sitemaps if facts else 0) + 1):
            save(f"sitemap-{n}.xml", f"/sitemap-{n}.xml")
        save("robots.txt", "/robots.txt")
        if facts is not None:        # the files as served, without the app (export_feed.py)
            files += write_feed_pages(settings.out, dest, facts.public,
                                      public_prefix(settings.public_url or base_url), workers)
        static = Path(app.static_folder or "")
        shutil.copytree(static, dest / "static", dirs_exist_ok=True)
        files += sum(1 for _ in static.rglob("*"))
        files += _error_pages(app, dest, base_url)
    return files


def _def_paths() -> list[str]:
    """The /def/ documents: every ontology term and every vocabulary concept and scheme (from the files the
    build loads, not a scan of the store)."""
    from publisher.assets import ontology_graph
    from publisher.namespaces import ONTOLOGY_IRI, VOCAB_BASE

    paths = set()
    for subject in ontology_graph().subjects():
        iri = str(subject)
        if iri.startswith(VOCAB_BASE) and "/" in iri[len(VOCAB_BASE):]:
            paths.add("def/" + iri[len(VOCAB_BASE):])
        elif iri.startswith(ONTOLOGY_IRI + "#"):
            paths.add("def/ontology/" + iri[len(ONTOLOGY_IRI) + 1:])
    return sorted(paths)


def _error_pages(app: Any, dest: Path, base_url: str) -> int:
    """The error bodies the static server sends, in the one error shape; the path asked for is filled in
    by the server (an SSI echo of the request URI, entity- or URL-encoded)."""
    from flask import render_template

    from publisher.web.errors import TITLES

    offered = ", ".join(f.media_type for f in DOCUMENT_FORMATS)
    texts = {404: "there is no resource at @URI@ on this site",
             406: f"none of the requested media types is offered for @URI@; this resource is available as {offered}",
             400: "a query parameter of @URI@ is not valid here: format is one of "
                  + ", ".join(f.suffix for f in DOCUMENT_FORMATS) + "; page a page number (1 to 1000000); "
                  "lang one of " + ", ".join(HTML_LANGS)}
    note = ("@URI@ needs the dynamic server: search, lists, the map, the questions and SPARQL are not in the "
            "static copy; every document, the catalogue, the dumps and the change feed are")
    uri = {"entity": '<!--# echo var="request_uri" encoding="entity" -->',
           "url": '<!--# echo var="request_uri" encoding="url" -->'}
    count = 0
    for name, status, detail in [*((f"{ERRORS}/{k}", k, v) for k, v in texts.items()), (NOT_STATIC, 404, note)]:
        title = TITLES[status]
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        Path(f"{target}.txt").write_text(f"{status} {title}: {detail}\n".replace("@URI@", uri["entity"]),
                                         encoding="utf-8")
        body = json.dumps({"error": {"status": status, "title": title, "detail": detail}}, ensure_ascii=False)
        Path(f"{target}.json").write_text(body.replace("@URI@", uri["url"]) + "\n", encoding="utf-8")
        for lang in HTML_LANGS:
            with app.test_request_context("/", base_url=base_url, headers={"Accept-Language": lang}):
                app.preprocess_request()
                page = render_template("error.html", status=status, title=title, detail=detail)
            Path(f"{target}.html.{lang}").write_text(page.replace("@URI@", uri["entity"]), encoding="utf-8")
        count += 2 + len(HTML_LANGS)
    return count


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
