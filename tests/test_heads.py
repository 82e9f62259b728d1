"""Head history: reference.xlsx › 所长任职, the head of each office-period, honours that follow people."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from pathlib import Path

import pytest
from _assess_helpers import dataset, office_quarter, target
from _validation_helpers import GOOD_ROWS, good_office
from conftest import DEFAULT_OFFICES, DEPUTY, default_targets, write_form
from openpyxl import load_workbook

from pipeline.engine.assess import assess
from pipeline.engine.heads import build_tenures, head_of
from pipeline.engine.model import SCORED, Office, Scorecard, Tenure
from pipeline.engine.policy import load_policy
from pipeline.engine.scoring import award_honours
from pipeline.engine.submissions import office_period_errors
from pipeline.forms import REFERENCE
from pipeline.intake.read import read_workbook
from pipeline.outputs.form_workbook import form_workbook_bytes
from pipeline.run import check

POLICY = load_policy()
PROMOTION = "晋升优先"
OFFICE = Office("BJ01", "北京一所", head="测试所长甲")


def _tenure(head_id: str, name: str, start: date, end: date | None = None, office: str = "BJ01") -> Tenure:
    return Tenure(office, head_id, name, start, end)


# ---------------------------------------------------------------------------------------------
# The head of a period


def test_without_rows_the_office_sheets_head_applies_to_every_period():
    for period in ("2025Q1", "2026Q4", "2026"):
        head = head_of(OFFICE, None, period)
        assert (head.head_id, head.name, head.note) == ("", "测试所长甲", "")


CHANGE_AT_BOUNDARY = [_tenure("T1", "测试所长甲", date(2020, 1, 1), date(2026, 3, 31)),
                      _tenure("T2", "测试所长乙", date(2026, 4, 1))]
CHANGE_INSIDE = [_tenure("T1", "测试所长甲", date(2020, 1, 1), date(2026, 5, 15)),
                 _tenure("T2", "测试所长乙", date(2026, 5, 16))]


@pytest.mark.parametrize(
    ("tenures", "period", "head_id", "name", "noted"),
    [
        (CHANGE_AT_BOUNDARY, "2026Q1", "T1", "测试所长甲", False),  # in office on 31 March
        (CHANGE_AT_BOUNDARY, "2026Q2", "T2", "测试所长乙", False),  # a change at the boundary is no change inside
        (CHANGE_AT_BOUNDARY, "2026", "T2", "测试所长乙", True),  # the year saw both
        (CHANGE_INSIDE, "2026Q1", "T1", "测试所长甲", False),
        (CHANGE_INSIDE, "2026Q2", "T2", "测试所长乙", True),  # the head on 30 June, the change noted
        (CHANGE_INSIDE, "2026Q3", "T2", "测试所长乙", False),
        (CHANGE_INSIDE, "2019Q4", "", "", True),  # before the first row: nobody in office
    ],
)
def test_head_of_a_period_is_the_one_in_office_on_its_last_day(tenures, period, head_id, name, noted):
    head = head_of(OFFICE, tenures, period)
    assert (head.head_id, head.name, bool(head.note)) == (head_id, name, noted)


def test_a_change_inside_the_quarter_is_noted_with_both_heads():
    note = head_of(OFFICE, CHANGE_INSIDE, "2026Q2").note
    assert note == ("本期内所长有变动：测试所长甲（2020-01-01 至 2026-05-15）、测试所长乙（2026-05-16 至 今）；"
                    "本期考核结果归属期末在任的所长")


def test_cards_name_the_head_of_their_own_period():
    subs = {**office_quarter("BJ01", "2026Q1", [110]), **office_quarter("BJ01", "2026Q2", [110])}
    data = dataset(["BJ01"], {("BJ01", p): target("BJ01", p) for p in ("2026Q1", "2026Q2")}, subs)
    data.reference.tenures = {"BJ01": CHANGE_INSIDE}
    cards = {c.period: c for c in assess(data, POLICY).scorecards}
    assert (cards["2026Q1"].head, cards["2026Q1"].head_id, cards["2026Q1"].notes) == ("测试所长甲", "T1", ())
    assert (cards["2026Q2"].head, cards["2026Q2"].head_id) == ("测试所长乙", "T2")
    assert cards["2026Q2"].notes[0].startswith("本期内所长有变动")
    assert cards["2026"].head == "测试所长乙"


# ---------------------------------------------------------------------------------------------
# Honours belong to people


def _annual(office: str, year: str, head_id: str, name: str, score: float = 95.0) -> Scorecard:
    return Scorecard(period=year, cycle="annual", office_id=office, head=name, head_id=head_id, status=SCORED,
                     score=score, grade=POLICY.grade_for(score),
                     block_scores={"business": 100.0, "team": 90.0, "customer": 100.0})


def test_a_head_who_moves_office_keeps_promotion_priority():
    cards = [_annual("BJ01", "2025", "T1", "测试所长甲"), _annual("SH01", "2025", "T2", "测试所长乙", 70.0),
             _annual("BJ01", "2026", "T3", "测试所长丙", 70.0), _annual("SH01", "2026", "T1", "测试所长甲")]
    award_honours(cards, POLICY)
    assert PROMOTION in cards[3].honours  # 优秀 in BJ01 in 2025, in SH01 in 2026: the same 工号


def test_a_new_head_does_not_inherit_promotion_priority():
    cards = [_annual("BJ01", "2025", "T1", "测试所长甲"), _annual("BJ01", "2026", "T2", "测试所长乙")]
    award_honours(cards, POLICY)
    assert PROMOTION not in cards[1].honours  # the office was 优秀 twice, but not under the same person
    assert "培训与发展激励" in cards[1].honours and "年终特别奖励" in cards[1].honours  # the year-end head's


def test_without_head_rows_promotion_follows_the_office_as_before():
    cards = [_annual("BJ01", "2025", "", "测试所长甲"), _annual("BJ01", "2026", "", "测试所长甲")]
    award_honours(cards, POLICY)
    assert PROMOTION in cards[1].honours


NO_HEAD_NOTE = "年末没有在任所长：“晋升优先”须由同一位所长（以工号认定）连续获评“优秀”，本年度的结果不计入任何人的“晋升优先”"


def test_a_year_that_ended_without_a_head_counts_for_nobody():
    cards = [_annual("BJ01", "2025", "", ""), _annual("BJ01", "2026", "", ""), _annual("SH01", "2026", "", "", 85.0)]
    award_honours(cards, POLICY)
    # 优秀 twice, but nobody held the office either year-end: no person to carry 晋升优先
    assert PROMOTION not in cards[1].honours
    assert cards[1].honours == ("年终特别奖励", "优秀业务所长", "培训与发展激励")
    assert (cards[0].notes, cards[1].notes) == ((NO_HEAD_NOTE,), (NO_HEAD_NOTE,))
    assert cards[2].notes == ()  # 良好: no 晋升优先 to lose, nothing to say
    award_honours(cards, POLICY)
    assert cards[1].notes == (NO_HEAD_NOTE,)  # said once


def test_a_year_without_a_head_breaks_the_run_of_whoever_heads_before_or_after():
    cards = [_annual("BJ01", "2025", "T1", "测试所长甲"), _annual("BJ01", "2026", "", ""),
             _annual("BJ01", "2027", "T2", "测试所长乙"), _annual("SH01", "2027", "T1", "测试所长甲")]
    award_honours(cards, POLICY)
    assert [PROMOTION in c.honours for c in cards] == [False, False, False, False]


def _two_excellent_years(head: str, tenures: list[Tenure] | None) -> dict[str, Scorecard]:
    """BJ01 in 2025 and 2026, every quarter alike: sales 110 of a target of 100 (prior 100, market
    1,000), one member rated 良好 who never left, one training 已完成, no satisfaction surveyed.

    By hand — quarter: attainment 1.1 → 110, growth 0.1 → 100, share 0.11 → 104, attrition 0,
    pass rate and training rate 1 → 100 each: (35·110 + 15·100 + 10·104 + 15·100 + 15·100 + 10·100)
    / 100 = 103.9. Year: the same rates pooled, satisfaction N/A so its 20 is shared out:
    (30·110 + 10·100 + 10·104 + 3·10·100) / 80 = 104.25 (优秀); 业务指标 (3300 + 1000 + 1040) / 50 =
    106.8 ≥ 100 and 团队管理指标 100 ≥ 90: 年终特别奖励; the only 优秀 office: 优秀业务所长.
    """
    quarters = [f"{year}Q{q}" for year in (2025, 2026) for q in range(1, 5)]
    subs = {k: v for p in quarters for k, v in office_quarter("BJ01", p, [110]).items()}
    data = dataset(["BJ01"], {("BJ01", p): target("BJ01", p) for p in quarters}, subs)
    data.reference.offices["BJ01"] = dataclasses.replace(data.reference.offices["BJ01"], head=head)
    data.reference.tenures = {"BJ01": tenures} if tenures else {}
    return {c.period: c for c in assess(data, POLICY).scorecards if c.cycle == "annual"}


@pytest.mark.parametrize(
    ("head", "tenures", "promoted", "notes"),
    [
        ("测试所长甲", None, True, ()),  # the 业务所 sheet's 所长 heads both years: theirs
        ("", None, False, (NO_HEAD_NOTE,)),  # no rows and no 所长: nobody's
        # rows, but the only head left before 2025: nobody in office on either 31 December
        ("测试所长甲", [_tenure("T1", "测试所长甲", date(2020, 1, 1), date(2024, 12, 31))], False,
         ("期末没有在任所长（见《所长任职》）", NO_HEAD_NOTE)),
    ],
)
def test_promotion_priority_needs_a_person_at_both_year_ends(head, tenures, promoted, notes):
    cards = _two_excellent_years(head, tenures)
    assert [(c.score, c.grade, c.block_scores["business"]) for c in cards.values()] == [(104.25, "优秀", 106.8)] * 2
    assert cards["2026"].honours == ("年终特别奖励", "优秀业务所长", *((PROMOTION,) if promoted else ()),
                                     "培训与发展激励")
    assert cards["2025"].notes == cards["2026"].notes == notes


# ---------------------------------------------------------------------------------------------
# The sheet: written by `templates`, read, validated


def _reference(data_dir: Path, heads: list[dict], offices: list[dict] | None = None) -> Path:
    offices = offices or DEFAULT_OFFICES
    return write_form(REFERENCE, data_dir / "reference.xlsx",
                      rows={"offices": offices, "targets": default_targets(offices), "heads": heads})


def _head(office: str, head_id: str, name: str, start: date, end: date | None = None) -> dict:
    return {"office_id": office, "head_id": head_id, "head_name": name, "start": start, "end": end}


def test_head_rows_findings_name_their_cells(data_dir):
    _reference(data_dir, [
        _head("BJ01", "T1", "测试所长甲", date(2020, 1, 1), date(2026, 3, 31)),  # row 2
        _head("BJ01", "T2", "测试所长乙", date(2026, 3, 1)),  # row 3: overlaps row 2
        _head("SH01", "T3", "测试所长丙", date(2020, 1, 1), date(2025, 12, 31)),  # row 4
        _head("SH01", "T4", "测试所长丁", date(2026, 2, 1)),  # row 5: a gap in January
        _head("XX09", "T5", "测试所长戊", date(2020, 1, 1)),  # row 6: unknown office
        _head("GZ01", "T6", "测试所长己", date(2026, 1, 1), date(2025, 1, 1)),  # row 7: end before start
    ], offices=[*DEFAULT_OFFICES, {"office_id": "GZ01", "office_name": "广州一所", "head": "测试所长己",
                                   "region": "华南", "bonus_base": 30000}])
    data, _ = check(data_dir)
    found = sorted((f.code, f.severity, f.sheet, f.cell) for f in data.findings if f.sheet == "所长任职")
    assert found == [
        ("head-gap", "warning", "所长任职", "D5"),
        ("head-overlap", "error", "所长任职", "D3"),
        ("head-unknown-office", "error", "所长任职", "A6"),
        ("rule-not-before", "error", "所长任职", "E7"),
    ]
    gap = next(f for f in data.findings if f.code == "head-gap")
    assert gap.message == "上海一所（SH01）在 2026-01-01 至 2026-01-31 没有在任所长（第 4 行的任职结束后，本行才开始）"
    overlap = next(f for f in data.findings if f.code == "head-overlap")
    assert overlap.message == ("北京一所（BJ01）的这一任职（自 2026-03-01）与第 2 行的任职（2020-01-01 至 2026-03-31）"
                               "时间重叠，本行未采用")
    assert all("T" not in (f.value or "") for f in data.findings if f.column == "工号")  # 工号 is never echoed
    # the overlapping row is not taken: BJ01 keeps its first head
    assert [t.head_id for t in data.reference.tenures["BJ01"]] == ["T1"]
    assert "GZ01" not in data.reference.tenures


def test_build_tenures_skips_rows_the_reader_faulted():
    class _Row(dict):
        number = 2
    tenures, found = build_tenures([_Row(office_id="BJ01", head_id=None, head_name="测试所长甲",
                                         start=date(2020, 1, 1), end=None)], {"BJ01": OFFICE}, "reference.xlsx")
    assert (tenures, found) == ({}, [])


def _old_reference_bytes(version: str = "1.0") -> bytes:
    """A reference.xlsx as version 1.0 of the template made it: no optional sheets (所长任职,
    填报日程), no units in the headers."""
    rows = {"offices": DEFAULT_OFFICES, "targets": default_targets()}
    layout = REFERENCE.as_of(version) or REFERENCE
    wb = load_workbook(io.BytesIO(form_workbook_bytes(layout, rows=rows)))
    for sheet in REFERENCE.sheets:
        if sheet.optional:
            del wb[sheet.name]
    meta = wb["_meta"]
    for row in meta.iter_rows():
        if row[0].value == "template_version":
            row[1].value = version
        if row[0].value == "structure_hash":
            row[1].value = min(layout.structure_hashes - {layout.structure_hash})
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_reference_of_version_1_0_without_the_sheet_stays_valid(data_dir, make_workbook):
    (data_dir / "reference.xlsx").write_bytes(_old_reference_bytes())
    facts = read_workbook(data_dir / "reference.xlsx", "reference.xlsx")
    assert (facts.version, [f.code for f in facts.findings]) == ("1.0", [])
    good_office(make_workbook)
    data, _ = check(data_dir)
    assert data.reference.tenures == {}
    card = next(c for c in assess(data, POLICY).scorecards if (c.period, c.office_id) == ("2026Q1", "BJ01"))
    assert (card.head, card.head_id) == ("测试所长甲", "")


def test_a_version_not_in_the_history_is_still_outdated(tmp_path):
    (tmp_path / "reference.xlsx").write_bytes(_old_reference_bytes("0.9"))
    facts = read_workbook(tmp_path / "reference.xlsx", "reference.xlsx")
    assert [f.code for f in facts.findings] == ["template-outdated"]


# ---------------------------------------------------------------------------------------------
# A cover filled in by someone other than the head


def _cover(office: str, filler: str, period: str = "2026Q1") -> dict:
    return {"office_id": office, "period": period, "filled_by": filler, "filled_on": date(2026, 4, 3)}


def _fillers(data_dir: Path, make_workbook, office: str, fillers: dict[str, str]) -> list:
    """One form per 填报人 for `office` in 2026Q1 (form id -> filler); the data set's filler warnings."""
    for form_id, filler in fillers.items():
        make_workbook(form_id, f"submissions/2026Q1/{office}/{form_id}.xlsx", cover=_cover(office, filler),
                      rows=GOOD_ROWS[form_id])
    data, _ = check(data_dir)
    return sorted((f for f in data.findings if f.code == "cover-filler-not-head"), key=lambda f: f.file)


def test_a_cover_filled_by_a_deputy_is_a_warning(data_dir, make_workbook):
    _reference(data_dir, [_head("BJ01", "T1", "测试所长甲", date(2020, 1, 1))])
    for form_id in GOOD_ROWS:
        make_workbook(form_id, f"submissions/2026Q1/BJ01/{form_id}.xlsx", cover=_cover("BJ01", DEPUTY),
                      rows=GOOD_ROWS[form_id])
    make_workbook("clients", "submissions/2026Q1/SH01/clients.xlsx")  # SH01's 业务所 head fills in its cover
    data, _ = check(data_dir)
    found = [f for f in data.findings if f.code == "cover-filler-not-head"]
    assert sorted((f.file, f.sheet, f.cell, f.column, f.severity, f.value) for f in found) == [
        (f"submissions/2026Q1/BJ01/{form}.xlsx", "封面", "B4", "填报人", "warning", None)
        for form in ("clients", "projects", "recruitment", "training")]
    assert found[0].message == "封面的填报人与北京一所（BJ01） 2026Q1 在任的所长（见《所长任职》）不一致"
    assert DEPUTY not in found[0].message


def test_without_head_rows_a_cover_is_compared_with_the_office_sheets_head(data_dir, make_workbook, make_reference):
    make_reference()  # no 所长任职 rows: BJ01's head is 测试所长甲 for every period
    found = _fillers(data_dir, make_workbook, "BJ01", {"clients": DEPUTY, "training": "测试所长甲"})
    assert [(f.code, f.file, f.sheet, f.cell, f.column, f.severity, f.value, f.office_id, f.period)
            for f in found] == [("cover-filler-not-head", "submissions/2026Q1/BJ01/clients.xlsx", "封面", "B4", "填报人",
                                 "warning", None, "BJ01", "2026Q1")]
    assert found[0].message == "封面的填报人与北京一所（BJ01） 2026Q1 在任的所长（见《业务所》表）不一致"


def test_without_head_rows_a_cover_filled_by_the_office_sheets_head_is_fine(data_dir, make_workbook, make_reference):
    make_reference()
    good_office(make_workbook)  # the default covers: 填报人 is the 业务所 sheet's head
    good_office(make_workbook, office="SH01")
    data, _ = check(data_dir)
    assert [f for f in data.findings if f.code == "cover-filler-not-head"] == []


def test_an_office_without_rows_or_a_head_has_nobody_to_compare_with(data_dir, make_workbook, make_reference):
    make_reference(offices=[dict(DEFAULT_OFFICES[0], head=None), DEFAULT_OFFICES[1]])
    make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx", cover=_cover("BJ01", DEPUTY),
                  rows=GOOD_ROWS["clients"])
    data, _ = check(data_dir)
    assert (data.reference.offices["BJ01"].head, data.reference.tenures) == ("", {})
    assert ("BJ01", "2026Q1") not in office_period_errors(data)
    assert [f for f in data.findings if f.code == "cover-filler-not-head"] == []


def test_with_a_change_of_head_inside_the_period_either_head_is_fine(data_dir, make_workbook):
    # rows name other heads than the 业务所 sheet's 测试所长甲: the rows decide, the sheet's head is
    # no longer one of them
    _reference(data_dir, [_head("BJ01", "T1", "测试所长丙", date(2020, 1, 1), date(2026, 2, 1)),
                          _head("BJ01", "T2", "测试所长丁", date(2026, 2, 2))])
    found = _fillers(data_dir, make_workbook, "BJ01", {"clients": "测试所长丙", "training": "测试所长丁",
                                                       "projects": "测试所长甲", "recruitment": DEPUTY})
    assert [(f.file, f.cell) for f in found] == [("submissions/2026Q1/BJ01/projects.xlsx", "B4"),
                                                 ("submissions/2026Q1/BJ01/recruitment.xlsx", "B4")]


def test_a_cover_filled_by_the_head_or_the_predecessor_is_fine(data_dir, make_workbook):
    _reference(data_dir, [_head("BJ01", "T1", DEPUTY, date(2020, 1, 1), date(2026, 2, 1)),
                          _head("BJ01", "T2", "测试所长乙", date(2026, 2, 2))])
    assert _fillers(data_dir, make_workbook, "BJ01", {form_id: DEPUTY for form_id in GOOD_ROWS}) == []


def test_tenure_is_a_plain_record():
    assert dataclasses.replace(CHANGE_AT_BOUNDARY[1], end=date(2026, 12, 31)).covers(date(2026, 12, 31))


# ---------------------------------------------------------------------------------------------
# Privacy: the 工号 is HR's, the name is published


def test_head_ids_are_private_and_absent_from_the_sites_pages(tmp_path):
    from pipeline.outputs.pages import docs_pages, render_results_pages
    from pipeline.outputs.privacy import check_privacy, private_values

    sample = Path(__file__).resolve().parents[1] / "sample_data"
    data, _ = check(sample)
    results = assess(data, POLICY)
    ids = {t.head_id for tenures in data.reference.tenures.values() for t in tenures}
    assert len(ids) == 13 and ids <= private_values(data, results)["所长任职 › 工号"]
    pages = {**render_results_pages(results), **docs_pages(results, "2026-01-01")}
    assert not [(path, i) for path, text in pages.items() for i in ids if i in text]
    # the new head's name is published (the 所长 of HZ01's later periods) and is no leak
    hz = data.reference.tenures["HZ01"][-1]
    assert hz.head_name in pages["offices/hz01.md"]
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(f"<p>所长 {hz.head_name}</p>", encoding="utf-8")
    assert check_privacy(site, results) == []
    (site / "index.html").write_text(f"<p>工号 {hz.head_id}</p>", encoding="utf-8")
    assert [leak.column for leak in check_privacy(site, results)] == ["所长任职 › 工号"]
