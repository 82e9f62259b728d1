"""Read many workbooks in worker processes that one hostile file cannot take down.

python-calamine can abort its process (a failed Rust allocation is not an exception), and a
file may exhaust memory or time despite the guard. So each worker caps its own address space
(RLIMIT_AS) and reads one file at a time, in the order given (the next one already queued):
when a worker dies or overruns the per-file timeout, the parent knows which file did it (the
oldest it holds), records a file-level finding for that file, hands the files queued behind it
to a fresh worker and carries on. Results come back in the order of `items` whatever the timing.
With workers == 1 everything runs in this process: no timeout, only the guard's bounds.

With `slim`, each workbook is reduced to its Summary where it is read (summary.py): a run over
32,000 workbooks then never holds their rows, and a worker sends a few hundred bytes of marshal
instead of a pickled table, which is what the cache stores too.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import pickle
import signal
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from dataclasses import fields, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ..findings import Finding
from ..forked import cpus
from ..model import Row, Workbook

MEMORY_CAP = 1536 * 1024 * 1024  # address space a worker may add on top of what it inherits
FILE_TIMEOUT = 60.0  # seconds one file may take in a worker
# Results travel as length-prefixed pickles written straight to the pipe's socket, and the parent
# takes whatever has arrived in one read: Connection.poll and recv cost it ~13 µs per file
# (a selector per poll, two reads and an unpickle per message). Elsewhere: Connection.send/recv.
FRAMED = os.name == "posix" and hasattr(socket, "MSG_DONTWAIT") and hasattr(socket, "AF_UNIX")
_FRAME = struct.Struct("!I")

Item = tuple[str | Path, str]  # (the file, its path relative to DATA_DIR)


def read_workbooks(
    items: list[Item],
    workers: int = 0,
    progress: Callable[[int, int], None] | None = None,
    cache: Any = None,
    *,
    timeout: float = FILE_TIMEOUT,
    memory_cap: int = MEMORY_CAP,
    slim: bool = False,
) -> list[Workbook]:
    """Read every (path, rel) item; in worker processes unless workers == 1 (0 = one per CPU).

    `slim`: return each workbook as `summary.slim` makes it (the reference keeps its rows).
    """
    from ..cache import gc_paused
    from ..read import read_workbook
    from ..summary import slim as slimmed

    total = len(items)
    results: list[Workbook | None] = [None] * total
    pending: list[int] = []
    done = 0
    # a cold cache: every file is a miss, and need not be hashed first (asked once, not per file)
    cold = cache is not None and bool(getattr(cache, "is_empty", None)) and cache.is_empty()
    with gc_paused():  # loading cached workbooks in bulk: millions of objects, no cycles
        for index, (path, rel) in enumerate(items):
            hit = _cached(cache, path, rel, slim, cold)
            if hit is not None:
                results[index] = hit
                done += 1
                if progress:
                    progress(done, total)
            else:
                pending.append(index)

    def finish(index: int, wb: Workbook, blob: bytes | None = None, stamp: tuple | None = None) -> None:
        nonlocal done
        results[index] = wb
        done += 1
        if stamp is not None and wb.sha256 and hasattr(cache, "remember"):
            cache.remember(items[index][0], stamp, wb.sha256)
        if cache is not None and wb.sha256 and not any(f.code == "file-timeout" for f in wb.findings):
            if not slim:
                cache.put(wb.sha256, wb)
            elif blob is not None:
                cache.put_entry(wb.sha256, blob, wb.path, defer=True)
            else:
                cache.put(wb.sha256, wb, wb.path, defer=True)
        if progress:
            progress(done, total)

    count = workers if workers > 0 else cpus()
    with gc_paused():  # the rows of thousands of workbooks pile up without cycles (see cache.gc_paused)
        if workers == 1 or not pending:
            for index in pending:
                stamp = file_stamp(items[index][0])
                wb = read_workbook(*items[index])
                finish(index, slimmed(wb) if slim else wb, None, stamp)
        else:
            _Pool(min(count, len(pending)), timeout, memory_cap, slim).run(items, pending, finish)
    if hasattr(cache, "save"):
        cache.save()
    return results  # type: ignore[return-value]


def file_stamp(path: Path) -> tuple | None:
    """What the cache's stat index compares (see cache.file_sha256), or None when stat fails."""
    from ..cache import stamp

    try:
        return stamp(path)
    except OSError:
        return None


def _cached(cache: Any, path: Path, rel: str, slim: bool, cold: bool = False) -> Workbook | None:
    if cache is None:
        return None
    if cold:
        cache.stats.misses += 1
        return None
    import hashlib

    from .guard import MAX_FILE_BYTES

    try:
        if hasattr(cache, "file_sha256"):  # remembers the hashes of files that have not changed
            digest = cache.file_sha256(path, MAX_FILE_BYTES)
        elif Path(path).stat().st_size <= MAX_FILE_BYTES:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        else:
            digest = None
    except OSError:
        return None
    if digest is None:  # too large to be read: the reader says so
        return None
    if slim:  # a Summary names its file (sources, findings): the entry is for these bytes at this path
        return cache.get(digest, rel)
    wb = cache.get(digest)
    if wb is None:
        return None
    # The same bytes may sit at another path now: the cached record must name the current one.
    return replace(wb, path=rel, findings=[replace(f, file=rel) for f in wb.findings])


# ---------------------------------------------------------------------------------------------
# Worker side


def _worker(conn: Connection, memory_cap: int, slim: bool = False) -> None:
    import gc

    # Forked while the parent had paused the collector; a worker keeps little alive of its own.
    # freeze: what it inherited (on a rerun, every cached summary) is never walked by its collections.
    gc.freeze()
    gc.enable()
    _limit_memory(memory_cap)
    # An abort here is expected and handled by the parent: no inherited crash dumps on stderr.
    faulthandler.disable()
    os.environ["RUST_BACKTRACE"] = "0"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    from ..cache import encode, entry_blob
    from ..read import read_workbook
    from ..summary import slim as slimmed

    send = _result_sender(conn)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, path, rel in batch:  # in order: the parent counts on it to name a culprit
            stamp = file_stamp(path)  # taken before reading: a file changed meanwhile is hashed again next time
            try:
                wb = read_workbook(path, rel)
            except MemoryError:
                wb = _failed(rel, "file-too-large", reason="读取时内存超出限制")
            message: Any = None
            if slim:  # the cache entry itself, which the parent stores as it is
                wb = slimmed(wb)
                payload = encode(wb)
                try:
                    message = entry_blob(wb.sha256, rel, payload) if payload is not None else None
                except ValueError:  # a value marshal cannot hold: pickled instead
                    message = None
            send((index, message if message is not None else _pack(wb), stamp))


def _result_sender(conn: Connection) -> Callable[[Any], None]:
    """How a worker sends one result: a framed pickle on the socket (FRAMED), else conn.send."""
    if not FRAMED:
        return conn.send
    sock = socket.socket(fileno=os.dup(conn.fileno()))  # a blocking socket of our own, same pipe
    dumps, frame = pickle.dumps, _FRAME.pack

    def send(message: Any) -> None:
        data = dumps(message, pickle.HIGHEST_PROTOCOL)
        sock.sendall(frame(len(data)) + data)

    return send


# Plain tuples pickle several times faster than dataclass instances; a worker sends thousands.
_ROW_FIELDS = [f.name for f in fields(Row)]
_FINDING_FIELDS = [f.name for f in fields(Finding)]
_COMPACT = _ROW_FIELDS == ["number", "values"]


def _pack(wb: Workbook) -> Any:
    if not _COMPACT:  # Row grew a field: send the record as it is
        return wb
    state = {f.name: getattr(wb, f.name) for f in fields(Workbook)}
    state["tables"] = {k: [(r.number, r.values) for r in rows] for k, rows in wb.tables.items()}
    state["findings"] = [tuple(getattr(f, n) for n in _FINDING_FIELDS) for f in wb.findings]
    return state


def _unpack(packed: Any) -> Workbook:
    if isinstance(packed, bytes):
        from ..cache import entry_workbook

        return entry_workbook(packed)
    if isinstance(packed, Workbook):
        return packed
    packed["tables"] = {k: [Row(n, v) for n, v in rows] for k, rows in packed["tables"].items()}
    packed["findings"] = [Finding(*f) for f in packed["findings"]]
    return Workbook(**packed)


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
        pass  # not Linux: the timeout still bounds a runaway file


def _failed(rel: str, code: str, **params: Any) -> Workbook:
    from ..read import finding_file_level

    return Workbook(path=rel, findings=[finding_file_level(rel, code, **params)])


# ---------------------------------------------------------------------------------------------
# Parent side


class _Worker:
    """One worker process and the files it holds, oldest first (it reads them in that order)."""

    def __init__(self, ctx: Any, memory_cap: int, slim: bool = False) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, memory_cap, slim), daemon=True)
        self.process.start()
        child.close()
        self.tasks: deque[int] = deque()
        self.deadline = 0.0  # for the oldest task, the one being read
        # FRAMED: results are read without blocking from a socket of our own on the same pipe
        self.sock = socket.socket(fileno=os.dup(self.conn.fileno())) if FRAMED else None
        self.inbox = bytearray()
        self.buffer = memoryview(bytearray(1 << 18))  # reused: a fresh 256 KB per read costs a page fault each

    def give(self, batch: list[tuple[int, Item]], timeout: float) -> None:
        """Queue files with the worker: one message for the batch."""
        if not batch:
            return
        if not self.tasks:
            self.deadline = time.monotonic() + timeout
        self.tasks.extend(index for index, _ in batch)
        with contextlib.suppress(OSError):  # a dead worker is noticed through its sentinel
            self.conn.send([(index, str(item[0]), item[1]) for index, item in batch])

    def received(self) -> list[Any]:
        """Every result that has arrived, oldest first; [] when none (never blocks)."""
        if self.sock is None:
            got = []
            with contextlib.suppress(EOFError, OSError):
                while self.conn.poll():
                    got.append(self.conn.recv())
            return got
        inbox, buffer = self.inbox, self.buffer
        while True:
            try:
                n = self.sock.recv_into(buffer, 0, socket.MSG_DONTWAIT)
            except OSError:  # nothing more for now (BlockingIOError), or the pipe is gone
                break
            if not n:  # the worker has gone; what it sent before is still in the inbox
                break
            inbox += buffer[:n]
        got, at, size, header = [], 0, len(inbox), _FRAME.size
        while size - at >= header:
            (n,) = _FRAME.unpack_from(inbox, at)
            if size - at - header < n:
                break
            got.append(pickle.loads(memoryview(inbox)[at + header:at + header + n]))
            at += header + n
        del inbox[:at]
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
        if self.sock is not None:
            self.sock.close()
        self.conn.close()


class _Pool:
    # Files queued per worker: the next ones are already waiting when a worker finishes, so the
    # parent's latency (and its PAUSE) is hidden; the oldest is the one being read, so a death is
    # still attributed. A small file takes about a millisecond.
    DEPTH = 16
    PAUSE = 0.005

    def __init__(self, size: int, timeout: float, memory_cap: int, slim: bool = False) -> None:
        methods = mp.get_all_start_methods()
        # fork: a worker is ready in milliseconds with everything imported; elsewhere spawn.
        self.ctx = mp.get_context("fork" if "fork" in methods else "spawn")
        self.size = size
        self.timeout = timeout
        self.memory_cap = memory_cap
        self.slim = slim

    def run(self, items: list[Item], pending: list[int], finish: Callable[..., None]) -> None:
        queue = deque(pending)
        workers = [_Worker(self.ctx, self.memory_cap, self.slim) for _ in range(self.size)]

        def feed(w: _Worker) -> None:
            batch = []
            while queue and len(w.tasks) + len(batch) < self.DEPTH:
                i = queue.popleft()
                batch.append((i, items[i]))
            w.give(batch, self.timeout)

        def replace_worker(n: int, culprit: Workbook) -> None:
            w = workers[n]
            index = w.tasks.popleft()
            finish(index, culprit)
            queue.extendleft(reversed(w.tasks))  # the files queued behind it were never read
            w.tasks.clear()
            w.stop(kill=True)
            workers[n] = _Worker(self.ctx, self.memory_cap, self.slim)
            feed(workers[n])

        try:
            # round-robin, so every worker starts with a file
            starts: list[list[tuple[int, Item]]] = [[] for _ in workers]
            for _ in range(self.DEPTH):
                for batch in starts:
                    if queue:
                        i = queue.popleft()
                        batch.append((i, items[i]))
            for w, batch in zip(workers, starts):
                w.give(batch, self.timeout)
            while any(w.tasks for w in workers):
                busy = [w for w in workers if w.tasks]
                wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
                ready = set(wait([x for w in busy for x in (w.conn, w.process.sentinel)], timeout=wait_for + 0.05))
                for n, w in enumerate(workers):
                    if not w.tasks:
                        continue
                    if w.conn in ready or w.process.sentinel in ready:
                        self._collect(w, finish)
                        if w.tasks and not w.process.is_alive():
                            w.process.join(1)
                            replace_worker(n, _died(items[w.tasks[0]][1], w.process.exitcode))
                            continue
                    elif time.monotonic() >= w.deadline:
                        rel = items[w.tasks[0]][1]
                        replace_worker(n, _failed(rel, "file-timeout", seconds=_seconds(self.timeout)))
                        continue
                    feed(w)
                if queue and all(len(w.tasks) > 1 for w in workers):
                    # Every worker has files queued behind the one it reads: let results pile up
                    # in the pipes and take them in one go. Waking for each file cost the parent,
                    # which shares the cores with the workers, about 40% more CPU.
                    time.sleep(self.PAUSE)
        finally:
            for w in workers:
                w.stop(kill=bool(w.tasks))

    def _collect(self, w: _Worker, finish: Callable[..., None]) -> None:
        """Take every result the worker has sent; each restarts the clock for the next file."""
        for got, packed, stamp in w.received():
            if not w.tasks or got != w.tasks[0]:  # cannot happen: a worker reads its files in order
                raise RuntimeError(f"worker returned file {got}, expected {w.tasks[0] if w.tasks else None}")
            w.tasks.popleft()
            finish(got, _unpack(packed), packed if isinstance(packed, bytes) else None, stamp)
            w.deadline = time.monotonic() + self.timeout


def _seconds(timeout: float) -> str:
    return str(int(timeout)) if float(timeout).is_integer() else f"{timeout:g}"


def _died(rel: str, exitcode: int | None) -> Workbook:
    """A worker died on this file: an abort or kill is memory exhaustion, anything else a crash."""
    if exitcode is not None and exitcode < 0 and -exitcode in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV):
        return _failed(rel, "file-too-large", reason=f"解析时所需内存超过限制(进程信号 {-exitcode})")
    return _failed(rel, "file-unreadable", reason=f"解析程序异常退出(退出码 {exitcode})")


__all__ = ["FILE_TIMEOUT", "MEMORY_CAP", "read_workbooks"]
