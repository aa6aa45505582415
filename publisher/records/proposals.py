"""The review queue: practices proposed through /submit, waiting for an editor (`bdp review`).

The queue is a directory (the `intake` setting) outside data/ and out/, so no build, dump, index or page
ever sees it. Each proposal is a folder `{id}/` holding `proposal.yaml` (the practice as a source record,
its new organisations, its status and history) and `attachments/` (uploaded files, named by the server).
A proposal appears whole or not at all: it is assembled in a hidden staging folder and renamed into place;
a status change rewrites proposal.yaml through a temporary file and a rename. Accepting writes
data/practices/{key}.yaml, data/organisations/{key}.yaml and data/attachments/ as an editor would."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from publisher.errors import BdpError
from publisher.records.yamlio import dump_yaml

ID_RE = re.compile(r"^[0-9]{8}-[0-9a-f]{8}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
FILE = "proposal.yaml"
ATTACHMENTS = "attachments"


class ProposalError(BdpError):
    """A review command that cannot be carried out (unknown ID, wrong status, a key already taken)."""


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_id(proposal_id: str) -> str:
    """A proposal ID is a date and 8 hex digits: nothing else (no path) ever reaches the file system."""
    if not ID_RE.match(proposal_id or ""):
        raise ProposalError(f"{proposal_id[:40]!r} is not a proposal ID (like 20261206-1a2b3c4d)")
    return proposal_id


def check_slug(key: str) -> str:
    if not SLUG_RE.match(key or ""):
        raise ProposalError(f"{key[:40]!r} is not a key: lower-case letters a-z, digits and '-', "
                            "starting with a letter or digit")
    return key


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Proposal:
    id: str
    status: str                                   # pending | accepted | rejected
    practice: dict[str, Any]
    organisations: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    folder: Path | None = None

    def as_yaml(self) -> str:
        return dump_yaml({"id": self.id, "status": self.status, "practice": self.practice,
                          "organisations": self.organisations, "history": self.history})

    @property
    def title(self) -> str:
        title = self.practice.get("title") or {}
        return str(title.get("pl") or title.get("en") or "")


class Staging:
    """A hidden folder in the queue where one proposal is put together (attachments first, so that the
    record can be validated against them) before `commit` renames it into the queue."""

    def __init__(self, queue: Path) -> None:
        queue.mkdir(parents=True, exist_ok=True)
        self.queue = queue
        self.id = dt.datetime.now(dt.UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4)
        self.folder = Path(tempfile.mkdtemp(prefix=".staging-", dir=queue))
        (self.folder / ATTACHMENTS).mkdir()

    @property
    def data_dir(self) -> Path:
        """Records validated here are given paths under this folder, so their attachments resolve."""
        return self.folder

    def add_attachment(self, n: int, content: bytes, suffix: str) -> str:
        """Store an upload under a name the server makes; the client's file name is never used."""
        name = f"{self.id}-{n}.{suffix}"
        (self.folder / ATTACHMENTS / name).write_bytes(content)
        return f"{ATTACHMENTS}/{name}"

    def commit(self, practice: dict[str, Any], organisations: list[dict[str, Any]]) -> Proposal:
        proposal = Proposal(self.id, "pending", practice, organisations,
                            [{"at": now(), "event": "submitted"}])
        write_atomic(self.folder / FILE, proposal.as_yaml())
        os.rename(self.folder, self.queue / self.id)
        proposal.folder = self.queue / self.id
        return proposal

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def load(queue: Path, proposal_id: str) -> Proposal:
    folder = queue / check_id(proposal_id)
    try:
        raw = yaml.safe_load((folder / FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProposalError(f"no proposal {proposal_id} in {queue}") from None
    return Proposal(raw["id"], raw["status"], raw["practice"], raw.get("organisations") or [],
                    raw.get("history") or [], folder)


def proposals(queue: Path) -> Iterator[Proposal]:
    """Every proposal in the queue, oldest first (staging folders and stray files are not proposals)."""
    if not queue.is_dir():
        return
    for folder in sorted(queue.iterdir()):
        if ID_RE.match(folder.name) and (folder / FILE).is_file():
            yield load(queue, folder.name)


def _save(proposal: Proposal, event: dict[str, Any]) -> None:
    assert proposal.folder is not None
    proposal.history.append({"at": now(), **event})
    write_atomic(proposal.folder / FILE, proposal.as_yaml())


def _pending(proposal: Proposal) -> None:
    if proposal.status != "pending":
        raise ProposalError(f"proposal {proposal.id} is already {proposal.status}")


def reject(proposal: Proposal, reason: str, by: str) -> None:
    _pending(proposal)
    if not reason.strip():
        raise ProposalError("give the reason for rejecting (--reason TEXT)")
    proposal.status = "rejected"
    _save(proposal, {"event": "rejected", "by": by, "reason": reason.strip()})


@dataclass
class Acceptance:
    """What accepting a proposal writes into the data directory (paths relative to it) and the records."""

    key: str
    practice: dict[str, Any]
    organisations: list[dict[str, Any]]
    files: list[tuple[Path, str]]       # (file in the queue, data-relative target)


def plan_accept(proposal: Proposal, data_dir: Path, key: str | None = None) -> Acceptance:
    """The records as they will be written: the practice under `key`, new organisations under free keys
    (references rewritten), attachments renamed after the practice, and contacts without consent to
    publish left out (their personal data stays in the queue)."""
    _pending(proposal)
    key = check_slug(key or str(proposal.practice.get("key") or ""))
    if (data_dir / "practices" / f"{key}.yaml").exists():
        raise ProposalError(f"data/practices/{key}.yaml exists already: choose another key with --key")
    renamed: dict[str, str] = {}
    organisations = []
    for org in proposal.organisations:
        wanted = check_slug(str(org["key"]))
        free, n = wanted, 1
        while (data_dir / "organisations" / f"{free}.yaml").exists() or free in renamed.values():
            n += 1
            free = f"{wanted}-{n}"
        renamed[wanted] = free
        organisations.append({**org, "key": free})
    practice = {**proposal.practice, "key": key}
    if practice.get("partners"):
        practice["partners"] = [{**p, "organisation": renamed.get(p["organisation"], p["organisation"])}
                                for p in practice["partners"]]
    contacts = [c for c in practice.get("contacts") or () if c.get("publish") is True]
    practice.pop("contacts", None)
    if contacts:
        practice["contacts"] = contacts
    files, attachments = [], []
    for n, att in enumerate(practice.get("attachments") or (), start=1):
        source = PurePosixPath(str(att["file"]))
        target = f"{ATTACHMENTS}/{key}-{n}{source.suffix}"
        if (data_dir / target).exists():
            raise ProposalError(f"data/{target} exists already: choose another key with --key")
        assert proposal.folder is not None
        files.append((proposal.folder / ATTACHMENTS / source.name, target))
        attachments.append({**att, "file": target})
    if attachments:
        practice["attachments"] = attachments
    return Acceptance(key, _ordered(practice), organisations, files)


_ORDER = ("key", "title", "summary", "description", "entered", "modified", "unit_type", "themes", "funding",
          "implementing_unit", "place", "websites", "partners", "contacts", "attachments")


def _ordered(record: dict[str, Any]) -> dict[str, Any]:
    """The fields in the order editors write them (docs/model.md), so the file diffs like theirs."""
    return {k: record[k] for k in (*_ORDER, *sorted(set(record) - set(_ORDER))) if k in record}


def accept(proposal: Proposal, plan: Acceptance, data_dir: Path, by: str) -> list[str]:
    """Write the planned files (attachments, organisations, then the practice) and mark the proposal
    accepted; the data-relative paths written, for the editor to see."""
    written = []
    for source, target in plan.files:
        (data_dir / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, data_dir / target)
        written.append(target)
    for org in plan.organisations:
        path = data_dir / "organisations" / f"{org['key']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, dump_yaml(org))
        written.append(f"organisations/{org['key']}.yaml")
    path = data_dir / "practices" / f"{plan.key}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dump_yaml(plan.practice))
    written.append(f"practices/{plan.key}.yaml")
    proposal.status = "accepted"
    _save(proposal, {"event": "accepted", "by": by, "key": plan.key, "wrote": written})
    return written
