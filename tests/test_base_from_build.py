"""The base IRI is asked once: `bdp build --base-uri X` and then `bdp serve` reads X from the build (and,
in remote mode, from the published store), and refuses to start when a base set by hand or the two
disagree."""

from __future__ import annotations

import pytest
import requests

from publisher.config import load_settings
from publisher.errors import SettingsError
from publisher.pipeline.build import build
from publisher.pipeline.publish import Endpoints
from publisher.pipeline.publish import publish as run_publish
from publisher.web import create_app
from tests.conftest import DATA, LiveServer, invoke_bdp

OTHER = "http://example.org/bdp/"
SEED = "trzy-filary-bank-partnerow-lokalnych"


@pytest.fixture(scope="module")
def other_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("other-base") / "out"
    build(load_settings({"base_uri": OTHER}, environ={}), DATA, out, workers=1)
    return out


def test_serve_reads_the_base_from_the_build(other_build):
    done = invoke_bdp("serve", "--out", str(other_build), "--get", f"/id/practice/{SEED}", "--accept",
                      "application/n-triples")
    assert done.returncode == 0, done.stderr
    assert f"<{OTHER}id/practice/{SEED}>" in done.stdout


def test_serve_refuses_a_base_the_build_was_not_made_with(other_build):
    done = invoke_bdp("serve", "--out", str(other_build), "--base-uri", "http://example.net/x/", "--get", "/")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "http://example.net/x/" in done.stderr and OTHER in done.stderr
    same = invoke_bdp("serve", "--out", str(other_build), "--base-uri", OTHER, "--get", f"/doc/practice/{SEED}.ttl")
    assert same.returncode == 0, same.stderr


def test_remote_mode_reads_the_base_from_the_published_store(other_build, built, oxigraph_server):
    server = oxigraph_server()
    assert run_publish(other_build, Endpoints.from_urls(server.query_url)).triples > 0
    app = create_app(load_settings({"out": str(other_build), "sparql_endpoint": server.query_url}, environ={}))
    assert app.config["BDP"].base_uri == OTHER
    with LiveServer(app) as live:
        response = requests.get(live.url + f"id/practice/{SEED}", headers={"Accept": "text/turtle"}, timeout=30)
        assert response.status_code == 200 and f"<{OTHER}id/practice/{SEED}>" in response.text
    if app.extensions.get("bdp_store") is not None:
        app.extensions["bdp_store"].close()
    with pytest.raises(SettingsError, match="disagree"):   # the default-base build, the other published
        create_app(load_settings({"out": str(built), "sparql_endpoint": server.query_url}, environ={}))
