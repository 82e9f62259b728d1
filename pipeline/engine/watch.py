"""HR's watch list (关注名单): heads graded lowest in consecutive quarters, offices that keep not
submitting. Pure: scorecards and the submission board in, entries out. HR's workbooks only —
never the site.

Without deadline data, “not submitting on time” is read as “not every form submitted” for the
quarter (any form still missing when the run is made).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..forms import get_form
from ..periods import Period, is_year, quarters_of
from .model import QUARTERLY, SCORED, Scorecard
from .scoring import person
from .submissions import NOT_SUBMITTED, Matrix

MIN_RUN = 2  # quarters running
LOW_GRADE, NOT_SUBMITTING = "low-grade", "not-submitting"
KIND_LABELS = {LOW_GRADE: "连续季度考核为最低等级", NOT_SUBMITTING: "连续季度未按时提交"}


@dataclass(frozen=True)
class Watch:
    """One entry: who or which office, over which consecutive quarters, and what happened in each."""

    kind: str  # LOW_GRADE | NOT_SUBMITTING
    office_id: str  # the office of the run's last quarter
    office_name: str
    head: str
    head_id: str  # personal data: HR's workbook only
    quarters: tuple[str, ...]
    detail: str  # Chinese


def _next(quarter: str) -> str:
    p = Period.parse(quarter)
    return f"{p.year + 1}Q1" if p.quarter == 4 else f"{p.year}Q{p.quarter + 1}"


def _runs(quarters: Iterable[str]) -> list[list[str]]:
    """Calendar-consecutive runs of quarters (2025Q4 then 2026Q1 is a run)."""
    runs: list[list[str]] = []
    for q in sorted(set(quarters)):
        if runs and _next(runs[-1][-1]) == q:
            runs[-1].append(q)
        else:
            runs.append([q])
    return runs


def watch_list(cards: Sequence[Scorecard], matrix: Matrix, lowest_grade: str, period: str) -> list[Watch]:
    """The entries HR should look at in `period`'s workbook: runs of at least two quarters that
    end with the quarter (a quarter's workbook) or reach into the year (a year's workbook)."""
    wanted = set(quarters_of(period)) if is_year(period) else {period}
    last = max(wanted)
    quarterly = [c for c in cards if c.cycle == QUARTERLY and c.period <= last]
    out: list[Watch] = []
    by_person: dict[str, dict[str, Scorecard]] = {}
    for c in quarterly:
        if c.status == SCORED and c.grade == lowest_grade and (who := person(c)) is not None:
            by_person.setdefault(who, {})[c.period] = c
    for held in by_person.values():
        for run in _runs(held):
            if len(run) >= MIN_RUN and _shown(run, wanted, is_year(period)):
                end = held[run[-1]]
                detail = "；".join(f"{q} {held[q].office_name}（{held[q].office_id}）{held[q].score:.1f} 分"
                                  for q in run)
                out.append(Watch(LOW_GRADE, end.office_id, end.office_name, end.head, end.head_id, tuple(run), detail))
    by_office: dict[str, dict[str, Scorecard]] = {}
    for c in quarterly:
        states = matrix.get(c.period, {}).get(c.office_id)
        if states and any(s == NOT_SUBMITTED for s in states.values()):
            by_office.setdefault(c.office_id, {})[c.period] = c
    for office_id, late in by_office.items():
        for run in _runs(late):
            if len(run) >= MIN_RUN and _shown(run, wanted, is_year(period)):
                end = late[run[-1]]
                detail = "；".join(f"{q} 未提交：{_absent(matrix[q][office_id])}" for q in run)
                out.append(Watch(NOT_SUBMITTING, office_id, end.office_name, end.head, end.head_id, tuple(run),
                                 detail))
    return sorted(out, key=lambda w: (w.kind, w.office_id, w.quarters))


def _shown(run: list[str], wanted: set[str], year: bool) -> bool:
    return bool(wanted & set(run)) if year else run[-1] in wanted


def _absent(states: dict[str, str]) -> str:
    missing = [get_form(form).title for form, state in states.items() if state == NOT_SUBMITTED]
    return "全部表格" if len(missing) == len(states) else "、".join(missing)


__all__ = ["KIND_LABELS", "LOW_GRADE", "MIN_RUN", "NOT_SUBMITTING", "Watch", "watch_list"]
