"""How far each KPI alone is from lifting an office-period to the next grade. Pure.

The total score is Σ effective weight × KPI score ÷ 100 (scoring.score_kpis). Raising one KPI's
score by Δ raises the total by effective weight × Δ ÷ 100, so reaching the next grade's minimum
needs that KPI's score to rise by (minimum − total) × 100 ÷ effective weight; the value that
gives that score is read back from the KPI's scoring points (the inverse of the interpolation).
Everything else is held still: the other KPIs, and the weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import SCORED, Scorecard
from .policy import Policy
from .scoring import interpolate

TOP, REACH, UNREACHABLE, NOT_COUNTED = "top", "reach", "unreachable", "not-counted"


@dataclass(frozen=True)
class Distance:
    """One KPI's way to the next grade: `kind`, and for REACH the value needed and the change."""

    kind: str  # TOP (already the best grade) | REACH | UNREACHABLE | NOT_COUNTED (N/A or no weight)
    next_grade: str = ""
    target: float | None = None  # the KPI value that alone would reach the next grade
    change: float | None = None  # target − current value (negative: the KPI must fall, e.g. attrition)


def value_for_score(points: Sequence[tuple[float, float]], current: float, score: float) -> float | None:
    """The value nearest to `current` whose interpolated score is at least `score`; None if none is.

    The values scoring at least `score` are a union of intervals whose ends are where the
    piecewise-linear curve crosses `score`; `current` lies outside them, so the nearest such
    value is the nearest crossing.
    """
    if interpolate(points, current) >= score:
        return current
    crossings: list[float] = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if y0 == y1:
            if y0 == score:
                crossings += [x0, x1]
        elif min(y0, y1) <= score <= max(y0, y1):
            crossings.append(x0 + (score - y0) * (x1 - x0) / (y1 - y0))
    if len(points) == 1 and points[0][1] >= score:
        crossings.append(points[0][0])
    if not crossings:
        return None
    return min(crossings, key=lambda x: (abs(x - current), x))


def next_grade(grade: str | None, policy: Policy) -> tuple[str, float] | None:
    """The grade just above `grade` and its minimum score; None for the best grade or no grade."""
    names = [g.name for g in policy.grades]
    if grade not in names or names.index(grade) == 0:
        return None
    above = policy.grades[names.index(grade) - 1]
    return (above.name, above.min) if above.min is not None else None


def distances(card: Scorecard, policy: Policy) -> dict[str, Distance]:
    """Each KPI of a scored card (in the policy's order) -> its Distance to the next grade."""
    if card.status != SCORED or card.score is None or card.grade is None:
        return {}
    names = [g.name for g in policy.grades]
    if card.grade in names and names.index(card.grade) == 0:
        return {key: Distance(TOP) for key in policy.kpis}
    above = next_grade(card.grade, policy)
    if above is None:
        return {key: Distance(UNREACHABLE) for key in policy.kpis}
    name, minimum = above
    out: dict[str, Distance] = {}
    for key, kpi in policy.kpis.items():
        result = card.kpis.get(key)
        if result is None or result.value is None or result.score is None or result.effective_weight <= 0:
            out[key] = Distance(NOT_COUNTED, name)
            continue
        needed = result.score + (minimum - card.score) * 100 / result.effective_weight
        target = value_for_score(kpi.points[card.cycle], result.value, needed)
        out[key] = (Distance(UNREACHABLE, name) if target is None
                    else Distance(REACH, name, target, target - result.value))
    return out


__all__ = ["NOT_COUNTED", "REACH", "TOP", "UNREACHABLE", "Distance", "distances", "next_grade", "value_for_score"]
