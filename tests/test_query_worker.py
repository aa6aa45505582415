"""The query worker hands freed memory back after a long query (publisher.store.worker.release_memory)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = r"""
import ctypes
from publisher.store.worker import release_memory

def rss_kib():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1])

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
blocks = [libc.malloc(4000) for _ in range(50_000)]      # 200 MB of small blocks, as a join's rows
for b in blocks:
    ctypes.memset(b, 1, 4000)
pin = libc.malloc(4000)                                  # keeps the heap's top in use: no automatic trim
for b in blocks:
    libc.free(b)
held = rss_kib()
release_memory()
print(held, rss_kib())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim and /proc are Linux's")
def test_release_memory_gives_freed_heap_back_to_the_system():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    held, after = map(int, done.stdout.split())
    assert held > 150_000            # KiB: the freed blocks were still counted
    assert after < held - 150_000    # most of them went back
