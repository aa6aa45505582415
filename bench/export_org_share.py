"""CPU a document of the organisation pages one worker of `bdp export` writes, with the caches that worker
has: what is kept per store or per build (a practice's members, a partner's name and link) pays off only
once a worker has written many organisations, which export_kinds.py's evenly spread sample never shows.

    python bench/export_org_share.py OUT [--workers 2] [--limit N]

Takes the organisations in the export's order (export_documents.resources), cut in chunks of
export_documents.CHUNK as `bdp export` cuts them, keeps every WORKERS-th chunk (what one worker of a pool of
WORKERS gets, about), and writes them in one process into a folder on /dev/shm (removed after). Prints the
documents, files, user and system CPU a document (also for each tenth of the run: the caches filling) and
the peak RSS. --limit N stops after N documents (then the figure is not the whole share's)."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from publisher.config import load_settings
    from publisher.web import export_documents

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    public = "http://127.0.0.1:8080/"
    settings = load_settings({"out": str(args.out), "public_url": public}, environ={})
    paths = [p for p in export_documents.resources(args.out / "store", settings.base_uri)
             if p.split("/")[1] == "organisation"]
    size = export_documents.CHUNK
    share = [p for i in range(0, len(paths), size * args.workers) for p in paths[i:i + size]]
    if args.limit:
        share = share[:args.limit]
    site = Path(tempfile.mkdtemp(prefix="bdp-share-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    try:
        export_documents._init(settings, str(site / "site"), public, False)
        tenth = max(1, len(share) // 10)
        docs = files = 0
        first = before = os.times()
        parts = []
        for start in range(0, len(share), tenth):
            done, written = export_documents._chunk(share[start:start + tenth])
            after = os.times()
            parts.append(1000 * (after.user - before.user) / max(done, 1))
            docs, files, before = docs + done, files + written, after
    finally:
        shutil.rmtree(site, ignore_errors=True)
    user, system = (before.user - first.user) / docs, (before.system - first.system) / docs
    print(f"organisation share of 1/{args.workers}: {docs} docs {files} files  user {1000 * user:.2f} ms"
          f"  sys {1000 * system:.2f} ms a doc  (x {len(paths)} = {user * len(paths):.0f} s user)")
    print("user ms a doc by tenth of the run: " + " ".join(f"{p:.2f}" for p in parts))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
