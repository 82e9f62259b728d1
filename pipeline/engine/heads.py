"""Heads of office: reference.xlsx › 所长任职 -> each office's tenures, and the head of a period.

Pure. The head of an office-period is the one in office on the period's last day; a change inside
the period is noted. An office without any 所长任职 row keeps the 业务所 sheet's 所长 for every
period (reference files made before the sheet existed work as they did). Rows the rules reject
(unknown office, an overlap) are not taken, with a finding that says so; a gap between two heads
is a warning: an office may really have been without a head for a while.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from ..findings import Finding, finding
from ..forms import REFERENCE
from ..intake.facts import Row
from ..periods import Period, is_year
from .model import Head, Office, Tenure

HEADS = REFERENCE.sheet("heads")
_DAY = timedelta(days=1)


def build_tenures(rows: Iterable[Row], offices: dict[str, Office], path: str
                  ) -> tuple[dict[str, list[Tenure]], list[Finding]]:
    """Accepted tenures by office (sorted by start) and the findings of the sheet's rules.

    Rows the reader already faulted (a blank or unreadable cell, 结束日期 before 起始日期: the
    spec's rule) are skipped; they carry their finding.
    """
    found: list[Finding] = []
    by_office: dict[str, list[Tenure]] = {}
    for row in rows:
        tenure = _tenure(row)
        if tenure is None:
            continue
        if tenure.office_id not in offices:
            found.append(finding("head-unknown-office", file=path, sheet=HEADS.name, row=row.number,
                                 cell=f"{HEADS.column_letter('office_id')}{row.number}", column="所编号",
                                 value=tenure.office_id, seen=tenure.office_id))
            continue
        by_office.setdefault(tenure.office_id, []).append(tenure)
    accepted: dict[str, list[Tenure]] = {}
    for office_id in sorted(by_office):
        kept: list[Tenure] = []
        for tenure in sorted(by_office[office_id], key=lambda t: (t.start, t.row)):
            previous = kept[-1] if kept else None
            if previous is not None and (previous.end is None or previous.end >= tenure.start):
                found.append(_finding("head-overlap", path, tenure, previous, offices[office_id].label,
                                      start=tenure.start.isoformat(), other=_span(previous)))
                continue
            if previous is not None and previous.end + _DAY < tenure.start:
                found.append(_finding("head-gap", path, tenure, previous, offices[office_id].label,
                                      gap_start=(previous.end + _DAY).isoformat(),
                                      gap_end=(tenure.start - _DAY).isoformat()))
            kept.append(tenure)
        accepted[office_id] = kept
    return accepted, found


def _tenure(row: Row) -> Tenure | None:
    office_id, head_id, name, start, end = (row.get(k) for k in ("office_id", "head_id", "head_name", "start", "end"))
    if not all(isinstance(v, str) and v for v in (office_id, head_id, name)) or not isinstance(start, date):
        return None
    if end is not None and (not isinstance(end, date) or end < start):
        return None
    return Tenure(office_id, head_id, name, start, end, row.number)


def _finding(code: str, path: str, tenure: Tenure, previous: Tenure, office: str, **params: str) -> Finding:
    return finding(code, file=path, sheet=HEADS.name, row=tenure.row, cell=f"{HEADS.column_letter('start')}{tenure.row}",
                   column="起始日期", value=tenure.start.isoformat(), office_id=tenure.office_id,
                   office=office, first_row=previous.row, **params)


def _span(tenure: Tenure) -> str:
    return f"{tenure.start.isoformat()} 至 {tenure.end.isoformat() if tenure.end else '今'}"


def head_of(office: Office, tenures: list[Tenure] | None, period: str) -> Head:
    """The head of `office` in `period` (a quarter or a year): in office on its last day.

    Without tenures, the 业务所 sheet's 所长; with tenures but nobody in office that day, no head.
    """
    if not tenures:
        return Head("", office.head)
    during = heads_during(tenures, period)
    current = next((t for t in during if t.covers(_bounds(period)[1])), None)
    note = ""
    if len(during) > 1:
        names = "、".join(f"{t.head_name}（{_span(t)}）" for t in during)
        note = f"本期内所长有变动：{names}；" + ("本期考核结果归属期末在任的所长" if current else "期末没有在任所长")
    elif current is None:
        note = "期末没有在任所长（见《所长任职》）"
    if current is None:
        return Head("", "", note)
    return Head(current.head_id, current.head_name, note)


def heads_during(tenures: list[Tenure] | None, period: str) -> list[Tenure]:
    """Every tenure that overlaps `period` (a deputy check accepts any head in office in it)."""
    first, last = _bounds(period)
    return [t for t in tenures or () if t.start <= last and (t.end is None or t.end >= first)]


def _bounds(period: str) -> tuple[date, date]:
    if is_year(period):
        year = int(period)
        return date(year, 1, 1), date(year, 12, 31)
    quarter = Period.parse(period)
    return quarter.start, quarter.end


__all__ = ["HEADS", "build_tenures", "head_of", "heads_during"]
