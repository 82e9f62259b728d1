"""Scoring of SPEC §6 from the policy config: interpolation, weights, N/A, grades, ranks, bonus."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.engine.model import KpiResult, Source
from pipeline.engine.policy import KPI_KEYS, load_policy
from pipeline.engine.scoring import TIE, bonus_amount, bonus_coefficient, interpolate, ranks, score_kpis

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


def test_scoring_keeps_each_kpis_provenance_and_the_records_stay_frozen():
    src = Source(what="销售额", file="a.xlsx", sheet="客户", cells="G2:G9")
    given_ = KpiResult("growth", 0.1, 11.0, 10.0, sources=(src,))
    scored = score_kpis({"growth": given_}, POLICY, "quarterly").kpis["growth"]
    assert scored == KpiResult("growth", 0.1, 11.0, 10.0, "", 100.0, 15.0, 100.0, 100.0, (src,))
    assert hash(scored) == hash(KpiResult("growth", 0.1, 11.0, 10.0, "", 100.0, 15.0, 100.0, 100.0, (src,)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        scored.score = 1.0  # type: ignore[misc]


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


# ---------------------------------------------------------------------------------------------
# Properties


_x = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
_y = st.floats(min_value=-200, max_value=200, allow_nan=False, allow_infinity=False)


@st.composite
def _points(draw, monotone: bool = False):
    """2–6 points with strictly increasing values (as the policy loader requires); scores any, or sorted."""
    xs = sorted(draw(st.sets(st.integers(-40, 40), min_size=2, max_size=6)))
    ys = draw(st.lists(_y, min_size=len(xs), max_size=len(xs)))
    if monotone:
        ys.sort(reverse=draw(st.booleans()))
    as_list = draw(st.booleans())  # a list of points scores as the policy's tuple does
    points = [(x / 4, y) for x, y in zip(xs, ys)]
    return points if as_list else tuple(points)


@settings(max_examples=80, deadline=None)
@given(_points(), _x)
def test_interpolate_is_clamped_and_stays_between_its_neighbours(points, value):
    score = interpolate(points, value)
    (x0, y0), (xn, yn) = points[0], points[-1]
    if value <= x0:
        assert score == y0
    elif value >= xn:
        assert score == yn
    else:
        i = next(i for i in range(1, len(points)) if value <= points[i][0])
        (a, ya), (b, yb) = points[i - 1], points[i]
        assert min(ya, yb) - 1e-9 <= score <= max(ya, yb) + 1e-9
        assert score == pytest.approx(ya + (yb - ya) * (value - a) / (b - a), abs=1e-9)
    for x, y in points:
        assert interpolate(points, x) == pytest.approx(y, abs=1e-9)  # every point is hit exactly


@settings(max_examples=80, deadline=None)
@given(_points(monotone=True), _x, _x)
def test_interpolate_is_monotone_between_points(points, a, b):
    lo, hi = min(a, b), max(a, b)
    increasing = points[-1][1] >= points[0][1]
    s_lo, s_hi = interpolate(points, lo), interpolate(points, hi)
    if increasing:
        assert s_lo <= s_hi + 1e-9
    else:
        assert s_lo >= s_hi - 1e-9


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(KPI_KEYS)), st.sampled_from(["quarterly", "annual"]), _x, _x)
def test_the_policys_points_are_monotone_in_the_kpis_good_direction(kpi, cycle, a, b):
    points = POLICY.kpis[kpi].points[cycle]
    lo, hi = min(a, b), max(a, b)
    if kpi == "attrition":  # fewer leavers is better
        assert interpolate(points, lo) >= interpolate(points, hi)
    else:
        assert interpolate(points, lo) <= interpolate(points, hi)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text("ABCDEFGH", min_size=1, max_size=2), st.integers(0, 6), max_size=10),
       st.data())
def test_ranks_are_competition_ranks(base, data):
    # Noise far below TIE must not split a tie: draw it per office on top of integer scores.
    noise = {k: data.draw(st.floats(0, TIE / 1000)) for k in base}
    got = ranks({k: v + noise[k] for k, v in base.items()})
    assert set(got) == set(base)
    for key, score in base.items():
        assert got[key] == 1 + sum(1 for other in base.values() if other > score)
    used = sorted(got.values())
    for rank in set(used):  # the next rank skips as many places as the tie took
        assert rank == 1 or rank == used.index(rank) + 1


@st.composite
def _kpi_values(draw):
    return {key: KpiResult(key, draw(st.one_of(st.none(), st.floats(-1, 120, allow_nan=False)))) for key in KPI_KEYS}


@settings(max_examples=80, deadline=None)
@given(_kpi_values(), st.sampled_from(["quarterly", "annual"]))
def test_effective_weights_share_out_na_and_contributions_sum_to_the_total(kpis, cycle):
    total = score_kpis(kpis, POLICY, cycle)
    counted = [r for r in total.kpis.values() if r.contribution is not None]
    if not counted:
        assert total.score is None
        assert all(v is None for v in total.block_scores.values())
        return
    assert sum(r.effective_weight for r in total.kpis.values()) == pytest.approx(100)
    assert sum(r.contribution for r in counted) == pytest.approx(total.score)
    scores = [r.score for r in counted]
    assert min(scores) - 1e-9 <= total.score <= max(scores) + 1e-9
    for r in total.kpis.values():
        assert (r.contribution is None) == (r.value is None or r.weight == 0)
        assert r.weight == POLICY.kpis[r.key].weight[cycle]


@settings(max_examples=80, deadline=None)
@given(st.floats(-50, 300, allow_nan=False), st.floats(-50, 300, allow_nan=False))
def test_grades_and_bonus_never_fall_as_the_score_rises(a, b):
    assume(a != b)
    lo, hi = min(a, b), max(a, b)
    order = [g.name for g in POLICY.grades]  # best first
    assert order.index(POLICY.grade_for(hi)) <= order.index(POLICY.grade_for(lo))
    c_lo = bonus_coefficient(lo, POLICY.grade_for(lo), POLICY)
    c_hi = bonus_coefficient(hi, POLICY.grade_for(hi), POLICY)
    assert 0 <= c_lo <= c_hi <= POLICY.bonus.cap / 100
