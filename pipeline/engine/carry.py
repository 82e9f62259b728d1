"""A quarter's KPI values adjusted after review, carried into its year. Pure.

A year is not scored from its quarters' scores: its KPIs pool the quarters' figures (SPEC §5:
sales, targets, market sizes, members rated, trainings … summed) and are scored on the annual
points and weights. An adjustment of a quarter's KPI *value* therefore enters the year as the
figures that value stands for, so that the year's ranks and honours follow it:
- the quarter's numerator becomes the adjusted value × its denominator, the denominator kept
  (a pooled rate is its quarters' rates weighted by their denominators);
- a quarter whose KPI was N/A for want of a denominator (市场规模 left blank) gets the one the
  adjusted value implies: its numerator ÷ the value (销售增长率: 上年同期 = 销售额 ÷ (1 + value));
- 团队成员流失率 pools distinct leavers over the year's opening and closing headcount, not sums:
  the quarter's change in leavers (adjusted value × its average headcount − its leavers) is added
  to the year's leavers.
A value that implies no figure (neither denominator nor numerator known) is not carried, and the
year's card says so. A quarter's adjusted KPI *score*, total or grade never reaches the year, which
does not read them; a year's own result is adjusted on the year's rows of 调整.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..forms.reviews import VALUE
from ..periods import is_year, quarters_of
from .adjust import is_review_source, review_source
from .kpi import SATISFACTION_SCALE, Figures, kpi_results, ratio
from .model import Adjustment, KpiResult, Scorecard

SCALES = {"satisfaction": SATISFACTION_SCALE}  # value = numerator × scale ÷ denominator
NOT_SUMMED = frozenset({"attrition"})  # distinct leavers ÷ the year's average headcount


@dataclass(frozen=True)
class Quarter:
    """One quarter of a scored year: its figures as computed and its card (adjustments applied)."""

    period: str
    figures: Figures
    card: Scorecard


def implied(key: str, value: float, computed: KpiResult, figures: Figures) -> tuple[float, float] | None:
    """(numerator, denominator) a quarter's adjusted KPI value stands for; None when it implies none."""
    scale = SCALES.get(key, 1.0)
    if computed.denominator:
        return value * computed.denominator / scale, computed.denominator
    if key in NOT_SUMMED:
        return None  # no headcount to count the leavers against
    if key == "growth":
        if figures.sales is None or value <= -1:
            return None
        prior = figures.sales / (1 + value)
        return figures.sales - prior, prior
    if computed.numerator and value:
        return computed.numerator, computed.numerator * scale / value
    return None


def carried(year: dict[str, KpiResult], quarters: Sequence[Quarter]) -> tuple[dict[str, KpiResult], list[str]]:
    """The year's KPI results (unscored, from the pooled figures) with its quarters' adjusted values
    carried in, and the notes the year's card gets (Chinese)."""
    values = {(q.period, a.kpi): a for q in quarters for a in q.card.adjustments if a.what == VALUE}
    if not values:
        return year, []
    computed = {q.period: kpi_results(q.figures) for q in quarters}
    out = dict(year)
    notes: list[str] = []
    for key in sorted({k for _, k in values}, key=list(year).index):
        pairs, used, unused = [], [], []
        for q in quarters:
            r = computed[q.period][key]
            a = values.get((q.period, key))
            pair = implied(key, a.adjusted, r, q.figures) if a is not None else None
            if a is not None:
                (used if pair is not None else unused).append((q, a))
            pairs.append((r, pair))
        pooled = _pooled(key, year[key], pairs) if used else None
        if pooled is None:
            unused, used = [*used, *unused], []
        else:
            out[key] = ratio(key, *pooled, year[key].reason, (*year[key].sources, *(_source(a, q) for q, a in used)),
                             SCALES.get(key, 1.0))
        notes += [f"{q.period} 的“{a.item}”经复核调整，年度按调整后的值合并计算" for q, a in used]
        notes += [f"{q.period} 的“{a.item}”经复核调整，但年度合并计算缺少所需的数值，未计入此项调整" for q, a in unused]
    return out, notes


def _pooled(key: str, year: KpiResult, pairs: list[tuple[KpiResult, tuple[float, float] | None]]
            ) -> tuple[float, float] | None:
    """The year's (numerator, denominator) with the adjusted quarters' in place of the computed
    ones; None when the year still lacks a figure (another quarter's 市场规模 blank, no roster)."""
    if key in NOT_SUMMED:
        if year.numerator is None or not year.denominator:
            return None
        change = sum(pair[0] - r.numerator for r, pair in pairs if pair is not None and r.numerator is not None)
        return max(0.0, year.numerator + change), year.denominator
    terms = [pair or (r.numerator, r.denominator) for r, pair in pairs]
    if any(n is None or d is None for n, d in terms):
        return None
    return math.fsum(n for n, _ in terms), math.fsum(d for _, d in terms)


def _source(a: Adjustment, q: Quarter):
    """The quarter's row of 调整 as the year's provenance (reviews.xlsx as read when it was applied)."""
    result = q.card.kpis.get(a.kpi)
    base = next((s for s in (result.sources if result else ()) if is_review_source(s)), None)
    return review_source(a, base, quarter=q.period)


def carried_into(card: Scorecard, quarter_cards: Mapping[tuple[str, str], Scorecard],
                 kpi: str | None = None) -> list[tuple[str, Adjustment]]:
    """(quarter, adjustment) of each quarter adjustment a year's card pools (of one KPI when given):
    those whose row of 调整 is among its KPIs' sources, in quarter and row order. None for a quarter."""
    if not is_year(card.period):
        return []
    pooled = {s.what for key, r in card.kpis.items() if kpi in (None, key) for s in r.sources if is_review_source(s)}
    if not pooled:
        return []
    out = []
    for q in quarters_of(card.period):
        quarter = quarter_cards.get((card.office_id, q))
        for a in quarter.adjustments if quarter is not None else ():
            if kpi in (None, a.kpi) and review_source(a, quarter=q).what in pooled:
                out.append((q, a))
    return out


__all__ = ["Quarter", "carried", "carried_into", "implied"]
