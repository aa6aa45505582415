"""The CPU time of a command and of every process it starts, Chromium's included: `/usr/bin/time` misses it.

`python -m bench.tree_cpu COMMAND...` runs COMMAND and prints its wall time and the user and system CPU
seconds of all its descendants to stderr, with the load average at the end; the exit code is COMMAND's.

Why not `/usr/bin/time`: it counts the children that were waited for, and Chromium's renderers are not.
Their parent (the zygote) exits without waiting for them when the browser closes, so they are reparented
to init, which reaps them: a headless page that computes for 5 s adds nothing to `/usr/bin/time`'s user
time of the Python that drove it. Here this process makes itself a child subreaper (prctl
PR_SET_CHILD_SUBREAPER, Linux): the orphans of its subtree come to it instead, it waits for all of them,
and RUSAGE_CHILDREN then holds the CPU of every process the command started.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) refused")
    start = time.monotonic()
    command = subprocess.Popen(argv)
    status, wall = 1, 0.0
    while True:                        # the command, then every orphan it left, until none is left
        try:
            pid, wait_status, _ = os.wait3(0)
        except ChildProcessError:
            break
        if pid == command.pid:
            status, wall = os.waitstatus_to_exitcode(wait_status), time.monotonic() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        load = loadavg.read().split()[0]
    print(f"tree_cpu: {wall:.1f} s wall, {used.ru_utime:.1f} s user {used.ru_stime:.1f} s sys = "
          f"{used.ru_utime + used.ru_stime:.1f} s CPU (every descendant), load average {load}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
