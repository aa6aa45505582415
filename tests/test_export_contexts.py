"""The kept request contexts of `bdp export` (export_documents.Contexts): a page's route as Werkzeug
matches it, whether it comes from Werkzeug's matcher or from a folder matched before."""

from __future__ import annotations

from urllib.parse import unquote

from publisher.web.export_documents import Contexts, resources

PUBLIC = "http://127.0.0.1:8080/"


def test_each_document_gets_the_route_werkzeug_matches(app, built, settings):
    from werkzeug.exceptions import HTTPException

    contexts = Contexts.of(app, PUBLIC)
    paths = list(resources(built / "store", settings.base_uri))
    # folders met before a document, paths that are no document (404s), an empty and an encoded key
    odd = ["doc/practice/", "doc/nope/x", "doc/practice/a%2Fb", "doc/practice/zielony%20ogr%C3%B3d",
           "doc/practice/x/y", "sitemap-1.xml", "doc/organisation"]
    assert len({p.split("/")[1] for p in paths}) >= 5
    adapter = app.url_map.bind("127.0.0.1:8080")
    shortcut = 0
    for path in paths + odd + paths[:3]:
        url_path = unquote("/" + path)
        before = dict(contexts.folders)
        got = contexts._match(adapter, url_path)
        shortcut += url_path.rpartition("/")[0] in before
        try:
            expected = adapter.match(url_path, method="GET", return_rule=True)
        except HTTPException as e:
            assert isinstance(got, HTTPException) and type(got) is type(e), path
            continue
        assert not isinstance(got, HTTPException), path
        assert (got[0].rule, got[1]) == (expected[0].rule, expected[1]), path
    assert shortcut > len(paths) // 2          # most documents came from a folder matched before


def test_entering_a_document_gives_the_request_a_view_would_see(app, built, settings):
    from flask import request

    contexts = Contexts.of(app, PUBLIC)
    paths = list(resources(built / "store", settings.base_uri))[:3]
    for path in paths + paths[:1]:
        for lang in ("pl", "en"):
            seen = contexts.run(lang, path, 2, lambda: (request.path, request.view_args, request.args.get(
                "page"), request.url_rule.endpoint, request.routing_exception))
            kind, key = path.split("/")[1:]
            assert seen == ("/" + unquote(path), {"type_": kind, "key": unquote(key)}, "2",
                            "resources.document", None)
    missing = contexts.run("pl", "doc/practice/", 1, lambda: request.routing_exception)
    assert missing is not None and missing.code == 404
