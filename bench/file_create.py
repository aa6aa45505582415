"""The system CPU of creating small files, by where their folder was made: a folder made fresh under
PARENT, files written in it directly ("flat") or in folders made inside it by `os.makedirs` ("nested", as
`bdp export` lays out doc/{type}/), for each PARENT given. Prints µs a file (wall and system CPU).

    python bench/file_create.py /tmp /tmp/some/deeper/folder /dev/shm [FILES]"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time

SUFFIXES = ("ttl", "nt", "rdf", "jsonld", "html.pl", "html.en")


def create(folder: str, names: list[str], makedirs: bool) -> tuple[float, float]:
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for name in names:
        path = f"{folder}/{name}"
        if makedirs:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b"x" * 900)
        os.close(fd)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    return 1e6 * wall / len(names), 1e6 * (after.ru_stime - before.ru_stime) / len(names)


def main() -> None:
    files = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 2400
    parents = [a for a in sys.argv[1:] if not a.isdigit()] or ["/tmp"]
    flat = [f"k{i}.{s}" for i in range(files // len(SUFFIXES)) for s in SUFFIXES]
    nested = [f"doc/practice/{name}" for name in flat]
    print(f"# {len(flat)} files of 900 bytes each way; load average {os.getloadavg()[0]:.1f}")
    for parent in parents:
        for label, names, makedirs in (("flat", flat, False), ("nested", nested, True)):
            folder = tempfile.mkdtemp(dir=parent)
            try:
                wall, system = create(folder, names, makedirs)
            finally:
                shutil.rmtree(folder)
            print(f"{parent:<30} {label:<7} wall {wall:7.1f} µs a file, system {system:7.1f} µs")


if __name__ == "__main__":
    main()
