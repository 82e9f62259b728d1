"""A read workbook's tables -> the facts a run keeps of them (SPEC §5's raw counts and sums).

Each office form contributes its part of an office-quarter's KPI inputs — the sums and counts every
KPI is a ratio of, each with the cells it came from — plus what the cross-file check and the
privacy gate need. The engine turns these parts into KPIs; nothing downstream sees the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ..findings import Finding, finding
from ..forms import (
    ACCEPTED,
    CLIENTS,
    PASSING_RATINGS,
    PROJECTS,
    RECRUITMENT,
    REFERENCE,
    REVIEWS,
    TRAINING,
    Form,
    Sheet,
    get_form,
)
from ..periods import Period
from .facts import NO_CLIENT_IDS, NO_PROJECT_CLIENTS, PrivateColumn, Source, Table, WorkbookFacts, encode_texts
from .layout import content_identity, counted_quarter
from .plausible import near_period_findings

NOT_RATED = "未考核"  # 制度 四·团队绩效达标率:未参加考核的成员不计入分母
TRAINING_DONE = "已完成"
NEW_CLIENT = "新客户"
SEP = " › "  # between a sheet and a column in a column description

# The engine reads these workbooks' rows: HR's reference, accepted findings and reviews.
KEPT_TABLES = (REFERENCE.id, ACCEPTED.id, REVIEWS.id)

ROSTER = RECRUITMENT.sheet("roster")
TRAININGS = TRAINING.sheet("trainings")
CLIENT_SHEET = CLIENTS.sheet("clients")
PROJECT_SHEET = PROJECTS.sheet("projects")

Part = tuple[dict[str, Any], list[tuple[str, Source]]]


def summarise(facts: WorkbookFacts) -> WorkbookFacts:
    """The facts with their aggregates; an office form's tables are dropped here (the reference keeps its)."""
    form = _form(facts)
    if form is None:
        return facts
    quarter = counted_quarter(facts.path, facts.period)
    figures, sources = PARTS[form.id](facts, Period.parse(quarter) if quarter else None) if form.id in PARTS \
        else ({}, [])
    clients = facts.tables.get(CLIENT_SHEET.key) if form.id == CLIENTS.id else None
    projects = facts.tables.get(PROJECT_SHEET.key) if form.id == PROJECTS.id else None
    return replace(
        facts,
        findings=(*facts.findings, *roster_findings(facts), *near_period_findings(facts)),
        quarter=quarter,
        figures=figures,
        sources=tuple(sources),
        client_ids=frozenset(str(v).strip() for v in clients.column("client_id") if v) if clients else NO_CLIENT_IDS,
        project_clients=_project_clients(projects) if projects else NO_PROJECT_CLIENTS,
        texts=encode_texts(private_columns(facts, form)),
        tables=facts.tables if form.id in KEPT_TABLES else {},
    )


def _project_clients(projects: Table) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """(row numbers, 客户编号) of the projects that name a client."""
    named = [(n, str(v)) for n, v in zip(projects.numbers, projects.column("client_id")) if v is not None and str(v).strip()]
    return tuple(n for n, _ in named), tuple(c for _, c in named)


def _form(facts: WorkbookFacts) -> Form | None:
    try:
        return get_form(facts.form_id) if facts.form_id else None
    except KeyError:
        return None


# ---------------------------------------------------------------------------------------------
# Building blocks: columns in, numbers out


def as_date(value: Any) -> date | None:
    """A cell value as a date (the reader gives dates; datetimes are tolerated)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def total(values: Iterable[Any]) -> float:
    """Σ of a numeric column; blank cells count as nothing."""
    # fsum: 0.1 + 0.2 style noise would otherwise show in scorecards.csv's full-precision figures
    return math.fsum(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))


def headcount(roster: Table, start: date, end: date) -> tuple[int, int, frozenset[str]]:
    """(headcount_start, headcount_end, leavers' 工号) of a roster for the period start..end.

    制度 四·团队成员流失率, SPEC §5: at the start = joined before `start` and not gone before it;
    at the end = joined by `end` and still there after it; leavers = left within the period.
    """
    at_start = at_end = 0
    leavers: set[str] = set()
    for number, employee, joined, left in zip(roster.numbers, roster.column("employee_id"),
                                              roster.column("join_date"), roster.column("leave_date")):
        joined, left = as_date(joined), as_date(left)
        if left is not None and start <= left <= end:
            leavers.add(str(employee if employee is not None else f"#{number}"))
        if joined is None:
            continue
        if joined < start and (left is None or left >= start):
            at_start += 1
        if joined <= end and (left is None or left > end):
            at_end += 1
    return at_start, at_end, frozenset(leavers)


def in_period(joined: Any, left: Any, start: date, end: date) -> bool:
    """True when a roster member was on the team at some time in the period."""
    joined, left = as_date(joined), as_date(left)
    return not ((left is not None and left < start) or (joined is not None and joined > end))


def ratings(roster: Table, start: date, end: date) -> tuple[int, int]:
    """(passed, rated): members of the period rated 优秀/良好/合格, and rated anything but 未考核."""
    rated = passed = 0
    for rating, joined, left in zip(roster.column("rating"), roster.column("join_date"), roster.column("leave_date")):
        if rating is None or rating == NOT_RATED or not in_period(joined, left, start, end):
            continue
        rated += 1
        passed += rating in PASSING_RATINGS
    return passed, rated


def on_time(projects: Table) -> tuple[int, int]:
    """(on time, finished): projects with 实际完成日期 ≤ 计划完成日期 among those with 实际完成日期."""
    finished = punctual = 0
    for actual, planned in zip(projects.column("actual_end"), projects.column("planned_end")):
        actual, planned = as_date(actual), as_date(planned)
        if actual is None:
            continue
        finished += 1
        punctual += planned is not None and actual <= planned
    return punctual, finished


def budget_and_cost(projects: Table) -> tuple[float, float]:
    """(Σ预算, Σ实际成本) over projects that have both figures (a half-filled row would skew the gap)."""
    budget = cost = 0.0
    for b, c in zip(projects.column("budget"), projects.column("cost")):
        if isinstance(b, (int, float)) and isinstance(c, (int, float)):
            budget += b
            cost += c
    return budget, cost


def open_complaints(clients: Table) -> int:
    """Σ(投诉次数 − 已解决投诉次数), never below zero per client."""
    return int(sum(max((c or 0) - (r or 0), 0)
                   for c, r in zip(clients.column("complaints"), clients.column("resolved_complaints"))))


# ---------------------------------------------------------------------------------------------
# Provenance


def cells(sheet: Sheet, key: str, numbers: tuple[int, ...]) -> str:
    """The A1 range of one column over the data rows, e.g. "G2:G41" ("G2" for a sheet without rows)."""
    col = sheet.column_letter(key)
    if not numbers:
        return f"{col}2"
    lo, hi = min(numbers), max(numbers)
    return f"{col}{lo}" if lo == hi else f"{col}{lo}:{col}{hi}"


def span(sheet: Sheet, first: str, last: str, numbers: tuple[int, ...]) -> str:
    """An A1 range over two adjacent columns, e.g. "D2:E9"."""
    a, b = sheet.column_letter(first), sheet.column_letter(last)
    if not numbers:
        return f"{a}2:{b}2"
    return f"{a}{min(numbers)}:{b}{max(numbers)}"


def source(facts: WorkbookFacts, sheet: Sheet, where: str, what: str) -> Source:
    return Source(facts.path, sheet.name, where, facts.version or "", facts.sha256, what)


def column_source(facts: WorkbookFacts, sheet: Sheet, key: str, table: Table, what: str) -> Source:
    """A Source for one column of a sheet; a sheet without data rows says so."""
    return source(facts, sheet, cells(sheet, key, table.numbers), what if table.numbers else f"{what}（无数据行）")


# ---------------------------------------------------------------------------------------------
# Each office form's part of an office-quarter's KPI inputs (the fields of engine.kpi.Figures)


def _clients_part(facts: WorkbookFacts, period: Period | None) -> Part:
    clients = facts.tables.get(CLIENT_SHEET.key, Table())
    scores = [v for v in clients.column("satisfaction") if isinstance(v, (int, float))]
    figures = {"sales": total(clients.column("sales")), "surveyed": len(scores), "satisfaction_sum": total(scores),
               "new_clients": sum(1 for v in clients.column("client_type") if v == NEW_CLIENT),
               "open_complaints": open_complaints(clients)}
    sources = [("sales", column_source(facts, CLIENT_SHEET, "sales", clients, "本期销售额之和")),
               ("satisfaction", column_source(facts, CLIENT_SHEET, "satisfaction", clients, "满意度评分（已调查客户）"))]
    return figures, sources


def _roster_part(facts: WorkbookFacts, period: Period | None) -> Part:
    roster = facts.tables.get(ROSTER.key, Table())
    figures: dict[str, Any] = {"has_roster": True}
    if period is not None:
        start, end = period.start, period.end
        figures["headcount_start"], figures["headcount_end"], figures["leavers"] = headcount(roster, start, end)
        figures["passed"], figures["rated"] = ratings(roster, start, end)
    sources = [("attrition", source(facts, ROSTER, span(ROSTER, "join_date", "leave_date", roster.numbers),
                                    "团队名册：入职日期、离职日期")),
               ("pass_rate", column_source(facts, ROSTER, "rating", roster, "本期绩效结果"))]
    return figures, sources


def _training_part(facts: WorkbookFacts, period: Period | None) -> Part:
    trainings = facts.tables.get(TRAININGS.key, Table())
    figures = {"trainings": len(trainings),
               "trainings_done": sum(1 for v in trainings.column("status") if v == TRAINING_DONE)}
    return figures, [("training_rate", column_source(facts, TRAININGS, "status", trainings, "培训状态"))]


def _projects_part(facts: WorkbookFacts, period: Period | None) -> Part:
    projects = facts.tables.get(PROJECT_SHEET.key, Table())
    figures: dict[str, Any] = {}
    figures["projects_on_time"], figures["projects_finished"] = on_time(projects)
    figures["budget"], figures["cost"] = budget_and_cost(projects)
    return figures, []


PARTS: dict[str, Callable[[WorkbookFacts, Period | None], Part]] = {
    CLIENTS.id: _clients_part, RECRUITMENT.id: _roster_part, TRAINING.id: _training_part, PROJECTS.id: _projects_part,
}


# ---------------------------------------------------------------------------------------------
# The roster against its quarter, and the private values the privacy gate needs


def roster_findings(facts: WorkbookFacts) -> list[Finding]:
    """Roster rows outside the quarter the cover names: left before it began, or joined after it ended.

    SPEC §5: such a row (a roster copied from last quarter) counts in none of the figures; a warning.
    """
    identity = content_identity(facts)
    roster = facts.tables.get(ROSTER.key)
    if identity is None or facts.form_id != RECRUITMENT.id or roster is None:
        return []
    period = Period.parse(identity[0])
    out = []
    where = {"file": facts.path, "sheet": ROSTER.name, "office_id": identity[1], "period": identity[0]}
    for number, joined, left in zip(roster.numbers, roster.column("join_date"), roster.column("leave_date")):
        left, joined = as_date(left), as_date(joined)
        if left is not None and left < period.start:
            out.append(finding("roster-left-before-period", cell=f"{ROSTER.column_letter('leave_date')}{number}",
                               row=number, column="离职日期", value=left.isoformat(), seen=left.isoformat(), **where))
        if joined is not None and joined > period.end:
            out.append(finding("roster-joined-after-period", cell=f"{ROSTER.column_letter('join_date')}{number}",
                               row=number, column="入职日期", value=joined.isoformat(), seen=joined.isoformat(),
                               **where))
    return out


def private_columns(facts: WorkbookFacts, form: Form) -> tuple[PrivateColumn, ...]:
    """The distinct values of each PII and salary column of a workbook's tables (the privacy gate
    works out the forms a value may be shown in once per distinct value of the run, not per workbook)."""
    private: list[PrivateColumn] = []
    for sheet in form.sheets:
        table = facts.tables.get(sheet.key)
        if not table:
            continue
        for f in sheet.fields:
            column = table.column(f.key)
            if f.private:
                values = {_plain(v) for v in set(column) if v is not None and not isinstance(v, bool)}
                if values:
                    private.append(PrivateColumn(f"{sheet.name}{SEP}{f.label}", f.salary, _sorted(values)))
    return tuple(private)


def _plain(value: Any) -> Any:
    """A value the facts can keep: numbers and text as they are, anything else as text."""
    return value if value.__class__ in (str, int, float) else str(value)


def _sorted(values: set[Any]) -> tuple[Any, ...]:
    """A column's values in a stable order (one field's values are all text or all numbers)."""
    try:
        return tuple(sorted(values))
    except TypeError:  # a mix no field type yields: still an order, not a crash
        return tuple(sorted(values, key=lambda v: (type(v).__name__, str(v))))


__all__ = ["NEW_CLIENT", "NOT_RATED", "PARTS", "SEP", "TRAINING_DONE", "as_date", "budget_and_cost", "cells",
           "headcount", "in_period", "on_time", "open_complaints", "private_columns", "ratings", "roster_findings",
           "summarise", "total"]
