"""A period's grade distribution: how many scored offices have each grade, and its chart."""

from __future__ import annotations

from collections import Counter

from ...engine.model import SCORED, Results, Scorecard
from . import charts
from .env import period_label


def grade_counts(results: Results, cards: list[Scorecard]) -> list[tuple[str, int]]:
    """(grade, how many scored cards have it) in the policy's order."""
    counts = Counter(c.grade for c in cards if c.status == SCORED)
    return [(g.name, counts.get(g.name, 0)) for g in results.policy.grades]


def grade_chart(results: Results, period: str, cards: list[Scorecard]) -> charts.Chart:
    """The SVG chart of a period's grade distribution, with its data table."""
    n = len(results.policy.grades)
    return charts.distribution_chart(grade_counts(results, cards), f"{period_label(period)}考核等级分布",
                                     classes=[f"grade-{i + 1}" for i in range(n)], headers=("等级", "业务所数"))


__all__ = ["grade_chart", "grade_counts"]
