"""The Chinese summaries the commands print: findings grouped by office and file, statuses by period.

Each line is made printable on its own (`forms.values.printable`): a finding quotes what was
typed, and ESC [2J in a cover cell must show as `\\x1b[2J`, not clear HR's screen; a line break
typed into a cell shows as `\\x0a` instead of starting a line that looks like ours.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..engine.adjust import shown
from ..engine.counts import count
from ..engine.model import INVALID, STATUS_LABELS, Dataset, Results
from ..engine.submissions import NOT_SUBMITTED, submission_matrix
from ..findings import ERROR, INFO, WARNING, Finding, Refused
from ..forms import OFFICE_FORMS
from ..forms.values import printable
from ..periods import is_year, period_label

if TYPE_CHECKING:  # the outputs are imported only by the commands that write them
    from ..outputs.annotate import Annotated

INFO_LISTED_MAX = 5  # list info notes one by one only when there are this few
SHOWN_ERRORS = 10  # `run` lists this many errors; the files have them all
ACCEPTED = "accepted"  # a finding HR accepted (accepted.xlsx), counted apart from its severity
MARKS = {ERROR: "✗", WARNING: "!", INFO: "·", ACCEPTED: "✓"}
NO_OFFICE = "（未识别业务所）"
HR_FILES = "人力资源部的文件"  # reference.xlsx, accepted.xlsx, reviews.xlsx and closed/ records: no office's
_HR_NAMES = ("reference.xlsx", "accepted.xlsx", "reviews.xlsx")
DATASET_WIDE = "（整体）"
FIX_LABEL = "怎样修改："


def _accepted(f: Finding) -> str:
    return "" if f.acceptance is None else f"（已确认：{f.acceptance}）"


def marked_line(f: Finding) -> str:
    """`✗ submissions/2026Q1/BJ01/clients.xlsx › 客户 › G7：…` (a mark for the severity, or ✓ and HR's
    reason for a finding HR accepted, then the place, relative to the data folder as in every output)."""
    mark = MARKS[ACCEPTED] if f.acceptance is not None else MARKS.get(f.severity, "·")
    return f"{mark} {f.display()}{_accepted(f)}"


def with_fixes(findings: list[Finding], indent: str, line: Callable[[Finding], str] = marked_line) -> list[str]:
    """One line per finding, and under the first of each code how to fix it (once is enough: a
    column of 50 bad numbers needs one hint, not 50; a finding HR accepted needs none)."""
    lines: list[str] = []
    hinted: set[str] = set()
    for f in findings:
        lines.append(f"{indent}{line(f)}")
        if f.code not in hinted and f.fix and f.acceptance is None:
            hinted.add(f.code)
            lines.append(f"{indent}  {FIX_LABEL}{f.fix}")
    return lines


def _missing_by_office(dataset: Dataset) -> dict[str, dict[str, list[str]]]:
    """office -> period -> titles of the forms not submitted, from the submission-missing findings."""
    flagged = {(f.office_id, f.period) for f in dataset.findings if f.code == "submission-missing"}
    if not flagged:
        return {}
    result: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for period, offices in submission_matrix(dataset).items():
        for office, forms in offices.items():
            if (office, period) in flagged:
                result[office][period] = [f.title for f in OFFICE_FORMS if forms.get(f.id) == NOT_SUBMITTED]
    return result


def office_heading(dataset: Dataset, office_id: str) -> str:
    """`【北京一所（BJ01）】`: the office as every message names it (only the id when HR's list has no name)."""
    return f"【{dataset.reference.office_label(office_id)}】"


def _group(f: Finding) -> str:
    """The heading a finding is listed under: its office, HR's own files, or an office not recognised."""
    if f.office_id:
        return f.office_id
    if f.file in _HR_NAMES or (f.file or "").startswith("closed/"):
        return HR_FILES
    return NO_OFFICE


def validation_summary(dataset: Dataset, unannotated: dict[str, str] | None = None, folder: str | None = None) -> str:
    """`validate`'s summary: totals, then findings grouped by office and file (`unannotated`: the
    files `--annotate` could not mark up, with why; `folder`: the data folder as to be shown)."""
    findings = dataset.findings
    tally = count(findings)
    lines = [f"校验 {folder or dataset.data_dir}：共读取 {len(dataset.workbooks)} 个文件，{tally.text()}。"]
    if tally.accepted:
        lines.append(f"已确认的 {tally.accepted} 个问题由人力资源部在 accepted.xlsx 中确认，不影响评分，下面标为 {MARKS[ACCEPTED]}。")
    list_info = tally.infos <= INFO_LISTED_MAX
    groups: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    missing = _missing_by_office(dataset)
    for f in findings:
        if (f.severity == INFO and not list_info) or f.code == "submission-missing":
            continue
        groups[_group(f)][f.file or DATASET_WIDE].append(f)
    for office in sorted(set(groups) | set(missing), key=lambda o: (o != HR_FILES, o == NO_OFFICE, o)):
        lines.append("")
        lines.append(f"【{office}】" if office in (NO_OFFICE, HR_FILES) else office_heading(dataset, office))
        for file, items in sorted(groups[office].items(), key=lambda kv: (kv[0] == DATASET_WIDE, kv[0])):
            per_file = count(items)
            lines.append(f"  {file}  错误 {per_file.errors}，警告 {per_file.warnings}"
                         + (f"，提示 {per_file.infos}" if per_file.infos else "")
                         + (f"，已确认 {per_file.accepted}" if per_file.accepted else ""))
            lines.extend(with_fixes(items, "    "))
        if office in missing:
            # One line per quarter instead of one per form: a new office can miss dozens.
            lines.append(f"  未提交  警告 {sum(len(forms) for forms in missing[office].values())}")
            for period, forms in sorted(missing[office].items()):
                names = "全部四个模板" if len(forms) == len(OFFICE_FORMS) else "、".join(forms)
                lines.append(f"    {MARKS[WARNING]} {period}：{names}")
    if tally.infos and not list_info:
        lines.append("")
        lines.append(f"另有 {tally.infos} 条提示（如数值已自动规范化）未逐条列出，详见 JSON 报告。")
    if unannotated:
        lines.append("")
        lines.append("以下文件无法标注，未生成标注副本：")
        lines += [f"  {path}：{why}" for path, why in sorted(unannotated.items())]
    lines.append("")
    if tally.errors:
        lines.append(f"结论：发现 {tally.errors} 个错误，请按上面的位置修改后重新提交。")
    elif tally.warnings:
        lines.append(f"结论：没有错误；有 {tally.warnings} 个警告，请核对。")
    else:
        lines.append("结论：全部通过。")
    return _text(lines)


def annotation_summary(annotated: Annotated, out_dir: str) -> str:
    """`validate --annotate`'s last lines: the copies written where, each beside the file it copies,
    the folder's files left as they were, or why no copy was written."""
    if annotated.written:
        lines = [f"已在“{out_dir}”写出 {len(annotated.written)} 个标注副本（出错的单元格标红、警告标黄、"
                 f"按其他写法读取的值标蓝，并附批注）："]
        lines += [f"  {path} → {copy.name}" for path, copy in annotated.written.items()]
        if annotated.kept:
            lines.append(f"目录中原有的同名文件未覆盖（{'、'.join(annotated.kept)}），新副本的文件名末尾加了编号。")
        if annotated.skipped:
            lines.append(f"另有 {len(annotated.skipped)} 个文件无法标注，见上。")
        return _text(lines)
    if annotated.skipped:
        return f"没有写出标注副本：需要标注的 {len(annotated.skipped)} 个文件都无法标注，见上。"
    return "没有需要标注的文件（没有哪个工作簿有错误或警告），没有写出标注副本。"


RUN_FINDINGS = "输出目录中的 validation.json 或各期间考核结果工作簿的“校验问题”"  # in run's output folder
SITE_FINDINGS = "网站的“校验报告”页"  # build's validation.json is a work file in .build/, not for people


def run_summary(results: Results, folder: str | None = None, findings_in: str = RUN_FINDINGS) -> str:
    """`run`'s and `build`'s summary: totals (the same as `validate`'s, and scoring's own warnings
    and refused reviews apart), statuses per period, the first errors, adjustments and open appeals;
    `findings_in`: where all the findings are to be read."""
    dataset = results.dataset
    tally = count(dataset.findings, results.findings)
    errors = results.error_count()  # HR's accepted errors do not block: counted as 已确认, not here
    lines = [f"校验 {folder or dataset.data_dir}：共读取 {len(dataset.workbooks)} 个文件，{tally.text()}。"]
    if tally.accepted:
        lines.append(f"已确认的 {tally.accepted} 个问题由人力资源部在 accepted.xlsx 中确认，不影响评分。")
    for period in results.periods:
        counts = Counter(c.status for c in results.for_period(period))
        parts = "、".join(f"{STATUS_LABELS[s]} {n}" for s, n in sorted(counts.items()))
        label = f"{period}年度" if is_year(period) else period
        lines.append(f"  {label}：{parts}")
    if errors:
        blocking = [f for f in (*dataset.findings, *results.findings) if f.blocking]
        first = blocking[:SHOWN_ERRORS]
        lines.append(f"错误（前 {len(first)} 个）：" if errors > len(first) else "错误：")
        lines.extend(with_fixes(first, "  ", lambda f: f"- {f.display()}"))
        invalid = any(c.status == INVALID for c in results.scorecards)
        marked = "有误的业务所和期间标为“数据有误”，未评分；" if invalid else ""
        lines.append(f"{marked}全部问题见{findings_in}。")
    lines += review_lines(results)
    return _text(lines)


def refusal_text(refused: Refused) -> str:
    """Why a command did nothing (findings.Refused): what it could not do, then the findings that say
    why, each with how to fix it, as `run` lists its errors."""
    first = refused.findings[:SHOWN_ERRORS]
    lines = [f"错误：{refused.message}"]
    lines.extend(with_fixes(first, "  ", lambda f: f"- {f.display()}"))
    if len(refused.findings) > len(first):
        lines.append(f"  ……另有 {len(refused.findings) - len(first)} 个（validate 命令列出全部问题）")
    return _text(lines)


def invalid_summary(results: Results) -> str:
    """`build --keep-going`: which office-periods were published as 数据有误 (empty when none)."""
    cards = [c for c in results.scorecards if c.status == INVALID]
    if not cards:
        return ""
    lines = [f"以下 {len(cards)} 个业务所期间的数据有误，网站上标为“{STATUS_LABELS[INVALID]}”，未评分："]
    by_period: dict[str, list[str]] = defaultdict(list)
    for card in cards:
        by_period[card.period].append(card.office_label)
    lines += [f"  {period}：{'、'.join(names)}" for period, names in by_period.items()]
    return _text(lines)


def review_lines(results: Results) -> list[str]:
    """HR's adjustments after review (with who approved them) and the appeals still 受理中."""
    lines = []
    adjusted = [(c, a) for c in results.scorecards for a in c.adjustments]
    if adjusted:
        lines.append(f"经复核调整 {len(adjusted)} 项（reviews.xlsx）：")
        lines += [f"  - {c.office_label} {period_label(c.period)} {a.item}：{shown(a.original, a.what, a.kpi)} → "
                  f"{shown(a.adjusted, a.what, a.kpi)}（原因：{a.reason}；批准人：{a.approved_by}，{a.approved_on}）"
                  for c, a in adjusted]
    pending = results.open_appeals()
    if pending:
        lines.append(f"受理中的申诉 {len(pending)} 项（处理完毕前该期间不能关闭）：")
        name = results.dataset.reference.office_label
        lines += [f"  - {name(a.office_id)} {period_label(a.period)}（{a.filed_on} 提出，reviews.xlsx › 申诉 第 {a.row} 行）"
                  for a in pending]
    return lines


def _text(lines: list[str]) -> str:
    return "\n".join(printable(line) for line in lines)


__all__ = ["RUN_FINDINGS", "SITE_FINDINGS", "annotation_summary", "invalid_summary", "marked_line", "office_heading",
           "refusal_text", "review_lines", "run_summary",
           "validation_summary", "with_fixes"]
