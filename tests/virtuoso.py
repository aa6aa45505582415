"""OpenLink Virtuoso Open Source 7 (Debian's `virtuoso-opensource`, installed by .ci/install-virtuoso) on
free loopback ports with its own database in a temporary directory, for tests that prove remote mode on a
second, independent SPARQL 1.1 store. Not a test module: `from tests.virtuoso import virtuoso_server`.

The server is `virtuoso-t +foreground +configfile INI` (never the system service). Its SPARQL endpoint is
/sparql (queries and updates), its Graph Store Protocol endpoint /sparql-graph-crud; the anonymous SPARQL
user is granted SPARQL_UPDATE and write permission on graphs (isql) so that `bdp publish` can write.
Where Virtuoso is missing a test is skipped, except under CI (the variable CI set), where it fails.

Why not Apache Jena Fuseki, the engine the issue named: Fuseki 5.x is published only on Maven Central, which
cannot be reached from where these tests run (only PyPI, Debian and npm can), and Debian's
libapache-jena-java 4.5.0 ships the Jena libraries without Fuseki."""

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

from tests.conftest import free_port, stop_process

SERVER, ISQL = "virtuoso-t", "isql-vt"
VAD = "/usr/share/virtuoso-opensource-7/vad"
GRANTS = ('GRANT SPARQL_UPDATE TO "SPARQL";', "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);")

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 8
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
AllowOSCalls = 0
DirsAllowed = ., {d}, {vad}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
VADInstallDir = {vad}/

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/vsp
MaxClientConnections = 8
ServerThreads = 8
MaxKeepAlives = 8
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
DeferInferenceRulesInit = 0
"""


@dataclass(frozen=True)
class Virtuoso:
    port: int          # HTTP
    sql_port: int      # isql

    @property
    def query_url(self) -> str:
        """The SPARQL endpoint: queries and updates."""
        return f"http://127.0.0.1:{self.port}/sparql"

    @property
    def graph_store_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql-graph-crud"


def require_virtuoso() -> None:
    if shutil.which(SERVER) and shutil.which(ISQL):
        return
    message = "no virtuoso-t here: run .ci/install-virtuoso (apt-get install virtuoso-opensource)"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: Virtuoso is required)", pytrace=False)
    pytest.skip(message)


def isql(server: Virtuoso, *statements: str) -> str:
    done = subprocess.run([ISQL, f"127.0.0.1:{server.sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF",
                           "PROMPT=OFF", "ERRORS=STDOUT", "exec=" + " ".join(statements)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise RuntimeError(f"isql {statements}: {done.stdout}{done.stderr}")
    return done.stdout


@contextmanager
def virtuoso_server(tmp_path: Path, timeout: float = 90.0) -> Iterator[Virtuoso]:
    """Start Virtuoso on an empty database, grant the SPARQL user updates, yield its URLs, stop it."""
    require_virtuoso()
    directory = tmp_path / "virtuoso"
    (directory / "vsp").mkdir(parents=True, exist_ok=True)
    server = Virtuoso(free_port(), free_port())
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(d=directory, sql=server.sql_port, http=server.port, vad=VAD), encoding="utf-8")
    log = directory / "stdout.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([SERVER, "+foreground", "+configfile", str(ini)], cwd=directory, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_until_it_answers(server, process, log, timeout)
        isql(server, *GRANTS)
        yield server
    finally:
        stop_process(process)


def _wait_until_it_answers(server: Virtuoso, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            response = requests.get(server.query_url, params={"query": "ASK {}"}, timeout=2,
                                    headers={"Accept": "application/sparql-results+json"})
            if response.status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"Virtuoso did not answer within {timeout} s:\n{log.read_text(errors='replace')}")
