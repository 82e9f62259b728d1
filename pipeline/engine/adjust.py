"""Adjustments after review applied to the scored cards (reviews.xlsx › 调整, SPEC §8). Pure.

Runs after scoring and before ranking: ranks, bonus coefficients and honours follow from the
adjusted values. Each row is checked first, and refused with a finding when
- another row already adjusts the same item of the same office-period (review-duplicate);
- its period is closed and the frozen results do not carry it (review-closed: reopen first);
- the office-period has no score (review-not-scored);
- its 原值 is not what was computed, as shown to one decimal (review-stale: the review was made
  against other data).
What follows from an adjustment, in this order: a KPI's value is scored from the policy's points
(unless its score is adjusted too); KPI scores make the block scores and the total (unless the
total is adjusted); the total makes the grade (unless the grade is adjusted); score and grade make
the bonus coefficient and amount. The KPI's provenance records the adjustment: its sources gain
the row of 调整 (`review_source`: what changed, why, and when HR approved it — never who). A
quarter's adjusted KPI value also reaches its year, whose KPIs pool the quarters (engine.carry).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from ..findings import Finding, finding
from ..forms.reviews import GRADE, SCORE, TOTAL, VALUE
from ..intake.facts import Source
from ..intake.layout import REVIEWS_FILE
from .model import NOT_APPLICABLE, QUARTERLY, SCORED, STATUS_LABELS, Adjustment, KpiResult, Scorecard
from .policy import Policy
from .reviews import ADJUSTMENTS, AdjustmentRow, is_rate
from .scoring import bonus_amount, bonus_coefficient, score_kpis

RATE_TOLERANCE = 0.0005  # a rate is shown as a percentage to one decimal (95.3%)
NUMBER_TOLERANCE = 0.05  # scores and satisfaction to one decimal (78.4)
NOISE = 1e-9


def shown(value: float | str | None, what: str, kpi: str) -> str:
    """A value as every output shows it: a rate as 95.3%, a number to one decimal, 不适用, a grade."""
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, str):
        return value
    return f"{value * 100:.1f}%" if is_rate(what, kpi) else f"{value:.1f}"


def review_source(a: Adjustment, base: Source | None = None, quarter: str = "") -> Source:
    """The provenance of an adjusted item: its row of 调整, and in words what changed, why and when
    HR approved it. Never who: the approver's name is for HR's workbooks (and the PDF) only.

    `base`: reviews.xlsx as read (its version and sha256); `quarter`: the quarter an adjustment
    carried into a year was made in.
    """
    base = base or Source(REVIEWS_FILE, ADJUSTMENTS.name, "")
    first, last = ADJUSTMENTS.column_letter(ADJUSTMENTS.fields[0].key), ADJUSTMENTS.column_letter(ADJUSTMENTS.fields[-1].key)
    lead = f"{quarter} 经复核调整，计入年度合并计算" if quarter else "经复核调整"
    approved = f"人力资源部复核批准，{a.approved_on}" if a.approved_on else "人力资源部复核批准"
    what = (f"{lead}：{a.item}原为 {shown(a.original, a.what, a.kpi)}，调整为 {shown(a.adjusted, a.what, a.kpi)}"
            f"（原因：{a.reason}；{approved}）")
    return base._replace(sheet=ADJUSTMENTS.name, cells=f"{first}{a.row}:{last}{a.row}" if a.row else "", what=what)


def is_review_source(source: Source) -> bool:
    """Whether a KPI's source is a row of reviews.xlsx › 调整 (review_source)."""
    return source.file == REVIEWS_FILE and source.sheet == ADJUSTMENTS.name


def computed(card: Scorecard, what: str, kpi: str) -> float | str | None:
    """The card's value of an item before review."""
    if what == TOTAL:
        return card.score
    if what == GRADE:
        return card.grade
    result = card.kpis.get(kpi)
    if result is None:
        return None
    return result.value if what == VALUE else result.score


def matches(original: float | str | None, value: float | str | None, what: str, kpi: str) -> bool:
    """Whether HR's 原值 is the computed value as shown (rounded to what the outputs display)."""
    if original is None or value is None or isinstance(value, str) or isinstance(original, str):
        return original == value
    tolerance = RATE_TOLERANCE if is_rate(what, kpi) else NUMBER_TOLERANCE
    return abs(original - value) <= tolerance + NOISE


def adjusted(card: Scorecard, adjustments: Iterable[Adjustment], policy: Policy,
             bonus_base: float | None = None, source: Source | None = None) -> Scorecard:
    """The card with its adjustments applied and everything that follows from them recomputed;
    each adjusted KPI's sources gain the adjustment's row (`source`: reviews.xlsx as read)."""
    adjustments = tuple(adjustments)
    if not adjustments:
        return card
    values = {a.kpi: a.adjusted for a in adjustments if a.what == VALUE}
    scores = {a.kpi: a.adjusted for a in adjustments if a.what == SCORE}
    total = next((a.adjusted for a in adjustments if a.what == TOTAL), None)
    grade = next((a.adjusted for a in adjustments if a.what == GRADE), None)
    kpis, blocks, score = card.kpis, card.block_scores, card.score
    if values or scores:
        with_values = {key: _with_value(r, values[key]) if key in values else r for key, r in card.kpis.items()}
        for key in values.keys() - card.kpis.keys():
            with_values[key] = KpiResult(key, values[key])
        rescored = score_kpis(with_values, policy, card.cycle, fixed=scores)
        kpis, blocks, score = rescored.kpis, rescored.block_scores, rescored.score
        for a in adjustments:
            if a.kpi in kpis:
                kpis[a.kpi] = dataclasses.replace(kpis[a.kpi], sources=(*kpis[a.kpi].sources, review_source(a, source)))
    if total is not None:
        score = total
    out = dataclasses.replace(card, kpis=kpis, block_scores=blocks, score=score,
                              grade=grade if grade is not None else policy.grade_for(score),
                              adjustments=(*card.adjustments, *adjustments))
    if out.cycle == QUARTERLY:
        out.bonus_coefficient = bonus_coefficient(out.score, out.grade, policy)
        out.bonus_amount = bonus_amount(out.bonus_coefficient, bonus_base)
    return out


def _with_value(result: KpiResult, value: float) -> KpiResult:
    return dataclasses.replace(result, value=value, reason="")


def apply_adjustments(cards: list[Scorecard], rows: Iterable[AdjustmentRow], *, path: str,
                      opened: set[str], frozen: dict[str, object], policy_for: Callable[[str], Policy],
                      bonus_base: Callable[[str], float | None], version: str = "",
                      sha256: str = "", label: Callable[[str], str] = str) -> tuple[list[Scorecard], list[Finding]]:
    """Every card, those of open periods with their accepted adjustments applied; the refused rows' findings.

    `frozen`: period -> ClosedRecord of the closed periods (their cards carry what was applied when
    they closed); `path`, `version`, `sha256`: reviews.xlsx as findings and provenance name it;
    `label(office_id)`: the office as messages name it (`苏州一所（SU01）`, Reference.office_label).
    """
    source = Source(path, ADJUSTMENTS.name, "", version, sha256)
    by_key = {(c.office_id, c.period): c for c in cards}
    accepted: dict[tuple[str, str], list[Adjustment]] = {}
    first: dict[tuple[str, str, str], int] = {}
    found: list[Finding] = []
    for row in rows:
        a = row.adjustment
        where = {"file": path, "sheet": ADJUSTMENTS.name, "row": a.row, "office_id": row.office_id,
                 "period": row.period}
        item_key = (row.office_id, row.period, a.item)
        if item_key in first:
            found.append(finding("review-duplicate", **where, office=label(row.office_id), item=a.item,
                                 first_row=first[item_key]))
            continue
        first[item_key] = a.row
        card = by_key.get((row.office_id, row.period))
        if row.period in frozen:
            if card is None or not _frozen_with(card, a):
                record = frozen[row.period]
                found.append(finding("review-closed", **where, office=label(row.office_id), item=a.item,
                                     closed_at=record.closed_date))
            continue
        if card is None or card.status != SCORED or row.period not in opened:
            status = STATUS_LABELS[card.status] if card is not None else "没有考核数据"
            found.append(finding("review-not-scored", **where, office=label(row.office_id), item=a.item, status=status))
            continue
        value = computed(card, a.what, a.kpi)
        if not matches(a.original, value, a.what, a.kpi):
            found.append(finding("review-stale", **where, office=label(row.office_id), item=a.item,
                                 computed=shown(value, a.what, a.kpi), original=shown(a.original, a.what, a.kpi)))
            continue
        # keep what was computed, as the outputs show it, beside HR's figure
        accepted.setdefault((row.office_id, row.period), []).append(dataclasses.replace(a, original=value))
    out = [adjusted(c, accepted[(c.office_id, c.period)], policy_for(c.period), bonus_base(c.office_id), source)
           if (c.office_id, c.period) in accepted else c for c in cards]
    return out, found


def _frozen_with(card: Scorecard, a: Adjustment) -> bool:
    """Whether a closed period's frozen card carries this adjustment (applied before it closed)."""
    return any(f.item == a.item and f.adjusted == a.adjusted and f.reason == a.reason for f in card.adjustments)


__all__ = ["NUMBER_TOLERANCE", "RATE_TOLERANCE", "adjusted", "apply_adjustments", "computed", "is_review_source",
           "matches", "review_source", "shown"]
