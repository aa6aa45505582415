"""Issue 17: `bdp export` writes the site as static files, and the shipped nginx configuration (a real nginx
from .ci/install-nginx) answers reads as `bdp serve` does. The dereferencing tests of test_resources.py run
here unchanged against nginx; a sample of URLs x Accept headers gets the same status, media type, bytes,
redirect and Vary from both servers; after a rebuild, an export rewrites only what the changes touch."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from publisher.commands.export import export
from publisher.config import load_settings
from publisher.formats import GRAPH_FORMATS, QUAD_FORMATS
from publisher.pipeline.build import build
from publisher.pipeline.incremental import build_changed
from publisher.web import create_app
from publisher.web.servers import nginx_conf
from tests.conftest import LiveServer, invoke_bdp, made_once
from tests.nginx import nginx_server
from tests.test_feed import pad

# The dynamic server's own assertions, collected here again with this module's `server` (nginx).
from tests.test_resources import (  # noqa: F401
    SEED,
    test_bad_page_numbers_are_400,
    test_bad_paths_are_refused_and_never_reach_a_file,
    test_def_serves_ontology_and_vocabularies_in_every_format,
    test_def_terms_and_concepts_dereference,
    test_each_rdf_format_parses_with_the_practice_as_subject,
    test_etag_and_last_modified_give_304,
    test_format_parameter_overrides_accept,
    test_head_answers_like_get_without_a_body,
    test_headers_vary_link_cors,
    test_html_parses_through_its_json_ld_with_the_practice_as_subject,
    test_id_answers_303_see_other_to_the_document,
    test_nothing_acceptable_is_406_listing_what_is_offered,
    test_page_past_the_end_is_404,
    test_q_values_are_honoured,
    test_shapes_are_served,
    test_suffix_overrides_accept,
    test_unknown_resource_is_404_in_the_negotiated_format,
)

PUBLIC = "http://static.bdp.test/"
RDF = {f.media_type: f.rdf_format for f in GRAPH_FORMATS} | {f.media_type: f.rdf_format for f in QUAD_FORMATS}
ACCEPTS = (None, "*/*", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples",
           "text/html", "text/plain", "application/xml", "application/x-turtle", "image/png", "text/*",
           "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "text/turtle;q=0.2, application/rdf+xml;q=0.8, text/html;q=0.5",
           "application/ld+json;q=0.3, application/n-triples;q=0.31", "application/ld+json;q=0, */*;q=0.1",
           "text/*;q=0.5, application/ld+json", "application/n-triples;q=0.7, text/turtle;q=0.7",
           "text/turtle; charset=utf-8, application/ld+json;q=0.9", "application/rdf+xml, */*;q=0.1",
           "TEXT/TURTLE", "application/json, text/plain, */*", "text/html;q=0.1, application/xml;q=0.05")


def _export_through_the_command(built: Path, folder: Path) -> None:
    done = invoke_bdp("export", str(folder / "site"), "--out", str(built), "--workers", "1", "--public-url", PUBLIC)
    (folder / "command.json").write_text(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                                     "stderr": done.stderr}), encoding="utf-8")


@pytest.fixture(scope="module")
def exported(built, tmp_path_factory) -> Path:
    """The bundled build exported by `bdp export` once per run (made_once: this module and
    test_export_apache only read it; the command's exit and output are kept beside it for its own test)."""
    folder = made_once(tmp_path_factory, "export-bundled", lambda folder: _export_through_the_command(built, folder))
    done = json.loads((folder / "command.json").read_text(encoding="utf-8"))
    assert done["returncode"] == 0, done["stderr"]
    return folder / "site"


@pytest.fixture(scope="module")
def server(exported, tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    with nginx_server(folder, nginx_conf(str(exported), "127.0.0.1:@PORT@")) as nginx:
        yield nginx


@pytest.fixture(scope="module")
def dynamic(built):
    app = create_app(load_settings({"out": str(built)}, environ={}))
    live = LiveServer(app).__enter__()
    yield live
    live.__exit__(None, None, None)
    if app.extensions.get("bdp_store") is not None:
        app.extensions["bdp_store"].close()


def sample_paths(exported: Path) -> list[str]:
    docs = sorted({p.relative_to(exported).as_posix().split(".")[0] for p in (exported / "doc").rglob("*.ttl")})
    paths = [f"id/{d[4:]}" for d in docs] + docs + [f"{d}.{s}" for d in docs[:4] for s in ("ttl", "nt", "html")]
    return paths + [f"doc/practice/{SEED}?format=jsonld", f"doc/practice/{SEED}?format=csv",
                    f"doc/practice/{SEED}?page=2", f"doc/practice/{SEED}?page=x", f"doc/practice/{SEED}?lang=en",
                    "doc/practice/no-such", "id/practice/no-such", "id/colour/red", "def/", "def/ontology",
                    "def/theme/uslugi-spoleczne", "def/ontology/Practice", "shapes", "ontology", "catalog"]


def normalised(response: requests.Response, *bases: str, graphs: bool = True) -> tuple:
    body = response.content
    location = response.headers.get("Location", "")
    for base in bases:
        body = body.replace(base.encode(), b"http://base.test/")
        location = location.replace(base, "http://base.test/")
    vary = {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    media = response.headers.get("Content-Type", "").split(";")[0]
    if graphs and response.status_code == 200 and media in RDF:
        body = canonical(body, RDF[media])        # the catalogue's subjects sort by URL: compare graphs
    return response.status_code, media, location, vary if response.status_code == 200 else None, \
        body if response.status_code == 200 else None


def canonical(body: bytes, fmt: ox.RdfFormat) -> set:
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(body, format=fmt))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def test_nginx_answers_as_bdp_serve_on_a_sample_of_urls_and_accept_headers(exported, server, dynamic):
    def both(job: tuple[str, str | None]) -> tuple[requests.Response, requests.Response]:
        path, accept = job
        headers = {"Accept": accept} if accept else {}
        return (requests.get(dynamic.url + path, headers=headers, allow_redirects=False, timeout=30),
                requests.get(server.url + path, headers=headers, allow_redirects=False, timeout=30))

    jobs = [(path, accept) for path in sample_paths(exported) for accept in ACCEPTS]
    with ThreadPoolExecutor(2) as pool:      # two requests in flight: nginx answers while bdp serve works
        answers = list(pool.map(both, jobs))
    for (path, accept), (a, b) in zip(jobs, answers, strict=True):
        # The same bytes are the same graph: RDF is parsed and canonicalised only where the bytes differ.
        if normalised(b, server.url, PUBLIC, graphs=False) != normalised(a, dynamic.url, graphs=False):
            assert normalised(b, server.url, PUBLIC) == normalised(a, dynamic.url), (path, accept)
        assert b.headers.get("Access-Control-Allow-Origin") == "*"
        if b.status_code == 200:
            assert b.headers["ETag"] and b.headers["Last-Modified"]
    assert len(jobs) > 500


def test_the_static_site_says_what_needs_the_server(server):
    for path in ("sparql", "search", "browse/theme/dialog-spoleczny", "queries"):
        page = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 404 and "/" + path in page.text and "static" in page.text
    assert requests.get(server.url + "_static/nginx.conf", timeout=30).status_code == 404
    landing = requests.get(server.url, headers={"Accept-Language": "en"}, timeout=30)
    assert landing.status_code == 200 and 'lang="en"' in landing.text
    assert requests.get(server.url + "feed/", timeout=30).headers["Content-Type"].startswith("application/trig")
    dump = requests.get(server.url + "dumps/bdp.nt.gz", timeout=30)
    assert dump.status_code == 200 and dump.headers["Content-Type"] == "application/gzip"


def test_export_after_a_rebuild_rewrites_only_what_the_changes_touch(data_copy, tmp_path):
    out, dest = tmp_path / "out", tmp_path / "site"
    settings = load_settings({"out": str(out), "public_url": PUBLIC}, environ={})
    orgs = data_copy / "organisations"
    bank = (orgs / "bank-spoldzielczy-w-tczewie.yaml").read_text(encoding="utf-8")
    (orgs / "stary-bank.yaml").write_text(bank.replace("key: bank-spoldzielczy-w-tczewie", "key: stary-bank"),
                                          encoding="utf-8")
    pad(data_copy, 10)          # 2 changes of 16 organisations and practices: under plan.FULL_FROM (20 %)
    build(settings, data_copy, out, workers=1)
    first = export(settings, dest, PUBLIC, workers=1)
    assert first["mode"] == "full"
    before = {p: p.stat().st_mtime_ns for p in (dest / "doc").rglob("*") if p.is_file()}

    (orgs / "stary-bank.yaml").unlink()
    text = (orgs / "fundacja-pokolenia.yaml").read_text(encoding="utf-8")
    (orgs / "fundacja-pokolenia.yaml").write_text(text.replace("Fundacja", "Fundacja Nowa", 1), encoding="utf-8")
    build_changed(settings, data_copy, out, workers=1)       # an incremental build
    assert json.loads((out / "changes.json").read_text())["full"] is False
    second = export(settings, dest, PUBLIC, workers=1)
    assert second["mode"] == "changes only" and second["removed"] == 6
    after = {p: p.stat().st_mtime_ns for p in (dest / "doc").rglob("*") if p.is_file()}
    rewritten = {p.relative_to(dest).as_posix().split(".")[0] for p in after if before.get(p) != after[p]}
    assert "doc/organisation/fundacja-pokolenia" in rewritten
    assert f"doc/practice/{SEED}" in rewritten                    # its card names the partner
    assert "doc/organisation/powiat-tczewski" in rewritten          # its partner network names the foundation
    assert "doc/organisation/pad-0" not in rewritten                 # untouched by the change
    assert f"doc/attachment/{SEED}--1" not in rewritten
    assert not list((dest / "doc" / "organisation").glob("stary-bank.*"))
    assert "Fundacja Nowa" in (dest / "doc" / "organisation" / "fundacja-pokolenia.html.pl").read_text()

    # and the result is what a full export of the new build writes
    full = tmp_path / "full"
    export(settings, full, PUBLIC, workers=1, full=True)
    names = {p.relative_to(full) for p in (full / "doc").rglob("*") if p.is_file()}
    assert names == {p.relative_to(dest) for p in (dest / "doc").rglob("*") if p.is_file()}
    by_suffix = {f.suffix: f.rdf_format for f in GRAPH_FORMATS}
    for name in names:
        a, b = (full / name).read_bytes(), (dest / name).read_bytes()
        fmt = by_suffix.get(name.suffix[1:])
        assert a == b or (fmt is not None and canonical(a, fmt) == canonical(b, fmt)), name   # blank nodes: as graphs


def test_the_command_writes_the_configs_and_refuses_a_missing_build(exported, tmp_path):
    """The module's site is the command's output (the `exported` fixture ran `bdp export`)."""
    done = json.loads((exported.parent / "command.json").read_text(encoding="utf-8"))
    assert done["returncode"] == 0, done["stderr"]
    assert "nginx.conf" in done["stdout"] or (exported / "_static" / "nginx.conf").is_file()
    assert "Listen 8080" in (exported / "_static" / "apache.conf").read_text()
    state = json.loads((exported / "_static" / "export.json").read_text())
    assert state["public"] == PUBLIC
    missing = invoke_bdp("export", str(tmp_path / "other"), "--out", str(tmp_path / "nothing"))
    assert missing.returncode != 0 and "build.json" in missing.stderr and "Traceback" not in missing.stderr


def test_a_failure_beside_the_documents_is_a_message_naming_the_path(generated, tmp_path):
    """The site's own files (catalogue, feed, static assets, ...) are written by a process beside the
    documents': its failure (here a file where the static assets' folder belongs) ends the export with a
    message naming the path and a non-zero exit, once the documents are written, without a traceback."""
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / "static").write_text("not a folder")
    done = invoke_bdp("export", str(dest), "--out", str(generated.out), "--public-url", PUBLIC, "--workers", "1")
    assert done.returncode == 1, done.stdout
    assert f"{dest / 'static'}: " in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert any((dest / "doc" / "practice").glob("*.html.pl")), "the documents were written beside it"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated data set (every kind of resource, contact persons too), built with pages of 3 items so
    that organisations and partnerships have later pages (of links, and of an organisation's practices).
    12 practices are enough for that (~700 files; 40 wrote ~2,200, each asked of the app twice): every
    kind and the later pages the test asserts are there at this size."""
    from publisher.synthetic.generate import generate

    root = tmp_path_factory.mktemp("generated")
    generate(12, root / "data", seed=17)
    settings = load_settings({"out": str(root / "out"), "page_size": "3", "public_url": PUBLIC}, environ={})
    build(settings, root / "data", root / "out", workers=1)
    return settings


def test_every_exported_file_holds_the_bytes_bdp_serve_answers(generated, tmp_path):
    """Byte for byte, every file under doc/ (every kind of resource, every later page) against the app's
    answer to the negotiated GET that the shipped configurations map to it; written by two processes."""
    dest = tmp_path / "site"
    report = export(generated, dest, PUBLIC, workers=2)
    client = create_app(generated).test_client()
    media = {f.suffix: f.media_type for f in GRAPH_FORMATS}
    kinds, later = set(), set()
    for file in sorted((dest / "doc").rglob("*.*")):
        name = file.relative_to(dest).as_posix()
        stem, _, rest = name.partition(".")
        page, _, suffix = rest.partition(".") if rest.startswith("p") and rest[1:2].isdigit() else ("p1", "", rest)
        headers = ({"Accept": "text/html", "Accept-Language": suffix[5:]} if suffix.startswith("html.")
                   else {"Accept": media[suffix]})
        url = "/" + stem + (f"?page={page[1:]}" if page != "p1" else "")
        answer = client.get(url, headers=headers, base_url=PUBLIC)
        assert answer.status_code == 200, name
        assert answer.get_data() == file.read_bytes(), name
        kinds.add(stem.split("/")[1])
        if page != "p1":
            later.add((stem.split("/")[1], suffix))
        else:                                     # the page after the last one written is not there
            last = max([int(p.name.split(".")[1][1:]) for p in file.parent.glob(f"{file.name.split('.')[0]}.p*.{suffix}")
                        if p.name.split(".")[1][1:].isdigit()] or [1])
            after = client.get(f"/{stem}?page={last + 1}", headers=headers, base_url=PUBLIC)
            assert after.status_code == 404, (name, last)
    assert kinds >= {"practice", "organisation", "membership", "place", "partnership", "person"}
    assert {("organisation", "ttl"), ("organisation", "html.pl"), ("organisation", "html.en")} <= later
    firsts = [p for p in (dest / "doc").rglob("*.ttl") if len(p.name.split(".")) == 2]
    assert report["documents"] == len(firsts)
