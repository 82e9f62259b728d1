"""`remind`: the data checked once, then a reminder per office that still owes forms for a quarter
(missing, or with errors HR has not accepted), written as a text file per office into a folder.

    reminders(DATA_DIR, PERIOD)  -> [Reminder]   (offices of the quarter's board, by id)
    write_reminders(texts, OUT)  -> [Path]        (never over an existing file)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .atomic import Batch, unused_path
from .engine.heads import head_of
from .engine.submissions import NOT_SUBMITTED, WITH_ERRORS, submission_matrix
from .forms import OFFICE_FORMS
from .outputs.file_names import office_file_names
from .outputs.reminder import Reminder, reminder_text
from .run import UsageError, check, load_policies, require_offices

DEFAULT_NAME = "提醒"
SUFFIX = "催交提醒"  # 北京一所-2026Q4-催交提醒.txt


def default_out(period: str, folder: Path = Path(".")) -> Path:
    """提醒-<期间> in `folder`; numbered (-2, -3 …) rather than reuse a folder that exists."""
    return unused_path(folder, f"{DEFAULT_NAME}-{period}")


def reminders(data_dir: str | Path, period: str, *, cache=None) -> list[Reminder]:
    """What each office of the quarter still owes (offices that owe nothing included, `needed` false).

    Refused when the reference names no office: without HR's list nobody can be told to owe anything
    (the submission board would show only the offices that filed, as having filed everything).
    """
    data = Path(data_dir)
    if not data.is_dir():
        raise UsageError(f"数据目录“{data}”不存在或不是文件夹。")
    dataset, _ = check(data, cache=cache, rules=load_policies(None).current.plausibility)
    require_offices(dataset, "无法判断哪些业务所还欠交表格", "没有写出任何提醒")
    matrix = submission_matrix(dataset)
    reference = dataset.reference
    if period not in matrix:
        raise UsageError(f"数据中没有 {period} 这个季度（基础数据中没有它的季度目标，也没有人提交过它的表格）。")
    path_of = {dataset.slot(f): f.path for f in dataset.workbooks if dataset.slot(f)}
    errors: dict[str, int] = {}
    for f in dataset.findings:
        if f.blocking and f.file:
            errors[f.file] = errors.get(f.file, 0) + 1
    found = []
    for office_id, states in matrix[period].items():
        office = reference.offices.get(office_id)
        missing = tuple(form.title for form in OFFICE_FORMS if states.get(form.id) == NOT_SUBMITTED)
        bad = tuple((form.title, errors.get(path_of.get((period, office_id, form.id), ""), 0))
                    for form in OFFICE_FORMS if states.get(form.id) == WITH_ERRORS)
        head = head_of(office, reference.tenures.get(office_id), period).name if office else ""
        found.append(Reminder(office_id, office.name if office else "", head, period, missing, bad,
                              reference.deadlines.get(period)))
    return found


def file_names(found: list[Reminder]) -> dict[tuple[str, str], str]:
    """(office_id, period) -> `北京一所-2026Q4-催交提醒.txt`, as the 考核确认单 are named: safe whatever
    the reference says, the id added where offices share a name."""
    return office_file_names(((r.office_id, r.office_name, r.period) for r in found), SUFFIX, ".txt")


def write_reminders(found: list[Reminder], out: Path, today: date) -> list[Path]:
    """A text file per office that owes something; UsageError when one exists already (never
    overwritten) or the folder cannot be written."""
    owing = [r for r in found if r.needed]
    if not owing:
        return []  # no folder made for nothing
    names = file_names(owing)
    texts = {out / names[(r.office_id, r.period)]: reminder_text(r, today) for r in owing}
    taken = sorted(p.name for p in texts if p.exists() or p.is_symlink())
    if taken:
        raise UsageError(f"输出文件夹“{out.absolute()}”中已有同名文件（{'、'.join(taken)}），未写入任何文件；"
                         "请换一个文件夹，或先移走这些文件。")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with Batch() as batch:
            for path, text in texts.items():
                batch.write_text(path, text)
    except OSError as exc:
        raise UsageError(f"无法写入输出文件夹“{out.absolute()}”：{exc.strerror or exc}") from None
    return list(texts)


__all__ = ["DEFAULT_NAME", "SUFFIX", "default_out", "file_names", "reminders", "write_reminders"]
