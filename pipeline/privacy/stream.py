"""The parent's end of `mkdocs_hook`: receive pages while mkdocs builds, scan them as they come.

`PageStream` owns a pipe; the mkdocs child inherits its write end. A thread reads each page
(keeping up with mkdocs, so mkdocs never waits on the gate), and scans it once the gate's
needles are ready. `scanned` then maps a page to the digest of the bytes scanned and the leaks
found; the final pass over the site (`scan_with(..., known=...)`) re-reads every file and only
trusts an entry whose bytes are identical, so nothing published escapes the gate.
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
from concurrent.futures import Future
from pathlib import Path

HOOK = Path(__file__).with_name("mkdocs_hook.py")
ENV_FD = "PIPELINE_PRIVACY_FD"  # the variable the hook reads


class PageStream:
    def __init__(self, matcher: Future) -> None:
        self.matcher = matcher
        self.read_fd, self.write_fd = os.pipe()
        self.scanned: dict[str, tuple[bytes, set]] = {}
        self.failed = False  # preparing or scanning raised: every file is scanned from disk
        self._seen: set[str] = set()  # lines already scanned (files.texts_of)
        self._thread = threading.Thread(target=self._run, name="privacy-stream", daemon=True)

    def env(self) -> dict[str, str]:
        return {ENV_FD: str(self.write_fd)}

    def start(self) -> None:
        self._thread.start()

    def child_started(self) -> None:
        """The child holds its copy of the write end now: close ours, so EOF comes when it exits."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def finish(self) -> dict[str, tuple[bytes, set]]:
        self.child_started()
        self._thread.join()
        return self.scanned

    def _run(self) -> None:
        backlog: list[tuple[str, bytes]] = []
        with os.fdopen(self.read_fd, "rb") as pipe:
            while True:
                head = pipe.read(8)
                if len(head) < 8:
                    break
                name_len, data_len = struct.unpack("<II", head)
                name = pipe.read(name_len).decode("utf-8", "replace")
                data = pipe.read(data_len)
                if len(data) < data_len:
                    break  # cut short: those pages are scanned from disk afterwards
                backlog.append((name, data))
                # until the needles are compiled, only read on: mkdocs must never wait for the gate
                if self.matcher.done():
                    self._drain(backlog)
        self._drain(backlog)

    def _drain(self, backlog: list[tuple[str, bytes]]) -> None:
        if not self.failed:
            try:
                from . import scan_text

                matcher = self.matcher.result()
                for name, data in backlog:
                    self.scanned[name] = (hashlib.blake2b(data).digest(), scan_text(matcher, name, data, self._seen))
            except BaseException:  # noqa: BLE001 - the pipe must still be drained; the build reports it
                self.failed = True
                self.scanned.clear()
        backlog.clear()


__all__ = ["HOOK", "PageStream"]
