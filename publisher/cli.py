"""The `bdp` command. Errors a user can cause are printed as one clear line each (never a traceback)
with a non-zero exit: 1 for bad data or a failed build, 2 for bad usage or a bad query parameter."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

import click

import publisher.commands
from publisher.commands.support import fail, handle_errors, settings_from
from publisher.config import SETTINGS, settings_markdown


class _Commands(click.Group):
    """The commands of this module, and those of publisher/commands/ (each module's `command`) imported
    only when asked for: `bdp build` then starts without importing the server (Flask) and the rest.
    A module named like its command is imported alone; any other name imports them all."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None:
            module = cmd_name.replace("-", "_")
            if module in _command_modules():
                _load_command(module)
            found = super().get_command(ctx, cmd_name)
        if found is None:
            _load_commands()
            found = super().get_command(ctx, cmd_name)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_commands()
        return super().list_commands(ctx)


@click.group(cls=_Commands,
             epilog="Settings come from BDP_* environment variables and flags: `bdp settings` lists them.")
@click.version_option(package_name="bdp-publisher")
def main() -> None:
    """bdp: the good-practice bank (Bank Dobrych Praktyk) as linked open data."""


def _progress_stream() -> Any:
    return sys.stderr if sys.stderr.isatty() else None


@main.command()
@click.option("--data", type=click.Path(path_type=Path), default=None, help="Source records [data].")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output directory [out].")
@click.option("--base-uri", default=None, help="Base of instance IRIs [https://w3id.org/bdp/].")
@click.option("--lang", type=click.Choice(["en", "pl"]), default="en", help="Language of messages.")
@click.option("--workers", type=int, default=None, help="Worker processes [one per core].")
@click.option("--full", is_flag=True, help="Read every record again, even when OUT holds a build to update.")
@handle_errors
def build(data: Path | None, out: Path | None, base_uri: str | None, lang: str, workers: int | None,
          full: bool) -> None:
    """Records -> RDF -> SHACL validation -> store and dumps, swapped into OUT only on success. With a
    previous build in OUT only the records changed since are read again (docs/incremental.md)."""
    from publisher.pipeline.build import peak_memory_mib
    from publisher.pipeline.incremental import build_changed

    settings = settings_from(data=data, out=out, base_uri=base_uri)
    started = time.perf_counter()
    report = build_changed(settings, settings.data, settings.out, full=full, lang=lang, workers=workers,
                           progress=_progress_stream())
    for problem in report.warnings:
        click.echo(f"warning: {problem}", err=True)
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in report.stages.items())
    click.echo(f"built {report.counts.get('practices', 0)} practices, {report.counts.get('organisations', 0)} "
               f"organisations, {report.triples} triples into {settings.out} in "
               f"{time.perf_counter() - started:.2f}s ({stages}; peak {peak_memory_mib():.0f} MiB), "
               f"{'full' if report.full else 'incremental'}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--data", type=click.Path(path_type=Path), default=None, help="Source records [data].")
@click.option("--lang", type=click.Choice(["en", "pl"]), default="en", help="Language of messages.")
@handle_errors
def validate(paths: tuple[Path, ...], data: Path | None, lang: str) -> None:
    """Validate records (all of DATA, or the PATHS given) without writing anything."""
    from publisher.pipeline.check import validate_paths

    settings = settings_from(data=data)
    problems = validate_paths(settings, settings.data, list(paths), lang=lang)
    for problem in problems:
        prefix = "" if problem.severity == "Violation" else "warning: "
        click.echo(f"{prefix}{problem}", err=True)
    violations = sum(p.severity == "Violation" for p in problems)
    if violations:
        fail(f"{violations} violation(s)")
    click.echo(f"valid ({len(problems)} warning(s))")


@main.command("import-page")
@click.argument("page", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="A data directory (writes practices/KEY.yaml and organisation stubs) or a .yaml file; "
                   "stdout when omitted.")
@handle_errors
def import_page(page: Path, out: Path | None) -> None:
    """Turn a page of the old practice bank into a source record."""
    from publisher.records.importer import import_page as run_import
    from publisher.records.yamlio import dump_yaml

    raw = page.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1250")
    result = run_import(text, str(page))
    if out is None:
        click.echo(dump_yaml(result.practice), nl=False)
        return
    if out.suffix in (".yaml", ".yml"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(dump_yaml(result.practice), encoding="utf-8")
        click.echo(f"wrote {out}")
        return
    target = out / "practices" / f"{result.practice['key']}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_yaml(result.practice), encoding="utf-8")
    click.echo(f"wrote {target}")
    for org in result.organisations:
        path = out / "organisations" / f"{org['key']}.yaml"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_yaml(org), encoding="utf-8")
            click.echo(f"wrote {path}")


@main.command()
@click.option("--practices", type=click.IntRange(1), required=True, help="How many practices.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Directory to write.")
@click.option("--seed", type=int, default=0, help="Random seed (same seed, same bytes).")
@handle_errors
def generate(practices: int, out: Path, seed: int) -> None:
    """Write a synthetic data set (marked synthetic) for benchmarks and scale tests; never into data/."""
    from publisher.synthetic.generate import generate as run_generate

    counts = run_generate(practices, out, seed=seed)
    click.echo(f"wrote {counts} into {out}")


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print docs/settings.md (a table) instead.")
def settings_command(markdown: bool) -> None:
    """List every setting: environment variable, default and meaning."""
    if markdown:
        click.echo(settings_markdown(), nl=False)
        return
    for s in SETTINGS:
        click.echo(f"BDP_{s.name.upper():<22} {str(s.default)!r:<50} {s.help}")


def _command_modules() -> list[str]:
    return [info.name for info in pkgutil.iter_modules(publisher.commands.__path__)]


def _load_command(name: str) -> None:
    module = importlib.import_module(f"publisher.commands.{name}")
    if hasattr(module, "command") and module.command.name not in main.commands:
        main.add_command(module.command)    # commands/support.py is what they share, not a command


def _load_commands() -> None:
    for name in _command_modules():
        _load_command(name)

if __name__ == "__main__":  # pragma: no cover
    main()
