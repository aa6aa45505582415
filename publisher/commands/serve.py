"""`bdp serve`: the development server over a build (see docs/deploy.md for gunicorn)."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli_support import handle_errors, settings_from


@click.command("serve")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="The build to serve [out].")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--base-uri", default=None, help="Base of instance IRIs (as built).")
@click.option("--public-url", default=None, help="Public URL prefix, when not taken from the request.")
@click.option("--sparql-endpoint", default=None, help="Serve from a remote SPARQL 1.1 store instead.")
@handle_errors
def command(out: Path | None, host: str, port: int, base_uri: str | None, public_url: str | None,
            sparql_endpoint: str | None) -> None:
    """Serve the build: /id/ and /doc/ resources, /sparql, /queries, /catalog and pages for people."""
    from publisher.web import create_app

    settings = settings_from(out=out, base_uri=base_uri, public_url=public_url,
                             sparql_endpoint=sparql_endpoint)
    app = create_app(settings)
    app.run(host=host, port=port, threaded=True)
