"""`bdp review`: the editors' side of the intake queue (proposals sent through /submit).

`list` and `show` read the queue; `accept` writes the practice (and its new organisations and
attachments) into the data directory as an editor would, after the build's checks; `reject` keeps the
proposal with the reason. The queue keeps every proposal and its history; the next `bdp build`
publishes what was accepted."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from publisher.commands.support import fail, handle_errors, settings_from
from publisher.errors import SourceError
from publisher.records import proposals as queue
from publisher.records.read import Record, record_files

_intake = click.option("--intake", type=click.Path(path_type=Path), default=None,
                       help="The review queue directory [BDP_INTAKE].")


def _queue(intake: Path | None) -> Path:
    path = Path(settings_from(intake=str(intake) if intake else None).intake or "")
    if not str(path) or str(path) == ".":
        raise click.UsageError("give --intake DIR (or set BDP_INTAKE): the review queue directory")
    return path


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@click.group("review")
def command() -> None:
    """Review practices proposed through the /submit form: list, show, accept or reject them."""


@command.command("list")
@_intake
@click.option("--all", "everything", is_flag=True, help="Also accepted and rejected proposals.")
@handle_errors
def list_(intake: Path | None, everything: bool) -> None:
    """The proposals waiting for review (ID, date, title)."""
    shown = 0
    for p in queue.proposals(_queue(intake)):
        if everything or p.status == "pending":
            submitted = next((h["at"] for h in p.history if h.get("event") == "submitted"), "")
            click.echo(f"{p.id}  {p.status:<8}  {submitted[:10]}  {p.title!r}")
            shown += 1
    click.echo(f"{shown} proposal(s)", err=True)


@command.command("show")
@click.argument("proposal_id", metavar="ID")
@_intake
@handle_errors
def show(proposal_id: str, intake: Path | None) -> None:
    """A proposal as its records will be written (YAML; any control character shown escaped)."""
    proposal = queue.load(_queue(intake), proposal_id)
    click.echo(proposal.as_yaml(), nl=False)
    assert proposal.folder is not None
    for file in sorted((proposal.folder / queue.ATTACHMENTS).glob("*")):
        click.echo(f"# attachment file: {file.name} ({file.stat().st_size} bytes)")


def _check(plan: queue.Acceptance, data: Path, base: str) -> None:
    """The build's checks on the records to be written: references to organisations, then the shapes."""
    from publisher.pipeline.check import Validator

    known = {p.stem for kind, p in record_files(data) if kind == "organisation"}
    known |= {org["key"] for org in plan.organisations}
    records = [Record("practice", plan.key, str(data / "practices" / f"{plan.key}.yaml"), plan.practice)]
    records += [Record("organisation", o["key"], str(data / "organisations" / f"{o['key']}.yaml"), o)
                for o in plan.organisations]
    problems = [p for p in Validator(base).records(records, known) if p.severity == "Violation"]
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        fail(f"{len(problems)} violation(s): nothing was written")


@command.command("accept")
@click.argument("proposal_id", metavar="ID")
@click.option("--key", default=None, help="Key (file name) of the practice [the one proposed].")
@click.option("--data", type=click.Path(path_type=Path), default=None, help="Source records [data].")
@_intake
@handle_errors
def accept(proposal_id: str, key: str | None, data: Path | None, intake: Path | None) -> None:
    """Write the proposal into the data directory (practice, new organisations, attachments)."""
    settings = settings_from(data=data)
    proposal = queue.load(_queue(intake), proposal_id)
    plan = queue.plan_accept(proposal, settings.data, key)
    try:
        _check(plan, settings.data, settings.base_uri)
    except SourceError as exc:
        fail(f"{exc}: nothing was written")
    for path in queue.accept(proposal, plan, settings.data, _who()):
        click.echo(f"wrote {settings.data / path}")
    dropped = len(proposal.practice.get("contacts") or ()) - len(plan.practice.get("contacts") or ())
    if dropped:
        click.echo(f"left out {dropped} contact(s) without consent to publish (kept in the queue only)")
    click.echo(f"accepted {proposal.id} as practice {plan.key}; `bdp build` publishes it")


@command.command("reject")
@click.argument("proposal_id", metavar="ID")
@click.option("--reason", required=True, help="Why (kept with the proposal).")
@_intake
@handle_errors
def reject(proposal_id: str, reason: str, intake: Path | None) -> None:
    """Mark the proposal rejected, with the reason; it stays in the queue as a record."""
    proposal = queue.load(_queue(intake), proposal_id)
    queue.reject(proposal, reason, _who())
    click.echo(f"rejected {proposal.id} ({proposal.title!r}): {reason.strip()}")
