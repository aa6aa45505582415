"""A browser linked-data client on another origin (a page served by a second server on another port)
dereferences /id/... with Comunica's 324-byte Accept and then conditionally (If-None-Match), in Debian's
headless Chromium driven by Playwright: both need a CORS preflight, and both get through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publisher.config import load_settings
from publisher.web import create_app
from tests.conftest import LiveServer
from tests.test_http_rules import COMUNICA_ACCEPT, SEED

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run .ci/install-browser")

CLIENT = """
async (args) => {
  const first = await fetch(args.url, {headers: {"Accept": args.accept}});
  const body = await first.text();
  const etag = first.headers.get("ETag");
  const again = await fetch(args.url, {headers: {"Accept": args.accept, "If-None-Match": etag}});
  return {status: first.status, type: first.headers.get("Content-Type"), url: first.url, etag: etag,
          body: body, again: again.status};
}
"""


def other_origin(environ, start_response):
    """The client's own site: one empty page, on another port (so another origin)."""
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<!doctype html><title>client</title><p>a linked-data client</p>"]


@pytest.fixture(scope="module")
def servers(built):
    app = create_app(load_settings({"out": str(built)}, environ={}))
    with LiveServer(app) as data, LiveServer(other_origin) as client:
        yield data, client
    if app.extensions.get("bdp_store") is not None:
        app.extensions["bdp_store"].close()


def test_a_page_on_another_origin_dereferences_an_iri_and_revalidates(servers, chromium):
    data, client = servers
    assert len(COMUNICA_ACCEPT) == 324 and data.url != client.url
    page = chromium.new_page()
    try:
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(client.url)
        got = page.evaluate(CLIENT, {"url": f"{data.url}id/practice/{SEED}", "accept": COMUNICA_ACCEPT})
    finally:
        page.close()
    assert errors == []
    assert got["status"] == 200 and got["url"] == f"{data.url}doc/practice/{SEED}"   # after the 303
    assert got["type"].startswith("application/ld+json") and got["etag"]
    document = json.loads(got["body"])
    assert f"https://w3id.org/bdp/id/practice/{SEED}" in json.dumps(document)
    assert got["again"] == 304
