"""KPI maths of SPEC §5: hand-computed tables for every formula and edge, provenance, and pooling."""

from __future__ import annotations

import math
from datetime import date

import pytest
from _assess_helpers import client, member, project, table, target, training, workbook
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.engine.kpi import Figures, informational, kpi_results, pool, quarter_figures, ratio
from pipeline.engine.model import Source
from pipeline.intake.aggregates import budget_and_cost, headcount, on_time, open_complaints, ratings, summarise
from pipeline.intake.facts import WorkbookFacts
from pipeline.periods import Period

Q1 = Period(2026, 1)  # 2026-01-01 .. 2026-03-31
D = date


@pytest.mark.parametrize(
    ("joined", "left", "expected"),
    [
        (D(2025, 6, 1), None, (1, 1, 0)),  # there all quarter
        (D(2025, 6, 1), D(2026, 3, 31), (1, 0, 1)),  # left on the last day: a leaver, gone at the end
        (D(2025, 6, 1), D(2026, 1, 1), (1, 0, 1)),  # left on the first day: counted at the start
        (D(2026, 1, 1), None, (0, 1, 0)),  # joined on the first day: not at the start
        (D(2026, 3, 31), None, (0, 1, 0)),  # joined on the last day: at the end
        (D(2026, 2, 1), D(2026, 2, 20), (0, 0, 1)),  # joined and left within the quarter
        (D(2025, 1, 1), D(2025, 12, 31), (0, 0, 0)),  # left before the quarter: counts nowhere
        (D(2026, 4, 1), None, (0, 0, 0)),  # joined after the quarter
        (D(2025, 1, 1), D(2026, 4, 1), (1, 1, 0)),  # leaves next quarter
        (None, D(2026, 2, 1), (0, 0, 1)),  # join date unreadable: still a leaver by its leave date
    ],
)
def test_headcount_edges(joined, left, expected):
    start, end, leavers = headcount(table(member("E1", joined, left)), Q1.start, Q1.end)
    assert (start, end, len(leavers)) == expected


def test_attrition_of_a_roster():
    # start: E1 E2 E3 E4 (joined before 1/1, still there) = 4; E4 leaves 3/31, E5 joins 2/1.
    # end: E1 E2 E3 E5 = 4; leavers = {E4} -> 1 / ((4 + 4) / 2) = 0.25
    roster = [member("E1", D(2020, 1, 1)), member("E2", D(2021, 1, 1)), member("E3", D(2022, 1, 1)),
              member("E4", D(2022, 1, 1), D(2026, 3, 31)), member("E5", D(2026, 2, 1)),
              member("E6", D(2020, 1, 1), D(2025, 11, 30))]  # left before: nowhere
    wb = workbook("recruitment", "BJ01", "2026Q1", roster)
    f = quarter_figures(Q1, {"recruitment": wb}, None)
    assert (f.headcount_start, f.headcount_end, sorted(f.leavers)) == (4, 4, ["E4"])
    k = kpi_results(f)["attrition"]
    assert (k.value, k.numerator, k.denominator) == (0.25, 1.0, 4.0)
    assert k.sources == (Source("submissions/2026Q1/BJ01/recruitment.xlsx", "团队名册", "D2:E7", "1.0", "ab" * 32,
                                "团队名册：入职日期、离职日期"),)


def test_attrition_na_when_nobody_on_the_team():
    wb = workbook("recruitment", "BJ01", "2026Q1", [member("E1", D(2026, 2, 1), D(2026, 2, 2))])
    k = kpi_results(quarter_figures(Q1, {"recruitment": wb}, None))["attrition"]
    assert (k.value, k.numerator, k.denominator, k.reason) == (None, 1.0, 0.0, "期初与期末人数均为 0")


def test_roster_figures_count_for_the_folders_quarter():
    # The folder wins over the cover (layout.counted_quarter): a roster in the 2026Q2 folder whose
    # cover says 2026Q1 is counted for Q2, where E1's leaving on 5/1 falls.
    facts = summarise(WorkbookFacts(path="submissions/2026Q2/BJ01/recruitment.xlsx", form_id="recruitment",
                                    version="1.0", office_id="BJ01", period="2026Q1",
                                    tables={"roster": table(member("E1", D(2020, 1, 1), D(2026, 5, 1)))}))
    assert facts.quarter == "2026Q2"
    assert (facts.figures["headcount_start"], facts.figures["headcount_end"], facts.figures["leavers"]) == (
        1, 0, frozenset({"E1"}))


@pytest.mark.parametrize(
    ("ratings_", "expected"),
    [
        (["优秀", "良好", "合格", "待改进"], (3, 4)),
        (["不合格", "未考核", "良好"], (1, 2)),
        (["未考核", "未考核"], (0, 0)),  # nobody rated -> N/A
        ([None, "优秀"], (1, 1)),  # blank rating: not rated
    ],
)
def test_pass_rate_counts(ratings_, expected):
    roster = table(*[member(f"E{i}", D(2020, 1, 1), rating=r) for i, r in enumerate(ratings_)])
    assert ratings(roster, Q1.start, Q1.end) == expected


def test_pass_rate_ignores_members_gone_before_the_quarter():
    roster = table(member("E1", D(2020, 1, 1), rating="优秀"), member("E2", D(2020, 1, 1), D(2025, 12, 1), "不合格"))
    assert ratings(roster, Q1.start, Q1.end) == (1, 1)


@pytest.mark.parametrize(
    ("statuses", "value", "reason"),
    [
        (["已完成", "已完成", "进行中", "已取消"], 0.5, ""),
        (["已完成"], 1.0, ""),
        (["未开始", None], 0.0, ""),  # planned but nothing done: a real 0, not N/A
        ([], None, "培训计划中没有任何培训"),  # no trainings at all -> N/A
    ],
)
def test_training_rate(statuses, value, reason):
    wb = workbook("training", "BJ01", "2026Q1", [training(f"T{i}", s) for i, s in enumerate(statuses)])
    k = kpi_results(quarter_figures(Q1, {"training": wb}, None))["training_rate"]
    assert (k.value, k.reason) == (value, reason)


@pytest.mark.parametrize(
    ("scores", "value", "denominator"),
    [
        ([4.5, 4.0, None, 5.0], 90.0, 3),  # mean 4.5 / 5 * 100; blank = not surveyed
        ([3.0], 60.0, 1),
        ([None, None], None, 0),  # nobody surveyed -> N/A
    ],
)
def test_satisfaction(scores, value, denominator):
    wb = workbook("clients", "BJ01", "2026Q1", [client(f"C{i}", 1, s) for i, s in enumerate(scores)])
    k = kpi_results(quarter_figures(Q1, {"clients": wb}, None))["satisfaction"]
    assert k.value == (pytest.approx(value) if value is not None else None)
    assert k.denominator == denominator


def _business(sales, tgt, prior_clients=None):
    wb = workbook("clients", "BJ01", "2026Q1", [client(f"C{i}", s) for i, s in enumerate(sales)])
    return kpi_results(quarter_figures(Q1, {"clients": wb}, tgt, prior_clients=prior_clients))


@pytest.mark.parametrize(
    ("sales", "tgt", "attainment", "growth", "share"),
    [
        ([60, 40, None], target("BJ01", "2026Q1", 80, 125, 1000), 1.25, -0.2, 0.1),  # 100/80, (100-125)/125, 100/1000
        ([110], target("BJ01", "2026Q1", 100, 100, 500), 1.1, 0.1, 0.22),
        ([0], target("BJ01", "2026Q1", 50, 0, None), 0.0, None, None),  # prior 0 and no market size -> N/A
        ([], target("BJ01", "2026Q1", 50, 40, 400), 0.0, -1.0, 0.0),  # no clients: sales 0
    ],
)
def test_business_kpis(sales, tgt, attainment, growth, share):
    k = _business(sales, tgt)
    assert k["attainment"].value == pytest.approx(attainment)
    assert k["growth"].value == (None if growth is None else pytest.approx(growth))
    assert k["market_share"].value == (None if share is None else pytest.approx(share))


def test_na_reasons():
    k = _business([10], target("BJ01", "2026Q1", 50, 0, None))
    assert k["growth"].reason == "上年同期销售额为 0"
    assert k["market_share"].reason == "《季度目标》未填市场规模"
    k = _business([10], target("BJ01", "2026Q1", 50, None, None))
    assert (k["growth"].value, k["growth"].reason) == (None, "《季度目标》未填上年同期销售额，且没有 2025Q1 的客户表")


def test_prior_falls_back_to_last_years_submission():
    last_year = workbook("clients", "BJ01", "2025Q1", [client("C1", 30), client("C2", 50)])
    k = _business([100], target("BJ01", "2026Q1", 100, None, 1000), prior_clients=last_year)
    assert (k["growth"].value, k["growth"].numerator, k["growth"].denominator) == (0.25, 20.0, 80.0)
    assert k["growth"].sources[-1] == Source("submissions/2025Q1/BJ01/clients.xlsx", "客户", "G2:G3", "1.0",
                                             "ab" * 32, "上年同期（2025Q1）本期销售额之和")


def test_reference_prior_wins_over_last_years_submission():
    last_year = workbook("clients", "BJ01", "2025Q1", [client("C1", 30)])
    k = _business([100], target("BJ01", "2026Q1", 100, 50, 1000), prior_clients=last_year)
    assert k["growth"].value == 1.0


def test_provenance_of_sales_and_target():
    tgt = target("BJ01", "2026Q1", 80, 125, 1000, row=14)
    k = _business([60, 40, None], tgt)
    assert k["attainment"].sources == (
        Source("submissions/2026Q1/BJ01/clients.xlsx", "客户", "G2:G4", "1.0", "ab" * 32, "本期销售额之和"),
        Source("reference.xlsx", "季度目标", "D14", "", "", "销售目标"),
    )
    assert k["market_share"].sources[-1].cells == "F14"
    assert k["growth"].sources[-1].cells == "E14"


def test_missing_denominator_is_not_zero():
    k = kpi_results(Figures())
    assert all(r.value is None for r in k.values())
    assert k["attainment"].reason == "没有客户表（销售额）"
    assert k["attrition"].reason == "没有团队名册"


def test_informational():
    clients = [client("C1", 1, kind="新客户", complaints=3, resolved=1), client("C2", 1, kind="新客户"),
               client("C3", 1, complaints=2, resolved=2), client("C4", 1, complaints=None, resolved=None)]
    assert open_complaints(table(*clients)) == 2
    projects = [project("P1", D(2026, 3, 1), D(2026, 3, 1), 100, 90),  # on time (equal)
                project("P2", D(2026, 3, 1), D(2026, 3, 2), 50, 80),  # late
                project("P3", D(2026, 3, 1), None, 10, None)]  # not finished; half-filled budget
    assert on_time(table(*projects)) == (1, 2)
    assert budget_and_cost(table(*projects)) == (150.0, 170.0)
    f = quarter_figures(Q1, {"clients": workbook("clients", "BJ01", "2026Q1", clients),
                             "projects": workbook("projects", "BJ01", "2026Q1", projects)}, None)
    info = informational(f)
    assert info["new_clients"] == 2
    assert info["open_complaints"] == 2
    assert info["on_time_rate"] == 0.5
    assert info["budget_variance"] == pytest.approx(170 / 150 - 1)
    assert informational(Figures())["on_time_rate"] is None
    assert informational(Figures())["budget_variance"] is None


def _quarter(q: int, sales: float, tgt: float, prior: float | None, market: float | None, start: int, end: int,
             leavers: set[str], passed: int, rated: int, done: int, planned: int, sat: float, surveyed: int) -> Figures:
    return Figures(sales=sales, target=tgt, prior=prior, market_size=market, headcount_start=start,
                   headcount_end=end, leavers=frozenset(leavers), passed=passed, rated=rated, trainings_done=done,
                   trainings=planned, satisfaction_sum=sat, surveyed=surveyed, has_roster=True)


def test_annual_pooling():
    year = pool([
        _quarter(1, 100, 100, 80, 1000, 10, 11, {"E1"}, 9, 10, 1, 2, 9.0, 2),
        _quarter(2, 120, 100, 100, 1000, 11, 12, {"E2"}, 10, 10, 2, 2, 4.0, 1),
        _quarter(3, 80, 100, 100, 1000, 12, 12, set(), 8, 10, 0, 1, 0.0, 0),
        _quarter(4, 100, 100, 120, 1000, 12, 8, {"E1", "E3"}, 5, 10, 1, 1, 13.0, 3),  # E1 rejoined and left again
    ])
    k = kpi_results(year)
    assert (year.sales, year.target, year.prior, year.market_size) == (400, 400, 400, 4000)
    assert k["attainment"].value == 1.0
    assert k["growth"].value == 0.0
    assert k["market_share"].value == 0.1
    # leavers distinct 工号 {E1, E2, E3} = 3; start Q1 10, end Q4 8 -> 3 / 9
    assert (k["attrition"].numerator, k["attrition"].denominator) == (3.0, 9.0)
    assert k["pass_rate"].value == 32 / 40
    assert k["training_rate"].value == 4 / 6
    assert k["satisfaction"].value == pytest.approx(26 / 6 / 5 * 100)


@pytest.mark.parametrize("missing", ["prior", "market_size"])
def test_annual_prior_or_market_na_when_any_quarter_is(missing):
    quarters = [_quarter(q, 100, 100, 100, 1000, 1, 1, set(), 1, 1, 1, 1, 5.0, 1) for q in range(1, 5)]
    setattr(quarters[2], missing, None)
    k = kpi_results(pool(quarters))
    assert k["growth" if missing == "prior" else "market_share"].value is None
    assert k["attainment"].value == 1.0


def test_pooling_four_summarised_quarters():
    # The same pooling from facts as reading makes them: Q1..Q4 of one office, one roster member leaving in Q3.
    quarters = []
    for q in range(1, 5):
        period = f"2026Q{q}"
        wbs = {"clients": workbook("clients", "BJ01", period, [client("C1", 25 * q, 4.0)]),
               "recruitment": workbook("recruitment", "BJ01", period,
                                       [member("E1", D(2020, 1, 1)), member("E2", D(2020, 1, 1), D(2026, 8, 1))]),
               "training": workbook("training", "BJ01", period, [training("T1", "已完成" if q % 2 else "进行中")])}
        quarters.append(quarter_figures(Period(2026, q), wbs, target("BJ01", period, 50, 40, 500)))
    year = pool(quarters)
    k = kpi_results(year)
    assert (year.sales, year.target, year.prior, year.market_size) == (250.0, 200.0, 160.0, 2000.0)
    assert (year.headcount_start, year.headcount_end, year.leavers) == (2, 1, frozenset({"E2"}))
    assert (k["attrition"].numerator, k["attrition"].denominator) == (1.0, 1.5)
    # E2 is rated in Q1–Q3 only (gone before Q4 began): 2 + 2 + 2 + 1
    assert (k["pass_rate"].numerator, k["pass_rate"].denominator) == (7.0, 7)
    assert (k["training_rate"].numerator, k["training_rate"].denominator) == (2.0, 4)
    assert k["satisfaction"].value == pytest.approx(80.0)
    assert len(year.sources["sales"]) == 4  # every quarter's cells are named


# ---------------------------------------------------------------------------------------------
# Properties of the pure pieces

_counts = st.integers(min_value=0, max_value=1000)
_amounts = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
_maybe = st.one_of(st.none(), _amounts)


@st.composite
def _figures(draw) -> Figures:
    return Figures(
        sales=draw(_maybe), target=draw(_maybe), prior=draw(_maybe), market_size=draw(_maybe),
        headcount_start=draw(st.one_of(st.none(), _counts)), headcount_end=draw(st.one_of(st.none(), _counts)),
        leavers=frozenset(draw(st.lists(st.sampled_from([f"E{i}" for i in range(8)]), max_size=4))),
        passed=draw(_counts), rated=draw(_counts), trainings_done=draw(_counts), trainings=draw(_counts),
        satisfaction_sum=draw(_amounts), surveyed=draw(_counts), new_clients=draw(_counts),
        projects_finished=draw(_counts), projects_on_time=draw(_counts), budget=draw(_amounts), cost=draw(_amounts),
        open_complaints=draw(_counts), has_roster=draw(st.booleans()),
        sources={"sales": [Source(f"f{draw(_counts)}.xlsx", "客户", "G2")]},
    )


def _sum_or_none(values):
    return None if any(v is None for v in values) else math.fsum(values)


@settings(max_examples=30, deadline=None)
@given(st.lists(_figures(), min_size=4, max_size=4))
def test_pool_of_four_quarters_sums_what_it_should(quarters):
    year = pool(quarters)
    for name in ("sales", "target", "prior", "market_size"):
        assert getattr(year, name) == _sum_or_none([getattr(q, name) for q in quarters])
    for name in ("passed", "rated", "trainings_done", "trainings", "surveyed", "new_clients", "projects_finished",
                 "projects_on_time", "open_complaints"):
        assert getattr(year, name) == sum(getattr(q, name) for q in quarters)
    for name in ("satisfaction_sum", "budget", "cost"):
        assert getattr(year, name) == math.fsum(getattr(q, name) for q in quarters)
    assert year.leavers == frozenset().union(*(q.leavers for q in quarters))
    assert (year.headcount_start, year.headcount_end) == (quarters[0].headcount_start, quarters[-1].headcount_end)
    assert year.has_roster == all(q.has_roster for q in quarters)
    assert (year.prior is None) == (year.prior_reason != "")
    assert year.sources["sales"] == [s for q in quarters for s in q.sources["sales"]]
    assert all(q.sources["sales"] and len(q.sources) == 1 for q in quarters)  # pooling leaves its inputs alone


@settings(max_examples=60, deadline=None)
@given(_figures())
def test_kpis_are_na_exactly_when_a_denominator_is_zero_or_missing(f):
    k = kpi_results(f)
    assert (k["attainment"].value is None) == (f.sales is None or not f.target)
    assert (k["growth"].value is None) == (f.sales is None or not f.prior)
    assert (k["market_share"].value is None) == (f.sales is None or not f.market_size)
    assert (k["pass_rate"].value is None) == (f.rated == 0)
    assert (k["training_rate"].value is None) == (f.trainings == 0)
    assert (k["satisfaction"].value is None) == (f.surveyed == 0)
    average_zero = f.headcount_start is None or f.headcount_end is None or f.headcount_start + f.headcount_end == 0
    assert (k["attrition"].value is None) == (not f.has_roster or average_zero)
    for result in k.values():
        assert (result.value is None) == bool(result.reason)  # N/A always says why, a value never does


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.none(), _amounts), st.one_of(st.none(), st.just(0.0), _amounts))
def test_ratio_is_never_zero_for_a_missing_denominator(numerator, denominator):
    r = ratio("x", numerator, denominator, "缺")
    if numerator is None or not denominator:
        assert (r.value, r.reason) == (None, "缺")
    else:
        assert r.value == numerator / denominator
    assert (r.numerator, r.denominator) == (numerator, denominator)


_days = st.dates(min_value=D(2025, 10, 1), max_value=D(2026, 6, 30))


@st.composite
def _roster(draw):
    """Members with a join date and, perhaps, a leave date on or after it; unique 工号."""
    members = []
    for i in range(draw(st.integers(0, 8))):
        joined = draw(_days)
        left = draw(st.one_of(st.none(), _days.filter(lambda d, j=joined: d >= j)))
        members.append(member(f"E{i}", joined, left, draw(st.sampled_from(["优秀", "合格", "不合格", "未考核", None]))))
    return members


@settings(max_examples=50, deadline=None)
@given(_roster())
def test_headcount_at_the_end_is_the_start_plus_joiners_minus_leavers(members):
    start, end, leavers = headcount(table(*members), Q1.start, Q1.end)
    joiners = sum(1 for m in members if Q1.start <= m["join_date"] <= Q1.end)
    assert end == start + joiners - len(leavers)
    assert leavers == {m["employee_id"] for m in members if m["leave_date"] and Q1.start <= m["leave_date"] <= Q1.end}
    passed, rated = ratings(table(*members), Q1.start, Q1.end)
    on_team = [m for m in members if m["join_date"] <= Q1.end and not (m["leave_date"] and m["leave_date"] < Q1.start)]
    assert 0 <= passed <= rated <= len(on_team)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False)),
                          st.one_of(st.none(), st.integers(1, 5), st.floats(1, 5, allow_nan=False))), max_size=12))
def test_a_clients_figures_are_its_sums_and_counts(cells):
    facts = workbook("clients", "BJ01", "2026Q1", [client(f"C{i}", s, sat) for i, (s, sat) in enumerate(cells)])
    scores = [sat for _, sat in cells if sat is not None]
    assert facts.figures["sales"] == math.fsum(s for s, _ in cells if s is not None)
    assert (facts.figures["surveyed"], facts.figures["satisfaction_sum"]) == (len(scores), math.fsum(scores))
    assert facts.client_ids == {f"C{i}" for i in range(len(cells))}
    assert facts.tables == {}  # an office form's rows stay in the reader
