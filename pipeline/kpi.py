"""Rows -> KPI values with provenance (SPEC §5). Pure: no I/O, no scoring.

One office-quarter is first reduced to `Figures` — the raw counts and sums every KPI is a ratio
of, each with the cells it came from. A year pools the four quarters' Figures (SPEC §5, annual),
and `kpi_results` turns any Figures into KpiResults (value = numerator ÷ denominator, N/A with a
Chinese reason when the denominator is zero or missing — never 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from .forms import CLIENTS, PASSING_RATINGS, PROJECTS, RECRUITMENT, REFERENCE, TRAINING
from .model import KpiResult, Period, Row, Source, Target, Workbook, kpi_result

NOT_RATED = "未考核"  # 制度 四·团队绩效达标率:未参加考核的成员不计入分母
TRAINING_DONE = "已完成"
NEW_CLIENT = "新客户"

ROSTER = RECRUITMENT.sheet("roster")
TRAININGS = TRAINING.sheet("trainings")
CLIENT_SHEET = CLIENTS.sheet("clients")
PROJECT_SHEET = PROJECTS.sheet("projects")
TARGETS = REFERENCE.sheet("targets")


@dataclass
class Figures:
    """The raw quantities behind every KPI of one office-period, with their sources."""

    sales: float | None = None
    target: float | None = None
    prior: float | None = None  # None = no prior (growth N/A)
    prior_reason: str = ""
    market_size: float | None = None
    headcount_start: int | None = None
    headcount_end: int | None = None
    leavers: frozenset[str] = frozenset()
    passed: int = 0
    rated: int = 0
    trainings_done: int = 0
    trainings: int = 0
    satisfaction_sum: float = 0.0
    surveyed: int = 0
    new_clients: int = 0
    projects_finished: int = 0
    projects_on_time: int = 0
    budget: float = 0.0
    cost: float = 0.0
    open_complaints: int = 0
    has_roster: bool = False
    sources: dict[str, list[Source]] = field(default_factory=dict)  # what -> sources

    def add_source(self, what: str, *sources: Source | None) -> None:
        self.sources.setdefault(what, []).extend(s for s in sources if s is not None)


# ---------------------------------------------------------------------------------------------
# Building blocks (each takes rows, returns numbers)


def as_date(value: Any) -> date | None:
    """A cell value as a date (the reader gives dates; datetimes are tolerated)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def total(rows: Iterable[Row], key: str) -> float:
    """Σ of a numeric column; blank cells count as nothing."""
    # fsum: 0.1 + 0.2 style noise would otherwise show in scorecards.csv's full-precision figures
    return math.fsum(v for r in rows if isinstance(v := r.values.get(key), (int, float)))


def headcount(rows: Iterable[Row], start: date, end: date) -> tuple[int, int, frozenset[str]]:
    """(headcount_start, headcount_end, leavers' 工号) of a roster for the period start..end.

    制度 四·团队成员流失率, SPEC §5: at the start = joined before `start` and not gone before it;
    at the end = joined by `end` and still there after it; leavers = left within the period.
    """
    at_start = at_end = 0
    leavers: set[str] = set()
    for row in rows:
        joined, left = as_date(row["join_date"]), as_date(row["leave_date"])
        if left is not None and start <= left <= end:
            leavers.add(str(row["employee_id"] if row["employee_id"] is not None else f"#{row.number}"))
        if joined is None:
            continue
        if joined < start and (left is None or left >= start):
            at_start += 1
        if joined <= end and (left is None or left > end):
            at_end += 1
    return at_start, at_end, frozenset(leavers)


def in_period(row: Row, start: date, end: date) -> bool:
    """True when a roster member was on the team at some time in the period."""
    joined, left = as_date(row["join_date"]), as_date(row["leave_date"])
    return not ((left is not None and left < start) or (joined is not None and joined > end))


def ratings(rows: Iterable[Row], start: date, end: date) -> tuple[int, int]:
    """(passed, rated): members of the period rated 优秀/良好/合格, and rated anything but 未考核."""
    rated = passed = 0
    for row in rows:
        rating = row["rating"]
        if rating is None or rating == NOT_RATED or not in_period(row, start, end):
            continue
        rated += 1
        passed += rating in PASSING_RATINGS
    return passed, rated


def on_time(rows: Iterable[Row]) -> tuple[int, int]:
    """(on time, finished): projects with 实际完成日期 ≤ 计划完成日期 among those with 实际完成日期."""
    finished = punctual = 0
    for row in rows:
        actual, planned = as_date(row["actual_end"]), as_date(row["planned_end"])
        if actual is None:
            continue
        finished += 1
        punctual += planned is not None and actual <= planned
    return punctual, finished


def budget_and_cost(rows: Iterable[Row]) -> tuple[float, float]:
    """(Σ预算, Σ实际成本) over projects that have both figures (a half-filled row would skew the gap)."""
    budget = cost = 0.0
    for row in rows:
        b, c = row["budget"], row["cost"]
        if isinstance(b, (int, float)) and isinstance(c, (int, float)):
            budget += b
            cost += c
    return budget, cost


def open_complaints(rows: Iterable[Row]) -> int:
    """Σ(投诉次数 − 已解决投诉次数)."""
    return int(sum(d if (d := (v.get("complaints") or 0) - (v.get("resolved_complaints") or 0)) > 0 else 0
                   for v in (r.values for r in rows)))


# ---------------------------------------------------------------------------------------------
# Provenance


_NUMBER = attrgetter("number")


def cells(sheet_spec, key: str, rows: Sequence[Row]) -> str:
    """The A1 range of one column over the data rows, e.g. "G2:G41"."""
    col = sheet_spec.column_letter(key)
    if not rows:
        return f"{col}2"
    numbers = list(map(_NUMBER, rows))
    lo, hi = min(numbers), max(numbers)
    return f"{col}{lo}" if lo == hi else f"{col}{lo}:{col}{hi}"


def source(wb: Workbook | None, sheet_spec, key: str | None, rows: Sequence[Row], what: str,
           cell: str | None = None) -> Source | None:
    """A Source for a column range (or one cell) of a workbook."""
    if wb is None:
        return None
    where = cell if cell is not None else (cells(sheet_spec, key, rows) if key else "")
    if not rows and cell is None:
        what += "(无数据行)"
    return Source(wb.path, sheet_spec.name, where, wb.version or "", wb.sha256, what)


def target_source(ref: Workbook | None, target: Target, key: str, what: str) -> Source | None:
    """The Source of one figure of a 季度目标 row of reference.xlsx."""
    cell = f"{TARGETS.column_letter(key)}{target.row or ''}"
    if ref is None:  # a Dataset built without the reference workbook (tests, tools)
        return Source("reference.xlsx", TARGETS.name, cell, "", "", what)
    return Source(ref.path, TARGETS.name, cell, ref.version or "", ref.sha256, what)


# ---------------------------------------------------------------------------------------------
# One office-quarter


def quarter_sales(clients: Workbook | None) -> tuple[float | None, Source | None]:
    """Σ 本期销售额 of a clients workbook, or None without one."""
    if clients is None:
        return None, None
    values, sources = form_part(clients)
    return values["sales"], next((s for what, s in sources if what == "sales"), None)


# A form's part of an office-quarter's Figures: the Figures fields it sets and its sources as
# (what, Source) pairs. Computed from the rows once, where the workbook is read (summary.py), so
# the rows need not travel further; the roster's part depends on the quarter it is counted for.
Part = tuple[dict[str, Any], list[tuple[str, Source]]]


def _clients_part(wb: Workbook, period: Period | None) -> Part:
    rows = wb.tables.get(CLIENT_SHEET.key, [])
    surveyed = [r for r in rows if isinstance(r.values.get("satisfaction"), (int, float))]
    values = {"sales": total(rows, "sales"), "surveyed": len(surveyed),
              "satisfaction_sum": total(surveyed, "satisfaction"),
              "new_clients": sum(1 for r in rows if r.values.get("client_type") == NEW_CLIENT),
              "open_complaints": open_complaints(rows)}
    sources = [("sales", source(wb, CLIENT_SHEET, "sales", rows, "本期销售额之和")),
               ("satisfaction", source(wb, CLIENT_SHEET, "satisfaction", rows, "满意度评分(已调查客户)"))]
    return values, sources


def _roster_part(wb: Workbook, period: Period | None) -> Part:
    rows = wb.tables.get(ROSTER.key, [])
    values: dict[str, Any] = {"has_roster": True}
    if period is not None:
        start, end = period.start, period.end
        values["headcount_start"], values["headcount_end"], values["leavers"] = headcount(rows, start, end)
        values["passed"], values["rated"] = ratings(rows, start, end)
    sources = [("attrition", source(wb, ROSTER, None, rows, "团队名册:入职日期、离职日期",
                                    cell=_span(ROSTER, "join_date", "leave_date", rows))),
               ("pass_rate", source(wb, ROSTER, "rating", rows, "本期绩效结果"))]
    return values, sources


def _training_part(wb: Workbook, period: Period | None) -> Part:
    rows = wb.tables.get(TRAININGS.key, [])
    values = {"trainings": len(rows), "trainings_done": sum(1 for r in rows if r["status"] == TRAINING_DONE)}
    return values, [("training_rate", source(wb, TRAININGS, "status", rows, "培训状态"))]


def _projects_part(wb: Workbook, period: Period | None) -> Part:
    rows = wb.tables.get(PROJECT_SHEET.key, [])
    values: dict[str, Any] = {}
    values["projects_on_time"], values["projects_finished"] = on_time(rows)
    values["budget"], values["cost"] = budget_and_cost(rows)
    return values, []


PART_BUILDERS = {CLIENTS.id: _clients_part, RECRUITMENT.id: _roster_part, TRAINING.id: _training_part,
                 PROJECTS.id: _projects_part}
PERIOD_BOUND = frozenset({RECRUITMENT.id})  # forms whose part depends on the quarter


def rows_part(wb: Workbook, period: Period | None) -> Part:
    """A form's part computed from the workbook's rows (empty for forms without one)."""
    build = PART_BUILDERS.get(wb.form_id or "")
    return build(wb, period) if build else ({}, [])


def form_part(wb: Workbook, period: Period | None = None) -> Part:
    """A workbook's part of the Figures of `period`: from its summary when it was read with one."""
    summary = wb.summary
    if summary is not None and (wb.form_id not in PERIOD_BOUND or period is None or summary.period == str(period)
                                or not wb.tables):
        return summary.part
    return rows_part(wb, period)


def quarter_figures(period: Period, workbooks: dict[str, Workbook], target: Target | None,
                    reference: Workbook | None = None, prior_clients: Workbook | None = None) -> Figures:
    """The Figures of one office-quarter from its workbooks (form id -> Workbook) and target.

    `prior_clients` is the same office's clients workbook of the same quarter last year: the
    fallback for 上年同期销售额 when the reference leaves it blank.
    """
    f = Figures()
    for form_id in (CLIENTS.id, RECRUITMENT.id, TRAINING.id, PROJECTS.id):
        wb = workbooks.get(form_id)
        if wb is None:
            continue
        values, sources = form_part(wb, period)
        for name, value in values.items():
            setattr(f, name, value)
        for what, src in sources:
            f.add_source(what, src)
    if target is not None:
        _target(f, target, reference)
    if f.prior is None:
        prior, prior_src = quarter_sales(prior_clients)
        if prior is not None:
            f.prior = prior
            f.add_source("prior", replace(prior_src, what=f"上年同期({period.previous_year})本期销售额之和"))
        else:
            f.prior_reason = f"《季度目标》未填上年同期销售额,且没有 {period.previous_year} 的客户表"
    return f


def _target(f: Figures, target: Target, reference: Workbook | None) -> None:
    f.target = target.sales_target
    f.add_source("target", target_source(reference, target, "sales_target", "销售目标"))
    if target.market_size:
        f.market_size = target.market_size
        f.add_source("market_size", target_source(reference, target, "market_size", "市场规模"))
    if target.prior_sales is not None:
        f.prior = target.prior_sales
        f.add_source("prior", target_source(reference, target, "prior_sales", "上年同期销售额"))


def _span(sheet_spec, first: str, last: str, rows: Sequence[Row]) -> str:
    """An A1 range over two adjacent columns, e.g. "D2:E9"."""
    a, b = sheet_spec.column_letter(first), sheet_spec.column_letter(last)
    if not rows:
        return f"{a}2:{b}2"
    return f"{a}{min(r.number for r in rows)}:{b}{max(r.number for r in rows)}"


# ---------------------------------------------------------------------------------------------
# A year: pool the four quarters (SPEC §5, annual)


def pool(quarters: Sequence[Figures]) -> Figures:
    """The Figures of a year from its quarters, in order Q1..Q4.

    Sums pool; the prior and the market size are N/A when any quarter's is; leavers are distinct
    工号; the year starts with Q1's headcount and ends with Q4's.
    """
    y = Figures()
    if not quarters:
        return y
    y.sales = _sum(q.sales for q in quarters)
    y.target = _sum(q.target for q in quarters)
    y.prior = _sum(q.prior for q in quarters)
    if y.prior is None:
        y.prior_reason = "有季度缺少上年同期销售额"
    y.market_size = _sum(q.market_size for q in quarters)
    y.headcount_start, y.headcount_end = quarters[0].headcount_start, quarters[-1].headcount_end
    y.leavers = frozenset().union(*(q.leavers for q in quarters))
    y.has_roster = all(q.has_roster for q in quarters)
    for name in ("passed", "rated", "trainings_done", "trainings", "satisfaction_sum", "surveyed",
                 "new_clients", "projects_finished", "projects_on_time", "budget", "cost", "open_complaints"):
        values = [getattr(q, name) for q in quarters]
        setattr(y, name, math.fsum(values) if isinstance(values[0], float) else sum(values))
    for q in quarters:
        for what, srcs in q.sources.items():
            y.add_source(what, *srcs)
    return y


def _sum(values: Iterable[float | None]) -> float | None:
    """Σ, or None when any term is None."""
    values = list(values)
    return None if any(v is None for v in values) else math.fsum(values)


# ---------------------------------------------------------------------------------------------
# Figures -> KpiResults


def ratio(key: str, numerator: float | None, denominator: float | None, reason: str,
          sources: Sequence[Source] = (), scale: float = 1.0) -> KpiResult:
    """numerator ÷ denominator × scale; N/A (value None, `reason`) when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return kpi_result(key, None, numerator, denominator, reason, sources=tuple(sources))
    return kpi_result(key, numerator * scale / denominator, numerator, denominator, sources=tuple(sources))


def kpi_results(f: Figures) -> dict[str, KpiResult]:
    """The seven scored KPIs of SPEC §5 from Figures, keyed as in policy.KPI_KEYS."""
    src = f.sources
    sales_src = src.get("sales", [])
    out = {
        "attainment": ratio("attainment", f.sales, f.target, _missing(f.sales, "没有客户表(销售额)", "没有销售目标"),
                            [*sales_src, *src.get("target", [])]),
        "growth": ratio("growth", None if f.sales is None or f.prior is None else f.sales - f.prior, f.prior,
                        "没有客户表(销售额)" if f.sales is None else
                        (f.prior_reason or "上年同期销售额缺失") if f.prior is None else "上年同期销售额为 0",
                        [*sales_src, *src.get("prior", [])]),
        "market_share": ratio("market_share", f.sales, f.market_size,
                              _missing(f.sales, "没有客户表(销售额)", "《季度目标》未填市场规模"),
                              [*sales_src, *src.get("market_size", [])]),
    }
    average = None
    if f.has_roster and f.headcount_start is not None and f.headcount_end is not None:
        average = (f.headcount_start + f.headcount_end) / 2
    out["attrition"] = ratio("attrition", float(len(f.leavers)) if f.has_roster else None, average,
                             "期初与期末人数均为 0" if f.has_roster else "没有团队名册", src.get("attrition", []))
    out["pass_rate"] = ratio("pass_rate", float(f.passed), f.rated,
                             "本期没有成员参加绩效考核" if f.has_roster else "没有团队名册", src.get("pass_rate", []))
    out["training_rate"] = ratio("training_rate", float(f.trainings_done), f.trainings, "培训计划中没有任何培训",
                                 src.get("training_rate", []))
    out["satisfaction"] = ratio("satisfaction", f.satisfaction_sum, f.surveyed, "本期没有客户接受满意度调查",
                                src.get("satisfaction", []), scale=100 / 5)
    return out


def _missing(sales: float | None, no_sales: str, no_denominator: str) -> str:
    return no_sales if sales is None else no_denominator


def informational(f: Figures) -> dict[str, float | None]:
    """The unscored figures: 新客户数, 项目按期完成率, 项目预算偏差, 未解决投诉数."""
    return {
        "new_clients": float(f.new_clients),
        "on_time_rate": f.projects_on_time / f.projects_finished if f.projects_finished else None,
        "budget_variance": f.cost / f.budget - 1 if f.budget else None,
        "open_complaints": float(f.open_complaints),
    }
