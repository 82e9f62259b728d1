"""Writing files so that readers see the old bytes or the new ones, never a mix or a cut file.

Every output and every file the pipeline keeps (outputs, cache, reports) goes through here: the
bytes are written to a temporary file in the same folder, flushed to disk, and renamed over the
target. A full disk, a kill or a power cut leaves the previous file as it was. A `Batch` does the
same for a set of files: all are written first, then renamed one after the other, so a failure
while writing (a full disk) leaves the previous set whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".tmp-"


def _umask() -> int:
    mask = os.umask(0o22)  # read once, at import: os.umask can only be read by setting it
    os.umask(mask)
    return mask


# mkstemp makes files readable by their owner only; outputs get the permissions any new file gets
_MODE = 0o666 & ~_umask()


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically (OSError on failure; the old file then stays)."""
    with replacing(path) as handle:
        handle.write(data)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file handle whose bytes replace `path` when the block ends without an exception.

    The target is never opened itself, so a symbolic link in its place is replaced, not followed.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, _MODE)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Batch:
    """Files written to temporary files first, renamed into place together by `commit`.

    Used as a context manager: committed when the block ends normally, discarded (the temporary
    files removed, the targets untouched) when it raises.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[str, Path]] = []

    def write_bytes(self, path: str | Path, data: bytes) -> None:
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{target.name}.", dir=target.parent)
        self.staged.append((tmp, target))
        os.fchmod(fd, _MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def write_text(self, path: str | Path, text: str, encoding: str = "utf-8") -> None:
        self.write_bytes(path, text.encode(encoding))

    def commit(self) -> list[Path]:
        """Rename every staged file into place; the targets, in the order written."""
        done = []
        for tmp, target in self.staged:
            os.replace(tmp, target)
            done.append(target)
        self.staged = []
        return done

    def discard(self) -> None:
        for tmp, _ in self.staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self.staged = []

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def unused_path(folder: Path, stem: str, suffix: str = "") -> Path:
    """folder/stem+suffix, or the first of stem-2, stem-3 … that does not exist: a default output
    name never takes the place of something already there."""
    path, n = folder / f"{stem}{suffix}", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}{suffix}", n + 1
    return path


__all__ = ["TMP_PREFIX", "Batch", "replacing", "unused_path", "write_bytes", "write_text"]
