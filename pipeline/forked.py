"""Work spread over forked processes that inherit a large read-only state instead of pickling it.

Page rendering and the privacy scan both need a run's whole Results (or the compiled needles) in
every process. Forking hands them over for free; only the items and the answers travel. The
children run with the cyclic collector off: its passes would walk (and copy, page by page) the
whole inherited heap for nothing.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable
from typing import Any

_STATE: tuple[Callable[[Any, Any], Any], Any] | None = None  # (function, state) for the children


def cpus() -> int:
    """CPUs this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


def forked_map(function: Callable[[Any, Any], Any], state: Any, items: Iterable[Any], workers: int,
               chunksize: int = 1) -> list[Any]:
    """[function(state, item) for item in items], in `workers` forked processes, in any order."""
    global _STATE
    _STATE = (function, state)
    try:
        with mp.get_context("fork").Pool(workers, initializer=gc.disable) as pool:
            return list(pool.imap_unordered(_call, items, chunksize=chunksize))
    finally:
        _STATE = None


def _call(item: Any) -> Any:
    function, state = _STATE
    return function(state, item)


__all__ = ["can_fork", "cpus", "forked_map"]
