"""A query worker process: holds the Oxigraph store open read-only and answers one query at a time.

Started by `publisher.store.pool` as `python -m publisher.store.worker CONFIG_JSON` with two pipe file
descriptors. The parent kills it (SIGKILL) when a query passes its deadline, so a runaway query stops
burning a core; the worker never times itself out. Results are written here, by Oxigraph's own
serialisers, so only bytes cross the pipe. A row cap is applied while streaming: the answer is first written
as TSV (SELECT; one solution per line) or N-Triples (CONSTRUCT/DESCRIBE; one triple per line) into a sink
that stops the serialiser after the cap, and re-written in the asked format only when that differs.

Frames on both pipes: 8 bytes (meta length, body length), a pickled meta dict, the body bytes."""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import struct
import sys
import threading
import time
from typing import Any, cast

HEADER = struct.Struct("!II")
# After a query this long (seconds), freed memory goes back to the system once the answer is sent: glibc keeps
# what an aggregate's joins and groups freed; a trim takes milliseconds, so short queries skip it
# (worker memory with and without: bench/README.md).
TRIM_AFTER = 0.05
CLONE_NEWNET, CLONE_NEWUSER = 0x40000000, 0x10000000


def read_exact(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, meta: dict[str, Any], body: bytes = b"") -> None:
    packed = pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(HEADER.pack(len(packed), len(body)) + packed + body)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int) -> tuple[dict[str, Any], bytes] | None:
    header = read_exact(fd, HEADER.size)
    if header is None:
        return None
    meta_len, body_len = HEADER.unpack(header)
    meta = read_exact(fd, meta_len)
    body = read_exact(fd, body_len) if body_len else b""
    if meta is None or body is None:
        return None
    return pickle.loads(meta), body


class _Enough(Exception):
    """Raised by the capped sink to stop a serialiser once the cap is passed."""


class _Capped:
    """A binary sink keeping the first `keep` lines; it stops the writer at the first byte beyond them."""

    def __init__(self, keep: int) -> None:
        self.keep, self.lines, self.parts, self.size = keep, 0, list[bytes](), 0
        self.truncated = False

    def write(self, data: bytes) -> int:
        data = bytes(data)
        if self.lines >= self.keep and data:
            self.truncated = True
            raise _Enough
        newlines = data.count(b"\n")
        if self.lines + newlines <= self.keep:
            self.parts.append(data)
            self.lines += newlines
            return len(data)
        end = -1
        for _ in range(self.keep - self.lines):
            end = data.index(b"\n", end + 1)
        self.parts.append(data[:end + 1])
        self.lines, self.truncated = self.keep, True
        raise _Enough

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.parts)


def _capped(result: Any, fmt: Any, keep: int) -> tuple[bytes, bool]:
    sink = _Capped(keep)
    try:
        result.serialize(sink, format=fmt)
    except _Enough:
        pass
    return sink.value(), sink.truncated


def isolate_network() -> bool:
    """Best effort: move this process into an empty network namespace, so no query can open a connection
    even if the guard missed one. Needs root or unprivileged user namespaces; False when unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(CLONE_NEWNET) == 0 or libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0
    except (OSError, AttributeError):
        return False


class Worker:
    def __init__(self, path: str, allowed_services: frozenset[str]) -> None:
        import pyoxigraph as ox

        self.ox = ox
        self.store = ox.Store.read_only(path)
        self.allowed = allowed_services
        self.results = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                        "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
        self.graphs = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML,
                       "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}

    def handle(self, req: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        from publisher.errors import BdpError, QueryRefused

        try:
            return self._run(req)
        except QueryRefused as exc:
            return {"error": "refused", "status": exc.status, "message": str(exc)}, b""
        except BdpError as exc:
            return {"error": "query", "message": str(exc)}, b""
        except SyntaxError as exc:
            from publisher.store import guard

            if guard.looks_like_update(req["query"]):
                return {"error": "refused", "status": 403, "message": str(guard.refuse_update())}, b""
            return {"error": "query", "message": str(guard.syntax_error(str(exc)))}, b""
        except (RuntimeError, ValueError, TypeError) as exc:
            return {"error": "query", "message": f"the query could not be evaluated: {exc}"}, b""
        except MemoryError:
            return {"error": "unavailable", "message": "the query needs more memory than the server has"}, b""
        except OSError as exc:
            # Oxigraph reports evaluation errors as OSError subclasses too; file-system errors may carry
            # paths, which never leave the server.
            if exc.errno is not None or exc.filename is not None:
                return {"error": "unavailable", "message": "the store could not be read"}, b""
            return {"error": "query", "message": f"the query could not be evaluated: {exc}"}, b""
        except BaseException as exc:  # a panic of the engine (pyo3 PanicException) is the query's doing
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            import traceback

            traceback.print_exc()  # to the server's log, never to the client
            return {"error": "query", "message": "the query engine could not evaluate this query"}, b""

    def _run(self, req: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        from publisher.store import guard

        ox, query = self.ox, req["query"]
        default, named = req.get("default"), req.get("named")
        guard.inspect(query, allowed_services=self.allowed)
        subs = {ox.Variable(k): v for k, v in (req.get("subs") or {}).items()}
        # A dataset given (SPARQL 1.1 Protocol 2.1.4) is the whole dataset: a default graph merging the
        # default-graph-uri graphs (none: empty), the named-graph-uri graphs as named ones (none: none).
        given = bool(default or named)
        result = self.store.query(query, substitutions=subs or None, base_iri=req.get("base"),
                                  default_graph=[ox.NamedNode(g) for g in default or ()] if given else None,
                                  named_graphs=[ox.NamedNode(g) for g in named or ()] if given else None)
        limit, formats = req.get("limit"), req.get("formats") or {}
        if isinstance(result, ox.QueryBoolean):
            name = formats.get("ask")
            body = result.serialize(format=self.results[name]) if name else b""
            return {"kind": "ask", "boolean": bool(result), "format": name, "truncated": False}, body
        if isinstance(result, ox.QuerySolutions):
            name = formats.get("select")
            if name is None:
                return {"kind": "select", "format": None, "truncated": False}, b""
            if limit is None:
                return {"kind": "select", "format": name, "truncated": False}, \
                    result.serialize(format=self.results[name])
            body, truncated = _capped(result, ox.QueryResultsFormat.TSV, limit + 1)
            if name != "tsv":
                body = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV).serialize(
                    format=self.results[name])
            return {"kind": "select", "format": name, "truncated": truncated}, body
        name = formats.get("graph")
        if name is None:
            return {"kind": "graph", "format": None, "truncated": False}, b""
        if limit is None:
            body, truncated = result.serialize(format=ox.RdfFormat.N_TRIPLES), False
        else:
            body, truncated = _capped(result, ox.RdfFormat.N_TRIPLES, limit)
        if name != "nt":
            from publisher.namespaces import PREFIXES

            body = ox.serialize(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), format=self.graphs[name],
                                prefixes=PREFIXES if name in ("ttl", "rdf", "trig") else None)
        return {"kind": "graph", "format": name, "truncated": truncated}, cast(bytes, body)


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone, even while a query runs (Oxigraph releases the GIL meanwhile)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def release_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim); nothing elsewhere."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    rfd, wfd, parent = config["rfd"], config["wfd"], config["parent"]
    allowed = frozenset(config.get("allowed_services") or ())
    isolated = False if allowed else isolate_network()
    try:
        worker = Worker(config["path"], allowed)
    except OSError:
        write_frame(wfd, {"ready": False, "message": "the store cannot be opened"})
        return 1
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    write_frame(wfd, {"ready": True, "pid": os.getpid(), "isolated": isolated})
    # rdflib (the guard's parser) is imported by the first query that names SERVICE or is not valid
    # SPARQL, never at start: most workers answer none, and it is most of a worker's start-up CPU.
    while True:
        frame = read_frame(rfd)
        if frame is None:
            return 0
        started = time.perf_counter()
        meta, body = worker.handle(frame[0])
        write_frame(wfd, meta, body)
        if time.perf_counter() - started >= TRIM_AFTER:
            del meta, body
            release_memory()


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(main(sys.argv[1:]))
