"""The four annual incentives of SPEC §6, each rule on hand-built annual scorecards."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.engine.model import INCOMPLETE, SCORED, Scorecard
from pipeline.engine.policy import load_policy
from pipeline.engine.scoring import award_honours, excellent_count, excellent_heads, promotion, special_award

POLICY = load_policy()
SPECIAL, EXCELLENT, PROMOTION, DEVELOPMENT = "年终特别奖励", "优秀业务所长", "晋升优先", "培训与发展激励"


def card(office: str, score: float | None, year: str = "2026", business: float | None = 100.0,
         team: float | None = 90.0, status: str = SCORED) -> Scorecard:
    grade = POLICY.grade_for(score) if score is not None and status == SCORED else None
    return Scorecard(period=year, cycle="annual", office_id=office, head="测试所长", status=status, score=score, grade=grade,
                     block_scores={"business": business, "team": team, "customer": 100.0})


@pytest.mark.parametrize(
    ("score", "business", "team", "earned"),
    [
        (92, 100.0, 90.0, True),  # exactly at both bounds
        (92, 99.99, 95.0, False),  # business below 100
        (92, 110.0, 89.9, False),  # team below 90
        (89.9, 120.0, 100.0, False),  # 良好, not 优秀
        (95, None, 95.0, False),  # business block not scored
    ],
)
def test_special_award(score, business, team, earned):
    assert special_award(card("A", score, business=business, team=team), POLICY) is earned


@pytest.mark.parametrize(("eligible", "count"), [(0, 0), (1, 1), (9, 1), (10, 1), (19, 1), (20, 2), (25, 2), (30, 3)])
def test_excellent_count_is_ten_percent_rounded_down_at_least_one(eligible, count):
    assert excellent_count(eligible, POLICY) == count


def test_excellent_head_takes_the_top_of_the_excellent_offices():
    cards = [card("A", 96), card("B", 95), card("C", 91), card("D", 85), card("E", 99, status=INCOMPLETE)]
    assert excellent_heads(cards, POLICY) == {"A"}


def test_excellent_head_ties_at_the_cut_off_are_all_included():
    cards = [card("A", 96), card("B", 96), card("C", 91)]
    assert excellent_heads(cards, POLICY) == {"A", "B"}


def test_excellent_head_share_and_minimum_come_from_the_policy():
    policy = dataclasses.replace(POLICY, excellent_head=dataclasses.replace(POLICY.excellent_head, top_share=0.5,
                                                                            min_count=1))
    cards = [card(f"O{i}", 99 - i) for i in range(5)]  # five 优秀 offices: ⌊0.5 × 5⌋ = 2
    assert excellent_heads(cards, policy) == {"O0", "O1"}
    assert excellent_heads([card("A", 85)], POLICY) == set()  # nobody 优秀: nobody named


@pytest.mark.parametrize(
    ("grades", "year", "earned"),
    [
        ({2025: "优秀", 2026: "优秀"}, 2026, True),
        ({2024: "优秀", 2025: "良好", 2026: "优秀"}, 2026, False),
        ({2026: "优秀"}, 2026, False),  # no earlier year in the data
        ({2025: "优秀", 2026: None}, 2026, False),  # this year not scored
        ({2024: "优秀", 2025: "优秀"}, 2026, False),  # must end with this year
    ],
)
def test_promotion(grades, year, earned):
    assert promotion(grades, year, POLICY) is earned


def test_award_honours_sets_every_rule_in_policy_order():
    cards = [
        card("A", 95, "2025"), card("B", 85, "2025"),
        card("A", 96, "2026"), card("B", 93, "2026", business=99.0), card("C", 70, "2026"),
        card("D", None, "2026", status=INCOMPLETE),
    ]
    award_honours(cards, POLICY)
    honours = {(c.period, c.office_id): c.honours for c in cards}
    assert honours == {
        ("2025", "A"): (SPECIAL, EXCELLENT, DEVELOPMENT),
        ("2025", "B"): (),
        ("2026", "A"): (SPECIAL, EXCELLENT, PROMOTION, DEVELOPMENT),
        ("2026", "B"): (DEVELOPMENT,),  # 优秀 but business 99 < 100 and second of two: ⌊0.2⌋ -> min 1
        ("2026", "C"): (),
        ("2026", "D"): (),
    }


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 500))
def test_excellent_count_bounds(eligible):
    count = excellent_count(eligible, POLICY)
    assert 0 <= count <= eligible
    assert count == (0 if eligible == 0 else max(1, eligible // 10))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(50, 100), max_size=25))
def test_excellent_heads_are_the_top_of_the_excellent_with_ties_at_the_cut_off(scores):
    cards = [card(f"O{i:02}", s) for i, s in enumerate(scores)]
    named = excellent_heads(cards, POLICY)
    excellent = {c.office_id: c.score for c in cards if c.grade == "优秀"}
    assert named <= set(excellent)
    if not excellent:
        assert named == set()
        return
    count = excellent_count(len(excellent), POLICY)
    cut = sorted(excellent.values(), reverse=True)[count - 1]  # the score of the last place named
    assert named == {o for o, score in excellent.items() if score >= cut}  # a tie at the cut-off only adds
