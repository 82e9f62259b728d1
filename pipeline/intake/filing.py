"""File received workbooks into the data layout by what is inside them, whatever their names.

HR drops `杭州一所Q1客户表(最终版)(2).xlsx` into an inbox; intake reads its template id, 所编号 and
期间 (with the safe reader) and moves it to `DATA_DIR/submissions/<期间>/<所编号>/<template_id>.xlsx`.
Nothing is ever overwritten silently: a different file already in that place is kept under
`_versions/` next to it, dated by its modification time.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..findings import ERROR, UNREADABLE
from ..forms import ACCEPTED, COVER_SHEET, REFERENCE, get_form
from ..periods import valid_period
from .discover import printable, printable_name
from .facts import WorkbookFacts
from .layout import ACCEPTED_FILE, REFERENCE_FILE, SUBMISSIONS, VERSIONS_DIR, WORKBOOK_SUFFIXES, content_identity
from .read import read_workbook

REPORT_NAME = "_intake-report.txt"
FILED, SAME, REPLACED, STAYED = "filed", "same", "replaced", "stayed"
# File-level problems that mean the content cannot be trusted to say where the file belongs.
REFUSED_CODES = UNREADABLE | {"template-unknown"}


@dataclass(frozen=True)
class Outcome:
    """What intake did with one received file."""

    source: str  # name relative to the inbox
    action: str  # filed | same | replaced | stayed
    dest: str = ""  # path relative to DATA_DIR
    note: str = ""  # Chinese: the reason it stayed, or where the old version went

    def line(self) -> str:
        if self.action == FILED:
            return f"已归档:{self.source} → {self.dest}"
        if self.action == SAME:
            return f"已存在相同文件:{self.source} 与 {self.dest} 完全相同,已从收件目录移除"
        if self.action == REPLACED:
            return f"已归档:{self.source} → {self.dest}(原有的不同版本已保存为 {self.note})"
        return f"未归档:{self.source}:{self.note}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def received_files(inbox: Path) -> list[Path]:
    """Files waiting in the inbox (any depth), oldest first so that the newest ends up filed."""
    files = [p for p in inbox.rglob("*") if (p.is_file() or p.is_symlink())
             and not any(part.startswith(("~$", ".", "_")) for part in p.relative_to(inbox).parts)]
    return sorted(files, key=lambda p: (p.lstat().st_mtime_ns, p.relative_to(inbox).as_posix()))


def destination(wb: WorkbookFacts) -> tuple[str | None, str]:
    """Where a read workbook belongs (relative to DATA_DIR), or None and the Chinese reason why not."""
    refused = [f for f in wb.findings if f.code in REFUSED_CODES and f.severity == ERROR]
    if refused:
        return None, refused[0].message
    if wb.form_id is None:
        return None, "无法识别模板"
    if wb.form_id == REFERENCE.id:
        return REFERENCE_FILE, ""
    if wb.form_id == ACCEPTED.id:
        return ACCEPTED_FILE, ""
    identity = content_identity(wb)
    if identity is None:
        office = wb.office_id if isinstance(wb.office_id, str) and wb.office_id.strip() else None
        if office is None:
            return None, f"“{COVER_SHEET}”工作表的所编号未填写"
        if valid_period(wb.period) is None:
            seen = wb.period if isinstance(wb.period, str) and wb.period else "(空)"
            return None, f"“{COVER_SHEET}”工作表的期间应为“2026Q1”这样的格式,实际为“{seen}”"
        return None, "无法确定所编号和期间"
    period, office, form_id = identity
    if "/" in office or "\\" in office or office in (".", ".."):
        return None, f"所编号“{office}”不能用作文件夹名"
    return f"{SUBMISSIONS}/{period}/{office}/{get_form(form_id).filename}", ""


def _version_name(existing: Path) -> Path:
    """`<dir>/_versions/<stem>.<mtime as 2026-11-27T0830>.xlsx`, unique."""
    stamp = datetime.fromtimestamp(existing.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H%M")
    folder = existing.parent / VERSIONS_DIR
    candidate = folder / f"{existing.stem}.{stamp}{existing.suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{existing.stem}.{stamp}-{n}{existing.suffix}"
        n += 1
    return candidate


def file_one(path: Path, inbox: Path, data_dir: Path) -> Outcome:
    """Read one received file and move it to its place in DATA_DIR (or leave it, saying why)."""
    source = path.relative_to(inbox).as_posix()
    if not printable(source):
        return Outcome(printable_name(source), STAYED, note="文件名含有无法识别的字符,请重命名")
    if path.is_symlink():
        return Outcome(source, STAYED, note="是快捷方式或链接,请放入文件本身")
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return Outcome(source, STAYED, note="不是 Excel 工作簿(.xlsx)")
    rel, reason = destination(read_workbook(path, source))
    if rel is None:
        return Outcome(source, STAYED, note=reason)
    dest = data_dir / rel
    if dest.is_file():
        if _sha256(dest) == _sha256(path):
            path.unlink()
            return Outcome(source, SAME, dest=rel)
        version = _version_name(dest)
        version.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(dest, version)
        shutil.move(path, dest)
        return Outcome(source, REPLACED, dest=rel, note=version.relative_to(data_dir).as_posix())
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, dest)
    return Outcome(source, FILED, dest=rel)


def file_inbox(inbox: Path, data_dir: Path) -> list[Outcome]:
    """File every received workbook of the inbox into DATA_DIR; returns what happened to each."""
    return [file_one(path, inbox, data_dir) for path in received_files(inbox)]


def report_text(outcomes: list[Outcome]) -> str:
    stayed = sum(1 for o in outcomes if o.action == STAYED)
    lines = [o.line() for o in outcomes]
    lines.append(f"共 {len(outcomes)} 个文件:归档 {len(outcomes) - stayed} 个,留在收件目录 {stayed} 个。")
    return "\n".join(lines) + "\n"
