"""A process pool that one hostile input cannot take down, and a fork-based map for read-only state.

python-calamine can abort its process (a failed Rust allocation is not an exception), and a file
may exhaust memory or time despite the reader's bounds. So `map_isolated` runs a function over
items in worker processes that cap their own address space (RLIMIT_AS) and take one item at a
time, in the order given, with a few more queued behind it: when a worker dies or overruns the
per-item timeout, the parent knows which item did it (the oldest it holds), asks `on_failure`
for a substitute result, hands the items queued behind it to a fresh worker and carries on.
Results come back in the order of the items whatever the timing. With one worker everything runs
in this process: no isolation, no timeout.

`map_forked` is for work over a large state that is only read (the pages of a run's results, the
privacy scan): forked children inherit it instead of having it pickled to them.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing as mp
import os
import select
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

MEMORY_CAP = 1536 * 1024 * 1024  # address space a worker may add on top of what it inherits
ITEM_TIMEOUT = 60.0  # seconds one item may take in a worker


@dataclass(frozen=True)
class Failure:
    """Why a worker gave no result for an item: it died (`exitcode`, negative = signal) or timed out."""

    exitcode: int | None = None
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def out_of_memory(self) -> bool:
        """An abort, kill or segfault: what running out of the memory cap looks like."""
        return self.exitcode is not None and self.exitcode < 0 and -self.exitcode in (
            signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV)


@contextlib.contextmanager
def collector_paused():
    """The cyclic garbage collector off for the block (restored after).

    A run builds millions of small records without reference cycles; with the collector on, its
    full passes walk that whole growing heap again and again (about a third of a rerun's time at
    1,000 offices). On the way out the survivors are moved to the collector's permanent generation
    (gc.freeze) before it is switched back on: otherwise its first pass walks every one of them
    once more (a tenth of a rerun), only to find what it always finds, no cycle. They are still
    freed as usual when nothing refers to them any more.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def cpus() -> int:
    """CPUs this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


def map_isolated(function: Callable[[Any], Any], items: Sequence[Any], on_failure: Callable[[Any, Failure], Any],
                 workers: int = 0, done: Callable[[int, Any], None] | None = None, *,
                 timeout: float = ITEM_TIMEOUT, memory_cap: int = MEMORY_CAP) -> list[Any]:
    """[function(item) for item in items], each in a crash-isolated worker (0 workers = one per CPU).

    `function` must be a module-level function and its results picklable. `done(index, result)`
    is called in this process as each result arrives (for progress), in any order.
    """
    results: list[Any] = [None] * len(items)

    def finish(index: int, result: Any) -> None:
        results[index] = result
        if done is not None:
            done(index, result)

    count = min(workers if workers > 0 else cpus(), len(items))
    if count <= 1 or not can_fork():
        for index, item in enumerate(items):
            finish(index, function(item))
    else:
        _Pool(count, function, timeout, memory_cap).run(items, finish, on_failure)
    return results


# ---------------------------------------------------------------------------------------------
# Worker side


def _worker(conn: Connection, function: Callable[[Any], Any], memory_cap: int) -> None:
    _limit_memory(memory_cap)
    faulthandler.disable()  # an abort here is expected and handled by the parent: no crash dumps
    os.environ["RUST_BACKTRACE"] = "0"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, item in batch:  # in order: the parent counts on it to name a culprit
            conn.send((index, function(item)))


def _limit_memory(cap: int) -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            inherited = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = inherited + cap
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the timeout still bounds a runaway item


# ---------------------------------------------------------------------------------------------
# Parent side


class _Worker:
    """One worker process and the items it holds, oldest first (it works on them in that order)."""

    def __init__(self, ctx: Any, function: Callable[[Any], Any], memory_cap: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, function, memory_cap), daemon=True)
        self.process.start()
        child.close()
        self.tasks: deque[int] = deque()
        self.deadline = 0.0  # for the oldest task, the one being worked on
        # whether a result is waiting, asked with one poll(2) call (Connection.poll builds a
        # selector each time: tens of microseconds, for every one of 32,000 results)
        self.readable = select.poll()
        self.readable.register(self.conn.fileno(), select.POLLIN)

    def give(self, batch: list[tuple[int, Any]], timeout: float) -> None:
        if not batch:
            return
        if not self.tasks:
            self.deadline = time.monotonic() + timeout
        self.tasks.extend(index for index, _ in batch)
        with contextlib.suppress(OSError):  # a dead worker is noticed through its sentinel
            self.conn.send(batch)

    def received(self) -> list[tuple[int, Any]]:
        """Every result that has arrived, oldest first (never blocks)."""
        got = []
        with contextlib.suppress(EOFError, OSError):
            while self.readable.poll(0):
                got.append(self.conn.recv())
        return got

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class _Pool:
    # Items queued per worker: the next ones are already waiting when a worker finishes one, so the
    # parent's latency is hidden; the oldest is the one being worked on, so a death is still
    # attributed. While every worker has a queue, the parent naps between collections and takes
    # the results in one go: waking once per small item cost it (on shared cores) about 40% more CPU.
    DEPTH = 16
    NAP = 0.005

    def __init__(self, size: int, function: Callable[[Any], Any], timeout: float, memory_cap: int) -> None:
        self.ctx = mp.get_context("fork")  # a worker is ready in milliseconds with everything imported
        self.size, self.function, self.timeout, self.memory_cap = size, function, timeout, memory_cap

    def _new_worker(self) -> _Worker:
        return _Worker(self.ctx, self.function, self.memory_cap)

    def run(self, items: Sequence[Any], finish: Callable[[int, Any], None],
            on_failure: Callable[[Any, Failure], Any]) -> None:
        queue = deque(range(len(items)))
        workers = [self._new_worker() for _ in range(self.size)]
        events = select.poll()  # every worker's pipe and process sentinel, watched at once

        def watch(w: _Worker, on: bool) -> None:
            for fd in (w.conn.fileno(), w.process.sentinel):
                if on:
                    events.register(fd, select.POLLIN)
                else:
                    events.unregister(fd)

        for w in workers:
            watch(w, True)

        def feed(w: _Worker) -> None:
            batch = []
            while queue and len(w.tasks) + len(batch) < self.DEPTH:
                i = queue.popleft()
                batch.append((i, items[i]))
            w.give(batch, self.timeout)

        def replace(n: int, failure: Failure) -> None:
            w = workers[n]
            index = w.tasks.popleft()
            finish(index, on_failure(items[index], failure))
            queue.extendleft(reversed(w.tasks))  # the items queued behind it were never started
            w.tasks.clear()
            watch(w, False)
            w.stop(kill=True)
            workers[n] = self._new_worker()
            watch(workers[n], True)
            feed(workers[n])

        try:
            for _ in range(self.DEPTH):  # round-robin, so that every worker starts at once
                for w in workers:
                    if queue:
                        i = queue.popleft()
                        w.give([(i, items[i])], self.timeout)
            while any(w.tasks for w in workers):
                wait_for = max(0.0, min(w.deadline for w in workers if w.tasks) - time.monotonic())
                ready = {fd for fd, _ in events.poll(int((wait_for + 0.05) * 1000))}
                for n, w in enumerate(workers):
                    if not w.tasks:
                        if w.process.sentinel in ready:  # gone while idle (killed from outside)
                            watch(w, False)
                            w.stop(kill=True)
                            workers[n] = self._new_worker()
                            watch(workers[n], True)
                            feed(workers[n])
                        continue
                    if w.conn.fileno() in ready or w.process.sentinel in ready:
                        self._collect(w, finish)
                        if w.tasks and not w.process.is_alive():
                            w.process.join(1)
                            replace(n, Failure(exitcode=w.process.exitcode))
                            continue
                    elif time.monotonic() >= w.deadline:
                        replace(n, Failure(timed_out=True, seconds=self.timeout))
                        continue
                    feed(w)
                if queue and all(len(w.tasks) > 1 for w in workers):
                    time.sleep(self.NAP)
        finally:
            for w in workers:
                w.stop(kill=bool(w.tasks))

    def _collect(self, w: _Worker, finish: Callable[[int, Any], None]) -> None:
        """Take every result the worker has sent; each restarts the clock for the next item."""
        for index, result in w.received():
            if not w.tasks or index != w.tasks[0]:  # cannot happen: a worker takes its items in order
                raise RuntimeError(f"worker returned item {index}, expected {w.tasks[0] if w.tasks else None}")
            w.tasks.popleft()
            finish(index, result)
            w.deadline = time.monotonic() + self.timeout


# ---------------------------------------------------------------------------------------------
# Forked map over inherited state

_STATE: tuple[Callable[[Any, Any], Any], Any] | None = None  # (function, state) for the children


def map_forked(function: Callable[[Any, Any], Any], state: Any, items: Iterable[Any], workers: int,
               chunksize: int = 1) -> list[Any]:
    """[function(state, item) for item in items] in `workers` forked processes, in any order.

    The children inherit `state` and run with the cyclic collector off: its passes would walk
    (and copy, page by page) the whole inherited heap for nothing.
    """
    with forked(function, state, items, workers, chunksize) as results:
        return results()


@contextlib.contextmanager
def forked(function: Callable[[Any, Any], Any], state: Any, items: Iterable[Any], workers: int,
           chunksize: int = 1) -> Iterator[Callable[[], list[Any]]]:
    """map_forked, started on entry: this process works on in the block meanwhile and calls the
    yielded function for the results (any order) once it needs them.

    Not to be nested: the children find `state` in a module global, set until the block ends.
    Once every result is in, the pool is closed and joined — its children leave by themselves —
    rather than terminated: a child signalled while it holds the task queue's lock would leave the
    others waiting for it forever.
    """
    global _STATE
    items = list(items)
    if workers <= 1 or len(items) <= 1 or not can_fork():
        yield lambda: [function(state, item) for item in items]
        return
    _STATE = (function, state)
    workers_pool = mp.get_context("fork").Pool(workers, initializer=_forked_child)
    try:
        pending = workers_pool.imap_unordered(_call, items, chunksize=chunksize)

        def results() -> list[Any]:
            done = list(pending)
            workers_pool.close()
            workers_pool.join()
            return done

        yield results
    finally:
        workers_pool.terminate()  # after a failure, or results never asked for; nothing left after a join
        _STATE = None


def _forked_child() -> None:
    """A forked child: the collector off, and SIGTERM's default action — a handler inherited from
    the parent (a build's clean-up) must not keep a child alive that is told to stop."""
    gc.disable()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _call(item: Any) -> Any:
    function, state = _STATE
    return function(state, item)


__all__ = ["ITEM_TIMEOUT", "MEMORY_CAP", "Failure", "can_fork", "collector_paused", "cpus", "forked", "map_forked",
           "map_isolated"]
