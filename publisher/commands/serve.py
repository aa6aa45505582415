"""`bdp serve`: the app under gunicorn (a production WSGI server; `--workers` processes, each opening the
store read-only after the fork), Flask's development server with `--dev` (reloads nothing, shows no
debugger: it is just single-process and simple), or (`--get PATH`) one request through the app as a smoke
test that exits non-zero unless the answer is 200. gunicorn can also be run directly (docs/deploy.md):

    BDP_OUT=/srv/bdp/out gunicorn --workers 4 --bind 127.0.0.1:8000 'publisher.web:create_app()'
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from publisher.commands.support import fail, handle_errors, settings_from


@click.command("serve")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="The build to serve [out].")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--base-uri", default=None, help="Base of instance IRIs (as built).")
@click.option("--public-url", default=None, help="Public URL prefix, when not taken from the request.")
@click.option("--sparql-endpoint", default=None, help="Serve from a remote SPARQL 1.1 store instead.")
@click.option("--get", "get_path", default=None, metavar="PATH",
              help="Do not serve: GET PATH through the app (redirects followed), print the body, and exit "
                   "non-zero unless the answer is 200.")
@click.option("--accept", default=None, help="Accept header of the --get request.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="gunicorn worker processes.")
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn (one process).")
@handle_errors
def command(out: Path | None, host: str, port: int, base_uri: str | None, public_url: str | None,
            sparql_endpoint: str | None, get_path: str | None, accept: str | None, workers: int,
            dev: bool) -> None:
    """Serve the build: /id/ and /doc/ resources, /sparql, /queries, /catalog and pages for people."""
    from publisher.web import create_app, current_store

    settings = settings_from(out=out, base_uri=base_uri, public_url=public_url,
                             sparql_endpoint=sparql_endpoint)
    app = create_app(settings)
    if get_path is not None:
        _smoke(app, get_path, accept)
        return
    with app.app_context():
        current_store()      # a missing build or an unreachable store is reported now, not on the first request
    # Nothing opened here may cross the fork: each worker opens its own store on its first request.
    app.extensions["bdp_store"].close()
    app.extensions["bdp_store"] = app.extensions["bdp_build_key"] = None
    if dev:
        try:
            app.run(host=host, port=port, threaded=True)
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return
    _gunicorn(app, f"{host}:{port}", workers)


def _gunicorn(app: object, bind: str, workers: int) -> None:
    """Run `app` under gunicorn's arbiter in this process (sync workers: a request is a few bounded store
    queries; the access log on stdout)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {"bind": bind, "workers": workers, "accesslog": "-",
                               "proc_name": "bdp serve"}.items():
                self.cfg.set(key, value)

        def load(self) -> object:
            return app

    Server().run()


def _smoke(app: object, path: str, accept: str | None) -> None:
    if not path.startswith("/"):
        fail(f"--get {path!r}: the path must start with '/'", 2)
    client = app.test_client()  # type: ignore[attr-defined]
    try:
        response = client.get(path, headers={"Accept": accept} if accept else {}, follow_redirects=True)
        sys.stdout.buffer.write(response.get_data())
        sys.stdout.flush()
    finally:
        store = app.extensions.get("bdp_store")  # type: ignore[attr-defined]
        if store is not None:
            store.close()
    if response.status_code != 200:
        first = response.get_data(as_text=True).strip().splitlines()[:1]
        fail(f"GET {path}: {response.status_code}" + (f" ({first[0][:200]})" if first and
                                                       not first[0].startswith("<") else ""))
