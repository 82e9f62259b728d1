"""The parent's end of `mkdocs_hook`: scan each page as soon as mkdocs has written it.

`PageStream` owns a pipe; the mkdocs child inherits its write end and announces every page it
renders. When page N+1 is announced (or the build ends) page N is complete on disk; a thread reads
and scans it there, so the gate's work overlaps the build and mkdocs never waits for it (only paths
travel down the pipe). `scanned` maps a page to the digest of the bytes scanned and the leaks
found; the final pass over the site (`scan_with(..., known=...)`) re-reads every file and only
trusts an entry whose bytes are still identical, so nothing published escapes the gate.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

HOOK = Path(__file__).with_name("mkdocs_hook.py")
ENV_FD = "PIPELINE_PRIVACY_FD"  # the variable the hook reads


class PageStream:
    def __init__(self, matcher: Future, site_dir: Path, progress: Callable[[int], Any] | None = None) -> None:
        """`progress(n)` is called as the n-th page is announced (a progress bar)."""
        self.matcher = matcher
        self.progress = progress
        self.site_dir = Path(site_dir)
        self.read_fd, self.write_fd = os.pipe()
        self.scanned: dict[str, tuple[bytes, set]] = {}
        self.failed = False  # preparing or scanning raised: every file is scanned from disk
        self._seen: set[str] = set()  # lines already scanned (files.texts_of)
        self._thread = threading.Thread(target=self._run, name="privacy-stream", daemon=True)

    def env(self) -> dict[str, str]:
        return {ENV_FD: str(self.write_fd)}

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> dict[str, tuple[bytes, set]]:
        """Once mkdocs has exited: close our copy of the write end (so the reader sees the end of
        the pipe), wait for the last page to be scanned, and return what was scanned."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1
        self._thread.join()
        return self.scanned

    def _run(self) -> None:
        written: list[str] = []  # pages complete on disk, not scanned yet
        rendering = None  # the page being rendered now: on disk once the next one is announced
        with os.fdopen(self.read_fd, "rb") as pipe:
            for count, line in enumerate(pipe, start=1):
                if self.progress is not None:
                    self.progress(count)
                if rendering is not None:
                    written.append(rendering)
                rendering = line.rstrip(b"\n").decode("utf-8", "replace")
                if self.matcher.done():  # until the needles are ready, only collect names
                    self._scan(written)
        if rendering is not None:
            written.append(rendering)  # the build is over: the last page is written too
        self._scan(written)

    def _scan(self, written: list[str]) -> None:
        if not self.failed:
            try:
                from . import scan_text

                matcher = self.matcher.result()
                for name in written:
                    path = self.site_dir / name
                    if name in self.scanned or not path.is_file():
                        continue
                    data = path.read_bytes()
                    self.scanned[name] = (hashlib.blake2b(data).digest(), scan_text(matcher, name, data, self._seen))
            except BaseException:  # noqa: BLE001 - the pipe must still be drained; the build reports it
                self.failed = True
                self.scanned.clear()
        written.clear()


__all__ = ["HOOK", "PageStream"]
