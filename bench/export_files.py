"""CPU a file of `bdp export`'s Files.write (publisher.web.export_documents), alone: DOCUMENTS documents
of six 1.5 kB files each, named as the export names them (doc/membership/{key}.{suffix}), written into
ROOT (it must not exist; on disk to see the kernel's part, on /dev/shm to leave most of it out):

    python bench/export_files.py ROOT DOCUMENTS

Prints user and system CPU a file (getrusage) and wall time. The files are left for the caller to remove:
a removal just before makes new files cost several times more on this disk for a minute or more
(bench/README.md, "what a new file costs on this disk"), so interleave runs of two checkouts
(PYTHONPATH=...) into fresh folders and remove them all after."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SUFFIXES = ("ttl", "jsonld", "rdf", "nt", "html.pl", "html.en")
DATA = b"x" * 1500


def main() -> None:
    from publisher.web.export_documents import Files

    root, documents = Path(sys.argv[1]), int(sys.argv[2])
    root.mkdir()
    files = Files(root, False)
    names = [f"doc/membership/m{i:07d}-pakt-dla-wolontariatu--towarzystwo" for i in range(documents)]
    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for name in names:
        for suffix in SUFFIXES:
            files.write(f"{name}.{suffix}", DATA)
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall
    n = documents * len(SUFFIXES)
    print(f"{n} files: user {1e6 * (after.ru_utime - before.ru_utime) / n:.1f} µs, system "
          f"{1e6 * (after.ru_stime - before.ru_stime) / n:.1f} µs, wall {1e6 * wall / n:.1f} µs a file "
          f"({Files.__module__} from {sys.modules[Files.__module__].__file__})")


if __name__ == "__main__":
    main()
