"""Does a folder's size change what a new file costs? New files of 1.5 kB, six a "document" as `bdp
export` writes them, either all in ROOT (PER = 0: as doc/membership/ holds 1.9 million) or in folders of
PER documents; the system CPU, user CPU and wall time a file printed for every 50,000 documents:

    python bench/file_folders.py ROOT DOCUMENTS PER

ROOT must not exist. The files are left for the caller to remove: on a disk without a journal, new files
cost several times more for minutes after a large removal (bench/README.md, "what a new file costs on this
disk"), so remove them after measuring, not between two runs."""

from __future__ import annotations

import os
import resource
import sys
import time

SUFFIXES = ("ttl", "nt", "rdf", "jsonld", "html.pl", "html.en")
DATA = b"x" * 1500
STEP = 50_000


def main() -> None:
    root, documents, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(root)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    first = last = (resource.getrusage(resource.RUSAGE_SELF), time.perf_counter())
    for i in range(documents):
        folder = root if per == 0 else f"{root}/d{i // per}"
        if per and i % per == 0:
            os.mkdir(folder)
        for suffix in SUFFIXES:
            fd = os.open(f"{folder}/r{i:07d}.{suffix}", flags, 0o644)
            os.write(fd, DATA)
            os.close(fd)
        if (i + 1) % STEP == 0:
            now = (resource.getrusage(resource.RUSAGE_SELF), time.perf_counter())
            print(f"{i + 1:>9} documents: {_per_file(last, now, STEP)}", flush=True)
            last = now
    print(f"all: {_per_file(first, (resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()), documents)}")


def _per_file(before: tuple, after: tuple, documents: int) -> str:
    files = len(SUFFIXES) * documents
    return (f"system {1e6 * (after[0].ru_stime - before[0].ru_stime) / files:.1f} µs a file, user "
            f"{1e6 * (after[0].ru_utime - before[0].ru_utime) / files:.1f}, wall {1e6 * (after[1] - before[1]) / files:.1f}")


if __name__ == "__main__":
    main()
