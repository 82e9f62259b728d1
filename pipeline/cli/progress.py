"""A plain text progress bar on stderr: drawn on a terminal, and off one only for long runs."""

from __future__ import annotations

import sys
from typing import TextIO

from ..forms.values import printable

PROGRESS_MIN_ITEMS = 50  # off a terminal, runs of at most this many items print nothing


class ProgressBar:
    """Called as (done, total); off a terminal it prints every 10 % only, so CI logs stay short."""

    def __init__(self, total: int = 0, stream: TextIO | None = None, width: int = 30, label: str = "读取工作簿") -> None:
        self.stream = stream or sys.stderr
        self.total, self.width, self.label = total, width, printable(label)  # drawn as it is on every step
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = -1
        self._drawn = False

    def __call__(self, done: int, total: int | None = None) -> None:
        total = total or self.total
        if total <= 0 or not (self.tty or total > PROGRESS_MIN_ITEMS):
            return
        percent = int(100 * done / total)
        step = percent if self.tty else percent // 10 * 10
        if step == self._last:
            return
        self._last = step
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"{self.label} [{bar}] {done}/{total}{chr(13) if self.tty else chr(10)}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn and self.tty:
            self.stream.write("\n")
            self.stream.flush()


__all__ = ["PROGRESS_MIN_ITEMS", "ProgressBar"]
