"""The build lock: one site build at a time per output folder.

Two builds publishing into the same `site/` at once could interleave their swaps; the lock makes
the second one wait (or, with `wait=0`, fail with a Chinese message). It is an `flock` on a file
beside the site (`.site.lock` for `site/`): the kernel releases it when the holding process ends
in any way — exit, exception, SIGTERM or SIGKILL — so a killed build never leaves a stale lock
behind. The file itself is left in place on purpose: deleting it while another process waits on
it would let a third process lock a different inode. The lock is re-entrant within a process (the
command line and `build.build_site` may both hold it): an inner `build_lock` of a site whose lock
this process already holds does nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

try:  # POSIX only; elsewhere builds simply are not serialised
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_SECONDS = 0.1
DEFAULT_WAIT_SECONDS = 1800.0
_HELD: dict[Path, int] = {}  # lock files this process holds -> its pid (a forked child holds none)


class BuildLocked(RuntimeError):
    """Another build holds the lock (the message is Chinese and names the site folder)."""


def lock_path(site_dir: Path | str) -> Path:
    """The lock file of a site folder: `.site.lock` beside `site/`."""
    site = Path(site_dir).absolute()
    return site.parent / f".{site.name}.lock"


@contextlib.contextmanager
def build_lock(site_dir: Path | str, wait: float | None = DEFAULT_WAIT_SECONDS,
               on_wait=None) -> Iterator[Path]:
    """Hold the site's build lock for the `with` block.

    `wait` is how many seconds to wait for another build (None = forever, 0 = fail at once);
    `on_wait(message)` is called once when we have to wait. BuildLocked when the wait runs out.
    """
    path = lock_path(site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None or _HELD.get(path) == os.getpid():  # pragma: no cover - Windows
        yield path
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, wait, on_wait)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _HELD[path] = os.getpid()
        try:
            yield path
        finally:
            del _HELD[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, wait: float | None, on_wait) -> None:
    deadline = None if wait is None else time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _holder(path)
        if deadline is not None and time.monotonic() >= deadline:
            raise BuildLocked(
                f"另一个网站构建{holder}正在写入“{path.name[1:-5]}”目录，"
                f"等待 {wait:g} 秒后仍未结束；请等它完成后再构建（锁文件：{path.name}）"
            )
        if not told and on_wait is not None:
            on_wait(f"另一个网站构建{holder}正在进行，等待它完成……")
            told = True
        time.sleep(POLL_SECONDS)


def _holder(path: Path) -> str:
    """"(进程 1234)" from the lock file, when it says who holds it."""
    try:
        pid = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f"（进程 {pid}）" if pid.isdigit() else ""


def recover(site_dir: Path | str) -> list[Path]:
    """Clean up after builds that were killed; call only while holding the lock.

    A build works in `.site.tmp-<pid>` and swaps through `.site.old-<pid>`. If it was killed
    between its two renames, `site/` is missing and the previous site waits in `.site.old-*`:
    put it back. Every other leftover of a dead build is removed. Returns what was removed.
    """
    site = Path(site_dir).absolute()
    olds = sorted(site.parent.glob(f".{site.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not site.exists() and olds:
        os.rename(olds.pop(), site)
    removed = []
    for stale in [*site.parent.glob(f".{site.name}.tmp-*"), *olds]:
        if _alive(stale.name.rsplit("-", 1)[-1]):  # a build that did not take the lock is still at work
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


def _alive(pid_text: str) -> bool:
    """Whether the process that named a work folder still runs (never true for ourselves' leftovers)."""
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # it exists, it just is not ours
        return True
    return True


class Terminated(SystemExit):
    """SIGTERM arrived: unwind (removing the work folder, stopping MkDocs) and exit 143."""


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into an exception so `finally` blocks and subprocess.run's kill of its child run."""
    def handler(signum, frame):  # noqa: ARG001 - signal handler signature
        raise Terminated(128 + signal.SIGTERM)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def exclusive_build(site_dir: Path | str, wait: float | None = DEFAULT_WAIT_SECONDS, on_wait=None) -> Iterator[Path]:
    """The whole of a site build: hold the lock, recover from killed builds, exit cleanly on SIGTERM."""
    with build_lock(site_dir, wait=wait, on_wait=on_wait) as path:
        recover(site_dir)
        with terminate_cleanly():
            yield path
