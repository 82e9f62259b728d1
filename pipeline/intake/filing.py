"""File received workbooks into the data layout by what is inside them, whatever their names.

HR drops `杭州一所Q1客户表(最终版)(2).xlsx` into an inbox; intake reads its template id, 所编号 and
期间 (with the safe reader) and moves it to `DATA_DIR/submissions/<期间>/<所编号>/<template_id>.xlsx`.
Reference workbooks in the inbox are filed first (HR's accepted.xlsx and reviews.xlsx go beside reference.xlsx);
an office form is then filed only under an office of the data folder's `reference.xlsx` and a
period of the `2026Q1` pattern, so a file is only ever put where `validate` reads it.

Nothing valid is lost: a different file already in that place is kept under `_versions/` next to
it, dated by its modification time (unless HR's own workbook would lose its rows or a reference
its offices: that one stays, saying how to replace it deliberately); a file that already *is* the
one in its place is left alone;
a folder or a link in the way, or a failing move, leaves the file in the inbox with the reason.
Nothing is filed into a closed period (DATA_DIR/closed/, which the caller reads): its results are
frozen with the files they used, so only a copy of the file already there is taken as filed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..findings import ERROR, UNREADABLE, Finding
from ..forms import ACCEPTED, COVER, COVER_ROW, COVER_SHEET, REFERENCE, REVIEWS, Field, get_form
from ..forms.values import CONTROL, printable
from ..periods import valid_period
from .discover import encodable, ignored, printable_name
from .facts import EMPTY_TABLE, WorkbookFacts
from .layout import (
    ACCEPTED_FILE,
    REFERENCE_FILE,
    REVIEWS_FILE,
    SUBMISSIONS,
    VERSIONS_DIR,
    WORKBOOK_SUFFIXES,
    folder_identity,
)
from .read import read_facts
from .received import append_log

FILED, SAME, REPLACED, STAYED = "filed", "same", "replaced", "stayed"
# File-level problems that mean the content cannot be trusted to say where the file belongs.
REFUSED_CODES = UNREADABLE | {"template-unknown"}
SEEN_LIMIT = 20  # characters of a bad cover value the report shows, then “…”
SHOWN_OFFICES = 5  # offices a refused reference would drop that the report names, then “等 N 个”


@dataclass(frozen=True)
class Outcome:
    """What intake did with one received file."""

    source: str  # name relative to the inbox
    action: str  # filed | same | replaced | stayed
    dest: str = ""  # path relative to DATA_DIR
    note: str = ""  # Chinese: the reason it stayed, or where the old version went

    def line(self) -> str:
        """One line of the report: a newline in a name or a value is shown, never obeyed."""
        if self.action == FILED:
            text = f"已归档：{self.source} → {self.dest}"
        elif self.action == SAME:
            text = f"已存在相同文件：{self.source} 与 {self.dest} 完全相同，已从收件目录移除"
        elif self.action == REPLACED:
            text = f"已归档：{self.source} → {self.dest}（原有的不同版本已保存为 {self.note}）"
        else:
            text = f"未归档：{self.source}：{self.note}"
        return printable(text)


# ---------------------------------------------------------------------------------------------
# Where a file may go (pure)


def inbox_problem(inbox: Path, data_dir: Path) -> str | None:
    """Why `inbox` cannot be filed into `data_dir` (Chinese), or None.

    Intake moves files out of the inbox: an inbox that is the data folder, lies inside it or holds
    it would take (or remove, as "already filed") the very files the data folder keeps.
    """
    shown_inbox, shown_data = printable(str(inbox)), printable(str(data_dir))
    try:
        box, data = inbox.resolve(), data_dir.resolve()
    except (OSError, RuntimeError, ValueError):  # RuntimeError: a loop of links (Python < 3.13)
        return f"无法确定收件目录“{shown_inbox}”或数据目录“{shown_data}”的实际位置。"
    if box == data:
        relation = f"就是数据目录“{shown_data}”"
    elif box.is_relative_to(data):
        relation = f"位于数据目录“{shown_data}”之内"
    elif data.is_relative_to(box):
        relation = f"包含数据目录“{shown_data}”"
    else:
        return None
    return (f"收件目录“{shown_inbox}”{relation}：intake 会把收件目录中的文件移入数据目录，两者不能重叠；"
            "请把收到的文件放在数据目录以外的文件夹中。")


def destination(wb: WorkbookFacts, offices: frozenset[str]) -> tuple[str | None, str]:
    """Where a read workbook belongs (relative to DATA_DIR), or None and the Chinese reason why not.

    `offices` are the ids of the data folder's reference.xlsx: an office form goes only to one of
    them (an id typed in another case to the one it matches), and only for a period that reads as
    a quarter.
    """
    refused = [f for f in wb.findings if f.code in REFUSED_CODES and f.severity == ERROR]
    if refused:
        return None, refused[0].message
    if wb.form_id is None:
        return None, "无法识别模板"
    if wb.form_id == REFERENCE.id:
        return REFERENCE_FILE, ""
    if wb.form_id == ACCEPTED.id:
        return ACCEPTED_FILE, ""
    if wb.form_id == REVIEWS.id:
        return REVIEWS_FILE, ""
    for key in ("office_id", "period"):
        problem = _cover_problem(wb, _COVER[key])
        if problem:
            return None, problem
    office = wb.office_id.strip() if isinstance(wb.office_id, str) else ""
    period = valid_period(wb.period)
    if not office or not period:  # the reader names a blank or bad cell; this is only a safety net
        field = _COVER["office_id" if not office else "period"]
        return None, f"{_where(field)}未填写或无效"
    seen = f"{_where(_COVER['office_id'])}为“{printable(office, limit=SEEN_LIMIT)}”"
    if not offices:
        return None, (f"数据目录中没有 {REFERENCE_FILE} 或其中没有业务所名单，无法核对所编号；"
                      "请先归档人力资源部的基础数据（reference.xlsx）")
    if office not in offices:  # `bj01` for BJ01, as validation reads it, when only one id fits
        same = [o for o in offices if o.casefold() == office.casefold()]
        if len(same) != 1:
            return None, f"{seen}，不在 {REFERENCE_FILE} 的业务所名单中"
        office = same[0]
    if not _folder_name(office):
        return None, f"{seen}，不能用作文件夹名"
    return f"{SUBMISSIONS}/{period}/{office}/{get_form(wb.form_id).filename}", ""


_COVER = {f.key: f for f in COVER}


def _where(field: Field, cell: str = "") -> str:
    """`“封面”工作表 B1 的所编号`: the cell the reader found, else where the template puts it."""
    cell = cell or f"B{COVER.index(field) + COVER_ROW}"
    return f"“{COVER_SHEET}”工作表 {cell} 的{field.label}"


def _cover_problem(wb: WorkbookFacts, field: Field) -> str | None:
    """The reader's error on a cover cell, as intake explains it: the cell, what was seen, why."""
    for f in wb.findings:
        if f.sheet == COVER_SHEET and f.column == field.label and f.severity == ERROR:
            return _explain(f, field)
    return None


def _explain(f: Finding, field: Field) -> str:
    where = _where(field, f.cell)
    if f.code == "cover-missing":
        return f"{where}未填写"
    if f.value is None:
        return f"{where}有误：{f.title}"
    seen = f"{where}为“{printable(f.value, limit=SEEN_LIMIT)}”"
    if f.code == "type-text":
        return f"{seen}，超过 {getattr(field.type, 'max_length', '')} 个字符（共 {len(f.value)} 个字符）"
    if f.code == "text-control":
        return f"{seen}，含有换行符等控制字符"
    if f.code == "period-malformed":
        return f"{seen}，应为“2026Q1”这样的格式"
    return f"{seen}，{f.title}"


def _folder_name(office: str) -> bool:
    """True when an id can name a folder that `validate` reads: no separator, no control character,
    no `.`, `_` or `~$` at the start (hidden folders and our own `_versions`)."""
    return not (ignored(office) or "/" in office or "\\" in office or CONTROL.search(office))


# ---------------------------------------------------------------------------------------------
# The files


def received_files(inbox: Path) -> list[Path]:
    """Files waiting in the inbox (any depth), oldest first so that the newest ends up filed."""
    files = [p for p in inbox.rglob("*") if (p.is_file() or p.is_symlink())
             and not any(part.startswith(("~$", ".", "_")) for part in p.relative_to(inbox).parts)]
    return sorted(files, key=lambda p: (p.lstat().st_mtime_ns, p.relative_to(inbox).as_posix()))


def content_rows(facts: WorkbookFacts) -> int:
    """The rows that make an HR workbook more than its blank template: the offices of a reference,
    every data row of accepted.xlsx and reviews.xlsx (0 for any other workbook)."""
    if facts.form_id == REFERENCE.id:
        return len(facts.tables.get("offices", EMPTY_TABLE))
    if facts.form_id in (ACCEPTED.id, REVIEWS.id):
        return sum(len(table) for table in facts.tables.values())
    return 0


def known_offices(data_dir: Path) -> frozenset[str]:
    """The office ids of DATA_DIR's reference.xlsx (empty when it is missing or lists none)."""
    path = data_dir / REFERENCE_FILE
    if not path.is_file():
        return frozenset()
    return office_ids(read_facts(path, REFERENCE_FILE))


def office_ids(facts: WorkbookFacts) -> frozenset[str]:
    """The office ids a reference workbook lists (empty for any other workbook)."""
    table = facts.tables.get("offices") if facts.form_id == REFERENCE.id else None
    if table is None:
        return frozenset()
    return frozenset(v for v in table.column("office_id") if isinstance(v, str) and v)


@dataclass(frozen=True)
class Received:
    """The inbox as read: the files not even read (with what became of them) and the workbooks read,
    oldest first."""

    skipped: tuple[Outcome, ...]
    workbooks: tuple[tuple[Path, str, WorkbookFacts], ...]


def receive(inbox: Path) -> Received:
    """Read every received file of the inbox (nothing is moved yet)."""
    skipped: list[Outcome] = []
    workbooks: list[tuple[Path, str, WorkbookFacts]] = []
    for path in received_files(inbox):
        source = path.relative_to(inbox).as_posix()
        kept = _screen(path, source)
        if kept is not None:
            skipped.append(kept)
        else:
            workbooks.append((path, source, read_facts(path, source)))
    return Received(tuple(skipped), tuple(workbooks))


def brings_reference(received: Received) -> bool:
    """True when the inbox holds HR's reference workbook listing offices: what a new data folder
    starts from (an office form alone cannot be filed without it, and a blank reference template
    is more likely a mistyped --data than a first intake)."""
    return any(destination(facts, frozenset())[0] == REFERENCE_FILE and content_rows(facts)
               for _, _, facts in received.workbooks)


def file_inbox(inbox: Path, data_dir: Path, now: datetime | None = None) -> list[Outcome]:
    """File every received workbook of the inbox into DATA_DIR (see file_received)."""
    return file_received(receive(inbox), data_dir, now)


def file_received(received: Received, data_dir: Path, now: datetime | None = None,
                  closed: Mapping[str, str] | None = None) -> list[Outcome]:
    """File the received workbooks into DATA_DIR; what happened to each, in the order done: files
    not read (not workbooks, links), then reference workbooks, then office forms.

    Each file filed is logged with its SHA-256 and `now` (default: this moment, local time) in
    DATA_DIR's received-date log (received.py), which the submission board reads for lateness.
    Nothing is filed into a period of `closed` (see file_one) unless it is the file already there."""
    at = (now or datetime.now()).replace(microsecond=0)
    outcomes = list(received.skipped)
    # HR's reference first (oldest first still): the office forms are checked against its offices
    workbooks = sorted(received.workbooks, key=lambda item: item[2].form_id != REFERENCE.id)
    offices: frozenset[str] | None = None
    for path, source, facts in workbooks:
        if offices is None and facts.form_id != REFERENCE.id:
            offices = known_offices(data_dir)
        outcomes.append(file_one(path, source, facts, data_dir, offices or frozenset(), closed))
    log_received(data_dir, [o.dest for o in outcomes if o.action in (FILED, REPLACED)], at)
    return outcomes


def log_received(data_dir: Path, rels: list[str], at: datetime) -> None:
    """Append the files just filed to the received-date log (a file gone meanwhile is skipped)."""
    entries = []
    for rel in rels:
        try:
            entries.append((rel, _sha256(data_dir / rel), at))
        except OSError:
            continue
    append_log(data_dir, entries)


def _screen(path: Path, source: str) -> Outcome | None:
    """The outcome of a received file that is not even read, or None."""
    if not encodable(source):
        return Outcome(printable_name(source), STAYED, note="文件名含有无法识别的字符，请重命名")
    if path.is_symlink():
        return Outcome(source, STAYED, note="是快捷方式或链接，请放入文件本身")
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return Outcome(source, STAYED, note="不是 Excel 工作簿（.xlsx）")
    return None


def file_one(path: Path, source: str, facts: WorkbookFacts, data_dir: Path, offices: frozenset[str],
             closed: Mapping[str, str] | None = None) -> Outcome:
    """Move one read file to its place in DATA_DIR, or leave it in the inbox saying why.

    `closed`: the closed periods (`2025Q1`, or a year `2025`), each with its record's path in DATA_DIR."""
    try:
        return _file(path, source, facts, data_dir, offices, closed or {})
    except (OSError, ValueError) as exc:  # ValueError: a path the system cannot take (a NUL)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "路径中含有无法使用的字符"
        return Outcome(source, STAYED, note=f"无法移动文件（{reason}），请人工处理")


def _file(path: Path, source: str, facts: WorkbookFacts, data_dir: Path, offices: frozenset[str],
          closed: Mapping[str, str]) -> Outcome:
    rel, reason = destination(facts, offices)
    if rel is None:
        return Outcome(source, STAYED, note=reason)
    blocked = _obstacle(data_dir, rel)
    if blocked:
        return Outcome(source, STAYED, note=blocked)
    dest = data_dir / rel
    exists = os.path.lexists(dest)  # a regular file (_obstacle saw to that)
    if exists:
        if os.path.samefile(path, dest):
            return Outcome(source, STAYED, note=f"就是数据目录中的 {rel}（同一个文件），未移动")
        if _sha256(dest) == _sha256(path):  # already filed: nothing changes, closed period or not
            path.unlink()
            return Outcome(source, SAME, dest=rel)
    shut = closed_note(rel, closed, data_dir)
    if shut:
        return Outcome(source, STAYED, note=shut)
    if exists:
        emptied = _blank_over_filled(facts, dest, rel) or _offices_dropped(facts, dest, rel)
        if emptied:
            return Outcome(source, STAYED, note=emptied)
        return _replace(path, source, dest, rel, data_dir)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, dest)
    return Outcome(source, FILED, dest=rel)


def _blank_over_filled(facts: WorkbookFacts, dest: Path, rel: str) -> str | None:
    """Why a blank HR workbook (its template, no rows) does not replace the filled one at `dest`
    (Chinese), or None. Filed, it would drop every adjustment, acceptance or office at once; HR who
    means it moves the old file out of the data folder first."""
    if facts.form_id not in (REFERENCE.id, ACCEPTED.id, REVIEWS.id) or content_rows(facts):
        return None
    kept = content_rows(read_facts(dest, rel))
    if not kept:
        return None
    if facts.form_id == REFERENCE.id:
        sheet = next(s.name for s in REFERENCE.sheets if s.key == "offices")
        what, has, verb = f"没有业务所的基础数据（“{sheet}”工作表没有数据行）", f"列有 {kept} 个业务所", "替换"
    else:
        what, has, verb = f"空白的 {rel}（没有数据行）", f"有 {kept} 行数据", "清空"
    return (f"是{what}，数据目录中的 {rel} {has}，未替换；"
            f"如确要{verb}，请先把数据目录中的 {rel} 移出数据目录，再重新归档")


def _offices_dropped(facts: WorkbookFacts, dest: Path, rel: str) -> str | None:
    """Why a reference that leaves out offices of the filed one does not replace it (Chinese), or None.

    Filed, it would take those offices out of every open period at once (their forms no longer
    match the list); one that only adds offices or changes targets replaces the old as before. An
    id typed in another case is the same office, as validation reads it."""
    if facts.form_id != REFERENCE.id:
        return None
    incoming = office_ids(facts)
    kept = office_ids(read_facts(dest, rel))
    matched = {o.casefold() for o in incoming}
    gone = sorted(o for o in kept if o.casefold() not in matched)
    if not incoming or not gone:  # a blank reference: _blank_over_filled says why
        return None
    shown = "、".join(gone[:SHOWN_OFFICES]) + (f" 等 {len(gone)} 个" if len(gone) > SHOWN_OFFICES else " ")
    return (f"列有 {len(incoming)} 个业务所，数据目录中的 {rel} 列有 {len(kept)} 个业务所，"
            f"其中 {shown}不在新的名单中，归档后这些业务所将从考核中消失，未替换；"
            f"如确要替换，请先把数据目录中的 {rel} 移出数据目录，再重新归档")


def closed_note(rel: str, closed: Mapping[str, str], data_dir: Path) -> str | None:
    """Why nothing is filed at `rel` because its quarter or year is closed (Chinese), or None.

    A closed period's results are frozen with the digest of every workbook they used: a workbook
    added or changed afterwards is never scored, only reported by validate as closed-period-changed.
    """
    folder = folder_identity(rel)
    if folder is None:
        return None
    quarter = folder[0]
    shut = [p for p in (quarter[:4], quarter) if p in closed]  # a year is reopened before its quarters
    if not shut:
        return None
    records = "、".join(closed[p] for p in shut)
    commands = "，再运行 ".join(f"kaohe reopen {p} --data {data_dir.absolute()} --by 姓名 --reason 原因" for p in shut)
    return (f"期间 {quarter} 已关闭（关闭记录 {records}），已关闭期间的工作簿不再归档；"
            f"如确需更正，请人力资源部先运行 {commands} 重新打开，再重新归档")


def _replace(path: Path, source: str, dest: Path, rel: str, data_dir: Path) -> Outcome:
    """File `path` over a different `dest`, whose bytes move to `_versions/` first."""
    version = _version_name(dest)
    version_rel = version.relative_to(data_dir).as_posix()
    blocked = _obstacle(data_dir, version_rel)
    if blocked:
        return Outcome(source, STAYED, note=blocked)
    version.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(dest, version)
    try:
        shutil.move(path, dest)
    except BaseException:
        shutil.move(version, dest)  # the filed file goes back; the new one stays in the inbox
        raise
    return Outcome(source, REPLACED, dest=rel, note=version_rel)


def _obstacle(data_dir: Path, rel: str) -> str | None:
    """What stands in the way of a file at `rel` in DATA_DIR (Chinese), or None.

    Every existing folder on the way must be a folder, not a link (a file moved through a link
    would land outside the data folder), and the place itself free or a regular file (a file moved
    to a folder's name lands inside it).
    """
    parts = rel.split("/")
    here = data_dir
    for depth, part in enumerate(parts, 1):
        here = here / part
        try:
            mode = here.lstat().st_mode
        except FileNotFoundError:
            return None
        name = "/".join(parts[:depth])
        if stat.S_ISLNK(mode):
            return f"数据目录中的 {name} 是链接（快捷方式），未归档，请人工处理"
        if depth < len(parts) and not stat.S_ISDIR(mode):
            return f"数据目录中的 {name} 不是文件夹，未归档，请人工处理"
        if depth == len(parts) and not stat.S_ISREG(mode):
            return f"数据目录中已有名为 {name} 的文件夹（或其他不是文件的项目），未归档，请人工处理"
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _version_name(existing: Path) -> Path:
    """`<dir>/_versions/<stem>.<mtime as 2026-11-27T0830>.xlsx`, unique."""
    stamp = datetime.fromtimestamp(existing.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H%M")
    folder = existing.parent / VERSIONS_DIR
    candidate = folder / f"{existing.stem}.{stamp}{existing.suffix}"
    n = 2
    while os.path.lexists(candidate):
        candidate = folder / f"{existing.stem}.{stamp}-{n}{existing.suffix}"
        n += 1
    return candidate
