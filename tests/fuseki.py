"""Apache Jena Fuseki 5.6.0 on a free loopback port, for tests that compare the endpoint with a reference
implementation. Not a test module: `from tests.fuseki import fuseki_server`.

Fuseki comes from `.ci/install-fuseki`, which puts it in `${BDP_CACHE:-~/.cache/bdp}/fuseki/5.6.0/`
(`fuseki-server.jar`, or `lib/*.jar` with jena-fuseki-main and its dependencies). Where it is absent a test
is skipped, except under CI (the variable CI set), where a missing Fuseki is a failure.

    with fuseki_server(tmp_path) as fuseki:
        requests.put(fuseki.gsp_url, params={"graph": "http://example.org/g"}, data=turtle,
                     headers={"Content-Type": "text/turtle"})
        requests.post(fuseki.query_url, data={"query": "SELECT ..."},
                      headers={"Accept": "application/sparql-results+json"})
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

VERSION = "5.6.0"
MAIN_CLASS = "org.apache.jena.fuseki.main.cmds.FusekiMainCmd"
DATASET = "ds"


def fuseki_home() -> Path:
    return Path(os.environ.get("BDP_CACHE") or Path.home() / ".cache" / "bdp") / "fuseki" / VERSION


@dataclass(frozen=True)
class Fuseki:
    """The URLs of one running server's in-memory, updatable dataset /ds."""

    url: str  # http://127.0.0.1:PORT/ds: the dataset (every operation, chosen by the request)
    port: int

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def gsp_url(self) -> str:
        """Graph Store Protocol, read-write: `?default` or `?graph=IRI`."""
        return self.url + "/data"


def fuseki_command(port: int, home: Path | None = None) -> list[str]:
    """The command line that serves an in-memory updatable /ds on 127.0.0.1:port; pytest.skip or pytest.fail
    (under CI) where Fuseki is not installed."""
    home = home or fuseki_home()
    java = shutil.which("java") or "/usr/bin/java"
    args = ["--localhost", "--port", str(port), "--mem", "--update", "/" + DATASET]
    if (home / "fuseki-server.jar").is_file():
        return [java, "-Xmx512m", "-jar", str(home / "fuseki-server.jar"), *args]
    if (home / "lib" / ".complete").is_file():
        return [java, "-Xmx512m", "-cp", str(home / "lib" / "*"), MAIN_CLASS, *args]
    message = f"no Fuseki {VERSION} in {home}: run .ci/install-fuseki"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: Fuseki is required)", pytrace=False)
    pytest.skip(message)


@contextmanager
def fuseki_server(tmp_path: Path, timeout: float = 60.0) -> Iterator[Fuseki]:
    """Start Fuseki with an empty in-memory dataset, wait until it answers a query, yield its URLs, stop it."""
    port = free_port()
    command = fuseki_command(port)
    base = tmp_path / "fuseki"
    base.mkdir(parents=True, exist_ok=True)
    log = base / "fuseki.log"
    env = {**os.environ, "FUSEKI_BASE": str(base / "run")}
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=base, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    server = Fuseki(f"http://127.0.0.1:{port}/{DATASET}", port)
    try:
        _wait_until_it_answers(server, process, log, timeout)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait_until_it_answers(server: Fuseki, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Fuseki exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            response = requests.get(server.query_url, params={"query": "ASK {}"}, timeout=2,
                                    headers={"Accept": "application/sparql-results+json"})
            if response.status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"Fuseki did not answer within {timeout} s:\n{log.read_text(errors='replace')}")
