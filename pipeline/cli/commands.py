"""One function per command: check the arguments, call the stage, print a Chinese summary, return the exit code.

Bad input never raises out of here: a usage or environment problem is a Chinese message on
stderr and exit 2, errors in the data exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ..findings import Refused
from ..forms.values import printable
from .exits import EXIT_DATA_ERRORS, EXIT_OK, EXIT_USAGE
from .progress import ProgressBar
from .summaries import SITE_FINDINGS, annotation_summary, invalid_summary, refusal_text, run_summary, validation_summary


def _error(message: str) -> int:
    _print(f"错误：{message}", sys.stderr)
    return EXIT_USAGE


def _print(text: str, stream: TextIO | None = None, end: str = "\n") -> None:
    """Print with control characters shown, never obeyed (a file name or cell holding ESC [2J
    must not clear the screen); quietly stop when the reader of stdout went away (`… | head`)."""
    stream = stream or sys.stdout
    try:
        print(printable(text, keep="\n"), file=stream, end=end, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _workers(args: argparse.Namespace) -> int | None:
    workers = getattr(args, "workers", 0) or 0
    return None if workers < 0 else workers


# ---------------------------------------------------------------------------------------------


GENERIC_TEMPLATES = "input_templates"


def templates(args: argparse.Namespace) -> int:
    """Write the blank templates, or with --check only compare them with the form specs."""
    from ..forms import ALL_FORMS
    from ..outputs.form_workbook import check_templates, write_template

    generic = Path(GENERIC_TEMPLATES)
    if getattr(args, "data", None) and (not args.out or Path(args.out).resolve() == generic.resolve()):
        # the company's templates never replace the generic ones the site offers and the build checks
        return _error(f"生成本公司的模板时，请用 --out 指定另一个输出目录（不能写入 {GENERIC_TEMPLATES}/ 中的通用模板）。")
    out_dir = Path(args.out or GENERIC_TEMPLATES)
    if args.check:
        problems = check_templates(out_dir)
        if problems:
            _print(f"模板与表单定义不一致（共 {len(problems)} 处），请运行 `python -m pipeline templates` 重新生成：")
            for line in problems:
                _print(f"  - {line}")
            return EXIT_DATA_ERRORS
        _print(f"{out_dir} 中的 {len(ALL_FORMS)} 个模板与表单定义一致。")
        return EXIT_OK
    try:
        if getattr(args, "data", None):  # the company's templates: its offices and this year's quarters
            from ..run import UsageError, company_templates

            try:
                paths = company_templates(args.data, out_dir)
            except UsageError as exc:
                return _error(str(exc))
            for form, path in zip(ALL_FORMS, paths):
                _print(f"已生成模板：{path.as_posix()}（{form.title}，版本 {form.version}）")
            return EXIT_OK
        for form in ALL_FORMS:
            path = write_template(form, out_dir)
            _print(f"已生成模板：{path.as_posix()}（{form.title}，版本 {form.version}）")
    except OSError as exc:
        return _error(f"无法写入模板目录 {out_dir}：{exc.strerror or exc}")
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    """Fill the templates with a fictional company's data (into an empty folder unless --force)."""
    from ..synthetic import DemoError, generate, target_problem

    years = tuple(args.years)
    if not 1 <= args.offices <= 999:
        return _error("业务所数量应在 1 到 999 之间。")
    if any(not 2000 <= y <= 2100 for y in years) or len(set(years)) != len(years):
        return _error("年份应为 2000–2100 之间互不相同的年份。")
    try:
        problem = target_problem(Path(args.out), args.force)
    except OSError as exc:
        problem = f"无法读取目录“{args.out}”：{exc.strerror or exc}"
    problem = problem or _output_problem(Path(args.out), "--out 的目录")
    if problem:
        return _error(problem)
    _print(f"正在生成示例数据：{args.offices} 个业务所，年份 {'、'.join(map(str, sorted(years)))}，随机种子 {args.seed}……")
    try:
        summary = generate(Path(args.out), args.offices, years, args.seed)
    except DemoError as exc:
        return _error(f"无法生成示例数据：{exc}")
    except OSError as exc:
        return _error(f"无法写入 {args.out}：{exc.strerror or exc}")
    _print(f"已写入 {len(summary.files)} 个工作簿到 {Path(args.out).as_posix()}"
          f"（季度 {summary.periods[0]}–{summary.periods[-1]}）。")
    for path in summary.not_submitted:
        _print(f"  按设计未提交：{path}")
    if summary.removed:  # --force over an earlier demo: its workbooks this one did not make
        _print(f"已删除上次生成、这次没有生成的 {len(summary.removed)} 个示例工作簿（都未在 Excel 或 WPS 中保存过）：")
        for path in summary.removed:
            _print(f"  {path}")
    return _demo_close(Path(args.out), f"{min(years)}Q1")


DEMO_CLOSER = "人力资源部（示例）"


def _demo_close(out: Path, period: str) -> int:
    """Close the sample's first quarter as HR would (a fixed date and name: the same record every time)."""
    from ..closing import CloseRefused, close_period
    from ..run import UsageError

    record = out / "closed" / f"{period}.json"
    if record.exists():
        if not _demo_record_outdated(out, record):
            _print(f"已有 {period} 的关闭记录 {record.absolute()}，保留不动。")
            return EXIT_OK
        # the demo's own record, of workbooks it has just replaced: kept, it would make the data wrong
        record.unlink()
        _print(f"示例的关闭记录 {record.absolute()} 与重新生成的工作簿不符，已随示例重新生成。")
    try:
        close_period(out, period, DEMO_CLOSER, at=f"{period[:4]}-04-15T10:00:00+08:00")
    except (UsageError, CloseRefused) as exc:
        _print(f"（示例数据的 {period} 有错误，未关闭：{exc}）")
        return EXIT_OK
    _print(f"已关闭 {period}（示例：结果冻结在 closed/{period}.json）。")
    return EXIT_OK


def _demo_record_outdated(out: Path, record: Path) -> bool:
    """True when `record` is the demo's own closing (by DEMO_CLOSER, never reopened) and no longer
    matches the data: anyone else's record is HR's and is never touched."""
    import json

    from ..run import check

    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        own = data.get("closed_by") == DEMO_CLOSER and all(e.get("by") == DEMO_CLOSER for e in data.get("history", []))
    except (OSError, ValueError, AttributeError):
        return False
    if not own:
        return False
    dataset, _ = check(out, workers=1)
    return any(f.code.startswith("closed-") for f in dataset.findings)


def _data_problem(data_dir: Path) -> str | None:
    shown = data_dir.absolute()  # in full: HR sees which folder was meant
    if not data_dir.exists():
        return f"数据目录“{shown}”不存在。"
    if not data_dir.is_dir():
        return f"“{shown}”不是文件夹，请给出数据目录（含 reference.xlsx 与 submissions/）。"
    if not (data_dir / "reference.xlsx").is_file() and not (data_dir / "submissions").is_dir():
        return f"“{shown}”中既没有 reference.xlsx 也没有 submissions/ 文件夹，不是数据目录。"
    return None


def _annotate_problem(data_dir: Path, out: Path) -> str | None:
    # Copies inside the data would overwrite originals or be read as submissions next time.
    data, target = data_dir.resolve(), out.resolve()
    if target == data or target.is_relative_to(data / "submissions"):
        return f"--annotate 的目录“{out.absolute()}”不能是数据目录或其中的 submissions 文件夹，请另选一个目录。"
    if target.exists() and not target.is_dir():
        return f"--annotate 的路径“{out.absolute()}”是一个文件，请给出目录。"
    return None


def _output_problem(path: Path, what: str, data_dir: Path | None = None) -> str | None:
    """Why a command must not write to `path`, or None: inside the data folder its output would
    replace HR's files or be read as data next time; inside the project's site/ the next build
    deletes it; inside docs/ or overrides/ the next build publishes it."""
    from ..outputs.pages import PROJECT_ROOT

    target, shown = path.resolve(), path.absolute()
    if data_dir is not None and target.is_relative_to(data_dir.resolve()):
        return f"{what}“{shown}”在数据目录之中：输出会替换人力资源部的文件或被当作数据读取，请另选位置。"
    for folder, why in (("site", "下次构建网站时会被删除"), ("docs", "会被发布到网站上"), ("overrides", "会被发布到网站上")):
        if target.is_relative_to((PROJECT_ROOT / folder).resolve()):
            return f"{what}“{shown}”在项目的 {folder}/ 文件夹之中：写在那里的文件{why}，请另选位置。"
    return None


def validate(args: argparse.Namespace) -> int:
    """Check every workbook of a data folder; print the summary; write the JSON report and marked-up copies."""
    from ..outputs.annotate import annotate
    from ..outputs.report_json import write_report
    from ..run import UsageError, check, open_cache

    data_dir = Path(args.data_dir)
    json_path = Path(args.json_path) if args.json_path else None
    problem = _data_problem(data_dir)
    if problem is None and json_path is not None:
        if json_path.is_dir():
            problem = f"--json 的路径“{json_path.absolute()}”是一个文件夹，请给出文件名。"
        elif not json_path.parent.is_dir():
            problem = f"--json 的目录“{json_path.parent.absolute()}”不存在。"
        elif json_path.suffix.lower() != ".json":
            problem = f"--json 应为 .json 文件，实际为“{printable(json_path.name)}”。"
        else:
            problem = _output_problem(json_path, "--json 的路径", data_dir)
    if problem is None and args.annotate:
        problem = _annotate_problem(data_dir, Path(args.annotate)) or _output_problem(Path(args.annotate), "--annotate 的目录")
    if problem is None and _workers(args) is None:
        problem = "--workers 不能为负数。"
    if problem:
        return _error(problem)
    bar = ProgressBar(label="读取工作簿")
    try:
        dataset, _ = check(data_dir, workers=args.workers, cache=open_cache(not args.no_cache), progress=bar)
    except UsageError as exc:
        return _error(str(exc))
    finally:
        bar.close()
    annotated = None
    if args.annotate:
        try:
            annotated = annotate(dataset, data_dir, Path(args.annotate))
        except OSError as exc:
            return _error(f"无法写入标注副本目录“{args.annotate}”：{exc.strerror or exc}")
    text = validation_summary(dataset, annotated.skipped if annotated else None, folder=str(data_dir.absolute()))
    if annotated is not None:
        text += "\n" + annotation_summary(annotated, str(Path(args.annotate).absolute()))
    _print(text)
    if json_path is not None:
        replaced = json_path.exists()
        try:
            write_report(json_path, dataset)
        except OSError as exc:
            return _error(f"无法写入 JSON 报告“{json_path.absolute()}”：{exc.strerror or exc}")
        _print(f"已写出 JSON 校验报告{'（覆盖了原有的同名文件）' if replaced else ''}：{json_path.absolute()}")
    return EXIT_DATA_ERRORS if dataset.error_count() else EXIT_OK


def intake(args: argparse.Namespace) -> int:
    """File received workbooks into the data folder by their content; 1 when some stayed in the inbox.

    A data folder that does not exist is created only when the inbox brings HR's reference workbook
    (a first intake); otherwise it is a usage error and nothing is created (a mistyped --data). The
    run's section is appended to the inbox's report, whose place is printed last."""
    from ..engine.closed import file_name
    from ..intake import filing, inbox_report
    from ..run import read_closed

    inbox, data_dir = Path(args.inbox), Path(args.data)
    if not inbox.is_dir():
        return _error(f"收件目录“{inbox.absolute()}”不存在或不是文件夹。")
    if os.path.lexists(data_dir) and not data_dir.is_dir():
        return _error(f"数据目录“{data_dir.absolute()}”不是文件夹。")
    problem = filing.inbox_problem(inbox, data_dir)
    if problem:
        return _error(problem)
    at = datetime.now().replace(microsecond=0)
    try:
        received = filing.receive(inbox)
        created = not data_dir.exists()
        if created and not filing.brings_reference(received):
            return _error(f"数据目录“{data_dir.absolute()}”不存在。请检查 --data 是否写错；"
                          "首次归档到新的数据目录时，请把列有业务所的基础数据工作簿（reference.xlsx）一并放入收件目录。")
        if created:
            data_dir.mkdir(parents=True)
            _print(inbox_report.created_line(data_dir))
        # a closed period takes no workbook (a record that cannot be used closes nothing, as in validate)
        closed = {period: file_name(period) for period, record in read_closed(data_dir)[0].items() if record.closed}
        outcomes = filing.file_received(received, data_dir, now=at, closed=closed)
    except (OSError, ValueError) as exc:
        return _error(f"无法读取收件目录或数据目录：{getattr(exc, 'strerror', None) or exc}")
    _print(inbox_report.report_text(outcomes).rstrip("\n"))
    section = inbox_report.report_section(outcomes, at, data_dir, created)
    try:
        report, kept = inbox_report.write_report(inbox, section)
    except OSError as exc:
        _print(f"（无法写入报告 {(inbox / inbox_report.REPORT_NAME).absolute()}：{exc.strerror or exc}）", sys.stderr)
    else:
        earlier = (f"；原报告已超过 {inbox_report.REPORT_LIMIT >> 20} MB，完整保留为 {kept.name}" if kept
                   else "，之前各次的记录保留在前面")
        _print(f"报告：{report.absolute()}（本次结果追加在末尾{earlier}）")
    return EXIT_DATA_ERRORS if any(o.action == filing.STAYED for o in outcomes) else EXIT_OK


def _names(paths) -> str:
    """Output files as both lists show them: the reports, then the workbooks in time order.

    `考核结果-2025Q4.xlsx` sorts before `考核结果-2025年度.xlsx` (Q before 年), so by name is by time.
    """
    books = sorted(p.name for p in paths if p.suffix == ".xlsx")
    return "、".join([p.name for p in paths if p.suffix != ".xlsx"] + books)


def run(args: argparse.Namespace) -> int:
    """Check and score; write validation.json, scorecards.csv and a workbook per period."""
    from ..run import UsageError, open_cache
    from ..run import run as run_stage

    if _workers(args) is None:
        return _error("--workers 不能为负数。")
    problem = _output_problem(Path(args.out), "--out 的目录", Path(args.data_dir))
    if problem:
        return _error(problem)
    bar = ProgressBar(label="读取工作簿")
    try:
        outcome = run_stage(args.data_dir, args.out, args.policy, workers=args.workers,
                            cache=open_cache(not args.no_cache), progress=bar)
    except UsageError as exc:
        return _error(str(exc))
    finally:
        bar.close()
    _print(run_summary(outcome.results, folder=str(Path(args.data_dir).absolute())))
    out = Path(args.out)
    if outcome.written:
        _print(f"已写出（输出目录 {out.absolute()}）：{_names(outcome.written)}")
    else:
        _print(f"输入与上次运行完全相同，输出目录 {out.absolute()} 中的文件都是这次的结果，没有重写。")
    if outcome.unchanged:
        _print(f"内容未变、未重写：{_names(outcome.unchanged)}")
    return EXIT_DATA_ERRORS if outcome.results.error_count() else EXIT_OK


def build(args: argparse.Namespace) -> int:
    """Build the whole site into --site (templates check, run, pages, mkdocs, privacy gate, publish)."""
    from ..build import SAMPLE_DATA, BuildError, build_site
    from ..run import open_cache

    bars: list[ProgressBar] = []

    def progress_for(label: str) -> ProgressBar:
        if bars:
            bars[-1].close()
        bars.append(ProgressBar(label=label))
        return bars[-1]

    if _workers(args) is None:
        return _error("--workers 不能为负数。")
    site = Path(args.site)
    data_dir = Path(args.data).absolute() if args.data else SAMPLE_DATA
    try:
        results = build_site(data_dir, site, keep_going=args.keep_going,
                   policy_path=args.policy, workers=args.workers, cache=open_cache(not args.no_cache),
                   progress_for=progress_for)
    except (BuildError, Refused) as exc:
        usage = isinstance(exc, BuildError) and exc.usage
        said = exc.message if isinstance(exc, BuildError) else refusal_text(exc).removeprefix("错误：")
        _print(f"网站构建失败：{said}", sys.stderr)
        if site.is_dir():
            _print(f"原有网站（{site.absolute()}/）保持不变。", sys.stderr)
        return EXIT_USAGE if usage else EXIT_DATA_ERRORS
    finally:
        if bars:
            bars[-1].close()
    _print(run_summary(results, folder=str(data_dir), findings_in=SITE_FINDINGS))
    published = invalid_summary(results)
    if published:
        _print(published)
    _print(f"网站已构建到 {site.absolute()}/。")
    return EXIT_OK


def bench(args: argparse.Namespace) -> int:
    """Measure every stage on a synthetic company and write the results page."""
    from ..bench import QUICK_OFFICES, run_bench

    offices = QUICK_OFFICES if args.quick else args.offices
    if offices < 1:
        return _error("业务所数量至少为 1。")
    try:
        report = run_bench(offices=offices, root=args.cache, out=args.out)
    except OSError as exc:
        return _error(f"性能测试无法进行：{exc}")
    failed = [m.label for m in report.measures.values() if m.seconds is None]
    if failed:
        _print("以下阶段未完成：" + "、".join(failed), sys.stderr)
        return EXIT_DATA_ERRORS
    return EXIT_OK


def close(args: argparse.Namespace) -> int:
    """Close a period: 1 when its data have errors, 2 for a bad request."""
    from ..closing import CloseRefused, close_period
    from ..run import UsageError, open_cache

    problem = _data_problem(Path(args.data_dir))
    if problem:
        return _error(problem)
    try:
        closed = close_period(args.data_dir, args.period, args.by, policy=args.policy,
                              cache=open_cache(not args.no_cache))
    except UsageError as exc:
        return _error(str(exc))
    except CloseRefused as exc:
        _print(f"未关闭：{exc}", sys.stderr)
        for f in exc.findings:
            _print(f"  - {f.display()}", sys.stderr)
        return EXIT_DATA_ERRORS
    record = closed.record
    _print(f"已关闭 {closed.period}：{len(record['cards'])} 个业务所的结果已冻结（已评分 {closed.scored} 个），"
           f"依据 {len(record['inputs'])} 个工作簿与政策版本 {record['policy']['version']}；"
           f"记录写入 {closed.path.absolute()}。")
    if closed.unscored:  # frozen as they are: these offices keep no score for the period
        _print(f"冻结时没有得分的 {len(closed.unscored)} 个业务所：")
        for label, status in closed.unscored:
            _print(f"  {label}：{status}")
    return EXIT_OK


def reopen(args: argparse.Namespace) -> int:
    """Reopen a closed period, keeping its history."""
    from ..closing import reopen_period
    from ..run import UsageError

    problem = _data_problem(Path(args.data_dir))
    if problem:
        return _error(problem)
    try:
        path = reopen_period(args.data_dir, args.period, args.by, args.reason)
    except UsageError as exc:
        return _error(str(exc))
    _print(f"已重新打开 {path.stem}：下次运行将按现行数据和政策重新计算；关闭与重新打开的记录保留在 closed/{path.name}。")
    return EXIT_OK


def whatif(args: argparse.Namespace) -> int:
    """Compare the open periods under the policy in force and under a draft; print and write the workbook."""
    from ..closing import canonical_period
    from ..run import UsageError, open_cache
    from ..whatif import compare, default_out, write_workbook

    problem = _data_problem(Path(args.data_dir))
    if problem is None and not Path(args.policy).is_file():
        problem = f"政策草案文件“{args.policy}”不存在。"
    out = Path(args.out) if args.out else None
    if problem is None and out is not None and (out.is_dir() or not out.parent.is_dir()):
        problem = f"--out 的路径“{out}”应为一个已存在文件夹中的文件名。"
    if problem is None and out is not None and out.suffix.lower() != ".xlsx":
        problem = f"--out 应为 .xlsx 文件（试算对比是 Excel 工作簿），实际为“{printable(out.name)}”。"
    if problem is None:
        problem = (_output_problem(out, "--out 的路径", Path(args.data_dir)) if out is not None
                   else _output_problem(Path.cwd(), "当前文件夹（默认的输出位置）", Path(args.data_dir)))
    if problem:
        return _error(problem)
    try:
        period = canonical_period(args.period) if args.period else None
        result = compare(args.data_dir, args.policy, period, cache=open_cache(not args.no_cache))
        replaced = out is not None and out.exists()
        target = out or default_out(args.policy, period)
        write_workbook(result, target, args.data_dir, args.policy)
    except UsageError as exc:
        return _error(str(exc))
    from ..outputs.whatif import shown_change, terminal_table

    _print(f"试算：现行政策（版本 {result.current}）与草案 {Path(args.policy).name}（版本 {result.draft}），"
           f"共 {len(result.frame)} 行（每个业务所在每个未关闭的期间一行），按得分变化从大到小排列：")
    if result.closed:
        _print(f"（已关闭的期间 {'、'.join(result.closed)} 结果已冻结，不参与试算。）")
    _print(terminal_table(result.frame))
    changed = int((shown_change(result.frame).abs() > 0).sum())  # as the table shows them, at one decimal
    _print(f"得分有变化的：{changed} 个（得分变化为两个得分按一位小数显示后之差；工作簿中的得分与得分变化未取整）。"
           "奖金金额只写入工作簿（薪酬信息，不在屏幕显示）。")
    _print(f"{'已覆盖原有文件' if replaced else '已写出'}：{Path(target).absolute()}")
    return EXIT_OK


def remind(args: argparse.Namespace) -> int:
    """Print and write a reminder per office that still owes forms for a quarter."""
    from datetime import date

    from ..closing import canonical_period
    from ..engine.model import office_label
    from ..periods import is_year
    from ..remind import default_out, reminders, write_reminders
    from ..run import UsageError, open_cache

    problem = _data_problem(Path(args.data_dir))
    if problem:
        return _error(problem)
    try:
        period = canonical_period(args.period)
        if is_year(period):
            raise UsageError(f"--period 应为季度（如 2026Q4），实际为“{printable(args.period)}”。")
        out = Path(args.out) if args.out else default_out(period)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out 的路径“{out.absolute()}”已存在且不是文件夹。")
        problem = _output_problem(out, "--out 的目录" if args.out else "提醒的文件夹", Path(args.data_dir))
        if problem:
            raise UsageError(problem)
        found = reminders(args.data_dir, period, cache=open_cache(not args.no_cache))
        today = date.today()
        written = write_reminders(found, out, today)
    except UsageError as exc:
        return _error(str(exc))
    from ..outputs.reminder import reminder_text

    owing = [r for r in found if r.needed]
    if not owing:
        _print(f"{period}：{len(found)} 个业务所的表格均已交齐且没有错误，无需提醒。")
        return EXIT_OK
    for reminder in owing:
        _print(f"———— {office_label(reminder.office_id, reminder.office_name)} ————")
        _print(reminder_text(reminder, today).rstrip("\n"))
        _print("")
    _print(f"{period}：{len(found)} 个业务所中 {len(owing)} 个需要提醒，已写出 {len(written)} 份提醒：{out.absolute()}")
    return EXIT_OK




def reports(args: argparse.Namespace) -> int:
    """Write one 考核确认单 PDF per office-period; never replace a different file already there."""
    from ..closing import canonical_period
    from ..engine.submissions import office_period_errors
    from ..periods import period_sort_key
    from ..reports import BESIDE, UNCHANGED, make_reports
    from ..run import UsageError, open_cache

    problem = _data_problem(Path(args.data_dir))
    out = Path(args.out)
    if problem is None and out.exists() and not out.is_dir():
        problem = f"--out 的路径“{out.absolute()}”是一个文件，请给出文件夹。"
    if problem is None:
        problem = _output_problem(out, "--out 的目录", Path(args.data_dir))
    if problem is None and _workers(args) is None:
        problem = "--workers 不能为负数。"
    if problem:
        return _error(problem)
    try:
        period = canonical_period(args.period) if args.period else None
        outcome = make_reports(args.data_dir, out, period, policy=args.policy, workers=args.workers,
                               cache=open_cache(not args.no_cache))
    except UsageError as exc:
        return _error(str(exc))
    files = outcome.files
    unchanged = [w for w in files if w.action == UNCHANGED]
    beside = [w for w in files if w.action == BESIDE]
    _print(f"考核确认单（{period or '全部期间'}）：共 {len(files)} 份，新写出 {len(files) - len(unchanged)} 份，"
           f"内容未变、未重写 {len(unchanged)} 份；输出目录 {out.absolute()}。")
    for w in beside:
        _print(f"  已有内容不同的“{w.kept.name}”（可能已签字），原文件保留，新的确认单写为“{w.path.name}”。")
    _print("确认单含奖金金额（薪酬信息），仅供所长本人与人力资源部使用，请勿外传。")
    errors = outcome.results.error_count()
    if errors:  # the exit code says so too; the words say what it means for the sheets
        _print(f"数据中有 {errors} 个错误：有误的业务所和期间，确认单上的状态为“数据有误”、没有得分，请更正后再签字；"
               f"运行 kaohe validate --data {Path(args.data_dir).absolute()} 查看每个问题所在的单元格。")
        # name them: by period, then office (office_period_errors: what makes a sheet 数据有误)
        pairs = office_period_errors(outcome.results.dataset) | {
            (f.office_id, f.period) for f in outcome.results.findings if f.blocking and f.office_id and f.period}
        places = sorted(pairs, key=lambda p: (period_sort_key(p[1]), p[0]))
        label, shown = outcome.results.dataset.reference.office_label, 10
        if places:
            _print(f"有错误的业务所和期间（{len(places)} 个）：")
            for office_id, when in places[:shown]:
                _print(f"  {when}：{label(office_id)}")
            if len(places) > shown:
                _print(f"  ……另有 {len(places) - shown} 个")
    return EXIT_DATA_ERRORS if errors else EXIT_OK


__all__ = ["bench", "build", "close", "demo", "intake", "remind", "reopen", "reports", "run", "templates", "validate",
           "whatif"]
