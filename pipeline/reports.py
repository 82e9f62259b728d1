"""`reports`: check and score DATA_DIR, then write one 考核确认单 PDF per office-period into a folder.

The sheets are rendered from the Results (outputs.reports) in forked processes and each is written
atomically. A file already there is never replaced by different bytes: the same sheet again is left
as it is, and a different one (perhaps already signed) stays, the new sheet written beside it under
a numbered name — and the outcome says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_bytes
from .engine.assess import assess
from .engine.model import Results
from .engine.policy import Policy
from .engine.policy_history import PolicyHistory
from .intake.oserrors import os_reason
from .outputs import reports as sheets
from .run import UsageError, check, load_policies, require_offices
from .runtime import pool

WRITTEN, UNCHANGED, BESIDE = "written", "unchanged", "beside"
MAX_NUMBERED = 99


@dataclass
class Written:
    path: Path
    action: str  # WRITTEN | UNCHANGED | BESIDE (a different file of that name kept; this one numbered)
    kept: Path | None = None  # BESIDE: the existing file left in place


@dataclass
class ReportsOutcome:
    results: Results
    period: str | None
    files: list[Written] = field(default_factory=list)


def make_reports(data_dir: str | Path, out_dir: str | Path, period: str | None = None, *,
                 policy: Policy | PolicyHistory | str | Path | None = None, workers: int = 0,
                 cache=None) -> ReportsOutcome:
    """Check, score and write the sheets of every office-period (of `period` only, when given).

    UsageError (Chinese) for a missing data folder, an unusable policy, a period the data do not
    have, or an output folder that cannot be written; Refused when the reference names no office.
    """
    history = load_policies(policy)
    data = Path(data_dir)
    if not data.is_dir():
        raise UsageError(f"数据目录“{data}”不存在或不是文件夹。")
    with pool.collector_paused():
        dataset, _ = check(data, workers=workers, cache=cache, rules=history.current.plausibility)
        require_offices(dataset, "无法生成考核确认单", "没有写出任何确认单")
        results = assess(dataset, history)
    if period is not None and period not in results.periods:
        raise UsageError(f"数据目录中没有期间 {period}；有：{'、'.join(results.periods) or '（无）'}。")
    return write_reports(results, Path(out_dir), period, workers)


def write_reports(results: Results, out: Path, period: str | None = None, workers: int = 0) -> ReportsOutcome:
    """Render and write the sheets of `results` into `out` (UsageError when it cannot be written)."""
    outcome = ReportsOutcome(results, period)
    items = sheets.reports(results, period)
    names = sheets.file_names((r.card.office_id, r.card.office_name, r.card.period) for r in items)
    jobs = list(range(len(items)))
    count = min(workers if workers > 0 else pool.cpus(), len(jobs)) if jobs else 1
    made = dict(pool.map_forked(_render, items, jobs, count))
    try:
        out.mkdir(parents=True, exist_ok=True)
        for index, report in enumerate(items):
            name = names[(report.card.office_id, report.card.period)]
            outcome.files.append(place(out, name, made[index]))
    except OSError as exc:
        raise UsageError(f"无法写入输出目录“{out}”：{os_reason(exc, '写入')}") from None
    return outcome


def _render(items: list, index: int) -> tuple[int, bytes]:
    return index, sheets.render_pdf(items[index])


def place(out: Path, name: str, data: bytes) -> Written:
    """Write `data` as `out/name` unless a file is there: the same bytes are left alone, different
    ones kept and the new file numbered (`…-2.pdf`, the first free or identical name)."""
    first = out / name
    for n in range(1, MAX_NUMBERED + 1):
        path = out / sheets.numbered(name, n)
        if path.is_symlink() or (path.exists() and not path.is_file()):
            continue  # never write through a link or over a folder
        if not path.exists():
            write_bytes(path, data)
            return Written(path, WRITTEN if n == 1 else BESIDE, None if n == 1 else first)
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return Written(path, UNCHANGED)
    raise UsageError(f"输出目录中已有 {MAX_NUMBERED} 个不同版本的“{name}”，请先整理输出目录。")


__all__ = ["BESIDE", "UNCHANGED", "WRITTEN", "ReportsOutcome", "Written", "make_reports", "place", "write_reports"]
