"""Issue 17: the shipped Apache httpd configuration (a real apache2 from .ci/install-apache, in the foreground
on a free loopback port) serves the static export: 303 from /id/, negotiation by Apache's own MultiViews
agreeing with `bdp serve` on the status and media type of a sample of URLs x Accept headers, suffix URLs,
languages, 404/406 in the error shape, CORS and ETags."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from publisher.formats import DOCUMENT_FORMATS, negotiate
from publisher.web.apache import apache_conf
from tests.conftest import free_port, stop_process, wait_for_port
from tests.test_export import ACCEPTS, PUBLIC, dynamic, exported, sample_paths  # noqa: F401
from tests.test_resources import SEED

APACHE = "/usr/sbin/apache2"
MODULES = ("mpm_prefork", "authz_core", "mime", "negotiation", "rewrite", "headers")
FRAME = """ServerRoot {dir}
ServerName 127.0.0.1
{modules}
PidFile {dir}/httpd.pid
ErrorLog {dir}/error.log
TypesConfig /etc/mime.types
KeepAlive Off
# (one process, -X: a kept-alive idle connection would hold it for KeepAliveTimeout)
User nobody
Group nogroup
"""


@contextmanager
def apache_server(site: Path) -> Iterator[str]:
    """apache2 -X (one process, foreground) serving a world-readable copy of `site` (its workers run as
    nobody, who cannot enter pytest's folders)."""
    if not Path(APACHE).exists():
        if os.environ.get("CI"):
            pytest.fail("no apache2: run .ci/install-apache (CI is set: apache2 is required)", pytrace=False)
        pytest.skip("no apache2: run .ci/install-apache")
    folder = Path(tempfile.mkdtemp(prefix="bdp-apache-"))
    try:
        folder.chmod(0o755)
        shutil.copytree(site, folder / "site")
        for path in (folder / "site").rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        port = free_port()
        modules = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in MODULES)
        conf = folder / "httpd.conf"
        conf.write_text(FRAME.format(dir=folder, modules=modules)
                        + apache_conf(str(folder / "site"), f"127.0.0.1:{port}"), encoding="utf-8")
        process = subprocess.Popen([APACHE, "-X", "-f", str(conf)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        try:
            wait_for_port(port)
            yield f"http://127.0.0.1:{port}/"
        finally:
            stop_process(process, 10)
            process.stderr.close()   # type: ignore[union-attr]
            time.sleep(0.05)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def apache(exported) -> Iterator[str]:   # noqa: F811
    with apache_server(exported) as url:
        yield url


def get(url: str, accept: str | None = None, **headers: str) -> requests.Response:
    return requests.get(url, headers={**({"Accept": accept} if accept else {}), **headers},
                        allow_redirects=False, timeout=30)


# Equal q-values: Apache prefers the table's order (source quality), `bdp serve` the header's order.
APACHE_TIES = {"application/n-triples;q=0.7, text/turtle;q=0.7"}


def without_aliases(accept: str | None) -> bool:
    """Apache knows one media type a file: a header naming a format only by an alias (text/plain for
    N-Triples, application/xml for RDF/XML) is negotiated without it (docs/deploy.md)."""
    plain = tuple(replace(f, aliases=()) for f in DOCUMENT_FORMATS)
    ours = negotiate(accept, DOCUMENT_FORMATS)
    theirs = negotiate(accept, plain)
    return (ours and ours.name) == (theirs and theirs.name)


def test_apache_negotiates_as_bdp_serve_on_a_sample(exported, apache, dynamic):  # noqa: F811
    docs = [p for p in sample_paths(exported) if p.startswith("doc/") and "?" not in p and "." not in p][:6]
    compared = 0
    for path in docs:
        for accept in (a for a in ACCEPTS if without_aliases(a) and a not in APACHE_TIES):
            a, b = get(dynamic.url + path, accept), get(apache + path, accept)
            assert b.status_code == a.status_code, (path, accept)
            if a.status_code == 200:       # (error bodies: Apache's own choice among the error files)
                assert b.headers["Content-Type"].split(";")[0] == a.headers["Content-Type"].split(";")[0], \
                    (path, accept)
            assert b.headers["Access-Control-Allow-Origin"] == "*"
            if b.status_code == 200:
                assert "accept" in b.headers["Vary"].lower() and b.headers["ETag"]
                assert "qs=" not in b.headers["Content-Type"]
            compared += 1
    assert compared > 90


def test_apache_redirects_suffixes_languages_and_errors(apache):
    see = get(apache + f"id/practice/{SEED}", "text/turtle")
    assert see.status_code == 303 and see.headers["Location"].endswith(f"/doc/practice/{SEED}")
    assert get(apache + "id/practice/no-such", "text/turtle").status_code == 404
    suffix = get(apache + f"doc/practice/{SEED}.nt", "text/html")
    assert suffix.status_code == 200 and suffix.headers["Content-Type"].startswith("application/n-triples")
    english = get(apache + f"doc/practice/{SEED}", "text/html", **{"Accept-Language": "en"})
    assert 'lang="en"' in english.text
    assert 'lang="en"' in get(apache + f"doc/practice/{SEED}?lang=en", "text/html").text
    assert 'lang="pl"' in get(apache + f"doc/practice/{SEED}.html").text
    assert get(apache + f"doc/practice/{SEED}?format=nt", "text/html").headers["Content-Type"].startswith(
        "application/n-triples")
    missing = get(apache + "doc/practice/no-such", "text/html")
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("text/html")
    refused = get(apache + f"doc/practice/{SEED}", "image/png")
    assert refused.status_code == 406
    tag = get(apache + f"doc/practice/{SEED}", "text/turtle").headers["ETag"]
    assert get(apache + f"doc/practice/{SEED}", "text/turtle", **{"If-None-Match": tag}).status_code == 304
    assert get(apache + "_static/nginx.conf").status_code in (403, 404)
