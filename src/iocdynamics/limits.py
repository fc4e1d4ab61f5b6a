"""What fits this machine: the memory a single run may plan to hold.

Counts and sizes given in files or on the command line (ensemble members,
sample sizes, chain lengths) are checked against :func:`memory_budget` before
any work starts, so a typo such as ``--members 100000000`` is refused with the
largest value that fits instead of failing with ``MemoryError`` later.
"""

from __future__ import annotations

import os
from pathlib import Path

BUDGET_SHARE = 0.5
"""Share of the machine's memory (or of the container's limit) one run may plan to use."""


def total_memory() -> int:
    """Bytes of memory available to this process: physical memory, or the cgroup
    limit of the container if that is lower."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        total = 8 * 2**30
    for f in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(f).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def memory_budget() -> int:
    """Bytes one run may plan to hold in memory (:data:`BUDGET_SHARE` of
    :func:`total_memory`)."""
    return int(total_memory() * BUDGET_SHARE)


def gib(n: float) -> str:
    """``n`` bytes in GiB (MiB below one GiB), for messages."""
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def largest_count(bytes_per_item: float, budget: int | None = None) -> int:
    """How many items of ``bytes_per_item`` fit in the memory budget."""
    budget = memory_budget() if budget is None else budget
    return max(0, int(budget // max(bytes_per_item, 1.0)))
