"""Domain errors. Each names where the problem is; the CLI and the web layer turn them into
messages and exit codes / HTTP statuses in one place each."""

from __future__ import annotations

from dataclasses import dataclass


class BdpError(Exception):
    """Base class of every error a user can cause."""


@dataclass
class SourceError(BdpError):
    """Bad source input: a record file, an imported page, a settings file."""

    path: str
    message: str
    line: int | None = None
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class SettingsError(BdpError):
    """A setting has a value that cannot work; raised at start-up."""


class QueryError(BdpError):
    """A SPARQL query (or a query parameter) the user sent cannot be run: HTTP 400, exit 2."""


class QueryRefused(BdpError):
    """A query or request the public endpoint will not run (update, SERVICE to another host): HTTP 403/400."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class QueryTimeout(BdpError):
    """The query ran out of its time limit: HTTP 503."""


class StoreUnavailable(BdpError):
    """The store cannot be reached (remote backend down, build missing): HTTP 503."""
