"""KPI maths of SPEC §5: hand-computed tables for every formula and edge, and provenance."""

from __future__ import annotations

from datetime import date

import pytest
from _assess_helpers import client, member, project, rows, target, training, workbook

from pipeline.kpi import (
    Figures,
    budget_and_cost,
    headcount,
    informational,
    kpi_results,
    on_time,
    open_complaints,
    pool,
    quarter_figures,
    ratings,
)
from pipeline.model import Period, Source

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
    start, end, leavers = headcount(rows(member("E1", joined, left)), Q1.start, Q1.end)
    assert (start, end, len(leavers)) == expected


def test_attrition_of_a_roster():
    # start: E1 E2 E3 E4 (joined before 1/1, still there) = 4; E4 leaves 3/31, E5 joins 2/1.
    # end: E1 E2 E3 E5 = 4; leavers = {E4} -> 1 / ((4 + 4) / 2) = 0.25
    roster = rows(member("E1", D(2020, 1, 1)), member("E2", D(2021, 1, 1)), member("E3", D(2022, 1, 1)),
                  member("E4", D(2022, 1, 1), D(2026, 3, 31)), member("E5", D(2026, 2, 1)),
                  member("E6", D(2020, 1, 1), D(2025, 11, 30)))  # left before: nowhere
    wb = workbook("recruitment", "BJ01", "2026Q1", [r.values for r in roster])
    f = quarter_figures(Q1, {"recruitment": wb}, None)
    assert (f.headcount_start, f.headcount_end, sorted(f.leavers)) == (4, 4, ["E4"])
    k = kpi_results(f)["attrition"]
    assert (k.value, k.numerator, k.denominator) == (0.25, 1.0, 4.0)
    assert k.sources == (Source("submissions/2026Q1/BJ01/recruitment.xlsx", "团队名册", "D2:E7", "1.0", "ab" * 32,
                                "团队名册:入职日期、离职日期"),)


def test_attrition_na_when_nobody_on_the_team():
    wb = workbook("recruitment", "BJ01", "2026Q1", [member("E1", D(2026, 2, 1), D(2026, 2, 2))])
    k = kpi_results(quarter_figures(Q1, {"recruitment": wb}, None))["attrition"]
    assert (k.value, k.numerator, k.denominator, k.reason) == (None, 1.0, 0.0, "期初与期末人数均为 0")


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
    roster = rows(*[member(f"E{i}", D(2020, 1, 1), rating=r) for i, r in enumerate(ratings_)])
    assert ratings(roster, Q1.start, Q1.end) == expected


def test_pass_rate_ignores_members_gone_before_the_quarter():
    roster = rows(member("E1", D(2020, 1, 1), rating="优秀"), member("E2", D(2020, 1, 1), D(2025, 12, 1), "不合格"))
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
    assert (k["growth"].value, k["growth"].reason) == (None, "《季度目标》未填上年同期销售额,且没有 2025Q1 的客户表")


def test_prior_falls_back_to_last_years_submission():
    last_year = workbook("clients", "BJ01", "2025Q1", [client("C1", 30), client("C2", 50)])
    k = _business([100], target("BJ01", "2026Q1", 100, None, 1000), prior_clients=last_year)
    assert (k["growth"].value, k["growth"].numerator, k["growth"].denominator) == (0.25, 20.0, 80.0)
    assert k["growth"].sources[-1] == Source("submissions/2025Q1/BJ01/clients.xlsx", "客户", "G2:G3", "1.0",
                                             "ab" * 32, "上年同期(2025Q1)本期销售额之和")


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
    assert k["attainment"].reason == "没有客户表(销售额)"
    assert k["attrition"].reason == "没有团队名册"


def test_informational():
    clients = rows(client("C1", 1, kind="新客户", complaints=3, resolved=1), client("C2", 1, kind="新客户"),
                   client("C3", 1, complaints=2, resolved=2), client("C4", 1, complaints=None, resolved=None))
    assert open_complaints(clients) == 2
    projects = rows(project("P1", D(2026, 3, 1), D(2026, 3, 1), 100, 90),  # on time (equal)
                    project("P2", D(2026, 3, 1), D(2026, 3, 2), 50, 80),  # late
                    project("P3", D(2026, 3, 1), None, 10, None))  # not finished; half-filled budget
    assert on_time(projects) == (1, 2)
    assert budget_and_cost(projects) == (150.0, 170.0)
    f = quarter_figures(Q1, {"clients": workbook("clients", "BJ01", "2026Q1", [r.values for r in clients]),
                             "projects": workbook("projects", "BJ01", "2026Q1", [r.values for r in projects])}, None)
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
