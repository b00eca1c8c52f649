"""Where a build's time goes, on request: ``POLICYKG_TIMING=1`` prints one line per step to stderr.

Each line gives the wall seconds since the build started and the process's CPU seconds (this process
and its finished children), so a step's share shows on a machine shared with other work. Nothing is
printed, and nearly nothing done, when the variable is not set.
"""

from __future__ import annotations

import os
import sys
import time

_START = [0.0]


def tick(step: str) -> None:
    """One line ``timing <wall> s wall, <cpu> s cpu: <step>`` to stderr when ``POLICYKG_TIMING`` is set."""
    if not os.environ.get("POLICYKG_TIMING"):
        return
    now = time.perf_counter()
    if not _START[0] or step == "start":
        _START[0] = now
    t = os.times()
    cpu = t.user + t.system + t.children_user + t.children_system
    print(f"timing {now - _START[0]:8.2f} s wall, {cpu:8.2f} s cpu: {step}", file=sys.stderr, flush=True)
