"""A bounded executor for the embedded store: a pool of persistent worker processes (publisher.store.worker),
each holding the store open read-only, one query at a time each, a pipe pair per worker.

Pyoxigraph has no timeout, so cancellation is real: a worker that passes its deadline is killed (SIGKILL),
reaped, and replaced in the background, and the caller gets QueryTimeout (503). A request that finds every
worker busy until its deadline gets QueryTimeout too. The pool belongs to the process that made it: after a
fork (gunicorn) the child makes its own."""

from __future__ import annotations

import json
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from publisher.errors import QueryTimeout, StoreUnavailable
from publisher.store.worker import HEADER

SPAWN_TIMEOUT = 60.0


class _Deadline(Exception):
    pass


@dataclass(eq=False)
class _Proc:
    process: subprocess.Popen
    to_worker: int
    from_worker: int
    isolated: bool = False
    dead: bool = False
    buffer: bytearray = field(default_factory=bytearray)
    guard: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, meta: dict[str, Any]) -> None:
        packed = pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(HEADER.pack(len(packed), 0) + packed)
        while view:
            view = view[os.write(self.to_worker, view):]

    def _read(self, size: int, deadline: float) -> bytes:
        poller = select.poll()
        poller.register(self.from_worker, select.POLLIN | select.POLLHUP | select.POLLERR)
        while len(self.buffer) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise _Deadline
            chunk = os.read(self.from_worker, max(size - len(self.buffer), 1 << 16))
            if not chunk:
                raise EOFError("the query worker stopped")
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def receive(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        meta_len, body_len = HEADER.unpack(self._read(HEADER.size, deadline))
        meta = pickle.loads(self._read(meta_len, deadline))
        return meta, self._read(body_len, deadline) if body_len else b""

    def kill(self) -> None:
        with self.guard:
            if self.dead:
                return
            self.dead = True
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            os.close(self.to_worker)
            os.close(self.from_worker)


class WorkerPool:
    """`size` worker processes over the store at `path`, started on demand."""

    def __init__(self, path: str, *, size: int = 2, allowed_services: frozenset[str] = frozenset()) -> None:
        self.path, self.size, self.allowed = path, max(1, size), allowed_services
        self.owner = os.getpid()
        self._idle: list[_Proc] = []
        self._live = 0
        self._closed = False
        self._lock = threading.Condition()
        self._all: set[_Proc] = set()

    # --- process life ------------------------------------------------------------------------------

    def _spawn(self) -> _Proc:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        config = {"path": self.path, "rfd": to_child_r, "wfd": from_child_w, "parent": os.getpid(),
                  "allowed_services": sorted(self.allowed)}
        try:
            process = subprocess.Popen([sys.executable, "-m", "publisher.store.worker", json.dumps(config)],
                                       pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, start_new_session=True)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        proc = _Proc(process, to_child_w, from_child_r)
        try:
            hello, _ = proc.receive(time.monotonic() + SPAWN_TIMEOUT)
        except (_Deadline, EOFError, OSError):
            proc.kill()
            raise StoreUnavailable("a query worker could not be started") from None
        if not hello.get("ready"):
            proc.kill()
            raise StoreUnavailable(hello.get("message", "a query worker could not be started"))
        proc.isolated = bool(hello.get("isolated"))
        return proc

    def _acquire(self, deadline: float) -> _Proc:
        with self._lock:
            while True:
                if self._closed:
                    raise StoreUnavailable("the store is closed")
                if self._idle:
                    return self._idle.pop()  # the most recently used: its caches are warm
                if self._live < self.size:
                    self._live += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QueryTimeout(f"every query worker ({self.size}) stayed busy for the whole time limit; "
                                       "try again later")
                self._lock.wait(left)
        try:
            proc = self._spawn()
        except BaseException:
            with self._lock:
                self._live -= 1
                self._lock.notify()
            raise
        with self._lock:
            self._all.add(proc)
        return proc

    def _release(self, proc: _Proc) -> None:
        with self._lock:
            if self._closed:
                proc.kill()
                return
            self._idle.append(proc)
            self._lock.notify()

    def _discard(self, proc: _Proc, *, replace: bool) -> None:
        proc.kill()
        with self._lock:
            self._all.discard(proc)
            self._live -= 1
            self._lock.notify()
        if replace and not self._closed:
            threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        with self._lock:
            if self._closed or self._live >= self.size:
                return
            self._live += 1
        try:
            proc = self._spawn()
        except StoreUnavailable:
            with self._lock:
                self._live -= 1
                self._lock.notify()
            return
        with self._lock:
            self._all.add(proc)
        self._release(proc)

    # --- use --------------------------------------------------------------------------------------

    def run(self, request: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """Send one request to an idle worker; its reply, or QueryTimeout after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        proc = self._acquire(deadline)
        try:
            proc.send(request)
            reply = proc.receive(deadline)
        except _Deadline:
            self._discard(proc, replace=True)
            raise QueryTimeout(f"the query ran longer than the time limit of {timeout:g} s and was stopped"
                               ) from None
        except (EOFError, OSError, pickle.UnpicklingError):
            self._discard(proc, replace=True)
            raise StoreUnavailable("the query worker stopped (out of memory?); try again") from None
        except BaseException:
            self._discard(proc, replace=True)
            raise
        self._release(proc)
        return reply

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        with self._lock:
            return sorted(p.pid for p in self._all)

    def isolated(self) -> bool | None:
        """Whether the workers run without network access (None before one started)."""
        with self._lock:
            flags = {p.isolated for p in self._all}
        return None if not flags else all(flags)

    def close(self) -> None:
        if os.getpid() != self.owner:
            return  # a forked child does not own these processes
        with self._lock:
            self._closed = True
            procs = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._lock.notify_all()
        for proc in procs:
            proc.kill()
