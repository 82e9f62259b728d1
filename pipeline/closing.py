"""`close` and `reopen`: freeze a period's results into DATA_DIR/closed/PERIOD.json, or unfreeze them.

    close PERIOD   check and score DATA_DIR as `run` does; refuse when the period has errors (an
                   adjustment after review not applied among them) or appeals still 受理中 (a year
                   also unless its four quarters are closed); write the record (engine.closed.freeze)
    reopen PERIOD  keep the record's history, drop its frozen results: the period is scored again

These are the only commands that write closed/; every other one reads it (run.read_closed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .atomic import write_text
from .engine.assess import assess
from .engine.closed import CLOSED_FOLDER, ClosedRecord, freeze, period_inputs, reopened
from .engine.model import STATUS_LABELS
from .engine.policy import Policy
from .engine.policy_history import PolicyHistory
from .findings import Finding, Refused
from .forms.values import printable
from .intake.layout import REFERENCE_FILE
from .intake.oserrors import os_reason
from .periods import is_year, quarters_of, valid_period
from .run import UsageError, check, data_folder, load_policies, read_closed, require_offices

MAX_NAME = 50
MAX_REASON = 500
SHOWN_ERRORS = 10


class CloseRefused(Refused):
    """The data do not allow it (errors in the period): the commands exit 1; the message is Chinese."""

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message, findings or [])


@dataclass
class Closed:
    period: str
    path: Path
    record: dict
    scored: int  # scorecards with a score among those frozen
    unscored: list[tuple[str, str]]  # (office label, status label) of each card frozen without a score


def now_text() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def canonical_period(text: str) -> str:
    """A quarter (however written) or a year; UsageError otherwise."""
    if isinstance(text, str) and len(text) == 4 and text.isdigit():
        return text
    quarter = valid_period(text)
    if quarter is None:
        raise UsageError(f"期间应为 2026Q1 这样的季度或 2026 这样的年份，实际为“{printable(str(text))}”。")
    return quarter


def person(text: str, what: str = "--by") -> str:
    name = (text or "").strip()
    if not name or len(name) > MAX_NAME or printable(name) != name:
        raise UsageError(f"{what} 应为不超过 {MAX_NAME} 个字的姓名（不含控制字符）。")
    return name


def _record_path(data: Path, period: str) -> Path:
    return data / CLOSED_FOLDER / f"{period}.json"


def _write(path: Path, record: dict) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        write_text(path, json.dumps(record, ensure_ascii=False, indent=1, allow_nan=False) + "\n")
    except OSError as exc:
        raise UsageError(f"无法写入关闭记录 {CLOSED_FOLDER}/{path.name}：{os_reason(exc, '写入')}") from None


def close_period(data_dir: str | Path, period: str, by: str, *,
                 policy: Policy | PolicyHistory | str | Path | None = None, at: str | None = None,
                 workers: int = 0, cache=None) -> Closed:
    """Close `period`: UsageError for a bad request, CloseRefused when its data have errors (Refused
    when the reference names no office)."""
    period, by, data = canonical_period(period), person(by), data_folder(data_dir)
    history = load_policies(policy)
    dataset, _ = check(data, workers=workers, cache=cache, rules=history.current.plausibility)
    records: dict[str, ClosedRecord] = dataset.closed
    existing = records.get(period)
    if existing is not None and existing.closed:
        raise UsageError(f"{period} 已于 {existing.closed_date} 由 {existing.closed_by} 关闭；"
                         f"如需更正，请先重新打开：kaohe reopen {period} --data {data.absolute()} --by 姓名 --reason 原因。")
    if is_year(period):
        open_quarters = [q for q in quarters_of(period) if not (q in records and records[q].closed)]
        if open_quarters:
            raise UsageError(f"关闭 {period} 年度前须先关闭它的四个季度；尚未关闭：{'、'.join(open_quarters)}。")
    # before "no data for the period": without HR's list of offices no period has a card
    require_offices(dataset, f"无法关闭 {period}", "没有写入关闭记录")
    results = assess(dataset, history)
    cards = results.for_period(period)
    if not cards:
        raise UsageError(f"数据目录中没有 {period} 的考核数据（没有提交，也没有季度目标）。")
    quarters = quarters_of(period) if is_year(period) else [period]
    # an error HR accepted in accepted.xlsx no longer blocks (Finding.blocking)
    errors = [f for f in dataset.findings if f.blocking and (f.period in quarters or f.file == REFERENCE_FILE)]
    # an adjustment after review that could not be applied (reviews.xlsx) must be settled first
    errors += [f for f in results.findings if f.blocking and f.period == period]
    if errors:
        raise CloseRefused(f"{period} 还有 {len(errors)} 个错误，不能关闭；请先更正：", errors[:SHOWN_ERRORS])
    pending = results.open_appeals(period)
    if pending:
        names = "、".join(f"{dataset.reference.office_label(a.office_id)}的申诉（{a.filed_on} 提出，"
                         f"reviews.xlsx › 申诉 第 {a.row} 行）" for a in pending)
        raise CloseRefused(f"{period} 还有 {len(pending)} 项申诉在受理中，不能关闭：{names}；"
                           f"请处理完毕（处理结果改为“维持”或“已调整”）后再关闭。")
    reference = next((w.sha256 for w in dataset.workbooks if w.path == REFERENCE_FILE), "")
    previous = existing.history if existing is not None else ()
    record = freeze(results, period, inputs=period_inputs(dataset.workbooks, period), reference_sha256=reference,
                    by=by, at=at or now_text(), code_version=__version__, history=previous)
    path = _record_path(data, period)
    _write(path, record)
    unscored = [(c.office_label, STATUS_LABELS.get(c.status, c.status))
                for c in sorted(cards, key=lambda c: c.office_id) if c.score is None]
    return Closed(period, path, record, sum(1 for c in cards if c.score is not None), unscored)


def reopen_period(data_dir: str | Path, period: str, by: str, reason: str, *, at: str | None = None) -> Path:
    """Reopen a closed period, keeping who closed it, who reopened it and why in the same file."""
    period, by, data = canonical_period(period), person(by), data_folder(data_dir)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON or printable(reason, keep="\n") != reason:
        raise UsageError(f"--reason 应写明重新打开的原因（不超过 {MAX_REASON} 个字）。")
    records, _ = read_closed(data)
    record = records.get(period)
    if record is None or not record.closed:
        raise UsageError(f"{period} 没有关闭（或其关闭记录无法使用），无需重新打开。")
    year = period[:4]
    if not is_year(period) and year in records and records[year].closed:
        raise UsageError(f"{year} 年度已关闭；请先重新打开 {year} 年度，再重新打开 {period}。")
    path = _record_path(data, period)
    _write(path, reopened(record.plain, by=by, at=at or now_text(), reason=reason))
    return path


__all__ = ["CloseRefused", "Closed", "canonical_period", "close_period", "now_text", "person", "reopen_period"]
