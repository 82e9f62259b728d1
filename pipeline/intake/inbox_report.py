"""`intake`'s report in the inbox, `_intake-report.txt`: a dated section per run, appended.

HR reads the report when a file stayed in the inbox, often days after the run that said why; a
later run must not take that away. So each run appends its section (when, into which data folder,
a line per file, the count) below the earlier ones. A report grown past REPORT_LIMIT is kept
whole as `_intake-report-2.txt` (the first free number) and a new one begun. Like the filed
files, the report's name starts with `_`, so intake never takes it for a received file.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

from ..atomic import unused_path, write_bytes
from ..forms.values import printable
from .filing import SAME, STAYED, Outcome

REPORT_NAME = "_intake-report.txt"
REPORT_LIMIT = 1 << 20  # bytes: about ten thousand lines, still read at once before each append


def report_text(outcomes: list[Outcome]) -> str:
    """A line per file, then the count: what the screen shows and the section lists.

    A file identical to the one already filed is counted apart (only when there is one): it was
    removed from the inbox, not filed."""
    stayed = sum(1 for o in outcomes if o.action == STAYED)
    same = sum(1 for o in outcomes if o.action == SAME)
    counts = [f"归档 {len(outcomes) - stayed - same} 个", *([f"已存在相同文件 {same} 个"] if same else []),
              f"留在收件目录 {stayed} 个"]
    lines = [o.line() for o in outcomes]
    lines.append(f"共 {len(outcomes)} 个文件：{'，'.join(counts)}。")
    return "\n".join(lines) + "\n"


def created_line(data_dir: Path) -> str:
    return printable(f"已新建数据目录“{data_dir.absolute()}”（收件目录中有基础数据工作簿）。")


def report_section(outcomes: list[Outcome], at: datetime, data_dir: Path, created: bool = False) -> str:
    """One run's section: a heading with the time and the data folder (absolute), then report_text."""
    heading = printable(f"==== {at:%Y-%m-%d %H:%M:%S} 归档到数据目录“{data_dir.absolute()}” ====")
    return "\n".join([heading, *([created_line(data_dir)] if created else [])]) + "\n" + report_text(outcomes)


def write_report(inbox: Path, section: str) -> tuple[Path, Path | None]:
    """Append `section` to the inbox's report; the report, and where a too long earlier one was kept.

    The whole report is written to a temporary file and renamed (pipeline.atomic): a failed write
    leaves the earlier report as it was. A link or anything but a regular file in its place is
    neither followed nor read, only replaced (OSError when that cannot be done).
    """
    path = inbox / REPORT_NAME
    earlier, kept = b"", None
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode):
        if info.st_size > REPORT_LIMIT:
            kept = unused_path(inbox, path.stem, path.suffix)
            os.rename(path, kept)
        else:
            earlier = path.read_bytes()
    if earlier:
        earlier += b"\n" if earlier.endswith(b"\n") else b"\n\n"  # a blank line between sections
    write_bytes(path, earlier + section.encode("utf-8"))
    return path, kept


__all__ = ["REPORT_LIMIT", "REPORT_NAME", "created_line", "report_section", "report_text", "write_report"]
