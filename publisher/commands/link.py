"""`bdp link wikidata`: write reviewable linksets from our local government units and places to Wikidata
(docs/linking.md). Reads the last build (OUT/store), asks the endpoint (the `wikidata_endpoint` setting or
--endpoint), and writes two files whole or not at all: the owl:sameAs links by TERYT code (--out, loaded
by the next build) and the suggestions to review (--suggestions, never loaded)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import click
import pyoxigraph as ox

from publisher.commands.support import handle_errors, settings_from
from publisher.config import Settings
from publisher.errors import SettingsError, SourceError


@click.group("link")
def command() -> None:
    """Link our organisations and places to other registries (reviewable linksets in data/links/)."""


def user_agent(settings: Settings) -> str:
    """Who is asking, as Wikimedia's User-Agent policy wants: the tool, its version and a contact."""
    try:
        version = metadata.version("bdp-publisher")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "dev"
    import SPARQLWrapper

    return (f"bdp-publisher/{version} ({settings.publisher_url}; "
            f"mailto:{settings.contact_email}) SPARQLWrapper/{SPARQLWrapper.__version__}")


def _build_store(build: Path) -> tuple[object, str]:
    from publisher.store.embedded import DirectStore

    manifest = build / "build.json"
    if not manifest.is_file() or not (build / "store").is_dir():
        raise SourceError(str(build), "no build here: run `bdp build` first (the links are made from its store)")
    base = json.loads(manifest.read_text(encoding="utf-8"))["base_uri"]
    return DirectStore(ox.Store.read_only(str(build / "store"))), base


def _linked_elsewhere(links_dir: Path, keep: Path, base: str) -> frozenset[str]:
    """Subjects (relative to the base) that another linkset file already links to Wikidata."""
    from rdflib import Graph

    from publisher.link.wikidata import WD

    found = set()
    for path in sorted(links_dir.glob("*.ttl")) if links_dir.is_dir() else ():
        if path.resolve() == keep.resolve():
            continue
        graph = Graph()
        try:
            graph.parse(path, format="turtle", publicID=base)
        except Exception:  # a broken file is the build's to report, with its line
            raise SourceError(str(path), "not valid Turtle (run `bdp build` for the details)") from None
        found |= {str(s)[len(base):] for s, o in graph.subject_objects() if str(o).startswith(WD)
                  and str(s).startswith(base)}
    return frozenset(found)


@command.command("wikidata")
@click.option("--endpoint", default=None, metavar="URL", help="SPARQL endpoint [the wikidata_endpoint setting].")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Linkset file to write [DATA/links/wikidata.ttl].")
@click.option("--suggestions", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Suggestions to review, never loaded [the --out folder's suggestions/NAME].")
@click.option("--build", "build_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The build whose units are linked [out].")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=None, help="Source records [data].")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=200, show_default=True,
              help="Codes or names per request (VALUES).")
@click.option("--timeout", type=click.FloatRange(1, 600), default=60.0, show_default=True,
              help="Seconds to wait for one answer.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Further attempts after a network error, 429 or 5xx.")
@click.option("--backoff", type=click.FloatRange(0, 600), default=2.0, show_default=True,
              help="Seconds before the first retry; doubled each time.")
@handle_errors
def wikidata(endpoint: str | None, out: Path | None, suggestions: Path | None, build_dir: Path | None,
             data: Path | None, batch_size: int, timeout: float, retries: int, backoff: float) -> None:
    """Reconcile our local government units and places with Wikidata by TERYT code (P1653)."""
    from publisher.link.linksets import turtle, write_atomically
    from publisher.link.wikidata import WD, Client, reconcile
    from publisher.read.links import local_units

    settings = settings_from(wikidata_endpoint=endpoint, out=build_dir, data=data)
    if urlsplit(settings.wikidata_endpoint).scheme not in ("http", "https"):
        raise SettingsError(f"setting wikidata_endpoint: {settings.wikidata_endpoint!r} is not an http(s) URL")
    out = out or settings.data / "links" / "wikidata.ttl"
    suggestions = suggestions or out.parent / "suggestions" / out.name
    store, base = _build_store(settings.out)
    units = local_units(store)  # type: ignore[arg-type]
    client = Client(settings.wikidata_endpoint, user_agent(settings), timeout=timeout, retries=retries,
                    backoff=backoff)
    found = reconcile(units, client, base, batch=batch_size, skip=_linked_elsewhere(out.parent, out, base))
    source = f"Endpoint: {settings.wikidata_endpoint}"
    links_text = turtle(found.links, [
        "Linkset: local government units (JST) and places of the Good Practice Bank -> Wikidata.",
        "owl:sameAs by TERYT (TERC) code, Wikidata property P1653; written by `bdp link wikidata`.", source,
        "Subjects are relative to the build's base_uri. Review the diff before committing: the build loads",
        "every data/links/*.ttl. This file is rewritten on every run: keep links added by hand in another",
        "file of data/links/ (e.g. wikidata-reviewed.ttl).",
    ], {"wd": WD})
    suggestions_text = turtle(found.suggestions, [
        "Suggestions for review, NEVER loaded by the build: skos:closeMatch to items with the same name in",
        "the same voivodeship, or to each of several items sharing one TERYT code. To accept one, copy its",
        "line into a file of data/links/ (e.g. wikidata-reviewed.ttl) with owl:sameAs instead.", source,
    ], {"wd": WD})
    write_atomically(suggestions, suggestions_text)
    write_atomically(out, links_text)
    click.echo(f"{len(found.links)} owl:sameAs link(s) in {out}; {len(found.suggestions)} suggestion(s) in "
               f"{suggestions}; {found.unmatched} unit(s) unmatched of {len(units)}; {client.requests} "
               f"request(s) to {settings.wikidata_endpoint}")
