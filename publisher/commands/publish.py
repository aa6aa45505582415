"""`bdp publish`: push a finished build into a remote SPARQL 1.1 store, switched in atomically."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.commands.support import handle_errors, settings_from


@click.command("publish")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="The build to publish [out].")
@click.option("--endpoint", default=None,
              help="SPARQL 1.1 query endpoint of the store, e.g. http://127.0.0.1:7878/query "
                   "[BDP_SPARQL_ENDPOINT].")
@click.option("--update-endpoint", default=None,
              help="SPARQL 1.1 update endpoint [derived from an endpoint ending in /query, else the endpoint].")
@click.option("--graph-store", default=None,
              help="Graph Store HTTP Protocol URL [derived from an endpoint ending in /query: .../store].")
@click.option("--graph", default=None, help="Named graph to serve the data from [the default graph].")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="Seconds to wait for the store's answer to a check.")
@handle_errors
def command(out: Path | None, endpoint: str | None, update_endpoint: str | None, graph_store: str | None,
            graph: str | None, timeout: float) -> None:
    """Load OUT's dataset into a fresh named graph of a remote store, check it, then replace the served
    graph with it in one update request: readers see the old data or the new, never half of it."""
    from publisher.pipeline.publish import Endpoints, publish

    settings = settings_from(out=out, sparql_endpoint=endpoint, update_endpoint=update_endpoint,
                             graph_store=graph_store, graph=graph)
    if not settings.sparql_endpoint:
        raise click.UsageError("give --endpoint (or set BDP_SPARQL_ENDPOINT)")
    endpoints = Endpoints.from_urls(settings.sparql_endpoint, settings.update_endpoint or None,
                                    settings.graph_store or None)
    report = publish(settings.out, endpoints, settings.graph or None, timeout=timeout,
                     log=lambda line: click.echo(line, err=True))
    where = report.graph or "the default graph"
    if report.named:
        where += " and the named graph(s) " + ", ".join(report.named)
    click.echo(f"published {report.triples} triples into {where} "
               f"(upload {report.upload_s:.1f}s, switch {report.switch_s:.1f}s)")
