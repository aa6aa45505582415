"""CPU a document of `bdp export`'s document writer (user and system, the workers included) over an even
sample of a build's resources, for comparing two versions of the code in one window on a busy machine:

    python bench/export_cpu.py OUT [SAMPLE] [WORKERS]
    PYTHONPATH=/tmp/other-checkout python bench/export_cpu.py OUT ...   (the other code)

Writes into a temporary folder, removed after. Prints one line."""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> tuple[float, float]:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + children.ru_utime, me.ru_stime + children.ru_stime


def main() -> None:
    import publisher
    from publisher.config import load_settings
    from publisher.web import export as ex

    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    settings = load_settings({"out": str(out), "public_url": "http://127.0.0.1/"}, environ={})
    paths = list(ex.resources(out / "store", settings.base_uri))
    sample = paths[::max(1, len(paths) // n)][:n]
    dest = Path(tempfile.mkdtemp(prefix="bdp-export-cpu-"))
    try:
        cpu, started = _cpu(), time.perf_counter()
        docs, files = ex.write_documents(settings, dest / "site", sample, "http://127.0.0.1/", workers)
        after, wall = _cpu(), time.perf_counter() - started
    finally:
        shutil.rmtree(dest)
    print(f"{publisher.__file__}: {docs} documents, {files} files, {1000 * wall / docs:.1f} ms wall a document "
          f"with {workers} processes; CPU a document {1000 * (after[0] - cpu[0]) / docs:.2f} ms user + "
          f"{1000 * (after[1] - cpu[1]) / docs:.2f} ms system; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
