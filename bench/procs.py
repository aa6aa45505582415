"""Child processes the benchmark runs: `oxigraph serve-read-only` over a build's store, gunicorn serving
the publisher (embedded or remote), and their memory as the kernel reports it (/proc)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before listening")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def executable(name: str) -> str:
    return shutil.which(name, path=str(BIN)) or shutil.which(name) or name


@dataclass
class Server:
    """A started child process listening on 127.0.0.1:port."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _start(name: str, args: list[str], port: int, env: dict[str, str] | None, log_dir: Path) -> Server:
    log = log_dir / f"{name}-{port}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=sink,
                                   stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    try:
        wait_for_port(port, process)
    except BaseException:
        server.stop()
        raise
    return server


def oxigraph_read_only(store: Path, log_dir: Path) -> Server:
    """`oxigraph serve-read-only` over the very store the build wrote (its default graph)."""
    port = free_port()
    return _start("oxigraph", [executable("oxigraph"), "serve-read-only", "--location", str(store), "--bind",
                               f"127.0.0.1:{port}"], port, None, log_dir)


def oxigraph_serve(location: Path, log_dir: Path) -> Server:
    """A writable `oxigraph serve` on a fresh location (the target of `bdp publish`)."""
    port = free_port()
    return _start("oxigraph-rw", [executable("oxigraph"), "serve", "--location", str(location), "--bind",
                                  f"127.0.0.1:{port}"], port, None, log_dir)


def gunicorn(out: Path, log_dir: Path, *, workers: int, threads: int, endpoint: str | None = None,
             name: str = "gunicorn", env: dict[str, str] | None = None) -> Server:
    """The publisher under gunicorn, embedded (BDP_OUT) or remote (BDP_SPARQL_ENDPOINT)."""
    port = free_port()
    env = {**(env or {}), "BDP_OUT": str(out)}
    if endpoint:
        env["BDP_SPARQL_ENDPOINT"] = endpoint
    args = [executable("gunicorn"), "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
            "--timeout", "120", "publisher.web:create_app()"]
    return _start(name, args, port, env, log_dir)


# --- memory -------------------------------------------------------------------------------------------

def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def rss_mib(pid: int, key: str = "VmRSS") -> float:
    value = _status(pid).get(key, "0 kB").split()[0]
    return int(value) / 1024


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            if _status(int(entry.name)).get("PPid", "").strip() == str(pid):
                found.append(int(entry.name))
    return found


def pss_mib(pid: int) -> float:
    """Proportional set size: shared pages split among the processes sharing them (a sum of these is not
    inflated the way a sum of RSS is)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def worker_memory(server: Server) -> dict[str, float]:
    """RSS of the largest gunicorn worker alone, and of that worker with its own child processes (the
    embedded store's query workers), as a sum of RSS and of PSS, in MiB."""
    best = {"worker_rss": 0.0, "worker_tree_rss": 0.0, "worker_tree_pss": 0.0, "worker_peak": 0.0}
    for pid in children(server.process.pid):
        own = rss_mib(pid)
        tree = own + sum(rss_mib(c) for c in children(pid))
        if tree > best["worker_tree_rss"]:
            best = {"worker_rss": own, "worker_tree_rss": tree,
                    "worker_tree_pss": pss_mib(pid) + sum(pss_mib(c) for c in children(pid)),
                    "worker_peak": rss_mib(pid, "VmHWM")}
    return best
