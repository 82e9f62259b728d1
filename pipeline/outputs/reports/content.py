"""Results -> what one office-period's 考核确认单 says: plain records, no markup. Pure.

The sheet is for the head and HR to sign: the card, each KPI with its distance to the next grade,
the bonus (salary data: this document never goes to the site), honours, the adjustments and
appeals, and the files the figures came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ...engine.adjust import shown
from ...engine.carry import carried_into
from ...engine.model import STATUS_LABELS, Adjustment, Results, Scorecard
from ...engine.next_grade import NOT_COUNTED, REACH, TOP, UNREACHABLE, Distance, distances
from ...intake.layout import REFERENCE_FILE
from ...periods import is_year, quarters_of

NA = "—"


@dataclass(frozen=True)
class KpiRow:
    name: str
    unit: str  # "percent" | "score"
    value: float | None
    score: float | None
    weight: float
    effective_weight: float
    contribution: float | None
    reason: str  # why N/A
    to_next: str  # Chinese: the distance to the next grade


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the data folder
    sha256: str = ""


@dataclass(frozen=True)
class AdjustmentRow:
    """One item of the card changed after review (reviews.xlsx › 调整), as HR's outputs show it."""

    item: str  # 项目
    original: str  # 原值, shown as the outputs show it (95.3%, 80.5, 不适用, a grade)
    adjusted: str  # 调整后
    reason: str
    approved_by: str  # 批准人: a name, fine on this sheet (the head and HR only)
    approved_on: str  # ISO date


@dataclass(frozen=True)
class AppealRow:
    """One appeal of the office-period (reviews.xlsx › 申诉)."""

    filed_on: str  # ISO date
    matter: str  # 申诉事项
    outcome: str  # 受理中 | 维持 | 已调整
    settled_on: str  # ISO date, "" while open


@dataclass
class Report:
    """One office-period's confirmation sheet."""

    card: Scorecard
    of: int  # offices ranked in the period
    status_label: str
    policy_version: str
    closed: str  # Chinese: when and by whom the period was closed, or ""
    rows: list[KpiRow] = field(default_factory=list)
    bonus_base: float | None = None
    sources: list[SourceFile] = field(default_factory=list)
    adjustments: list[AdjustmentRow] = field(default_factory=list)  # reviews.xlsx › 调整 applied to this card
    appeals: list[AppealRow] = field(default_factory=list)  # reviews.xlsx › 申诉 of this office-period


def reports(results: Results, period: str | None = None) -> list[Report]:
    """A Report for every scorecard (of `period` only, when given), in the results' order."""
    counts: dict[str, int] = {}
    for c in results.scorecards:
        if c.rank is not None:
            counts[c.period] = counts.get(c.period, 0) + 1
    return [report(results, c, counts.get(c.period, 0)) for c in results.scorecards
            if period is None or c.period == period]


def report(results: Results, card: Scorecard, of: int) -> Report:
    policy = results.policy_for(card.period)
    record = results.closed.get(card.period)
    office = results.dataset.reference.offices.get(card.office_id)
    to_next = distances(card, policy)
    rows = []
    for key, kpi in policy.kpis.items():
        r = card.kpis.get(key)
        rows.append(KpiRow(
            name=kpi.name, unit=kpi.unit, value=r.value if r else None, score=r.score if r else None,
            weight=r.weight if r else kpi.weight[card.cycle], effective_weight=r.effective_weight if r else 0.0,
            contribution=r.contribution if r else None, reason=r.reason if r else "",
            to_next=distance_text(kpi.name, kpi.unit, to_next.get(key)),
        ))
    return Report(
        card=card, of=of, status_label=STATUS_LABELS.get(card.status, card.status),
        policy_version=record.policy_version if record else policy.version,
        closed=f"已于 {record.closed_date} 由 {record.closed_by} 关闭，结果已冻结" if record else "",
        rows=rows, bonus_base=office.bonus_base if office else None,
        sources=source_files(results, card),
        adjustments=adjustment_rows(card, results), appeals=appeal_rows(results, card),
    )


def adjustment_rows(card: Scorecard, results: Results | None = None) -> list[AdjustmentRow]:
    """The card's adjustments after review, in 调整's row order; a year's then those of its quarters'
    KPI values it pools (engine.carry), named with their quarter."""
    carried: list[tuple[str, Adjustment]] = []
    if results is not None and is_year(card.period):
        quarters = {(c.office_id, c.period): c for c in results.scorecards
                    if c.office_id == card.office_id and not is_year(c.period)}
        carried = carried_into(card, quarters)
    return [AdjustmentRow(item=f"{quarter} {a.item}（计入年度合并计算）" if quarter else a.item,
                          original=shown(a.original, a.what, a.kpi), adjusted=shown(a.adjusted, a.what, a.kpi),
                          reason=a.reason, approved_by=a.approved_by, approved_on=a.approved_on)
            for quarter, a in [*(("", a) for a in card.adjustments), *carried]]


def appeal_rows(results: Results, card: Scorecard) -> list[AppealRow]:
    """The appeals of the card's office and period (a year: those filed against the year), in 申诉's row order."""
    return [AppealRow(filed_on=a.filed_on, matter=a.matter, outcome=a.outcome, settled_on=a.settled_on)
            for a in results.appeals_for(card.office_id, card.period)]


def source_files(results: Results, card: Scorecard) -> list[SourceFile]:
    """The files the card's figures came from: the KPIs' sources, the office's workbooks of the
    period (a year: its quarters) and the reference workbook; a closed period: its record's inputs."""
    quarters = set(quarters_of(card.period)) if is_year(card.period) else {card.period}
    files: dict[str, str] = {}
    record = results.closed.get(card.period)
    if record is not None:
        for path, digest in record.inputs.items():
            if path == REFERENCE_FILE or _office_of(path) == card.office_id:
                files[path] = digest
    for (period, office_id, _), facts in results.dataset.submissions.items():
        if office_id == card.office_id and period in quarters:
            files.setdefault(facts.path, facts.sha256)
    for r in card.kpis.values():
        for src in r.sources:
            files.setdefault(src.file, src.sha256)
    ref = results.dataset.reference.facts
    if ref is not None and files:
        files.setdefault(ref.path, ref.sha256)
    return [SourceFile(path, digest) for path, digest in sorted(files.items())]


def _office_of(path: str) -> str:
    parts = path.split("/")  # submissions/<期间>/<所编号>/<form>.xlsx
    return parts[2] if len(parts) == 4 and parts[0] == "submissions" else ""


def distance_text(name: str, unit: str, distance: Distance | None) -> str:
    """The distance in words: `销售目标完成率再提高 3.2 个百分点即可达到良好`.

    The change is rounded up (away from zero) at the shown precision, so that following the
    sentence is always enough.
    """
    if distance is None:
        return NA
    if distance.kind == TOP:
        return "已是最高等级"
    if distance.kind == NOT_COUNTED:
        return "不计入本期得分"
    if distance.kind == UNREACHABLE:
        return "单项无法达到"
    assert distance.kind == REACH and distance.change is not None
    verb = "提高" if distance.change > 0 else "降低"
    if unit == "percent":
        amount, what = _up(abs(distance.change) * 100), "个百分点"
    else:
        amount, what = _up(abs(distance.change)), "分"
    return f"{name}再{verb} {amount} {what}即可达到{distance.next_grade}"


def _up(x: float, decimals: int = 1) -> str:
    scale = 10 ** decimals
    return f"{math.ceil(round(x * scale, 6)) / scale:.{decimals}f}"


__all__ = ["AdjustmentRow", "AppealRow", "KpiRow", "Report", "SourceFile", "adjustment_rows", "appeal_rows", "distance_text", "reports"]
