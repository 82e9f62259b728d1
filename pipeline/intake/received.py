"""When each submitted file was received: `intake`'s log in the data folder, else the file's
modification time (an estimate: a file put in place by hand, or copied, carries no receipt).

    DATA_DIR/_received.csv   文件,sha256,收到时间   (one row per file `intake` filed, appended)

The log is rewritten whole through `pipeline.atomic` at each append, so a crash never leaves half
a row. Its name starts with `_`: discovery passes it over like the other bookkeeping. A row that
cannot be read is skipped: the log only informs the submission board, it never blocks a run.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..atomic import write_text

LOG_NAME = "_received.csv"
HEADER = ("文件", "sha256", "收到时间")
MAX_LOG_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Receipt:
    """When a file was received: `at` in local time; `estimated` when it is the file's mtime."""

    at: datetime
    estimated: bool = False


def log_rows(text: str) -> list[tuple[str, str, datetime]]:
    """(path relative to DATA_DIR, sha256, received at) of every readable row of the log (pure)."""
    rows = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 3 or tuple(row[:3]) == HEADER:
            continue
        try:
            at = datetime.fromisoformat(row[2].strip())
        except ValueError:
            continue
        rows.append((row[0].strip(), row[1].strip(), at.astimezone().replace(tzinfo=None) if at.tzinfo else at))
    return rows


def log_text(rows: Iterable[tuple[str, str, datetime]]) -> str:
    """The log's text for `rows` (pure)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for rel, sha256, at in rows:
        writer.writerow((rel, sha256, at.isoformat(timespec="seconds")))
    return out.getvalue()


def read_log(data_dir: Path) -> list[tuple[str, str, datetime]]:
    """The log's rows; none when it is missing, too large or unreadable."""
    path = Path(data_dir) / LOG_NAME
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_LOG_BYTES:
            return []
        return log_rows(path.read_text(encoding="utf-8-sig", errors="replace"))
    except OSError:
        return []


def append_log(data_dir: Path, entries: Iterable[tuple[str, str, datetime]]) -> None:
    """Add rows for files just filed (written to a temporary file and renamed into place)."""
    entries = list(entries)
    if entries:
        write_text(Path(data_dir) / LOG_NAME, log_text([*read_log(data_dir), *entries]), encoding="utf-8-sig")


def write_log(data_dir: Path, rows: Iterable[tuple[str, str, datetime]]) -> None:
    """Write the whole log anew (the sample's generator: the same log at every run)."""
    write_text(Path(data_dir) / LOG_NAME, log_text(rows), encoding="utf-8-sig")


def first_receipts(rows: Iterable[tuple[str, str, datetime]]) -> dict[str, datetime]:
    """Path -> when a file was first filed there (pure): a form corrected after the deadline was
    still submitted when its first version arrived."""
    first: dict[str, datetime] = {}
    for rel, _, at in rows:
        if rel not in first or at < first[rel]:
            first[rel] = at
    return first


def receipts(data_dir: Path, rels: Iterable[str], modified: Mapping[str, int] | None = None) -> dict[str, Receipt]:
    """When each of `rels` (paths relative to DATA_DIR) was received: the log's first entry for
    its place, else its modification time, marked as an estimate. `modified`: rel -> mtime in
    nanoseconds, for the files the caller has stat'ed already."""
    data_dir = Path(data_dir)
    logged = first_receipts(read_log(data_dir))
    modified = modified or {}
    found: dict[str, Receipt] = {}
    for rel in rels:
        if rel in logged:
            found[rel] = Receipt(logged[rel])
            continue
        try:
            mtime = modified.get(rel)
            seconds = os.stat(data_dir / rel).st_mtime if mtime is None else mtime / 1e9
            found[rel] = Receipt(datetime.fromtimestamp(seconds), estimated=True)
        except (OSError, ValueError, OverflowError):
            continue
    return found


__all__ = ["HEADER", "LOG_NAME", "Receipt", "append_log", "first_receipts", "log_rows", "log_text", "read_log",
           "receipts", "write_log"]
