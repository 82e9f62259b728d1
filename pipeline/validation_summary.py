"""The `validate` command: progress bar, Chinese summary grouped by office and file, exit codes."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from .findings import ERROR, INFO, WARNING, Finding
from .forms import OFFICE_FORMS
from .model import Dataset

EXIT_OK, EXIT_DATA_ERRORS, EXIT_USAGE = 0, 1, 2
INFO_LISTED_MAX = 5  # list info notes one by one only when there are this few
PROGRESS_MIN_FILES = 50
MARKS = {ERROR: "✗", WARNING: "!", INFO: "·"}
NO_OFFICE = "(未识别业务所)"
DATASET_WIDE = "(整体)"


class ProgressBar:
    """A plain text bar on stderr, drawn only for a terminal or a long run; called as (done, total)."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30, label: str = "读取工作簿") -> None:
        self.stream = stream or sys.stderr
        self.total, self.width, self.label = total, width, label
        is_tty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = total > 0 and (is_tty or total > PROGRESS_MIN_FILES)
        self.line_end = "\r" if is_tty else "\n"
        self._last = -1

    def __call__(self, done: int, total: int | None = None, *_: object) -> None:
        if not self.enabled:
            return
        total = total or self.total
        percent = int(100 * done / total) if total else 100
        # Off a terminal, print every 10 % only, so CI logs stay short.
        step = percent if self.line_end == "\r" else percent // 10 * 10
        if step == self._last:
            return
        self._last = step
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"{self.label} [{bar}] {done}/{total}{self.line_end}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.line_end == "\r":
            self.stream.write("\n")
            self.stream.flush()


def short_place(f: Finding) -> str:
    """The STYLE form `2026Q1/BJ01/clients.xlsx › 客户 › G7:…` (the submissions/ prefix dropped)."""
    text = f.display()
    return text.removeprefix("submissions/")


def _missing_by_office(dataset: Dataset) -> dict[str, dict[str, list[str]]]:
    """office -> period -> titles of the forms not submitted, from the submission-missing findings."""
    flagged = {(f.office_id, f.period) for f in dataset.findings if f.code == "submission-missing"}
    if not flagged:
        return {}
    from .validation import MISSING, submission_matrix

    result: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for period, offices in submission_matrix(dataset).items():
        for office, forms in offices.items():
            if (office, period) in flagged:
                result[office][period] = [f.title for f in OFFICE_FORMS if forms.get(f.id) == MISSING]
    return result


def summary(dataset: Dataset, unannotated: list[str] | None = None) -> str:
    """The Chinese summary: totals, then findings grouped by office and file."""
    findings = dataset.findings
    counts = {s: sum(1 for f in findings if f.severity == s) for s in (ERROR, WARNING, INFO)}
    lines = [f"校验 {dataset.data_dir}:共读取 {len(dataset.workbooks)} 个文件,"
             f"错误 {counts[ERROR]} 个,警告 {counts[WARNING]} 个,提示 {counts[INFO]} 条。"]
    list_info = counts[INFO] <= INFO_LISTED_MAX
    groups: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    missing = _missing_by_office(dataset)
    for f in findings:
        if (f.severity == INFO and not list_info) or f.code == "submission-missing":
            continue
        groups[f.office_id or NO_OFFICE][f.file or DATASET_WIDE].append(f)
    for office in sorted(set(groups) | set(missing), key=lambda o: (o == NO_OFFICE, o)):
        lines.append("")
        lines.append(f"【{office}】")
        for file, items in sorted(groups[office].items(), key=lambda kv: (kv[0] == DATASET_WIDE, kv[0])):
            errors = sum(1 for f in items if f.severity == ERROR)
            warnings = sum(1 for f in items if f.severity == WARNING)
            lines.append(f"  {file.removeprefix('submissions/')}  错误 {errors},警告 {warnings}")
            for f in items:
                lines.append(f"    {MARKS.get(f.severity, '·')} {short_place(f)}")
        if office in missing:
            # One line per quarter instead of one per form: a new office can miss dozens.
            lines.append(f"  未提交  警告 {sum(len(forms) for forms in missing[office].values())}")
            for period, forms in sorted(missing[office].items()):
                names = "全部四个模板" if len(forms) == len(OFFICE_FORMS) else "、".join(forms)
                lines.append(f"    {MARKS[WARNING]} {period}:{names}")
    if counts[INFO] and not list_info:
        lines.append("")
        lines.append(f"另有 {counts[INFO]} 条提示(如数值已自动规范化)未逐条列出,详见 JSON 报告。")
    if unannotated:
        lines.append("")
        lines.append("以下文件无法用 Excel 打开,未生成标注副本:")
        lines += [f"  {path.removeprefix('submissions/')}" for path in unannotated]
    lines.append("")
    if counts[ERROR]:
        lines.append(f"结论:发现 {counts[ERROR]} 个错误,请按上面的位置修改后重新提交。")
    elif counts[WARNING]:
        lines.append(f"结论:没有错误;有 {counts[WARNING]} 个警告,请核对。")
    else:
        lines.append("结论:全部通过。")
    return "\n".join(lines)


def _usage_problem(data_dir: Path) -> str | None:
    if not data_dir.exists():
        return f"数据目录“{data_dir}”不存在。"
    if not data_dir.is_dir():
        return f"“{data_dir}”不是文件夹,请给出数据目录(含 reference.xlsx 与 submissions/)。"
    if not (data_dir / "reference.xlsx").is_file() and not (data_dir / "submissions").is_dir():
        return f"“{data_dir}”中既没有 reference.xlsx 也没有 submissions/ 文件夹,不是数据目录。"
    return None


def _writable_file(path: Path) -> str | None:
    if path.is_dir():
        return f"--json 的路径“{path}”是一个文件夹,请给出文件名。"
    if not path.parent.is_dir():
        return f"--json 的目录“{path.parent}”不存在。"
    return None


def _annotate_problem(data_dir: Path, out: Path) -> str | None:
    # Copies inside the data would overwrite originals or be read as submissions next time.
    data, target = data_dir.resolve(), out.resolve()
    if target == data or target.is_relative_to(data / "submissions"):
        return f"--annotate 的目录“{out}”不能是数据目录或其中的 submissions 文件夹,请另选一个目录。"
    if target.exists() and not target.is_dir():
        return f"--annotate 的路径“{out}”是一个文件,请给出目录。"
    return None


def _print(text: str) -> None:
    """Print, quietly stopping when the reader of stdout went away (`validate … | head`)."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run_validate(args) -> int:
    """Validate DATA_DIR, print the summary, write the JSON report and annotated copies."""
    from .validation import validate_dir, write_json

    data_dir = Path(args.data_dir)
    problem = _usage_problem(data_dir)
    json_path = Path(args.json_path) if getattr(args, "json_path", None) else None
    if problem is None and json_path is not None:
        problem = _writable_file(json_path)
    if problem is None and getattr(args, "annotate", None):
        problem = _annotate_problem(data_dir, Path(args.annotate))
    if problem is None and getattr(args, "workers", 0) < 0:
        problem = "--workers 不能为负数。"
    if problem:
        print(f"错误:{problem}", file=sys.stderr)
        return EXIT_USAGE
    from .cache import open_cache  # the incremental cache (.cache/), unless --no-cache

    dataset = validate_dir(data_dir, workers=args.workers, progress=True,
                           cache=open_cache(enabled=not getattr(args, "no_cache", False)))
    unannotated: list[str] = []
    if getattr(args, "annotate", None):
        from .excel.annotate import annotate, needs_copy

        try:
            written = annotate(dataset, data_dir, Path(args.annotate))
        except OSError as exc:
            print(f"错误:无法写入标注副本目录“{args.annotate}”:{exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        done = {p.relative_to(Path(args.annotate)).as_posix() for p in written}
        unannotated = [wb.path for wb in needs_copy(dataset) if wb.path not in done]
    text = summary(dataset, unannotated)
    if getattr(args, "annotate", None):
        text += f"\n已在“{args.annotate}”写出 {len(written)} 个标注副本(出错的单元格标红、警告标黄,并附批注)。"
    _print(text)
    if json_path is not None:
        try:
            write_json(dataset, json_path)
        except OSError as exc:
            print(f"错误:无法写入 JSON 报告“{json_path}”:{exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
    return EXIT_DATA_ERRORS if dataset.error_count() else EXIT_OK
