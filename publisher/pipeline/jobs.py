"""Work of the output steps that needs no store: each job is a module run as `python -m MODULE ARGS` in a
child process, so that the build's two cores work at once while the parent queries the store, or called
in this process (`MODULE.main(ARGS)`) for small data sets, where starting interpreters costs more than
it saves. A job writes its files under a temporary name and renames them, so that a failed or stopped
job leaves nothing half written."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from dataclasses import dataclass

from publisher.errors import BdpError


@dataclass(frozen=True)
class Job:
    name: str                     # the build stage `outputs:NAME`
    writes: str                   # what it writes, for messages (e.g. dumps/bdp.ttl.gz)
    module: str
    args: tuple[str, ...]


class Jobs:
    """`start()` begins the jobs, `wait()` returns when all are done (raising BdpError naming what a failed
    job was writing) and `seconds` then holds each one's wall time; `close()` stops what still runs."""

    def __init__(self, jobs: list[Job], *, parallel: bool) -> None:
        self.jobs, self.parallel = jobs, parallel
        self.seconds: dict[str, float] = {}
        self._children: dict[Job, subprocess.Popen[bytes]] = {}
        self._started = time.perf_counter()

    def start(self) -> Jobs:
        self._started = time.perf_counter()
        if self.parallel:
            for job in self.jobs:
                self._children[job] = subprocess.Popen(
                    [sys.executable, "-m", job.module, *job.args], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def wait(self) -> None:
        if not self.parallel:
            for job in self.jobs:
                started = time.perf_counter()
                try:
                    importlib.import_module(job.module).main(list(job.args))
                except (SyntaxError, OSError) as exc:
                    raise BdpError(f"writing {job.writes} failed: {type(exc).__name__}: {exc}") from None
                self.seconds[job.name] = time.perf_counter() - started
        while self._children:
            done = [(job, child) for job, child in self._children.items() if child.poll() is not None]
            if not done:
                time.sleep(0.02)
                continue
            for job, child in done:
                self.seconds[job.name] = time.perf_counter() - self._started
                _, err = child.communicate()
                del self._children[job]
                if child.returncode != 0:
                    self.close()
                    last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {child.returncode}"]
                    raise BdpError(f"writing {job.writes} failed: {last[0]}")

    def close(self) -> None:
        for child in self._children.values():
            if child.poll() is None:
                child.kill()
            child.communicate()
        self._children.clear()

    def __enter__(self) -> Jobs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
