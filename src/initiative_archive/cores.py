"""How many cores this process may use: the CPUs it is allowed to run on, not the machine's."""

from __future__ import annotations

import os


def usable_cores(at_most: int) -> int:
    """The cores this process may run on (its affinity, where the OS tells), 1 to ``at_most``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(at_most, cores))
