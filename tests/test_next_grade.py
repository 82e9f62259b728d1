"""The distance to the next grade, KPI by KPI: the inverse of the scoring points, computed by hand."""

from __future__ import annotations

import pytest

from pipeline.engine.model import INVALID, SCORED, KpiResult, Scorecard
from pipeline.engine.next_grade import NOT_COUNTED, REACH, TOP, UNREACHABLE, distances, next_grade, value_for_score
from pipeline.engine.policy import load_policy
from pipeline.outputs.reports import distance_text

ATTAINMENT = ((0, 0), (1.0, 100), (1.2, 120))
GROWTH = ((-0.4, 0), (0, 80), (0.1, 100), (0.2, 120))
ATTRITION = ((0.03, 100), (0.15, 0))  # falling: less is better
PASS_RATE = ((0.6, 0), (0.95, 100))


@pytest.mark.parametrize("points, current, score, expected", [
    (ATTAINMENT, 0.9, 95, 0.95),
    (ATTAINMENT, 0.9, 110, 1.1),  # into the second segment
    (ATTAINMENT, 0.9, 130, None),  # above the highest score
    (GROWTH, -0.1, 90, 0.05),  # across a breakpoint
    (ATTRITION, 0.10, 60, 0.078),  # must fall: 0.03 + (60 − 100) × 0.12 ÷ (−100)
    (ATTRITION, 0.20, 100, 0.03),  # from beyond the clamped end
    (PASS_RATE, 0.5, 50, 0.775),  # from below the first point
    (ATTAINMENT, 0.9, 80, 0.9),  # already enough
])
def test_value_for_score(points, current, score, expected):
    got = value_for_score(points, current, score)
    assert got == pytest.approx(expected) if expected is not None else got is None


POLICY = load_policy()
# quarterly weights 35/15/10/15/15/10/0: total = 31.5 + 12 + 7 + 7.5 + 9 + 7 = 74.0 (合格; 良好 from 80)
VALUES = {"attainment": (0.9, 90), "growth": (0.0, 80), "market_share": (0.07, 70), "attrition": (0.09, 50),
          "pass_rate": (0.81, 60), "training_rate": (0.7, 70), "satisfaction": (80.0, 66.7)}


def _card(values=VALUES, status=SCORED) -> Scorecard:
    kpis = {}
    for key, (value, score) in values.items():
        weight = POLICY.kpis[key].weight["quarterly"]
        kpis[key] = KpiResult(key, value, score=score, weight=weight, effective_weight=weight,
                              contribution=weight * score / 100 if weight else None)
    total = sum(k.contribution or 0 for k in kpis.values())
    return Scorecard("2026Q1", "quarterly", "BJ01", status=status, kpis=kpis, score=total,
                     grade=POLICY.grade_for(total))


def test_hand_computed_distances():
    card = _card()
    assert card.score == pytest.approx(74.0) and card.grade == "合格"
    got = distances(card, POLICY)
    # the total needs +6: a KPI's score must rise by 6 × 100 ÷ its weight
    assert got["attainment"].kind == REACH  # +17.14 -> 107.14 -> 1.0 + 0.2 × 7.14 ÷ 20
    assert got["attainment"].target == pytest.approx(1.0 + 0.2 * (6 * 100 / 35 - 10) / 20)
    assert got["growth"].target == pytest.approx(0.2)  # +40 -> 120
    assert got["market_share"].kind == UNREACHABLE  # +60 -> 130 > 120
    assert got["attrition"].target == pytest.approx(0.042)  # +40 -> 90
    assert got["attrition"].change == pytest.approx(-0.048)
    assert got["pass_rate"].target == pytest.approx(0.95)  # +40 -> 100
    assert got["training_rate"].kind == UNREACHABLE  # +60 -> 130 > 100
    assert got["satisfaction"].kind == NOT_COUNTED  # no quarterly weight
    assert {d.next_grade for d in got.values()} == {"良好"}


@pytest.mark.parametrize("key, text", [
    ("attainment", "销售目标完成率再提高 17.2 个百分点即可达到良好"),  # 17.14… rounded up
    ("growth", "销售增长率再提高 20.0 个百分点即可达到良好"),
    ("attrition", "团队成员流失率再降低 4.8 个百分点即可达到良好"),
    ("market_share", "单项无法达到"),
    ("satisfaction", "不计入本期得分"),
])
def test_distance_in_words(key, text):
    kpi = POLICY.kpis[key]
    assert distance_text(kpi.name, kpi.unit, distances(_card(), POLICY)[key]) == text


def test_best_grade_and_unscored_cards():
    best = _card({k: (1.2, 120) for k in VALUES})
    assert best.grade == "优秀"
    assert {d.kind for d in distances(best, POLICY).values()} == {TOP}
    assert distance_text("x", "percent", distances(best, POLICY)["growth"]) == "已是最高等级"
    assert distances(_card(status=INVALID), POLICY) == {}
    assert next_grade("不合格", POLICY) == ("合格", 60) and next_grade("优秀", POLICY) is None


def test_satisfaction_in_points():
    card = _card()
    card.kpis["satisfaction"] = KpiResult("satisfaction", 80.0, score=66.7, weight=20, effective_weight=20,
                                          contribution=13.34)
    kpi = POLICY.kpis["satisfaction"]
    d = distances(card, POLICY)["satisfaction"]  # +30 -> 96.7 -> 60 + 30 × 96.7 ÷ 100
    assert d.target == pytest.approx(60 + 30 * (66.7 + 30) / 100)
    assert distance_text(kpi.name, kpi.unit, d).endswith("分即可达到良好")
