"""`bdp query`: run a canned query (queries/NAME.rq) against the build, or list them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from publisher.commands.support import fail, handle_errors, settings_from
from publisher.formats import BY_NAME, GRAPH_FORMATS, RESULT_FORMATS
from publisher.store.results import AskResult, GraphResult, QueryResult

FORMAT_NAMES = ("table",) + tuple(f.name for f in RESULT_FORMATS + GRAPH_FORMATS)


def _params(given: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in given:
        name, eq, value = item.partition("=")
        if not eq or not name:
            fail(f"--param {item!r}: expected NAME=VALUE", 2)
        if name in values:
            fail(f"--param {name} is given twice", 2)
        values[name] = value
    return values


def _text(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def table(result: QueryResult) -> str:
    """A plain-text table for people: one line per row (or triple), columns padded to the widest."""
    if isinstance(result, AskResult):
        return "true\n" if result.value else "false\n"
    if isinstance(result, GraphResult):
        head = ["subject", "predicate", "object"]
        rows = [[_text(t.subject), _text(t.predicate), _text(t.object)] for t in result.triples]
    else:
        head = list(result.variables)
        rows = [[_text(row.get(v)) for v in head] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
             for cells in [head, ["-" * w for w in widths], *rows]]
    return "\n".join(lines) + "\n"


@click.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter value; repeat for several (see --list).")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default=None,
              help="Output format [table for SELECT, ttl for CONSTRUCT].")
@click.option("--list", "list_", is_flag=True, help="List the canned queries and their parameters.")
@click.option("--sparql", "show", is_flag=True, help="Print the query text instead of running it.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="The build to query [out].")
@click.option("--base-uri", default=None, help="Base of instance IRIs (as built).")
@click.option("--lang", type=click.Choice(["en", "pl"]), default="en", help="Language of titles.")
@handle_errors
def command(name: str | None, params: tuple[str, ...], fmt: str | None, list_: bool, show: bool,
            out: Path | None, base_uri: str | None, lang: str) -> None:
    """Run the canned query NAME (queries/NAME.rq) against the build; `bdp query --list` lists them."""
    from publisher.read.canned import load_catalogue, run
    from publisher.store import open_store
    from publisher.store.results import serialize

    catalogue = load_catalogue()
    if list_:
        for listed in catalogue.values():
            click.echo(f"{listed.name}  [{listed.form}]  {listed.titles.get(lang) or listed.titles['pl']}")
            for p in listed.params:
                extra = " required" if p.required else (f" default={p.default}" if p.default is not None else "")
                click.echo(f"    --param {p.name}=...  ({p.spec}{extra})  {p.labels.get(lang, '')}")
        return
    if not name:
        fail("name a query (bdp query --list lists them)", 2)
    query = catalogue.get(name or "")
    if query is None:
        fail(f"no canned query named {name!r}; `bdp query --list` lists them", 2)
        return
    values = _params(params)
    if show:
        click.echo(query.text, nl=False)
        return
    chosen = fmt or ("ttl" if query.is_graph else "table")
    if chosen != "table" and (BY_NAME[chosen].kind == "graph") != query.is_graph:
        kinds = [f.name for f in (GRAPH_FORMATS if query.is_graph else RESULT_FORMATS)]
        fail(f"--format {chosen} does not fit a {query.form} query; use table or one of {', '.join(kinds)}", 2)
    settings = settings_from(out=out, base_uri=base_uri)
    store = open_store(settings)
    try:
        result, _ = run(query, values, store, settings)
    finally:
        store.close()
    if chosen == "table":
        click.echo(table(result), nl=False)
    else:
        click.echo(serialize(result, BY_NAME[chosen]), nl=False)   # bytes: written as they are
    if result.truncated:
        click.echo(f"warning: the answer was cut at {settings.row_cap} rows (setting row_cap)", err=True)
