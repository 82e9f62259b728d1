"""Scoring of SPEC §6 from the policy config: interpolation, weights, N/A, grades, ranks, bonus."""

from __future__ import annotations

import pytest

from pipeline.model import KpiResult, Source, kpi_result
from pipeline.policy import load_policy
from pipeline.scoring import bonus_amount, bonus_coefficient, interpolate, ranks, score_kpis

POLICY = load_policy()


@pytest.mark.parametrize(
    ("kpi", "cycle", "value", "score"),
    [
        ("attainment", "quarterly", 1.0, 100),  # at a point
        ("attainment", "quarterly", 0.5, 50),  # between
        ("attainment", "quarterly", 1.1, 110),
        ("attainment", "quarterly", 1.5, 120),  # beyond the last point: clamped
        ("attainment", "quarterly", -0.2, 0),  # before the first: clamped
        ("growth", "quarterly", -0.4, 0),
        ("growth", "quarterly", -0.2, 40),
        ("growth", "quarterly", 0.0, 80),
        ("growth", "quarterly", 0.05, 90),
        ("growth", "quarterly", 0.15, 110),
        ("growth", "quarterly", 3.0, 120),
        ("growth", "quarterly", -1.0, 0),
        ("market_share", "quarterly", 0.125, 110),
        ("attrition", "quarterly", 0.0, 100),  # decreasing points, clamped at the good end
        ("attrition", "quarterly", 0.09, 50),
        ("attrition", "quarterly", 0.5, 0),
        ("attrition", "annual", 0.25, 50),  # annual has its own points
        ("attrition", "annual", 0.10, 100),
        ("pass_rate", "quarterly", 0.6, 0),
        ("pass_rate", "quarterly", 0.775, 50),
        ("pass_rate", "quarterly", 1.0, 100),
        ("training_rate", "quarterly", 0.3, 30),
        ("satisfaction", "annual", 95, 105),
        ("satisfaction", "annual", 75, 50),
        ("satisfaction", "annual", 40, 0),
    ],
)
def test_interpolation(kpi, cycle, value, score):
    assert interpolate(POLICY.kpis[kpi].points[cycle], value) == pytest.approx(score)


def _kpis(**values):
    return {k: KpiResult(k, v) for k, v in values.items()}


def test_total_with_na_redistributed():
    # quarterly weights 35/15/10/15/15/10/0. market_share N/A -> its 10 shared out over the other 90.
    # scores: attainment 1.1->110, growth 0.05->90, attrition 0.09->50, pass 0.95->100, training 0.5->50
    # Σw·s = 35·110 + 15·90 + 15·50 + 15·100 + 10·50 = 7950; total = 7950 / 90 = 88.333…
    total = score_kpis(_kpis(attainment=1.1, growth=0.05, market_share=None, attrition=0.09, pass_rate=0.95,
                             training_rate=0.5, satisfaction=80), POLICY, "quarterly")
    assert total.score == pytest.approx(7950 / 90)
    assert total.block_scores == {"business": pytest.approx(104.0),  # (3850 + 1350) / 50
                                  "team": pytest.approx(68.75),  # (750 + 1500 + 500) / 40
                                  "customer": None}  # satisfaction weighs 0 quarterly
    k = total.kpis
    assert (k["market_share"].score, k["market_share"].effective_weight, k["market_share"].contribution) == (None, 0.0, None)
    assert k["attainment"].effective_weight == pytest.approx(35 * 100 / 90)
    assert k["attainment"].contribution == pytest.approx(35 / 90 * 110)
    assert k["satisfaction"].score == pytest.approx(66.6666667)  # scored for display, weight 0
    assert (k["satisfaction"].weight, k["satisfaction"].effective_weight) == (0.0, 0.0)
    assert sum(r.effective_weight for r in k.values()) == pytest.approx(100)
    assert sum(r.contribution or 0 for r in k.values()) == pytest.approx(total.score)


def test_annual_weights_and_all_kpis():
    # annual 30/10/10/10/10/10/20: 30·100 + 10·80 + 10·100 + 10·50 + 10·100 + 10·100 + 20·100 = 9300 / 100
    total = score_kpis(_kpis(attainment=1.0, growth=0.0, market_share=0.1, attrition=0.25, pass_rate=0.95,
                             training_rate=1.0, satisfaction=90), POLICY, "annual")
    assert total.score == pytest.approx(93.0)
    assert total.block_scores == {"business": pytest.approx(96.0),  # (3000 + 800 + 1000) / 50
                                  "team": pytest.approx(250 / 3),  # (500 + 1000 + 1000) / 30
                                  "customer": pytest.approx(100.0)}


def test_block_none_when_every_kpi_na_and_total_none_when_all_na():
    total = score_kpis(_kpis(attainment=1.0, growth=None, market_share=None, attrition=None, pass_rate=None,
                             training_rate=None, satisfaction=None), POLICY, "quarterly")
    assert total.score == 100.0
    assert total.block_scores["team"] is None
    assert total.kpis["attainment"].effective_weight == 100.0
    assert score_kpis({}, POLICY, "quarterly").score is None


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "优秀"), (90, "优秀"), (89.99999999, "良好"), (80, "良好"), (79.9999, "合格"), (60, "合格"),
     (59.999, "不合格"), (0, "不合格")],
)
def test_grade_boundaries(score, grade):
    assert POLICY.grade_for(score) == grade


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"A": 95, "B": 90, "C": 90, "D": 80}, {"A": 1, "B": 2, "C": 2, "D": 4}),
        ({"A": 90, "B": 90 + 1e-12, "C": 70}, {"A": 1, "B": 1, "C": 3}),  # float noise is a tie
        ({"A": 90, "B": 90 + 1e-6, "C": 70}, {"B": 1, "A": 2, "C": 3}),  # a real difference is not
        ({"A": 50}, {"A": 1}),
        ({}, {}),
    ],
)
def test_ranks(scores, expected):
    assert ranks(scores) == expected


@pytest.mark.parametrize(
    ("score", "coefficient"),
    [(150, 1.2), (120, 1.2), (119.5, 1.195), (85, 0.85), (60, 0.6), (59.9, 0.0), (0, 0.0)],
)
def test_bonus_coefficient(score, coefficient):
    assert bonus_coefficient(score, POLICY.grade_for(score), POLICY) == pytest.approx(coefficient)


def test_bonus_amount():
    assert bonus_amount(1.2, 30000) == pytest.approx(36000)
    assert bonus_amount(0.0, 30000) == 0.0
    assert bonus_amount(0.85, None) is None
    assert bonus_amount(None, 30000) is None


def test_kpi_result_builds_what_the_dataclass_builds():
    """The fast constructor takes every field, in order, and makes an equal, hashable, frozen record."""
    import dataclasses
    import inspect

    fields = [f.name for f in dataclasses.fields(KpiResult)]
    assert list(inspect.signature(kpi_result).parameters) == fields
    src = Source(what="销售额", file="a.xlsx", sheet="客户", cells="F2:F9")
    values = ("growth", 0.1, 11.0, 10.0, "", 80.0, 20.0, 25.0, 20.0, (src,))
    fast, slow = kpi_result(*values), KpiResult(*values)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert kpi_result("growth", None) == KpiResult("growth", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.score = 1.0


def test_interpolate_remembers_a_policy_s_points_by_identity_only():
    points = ((0.0, 0.0), (1.0, 100.0))
    assert interpolate(points, 0.5) == 50.0
    other = ((0.0, 0.0), (2.0, 100.0))  # equal-looking but another object: its own values
    assert interpolate(other, 0.5) == 25.0
    assert interpolate([(0.0, 0.0), (4.0, 100.0)], 1.0) == 25.0  # a list is not remembered
