"""KPI values -> scores, grades, ranks, bonus coefficients and honours (SPEC §6). Pure.

Every number comes from the Policy (policy.yaml); nothing here is rounded — rounding is for
presentation only.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import SCORED, KpiResult, Scorecard
from .policy import Policy

TIE = 1e-9  # scores closer than this are equal: float noise must not split a tie


def interpolate(points: Sequence[tuple[float, float]], value: float) -> float:
    """Piecewise-linear score of `value` between (value, score) points, clamped at both ends."""
    if value <= points[0][0]:
        return points[0][1]
    if value >= points[-1][0]:
        return points[-1][1]
    i = bisect.bisect_right(points, value, key=lambda p: p[0])
    (x0, y0), (x1, y1) = points[i - 1], points[i]
    return y0 + (y1 - y0) * (value - x0) / (x1 - x0)


@dataclass(frozen=True)
class Total:
    """The outcome of scoring one office-period's KPIs."""

    kpis: dict[str, KpiResult]
    score: float | None  # None when no weighted KPI has a value
    block_scores: dict[str, float | None]


def weighted(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Σ w·s / Σ w over (weight, score) pairs with weight > 0; None when there are none."""
    pairs = [(w, s) for w, s in pairs if w > 0]
    weight = sum(w for w, _ in pairs)
    return sum(w * s for w, s in pairs) / weight if weight > 0 else None


def score_kpis(kpis: dict[str, KpiResult], policy: Policy, cycle: str, fixed: Mapping[str, float] | None = None) -> Total:
    """Score each KPI from its points; total and block scores share N/A weights out proportionally.

    `fixed`: KPI scores set after review (engine.adjust), used instead of the points.
    """
    scores: list[tuple[str, str, KpiResult, float | None, float]] = []
    fixed = fixed or {}
    for key, spec in policy.kpis.items():
        result = kpis.get(key) or KpiResult(key, None, reason="未计算")
        if key in fixed:
            score = fixed[key]
        else:
            score = None if result.value is None else interpolate(spec.points[cycle], result.value)
        scores.append((key, spec.block, result, score, spec.weight[cycle]))
    counted = [(block, w, s) for _, block, _, s, w in scores if s is not None and w > 0]
    weight_sum = sum(w for _, w, _ in counted)
    scored: dict[str, KpiResult] = {}
    for key, _, result, score, weight in scores:
        if score is not None and weight > 0:
            effective = weight * 100 / weight_sum
            scored[key] = _scored(result, score, weight, effective, effective * score / 100)
        else:
            scored[key] = _scored(result, score, weight, 0.0, None)
    total = weighted((w, s) for _, w, s in counted)
    blocks = {block: weighted([(w, s) for b, w, s in counted if b == block]) for block in policy.blocks}
    return Total(scored, total, blocks)


def _scored(r: KpiResult, score: float | None, weight: float, effective: float,
            contribution: float | None) -> KpiResult:
    return KpiResult(r.key, r.value, r.numerator, r.denominator, r.reason, score, weight, effective, contribution,
                     r.sources)


def bonus_coefficient(score: float, grade: str, policy: Policy) -> float:
    """0 for the zero grades (不合格), otherwise min(score, cap) ÷ 100."""
    if grade in policy.bonus.zero_grades:
        return 0.0
    return min(score, policy.bonus.cap) / 100


def bonus_amount(coefficient: float | None, base: float | None) -> float | None:
    """Quarterly bonus = coefficient × 季度奖金基数; None when either is unknown."""
    if coefficient is None or base is None:
        return None
    return coefficient * base


def ranks(scores: dict[str, float]) -> dict[str, int]:
    """Competition ranks by score, highest first; ties (|Δ| < 1e-9) share a rank: 1, 2, 2, 4."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    out: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for index, (key, score) in enumerate(ordered, start=1):
        if previous is None or previous - score >= TIE:
            rank = index
        out[key] = rank
        previous = score
    return out


def assign_ranks(cards: Iterable[Scorecard]) -> None:
    """Set `rank` on the scored cards of one period (others get None)."""
    cards = list(cards)
    table = ranks({c.office_id: c.score for c in cards if c.status == SCORED and c.score is not None})
    for c in cards:
        c.rank = table.get(c.office_id)


# ---------------------------------------------------------------------------------------------
# Incentives (annual): 年终特别奖励, 优秀业务所长, 晋升优先, 培训与发展激励


def special_award(card: Scorecard, policy: Policy) -> bool:
    """年终特别奖励: the grade, and every listed block score at or above its bound."""
    rule = policy.special_award
    if card.status != SCORED or card.grade != rule.grade:
        return False
    return all((card.block_scores.get(b) is not None and card.block_scores[b] >= bound - TIE)
               for b, bound in rule.min_block_scores.items())


def excellent_count(eligible: int, policy: Policy) -> int:
    """How many 优秀业务所长: ⌊top_share × eligible⌋ but at least min_count (never more than eligible).

    “前 10%” is read as “not more than 10 % of the offices graded 优秀”, rounded down, with the
    policy's minimum so that a small company still names one; ties at the cut-off are all included.
    """
    if eligible <= 0:
        return 0
    share = int(policy.excellent_head.top_share * eligible + TIE)
    return min(eligible, max(policy.excellent_head.min_count, share))


def excellent_heads(cards: Sequence[Scorecard], policy: Policy) -> set[str]:
    """Office ids named 优秀业务所长 among one year's annual cards."""
    rule = policy.excellent_head
    eligible = {c.office_id: c.score for c in cards
                if c.status == SCORED and c.grade == rule.grade and c.score is not None}
    count = excellent_count(len(eligible), policy)
    if count == 0:
        return set()
    table = ranks(eligible)
    return {office for office, rank in table.items() if rank <= count}


def promotion(grades_by_year: dict[int, str | None], year: int, policy: Policy) -> bool:
    """晋升优先: the grade in each of the `consecutive_years` years ending with `year`."""
    rule = policy.promotion
    return all(grades_by_year.get(y) == rule.grade for y in range(year - rule.consecutive_years + 1, year + 1))


def development(card: Scorecard, policy: Policy) -> bool:
    """培训与发展激励: the annual grade (优秀)."""
    return card.status == SCORED and card.grade == policy.development.grade


def person(card: Scorecard) -> str | None:
    """Whom a card's honours belong to: the head's 工号, or — for an office without 所长任职 rows,
    whose 业务所 sheet's 所长 heads every period — the office and that name; None when nobody is
    known to have headed the office at the period's end (a gap in 所长任职, or no 所长 at all)."""
    if card.head_id:
        return card.head_id
    return f"{card.office_id}\x1f{card.head}" if card.head else None


def no_head_note(policy: Policy) -> str:
    """Said on an annual card graded for 晋升优先 that no person held at year end."""
    rule = policy.promotion
    return (f"年末没有在任所长：“{rule.name}”须由同一位所长（以工号认定）连续获评“{rule.grade}”，"
            f"本年度的结果不计入任何人的“{rule.name}”")


def award_honours(annual: Sequence[Scorecard], policy: Policy, only: str | None = None) -> None:
    """Set `honours` on every annual card (of year `only` when given), in the policy's order of incentives.

    Honours belong to people: the card's head is the one in office at year end, and 晋升优先
    follows the same person (by 工号) through the years, in whichever offices they were graded.
    A year that ended with nobody in office belongs to nobody: it never counts towards 晋升优先,
    which would otherwise pass to whoever heads the office next (the card says why).
    """
    by_year: dict[str, list[Scorecard]] = {}
    grades: dict[str, dict[int, str | None]] = {}
    for card in annual:
        by_year.setdefault(card.period, []).append(card)
        who = person(card)
        if card.status == SCORED and who is not None:
            held = grades.setdefault(who, {})
            year = int(card.period)
            # heading two offices at year end: graded 优秀 in either counts
            if held.get(year) != policy.promotion.grade:
                held[year] = card.grade
    for year, cards in by_year.items():
        if only is not None and year != only:
            continue
        excellent = excellent_heads(cards, policy)
        for card in cards:
            who = person(card)
            earned = []
            if special_award(card, policy):
                earned.append(policy.special_award.name)
            if card.office_id in excellent:
                earned.append(policy.excellent_head.name)
            if card.status == SCORED and who is not None and promotion(grades[who], int(year), policy):
                earned.append(policy.promotion.name)
            if development(card, policy):
                earned.append(policy.development.name)
            card.honours = tuple(earned)
            note = no_head_note(policy)
            if card.status == SCORED and who is None and card.grade == policy.promotion.grade and note not in card.notes:
                card.notes += (note,)
