"""What the build's stages hand each other: the report that grows stage by stage and the context an output
step gets."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from publisher.clock import build_time
from publisher.config import Settings
from publisher.outputs.practice_table import PracticeTable, collect_practices
from publisher.pipeline.validate import Problem


@dataclass
class BuildReport:
    counts: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    full: bool = True                  # False: an incremental build (publisher/pipeline/incremental.py)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "Violation"]


@dataclass(frozen=True)
class Delta:
    """What an incremental build changed against the previous build (publisher/pipeline/incremental.py), for
    output steps that patch the previous build's files instead of writing them whole. Keys are record keys.

    `updated`: records whose triples changed; `added`, `removed`: records new or gone. `touched`: the practices
    whose rows in the tables (CSV, search index, sitemaps) may differ: the practices updated or added, and
    those naming an organisation or publication updated, added or removed (or named by a changed publication).
    `removed_nt` / `added_nt`: the N-Triples taken out of and put into the default graph."""

    previous: Path                                    # the previous build's directory (still served)
    updated: frozenset[tuple[str, str]]               # (kind, key)
    added: frozenset[tuple[str, str]]
    removed: frozenset[tuple[str, str]]
    touched: frozenset[str]                           # practice keys
    removed_nt: bytes = b""
    added_nt: bytes = b""


@dataclass
class BuildContext:
    """What a later output step (catalogue, VoID, search index, ...) gets: the loaded store, the output
    directory being built, the settings and the report so far."""

    settings: Settings
    out: Path
    store: ox.Store
    report: BuildReport
    built: str = field(default_factory=build_time)   # the build's clock (publisher.clock)
    ready: frozenset[str] = frozenset()              # dumps made already (an incremental build's splice)
    delta: Delta | None = None                       # an incremental build's difference (None: full build)
    hashing: Mapping[str, Future[tuple[int, str]]] = field(default_factory=dict)   # dumps being hashed
    patched: set[str] = field(default_factory=set)   # table parts (csv, index, sitemaps) written by a patch
    _touched: PracticeTable | None = field(default=None, init=False, repr=False)

    def touched_table(self) -> PracticeTable:
        """The practice table of `delta.touched` from the new store, read once for every patch that needs it."""
        assert self.delta is not None
        if self._touched is None:
            self._touched = collect_practices(self.store, self.settings.base_uri, self.delta.touched)
        return self._touched
