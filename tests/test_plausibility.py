"""Plausibility: every rule tripped by a workbook written from the real templates, and left quiet
by one just inside its bound (policy.yaml's defaults; the form specs' ceilings and date window).

Each case writes reference.xlsx and an office's four forms (tests/_validation_helpers.GOOD_ROWS,
sales 300 + 250 = 550 against a target of 500) and reads the folder as `validate` and `run` do.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from _validation_helpers import GOOD_ROWS, good_office

from pipeline.engine.policy import DEFAULT_PLAUSIBILITY, PolicyError, load_policy, parse_plausibility
from pipeline.findings import ERROR, WARNING
from pipeline.forms import CLIENTS, REFERENCE, Date
from pipeline.forms.values import format_amount, unit_hint
from pipeline.run import check

CLIENTS_FILE = "submissions/2026Q1/BJ01/clients.xlsx"


def target(period: str, sales_target: float = 500, prior: float | None = None, market: float | None = 50_000,
           office: str = "BJ01") -> dict:
    return {"year": int(period[:4]), "quarter": period[4:], "office_id": office, "sales_target": sales_target,
            "prior_sales": prior, "market_size": market}


def rows_with(form_id: str, sheet: str, **changes) -> dict:
    """GOOD_ROWS of one form with the first row of `sheet` changed."""
    rows = copy.deepcopy(GOOD_ROWS[form_id])
    rows[sheet][0].update(changes)
    return rows


def sales_rows(*amounts: float) -> dict:
    return {"clients": [{"client_id": f"C{i}", "name": "测试客户", "client_type": "老客户", "sales": amount}
                        for i, amount in enumerate(amounts, start=1)]}


def office(make_workbook, period: str = "2026Q1", **forms: dict) -> None:
    """The four forms of BJ01 in `period`: GOOD_ROWS, with the rows given per form id instead."""
    good_office(make_workbook, period=period, skip=tuple(forms))
    for form_id, rows in forms.items():
        make_workbook(form_id, f"submissions/{period}/BJ01/{form_id}.xlsx", rows=rows)


def found(data_dir, code: str) -> list:
    dataset, _ = check(data_dir, workers=1)
    return [f for f in dataset.findings if f.code == code]


# ---------------------------------------------------------------------------------------------
# One cell: the form spec's ceiling, the date window


@pytest.mark.parametrize(("sales", "tripped"), [(1e308, True), (1e15, True), (1_000_000.01, True),
                                                 (1_000_000, False)])
def test_an_amount_above_its_fields_ceiling_is_an_error_at_its_cell(make_reference, make_workbook, data_dir, sales,
                                                                    tripped):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, clients=sales_rows(sales, 10))
    ceiling = found(data_dir, "plausible-ceiling")
    assert bool(ceiling) is tripped
    if tripped:
        (f,) = ceiling
        assert (f.severity, f.file, f.sheet, f.cell, f.column) == (ERROR, CLIENTS_FILE, "客户", "G2", "本期销售额")
        assert (f.office_id, f.period) == ("BJ01", "2026Q1")
        assert "超过合理上限 1,000,000 万元" in f.message


def test_the_ceiling_message_says_what_an_amount_typed_in_yuan_would_be(make_reference, make_workbook, data_dir):
    make_reference(targets=[target("2026Q1", sales_target=5_000_000, market=None)])
    office(make_workbook, clients=sales_rows(3_550_000))
    (f,) = found(data_dir, "plausible-ceiling")
    assert f.message.endswith("本列的单位为万元，如果填的是元，应除以 10,000，即 355 万元")


def test_no_sum_ever_sees_a_value_above_the_ceiling(make_reference, make_workbook, data_dir):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, clients=sales_rows(1e308, 1e308, 550))  # two of them would overflow a sum
    dataset, _ = check(data_dir, workers=1)
    facts = next(w for w in dataset.workbooks if w.path == CLIENTS_FILE)
    assert facts.figures["sales"] == 550


def test_a_salary_value_above_its_ceiling_is_never_shown(make_reference, data_dir):
    offices = [{"office_id": "BJ01", "office_name": "北京一所", "bonus_base": 123_456_789}]
    make_reference(offices=offices, targets=[target("2026Q1")])
    (f,) = found(data_dir, "plausible-ceiling")
    assert (f.file, f.column, f.value) == ("reference.xlsx", "季度奖金基数", None)
    assert "123456789" not in f.message and "123,456,789" not in f.message


@pytest.mark.parametrize(("joined", "tripped"), [(date(1949, 12, 31), True), (date(1950, 1, 1), False),
                                                  (date(1900, 1, 1), True)])
def test_a_join_date_before_1950_is_an_error(make_reference, make_workbook, data_dir, joined, tripped):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, recruitment=rows_with("recruitment", "roster", join_date=joined))
    dates = found(data_dir, "plausible-date")
    assert [(f.cell, f.column, f.severity) for f in dates] == ([("D2", "入职日期", ERROR)] if tripped else [])


@pytest.mark.parametrize(("planned", "tripped"), [(date(2101, 1, 1), True), (date(2100, 12, 31), False)])
def test_a_date_after_2100_is_an_error(make_reference, make_workbook, data_dir, planned, tripped):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, projects=rows_with("projects", "projects", planned_end=planned))
    assert bool(found(data_dir, "plausible-date")) is tripped


@pytest.mark.parametrize(("typed", "seen"), [
    (60, "1900-02-28"),  # serial 60 in the template's date cell: calamine reads 59 and 60 both so
    ("1900-02-29", "1900-02-29"),
])
def test_the_nonexistent_29_february_1900_is_an_error(make_reference, make_workbook, data_dir, typed, seen):
    make_reference(targets=[target("2026Q1")])
    good_office(make_workbook, skip=("recruitment",))
    make_workbook("recruitment", "submissions/2026Q1/BJ01/recruitment.xlsx", rows=GOOD_ROWS["recruitment"],
                  raw={"团队名册": {"D2": typed}})
    (f,) = found(data_dir, "plausible-date")
    assert (f.cell, f.severity, f.value) == ("D2", ERROR, seen)
    assert "1900-02-29" in f.message and "并不存在" in f.message


@pytest.mark.parametrize("serial", [60, 60.0, 60.5])
def test_serial_60_in_a_number_cell_is_the_day_that_never_was(serial):
    reading = Date().read(serial)
    assert (reading.value, reading.error) == (None, "plausible-date")
    assert "1900-02-29 这一天并不存在" in reading.params["reason"]
    assert Date().read(serial, date1904=True).error == "type-date"  # the 1904 system has no such day


@pytest.mark.parametrize(("left", "tripped"), [(date(2024, 6, 30), True), (date(2024, 7, 1), False)])
def test_a_leave_date_before_the_join_date_is_an_error(make_reference, make_workbook, data_dir, left, tripped):
    make_reference(targets=[target("2026Q1")])  # the first member joined on 2024-07-01
    office(make_workbook, recruitment=rows_with("recruitment", "roster", leave_date=left))
    rule = found(data_dir, "rule-not-before")
    assert [(f.cell, f.severity) for f in rule] == ([("E2", ERROR)] if tripped else [])


@pytest.mark.parametrize(("joined", "tripped"), [(date(2026, 4, 1), True), (date(2026, 3, 31), False)])
def test_a_join_date_after_the_quarter_is_a_warning(make_reference, make_workbook, data_dir, joined, tripped):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, recruitment=rows_with("recruitment", "roster", join_date=joined))
    late = found(data_dir, "roster-joined-after-period")
    assert [(f.cell, f.severity) for f in late] == ([("D2", WARNING)] if tripped else [])


@pytest.mark.parametrize(("planned", "tripped"), [
    (date(2024, 12, 30), True), (date(2024, 12, 31), False),  # 2026Q1 starts 366 days after 2024-12-31
    (date(2027, 4, 2), True), (date(2027, 4, 1), False),  # … and ends 366 days before 2027-04-01
])
def test_a_training_planned_more_than_a_year_from_its_quarter_is_a_warning(make_reference, make_workbook, data_dir,
                                                                           planned, tripped):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, training=rows_with("training", "trainings", planned_date=planned, actual_date=planned))
    far = found(data_dir, "plausible-date-far")
    assert [(f.cell, f.severity) for f in far] == ([("D2", WARNING), ("F2", WARNING)] if tripped else [])
    if tripped:
        assert "与本期（2026Q1，2026-01-01 至 2026-03-31）相差一年以上" in far[0].message


# ---------------------------------------------------------------------------------------------
# One office-quarter: attainment, market share, attrition


@pytest.mark.parametrize(("sales", "tripped"), [
    (1500.5, True), (1500, False),  # 300 % of 500
    (24.9, True), (25, False),  # 5 %
    (0, False),  # nothing sold is no slip of the unit
])
def test_attainment_beyond_its_bounds_is_a_suspected_unit_error(make_reference, make_workbook, data_dir, sales,
                                                                 tripped):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, clients=sales_rows(sales))
    suspected = found(data_dir, "plausible-attainment")
    assert bool(suspected) is tripped
    if tripped:
        (f,) = suspected
        assert (f.title, f.severity, f.file, f.sheet, f.column) == ("疑似单位错误", ERROR, CLIENTS_FILE, "客户", "本期销售额")
        assert (f.office_id, f.period) == ("BJ01", "2026Q1")
        assert "单位为万元" in f.message and "应除以 10,000" in f.message


def test_sales_typed_in_yuan_are_named_with_what_they_would_be_in_wan(make_reference, make_workbook, data_dir):
    make_reference(targets=[target("2026Q1", market=None)])
    office(make_workbook, clients=sales_rows(300_000, 250_000))  # 30 and 25 万元 typed in 元
    (f,) = found(data_dir, "plausible-attainment")
    assert f.message == ("北京一所（BJ01） 2026Q1 的销售目标完成率为 110,000%，超出合理范围（5% 至 300%）："
                         "客户表 G2:G3 的本期销售额之和为 550,000 万元，是销售目标 500 万元的 1,100 倍；"
                         "本期销售额的单位为万元，如果填的是元，应除以 10,000，即 55 万元（完成率 11%）")


def test_a_target_typed_in_yuan_is_named_too(make_reference, make_workbook, data_dir):
    make_reference(targets=[target("2026Q1", sales_target=5_000_000, market=None)])
    office(make_workbook)
    (f,) = found(data_dir, "plausible-attainment")
    assert f.message.endswith("销售目标的单位为万元，如果填的是元，应除以 10,000，即 500 万元")


@pytest.mark.parametrize(("sales", "tripped"), [(1000.5, True), (1000, False)])
def test_market_share_above_100_percent_is_an_error(make_reference, make_workbook, data_dir, sales, tripped):
    make_reference(targets=[target("2026Q1", market=1000)])
    office(make_workbook, clients=sales_rows(sales))
    share = found(data_dir, "plausible-market-share")
    assert [(f.severity, f.file, f.office_id, f.period) for f in share] == (
        [(ERROR, CLIENTS_FILE, "BJ01", "2026Q1")] if tripped else [])


def _member(eid: str, joined: date, left: date | None = None) -> dict:
    return {"employee_id": eid, "name": "测试成员", "join_date": joined, "leave_date": left, "rating": "良好"}


@pytest.mark.parametrize(("roster", "tripped"), [
    # two at the start, both leave, one joins: 2 leavers / ((2 + 1) / 2) = 133 %
    ([_member("E1", date(2020, 1, 1), date(2026, 2, 1)), _member("E2", date(2020, 1, 1), date(2026, 2, 1)),
      _member("E3", date(2026, 2, 2))], True),
    # two at the start, both leave, two join: 2 / 2 = 100 %, the bound itself
    ([_member("E1", date(2020, 1, 1), date(2026, 2, 1)), _member("E2", date(2020, 1, 1), date(2026, 2, 1)),
      _member("E3", date(2026, 2, 2)), _member("E4", date(2026, 2, 2))], False),
])
def test_attrition_above_100_percent_is_a_warning(make_reference, make_workbook, data_dir, roster, tripped):
    make_reference(targets=[target("2026Q1")])
    office(make_workbook, recruitment={"hiring": GOOD_ROWS["recruitment"]["hiring"], "roster": roster})
    attrition = found(data_dir, "plausible-attrition")
    assert [(f.severity, f.sheet) for f in attrition] == ([(WARNING, "团队名册")] if tripped else [])
    if tripped:
        assert "流失率为 133.33%：离职 2 人，期初 2 人，期末 1 人" in attrition[0].message


# ---------------------------------------------------------------------------------------------
# Against earlier quarters


@pytest.mark.parametrize(("earlier", "sales", "tripped"), [
    ("2025Q4", 5500.5, True), ("2025Q4", 5500, False),  # ten times 550
    ("2025Q4", 54.9, True), ("2025Q4", 55, False),  # a tenth of it
    ("2025Q1", 5500.5, True), ("2025Q1", 5500, False),  # the same quarter last year
])
def test_sales_ten_times_or_a_tenth_of_an_earlier_quarter_are_a_warning(make_reference, make_workbook, data_dir,
                                                                        earlier, sales, tripped):
    make_reference(targets=[target(earlier), target("2026Q1", sales_target=sales)])
    office(make_workbook, period=earlier)  # sales 550
    office(make_workbook, clients=sales_rows(sales))
    changes = found(data_dir, "plausible-change")
    assert [(f.severity, f.file, f.period) for f in changes] == ([(WARNING, CLIENTS_FILE, "2026Q1")] if tripped else [])
    if tripped:
        assert f"{earlier}（550 万元）" in changes[0].message


def test_last_years_sales_from_the_reference_are_a_yardstick_too(make_reference, make_workbook, data_dir):
    make_reference(targets=[target("2026Q1", sales_target=600, prior=50)])
    office(make_workbook)  # 550 against last year's 50
    (f,) = found(data_dir, "plausible-change")
    assert "是 reference.xlsx《季度目标》中的上年同期销售额（50 万元）的 11 倍" in f.message


def test_project_budgets_are_compared_too(make_reference, make_workbook, data_dir):
    make_reference(targets=[target("2025Q4"), target("2026Q1")])
    office(make_workbook, period="2025Q4", projects=rows_with("projects", "projects", budget=100, cost=10))
    office(make_workbook, projects=rows_with("projects", "projects", budget=1001, cost=10))
    (f,) = found(data_dir, "plausible-change")
    assert (f.sheet, f.column) == ("项目", "预算") and "项目预算之和为 1,001 万元，是 2025Q4（100 万元）的 10.01 倍" in f.message


def test_a_quarter_with_errors_is_no_yardstick(make_reference, make_workbook, data_dir):
    make_reference(targets=[target("2025Q4"), target("2026Q1", sales_target=5501)])
    office(make_workbook, period="2025Q4", training=rows_with("training", "trainings", training_id=None))
    office(make_workbook, clients=sales_rows(5501))
    assert found(data_dir, "plausible-change") == []


@pytest.mark.parametrize(("roster", "tripped"), [
    ([], True),  # nobody at all, and nobody left
    ([_member("E1", date(2024, 7, 1))], False),
    ([_member("E1", date(2024, 7, 1), date(2026, 5, 1))], False),  # left within the quarter: attrition, not this
])
def test_a_roster_emptied_with_no_leavers_is_a_warning(make_reference, make_workbook, data_dir, roster, tripped):
    make_reference(targets=[target("2026Q1"), target("2026Q2")])
    office(make_workbook)  # two members at the end of 2026Q1
    office(make_workbook, period="2026Q2",
           recruitment={"hiring": GOOD_ROWS["recruitment"]["hiring"], "roster": roster})
    emptied = found(data_dir, "plausible-roster-empty")
    assert [(f.severity, f.period) for f in emptied] == ([(WARNING, "2026Q2")] if tripped else [])
    if tripped:
        assert "上季度（2026Q1）期末有 2 人" in emptied[0].message


# ---------------------------------------------------------------------------------------------
# The office-period, the policy


def test_a_plausibility_error_makes_its_office_period_invalid(make_reference, make_workbook, data_dir):
    from pipeline.engine.assess import assess
    from pipeline.engine.model import INVALID, SCORED

    make_reference(targets=[target("2026Q1"), target("2026Q1", office="SH01")])
    office(make_workbook, clients=sales_rows(550_000))
    good_office(make_workbook, office="SH01")
    dataset, _ = check(data_dir, workers=1)
    cards = {c.office_id: c for c in assess(dataset, load_policy()).scorecards if c.period == "2026Q1"}
    assert (cards["BJ01"].status, cards["SH01"].status) == (INVALID, SCORED)
    assert sorted(f.code for f in dataset.findings if f.blocking) == ["plausible-attainment", "plausible-market-share"]


def test_the_bounds_come_from_the_policy(make_reference, make_workbook, data_dir, tmp_path):
    from pipeline.engine.dataset import screen

    make_reference(targets=[target("2026Q1")])
    office(make_workbook, clients=sales_rows(1500))  # 300 %: just inside the default bound
    dataset, _ = check(data_dir, workers=1)
    assert not [f for f in dataset.findings if f.code == "plausible-attainment"]
    stricter = parse_plausibility({"attainment_max": 2.5})
    assert [f.code for f in screen(dataset, stricter).findings if f.code.startswith("plausible-")] == [
        "plausible-attainment"]


def test_the_policy_file_carries_the_defaults():
    assert load_policy().plausibility == DEFAULT_PLAUSIBILITY
    assert parse_plausibility(None) == DEFAULT_PLAUSIBILITY


@pytest.mark.parametrize(("raw", "message"), [
    ([1], "plausibility 应为键值对"),
    ({"attainment_maxx": 3}, "plausibility 中有未知的配置项 attainment_maxx"),
    ({"attainment_max": "3"}, "plausibility.attainment_max 应为大于 0、不超过 1000 的数字，实际为 “3”"),
    ({"attrition_max": 0}, "plausibility.attrition_max 应为大于 0、不超过 1000 的数字，实际为 0"),
    ({"attainment_min": 3, "attainment_max": 2}, "attainment_min 应小于"),
    ({"change_factor": 1}, "change_factor 应为大于 1、不超过 1000 的数字"),
    ({"market_share_max": 1e9}, "market_share_max 应为大于 0、不超过 1000 的数字"),
    ({"attrition_max": -1}, "attrition_max 应为大于 0"),
])
def test_a_bad_plausibility_section_is_a_chinese_policy_error(raw, message):
    with pytest.raises(PolicyError, match=message):
        parse_plausibility(raw)


def test_the_unit_hint_is_only_for_wan_columns():
    assert unit_hint(3_550_000, "万元") == "；本列的单位为万元，如果填的是元，应除以 10,000，即 355 万元"
    assert unit_hint(3_550_000, "元") == unit_hint(12, "人") == ""
    assert format_amount(1234567.891) == "1,234,567.89" and format_amount(1e308) == "1e+308"


def test_every_amount_in_wan_has_a_ceiling():
    for form in (CLIENTS, REFERENCE):
        for sheet in form.sheets:
            for f in sheet.fields:
                if f.unit in ("万元", "元"):
                    assert f.ceiling is not None, f.label


def test_the_bundled_sample_is_plausible_throughout():
    from pathlib import Path

    dataset, _ = check(Path(__file__).resolve().parents[1] / "sample_data", workers=1)
    assert [f.display() for f in dataset.findings if f.code.startswith(("plausible-", "accepted-"))] == []
