"""Rules across workbooks: identity and folders, duplicates, reference, cross-file, roster, completeness."""

from __future__ import annotations

from datetime import date

import pytest
from _assess_helpers import table
from _validation_helpers import GOOD_ROWS, good_office, hand_workbook
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.engine import checks
from pipeline.engine.dataset import assemble, total_order
from pipeline.engine.model import Office, Reference
from pipeline.engine.reference import build_reference
from pipeline.engine.submissions import office_period_errors, submission_matrix
from pipeline.findings import ERROR, WARNING
from pipeline.intake.aggregates import roster_findings
from pipeline.intake.facts import WorkbookFacts
from pipeline.intake.layout import slot_of
from pipeline.run import check

# ---------------------------------------------------------------------------------------------
# Pure rules over hand-built WorkbookFacts

REF = Reference(offices={"BJ01": Office("BJ01", "北京一所"), "SH01": Office("SH01", "上海一所")})


@pytest.mark.parametrize(("path", "form_id", "office", "period", "expected"), [
    ("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q1", []),
    ("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ02", "2026Q1",
     [("identity-mismatch", ERROR, "封面", "B1")]),
    ("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q2",
     [("identity-mismatch", ERROR, "封面", "B2")]),
    ("submissions/2026Q1/BJ01/clients.xlsx", "clients", "SH01", "2026Q3",
     [("identity-mismatch", ERROR, "封面", "B2"), ("identity-mismatch", ERROR, "封面", "B1")]),
    ("submissions/2026Q1/BJ01/客户表(最终版).xlsx", "clients", "BJ01", "2026Q1",
     [("file-misplaced", WARNING, "", "")]),
    ("submissions/2026Q1/BJ01/projects.xlsx", "clients", "BJ01", "2026Q1", [("file-misplaced", WARNING, "", "")]),
    ("submissions/clients.xlsx", "clients", "BJ01", "2026Q1", [("file-misplaced", ERROR, "", "")]),
    ("submissions/2026Q1/clients.xlsx", "clients", "BJ01", "2026Q1", [("file-misplaced", ERROR, "", "")]),
    ("submissions/2026Q1/BJ01/reference.xlsx", "reference", None, None, [("file-misplaced", ERROR, "", "")]),
    ("reference.xlsx", "clients", "BJ01", "2026Q1", [("file-misplaced", ERROR, "", "")]),
    ("reference.xlsx", "reference", None, None, []),
    ("submissions/2026Q1/BJ01/clients.xlsx", None, None, None, []),  # unreadable: the reader says why
    ("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "26年一季度", []),  # malformed: reader's finding
    ("submissions/2026 Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q1", []),  # compared as quarters
    ("submissions/2026 Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q2", [("identity-mismatch", ERROR, "封面", "B2")]),
])
def test_folder_checks(path, form_id, office, period, expected):
    wb = hand_workbook(path, form_id, office, period)
    found = list(checks.folder_checks(wb))
    assert [(f.code, f.severity, f.sheet, f.cell) for f in found] == expected
    assert all(f.file == path for f in found)


def test_identity_mismatch_message_names_content_and_folder():
    wb = hand_workbook("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ02", "2026Q1")
    (f,) = checks.folder_checks(wb)
    assert f.message == "封面的所编号为“BJ02”，但文件位于“2026Q1/BJ01”文件夹"
    assert (f.column, f.value) == ("所编号", "BJ02")


def test_office_unknown_only_against_a_usable_reference():
    wb = hand_workbook("submissions/2026Q1/XX99/clients.xlsx", "clients", "XX99", "2026Q1")
    (f,) = checks.office_checks([wb], REF)
    assert (f.code, f.severity, f.sheet, f.cell, f.value) == ("office-unknown", ERROR, "封面", "B1", "XX99")
    assert list(checks.office_checks([wb], Reference())) == []


@pytest.mark.parametrize(("typed", "offices", "read_as"), [
    ("bj01", ("BJ01", "SH01"), "BJ01"),
    ("Bj01", ("BJ01", "SH01"), "BJ01"),
    ("BJ01", ("BJ01", "SH01"), "BJ01"),  # already the reference's id: no note
    ("XX99", ("BJ01", "SH01"), "XX99"),  # no id matches: office-unknown says so
    ("Bj01", ("BJ01", "bj01"), "Bj01"),  # two ids match but for case: none is picked
])
def test_an_office_id_in_another_case_is_read_as_the_reference_id(typed, offices, read_as):
    reference = Reference(offices={o: Office(o, o) for o in offices})
    wb = hand_workbook(f"submissions/2026Q1/{typed}/clients.xlsx", "clients", typed, "2026Q1")
    spelt = checks.spell_office(wb, reference)
    assert (spelt.office_id, spelt.identity) == (read_as, ("2026Q1", read_as, "clients"))
    notes = [f for f in spelt.findings if f.code == "value-normalised"]
    if read_as == typed:
        assert spelt is wb and notes == []
        return
    (note,) = notes
    assert (note.severity, note.sheet, note.cell, note.column, note.value) == ("info", "封面", "B1", "所编号", typed)
    assert note.message == f"“所编号”的“{typed}”已按“{read_as}”读取"
    assert (note.office_id, note.period) == (read_as, "2026Q1")
    assert list(checks.office_checks([spelt], reference)) == []
    assert list(checks.folder_checks(spelt)) == []  # the folder bj01 is BJ01's too


def test_an_office_in_another_case_is_that_office_on_real_files(make_reference, make_workbook, data_dir):
    make_reference(targets=[{"year": 2026, "quarter": "Q1", "office_id": o, "sales_target": 500}
                            for o in ("BJ01", "SH01")])
    good_office(make_workbook, office="bj01")  # folder and cover both say bj01
    good_office(make_workbook, office="SH01")
    dataset = check(data_dir, workers=1)[0]
    assert [f for f in dataset.findings if f.severity != "info"] == []
    notes = [f for f in dataset.findings if f.code == "value-normalised"]
    assert {(f.cell, f.office_id, f.value) for f in notes} == {("B2", "BJ01", "bj01")} and len(notes) == 4
    assert sorted(o for (_, o, _) in dataset.submissions) == ["BJ01"] * 4 + ["SH01"] * 4
    assert set(submission_matrix(dataset)["2026Q1"]) == {"BJ01", "SH01"}
    assert {f.office_id for f in dataset.findings} == {"BJ01"}


def test_a_folder_in_another_case_marks_that_office_invalid(make_reference, make_workbook, data_dir):
    make_reference()
    make_workbook("clients", "submissions/2026Q1/bj01/clients.xlsx", cover={"office_id": "BJ01", "period": "2026Q1"},
                  rows=GOOD_ROWS["clients"], raw={"客户": {"G2": "十二"}})
    dataset = check(data_dir, workers=1)[0]
    assert office_period_errors(dataset) == {("BJ01", "2026Q1")}
    assert dataset.slots["submissions/2026Q1/bj01/clients.xlsx"] == ("2026Q1", "BJ01", "clients")


def test_duplicates_exclude_both_and_name_each_other():
    a = hand_workbook("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q1")
    b = hand_workbook("submissions/2026Q1/BJ01/clients (2).xlsx", "clients", "BJ01", "2026Q1")
    c = hand_workbook("submissions/2026Q1/BJ01/projects.xlsx", "projects", "BJ01", "2026Q1")
    accepted, found = checks.duplicates([a, b, c])
    assert list(accepted) == [("2026Q1", "BJ01", "projects")]
    assert [(f.code, f.severity, f.file, f.office_id, f.period) for f in found] == [
        ("submission-duplicate", ERROR, "submissions/2026Q1/BJ01/clients (2).xlsx", "BJ01", "2026Q1"),
        ("submission-duplicate", ERROR, "submissions/2026Q1/BJ01/clients.xlsx", "BJ01", "2026Q1"),
    ]
    assert found[0].message.endswith("submissions/2026Q1/BJ01/clients.xlsx")
    assert found[1].message.endswith("submissions/2026Q1/BJ01/clients (2).xlsx")


def _reference(targets: list[dict]):
    offices = [{"office_id": "BJ01", "office_name": "北京一所", "bonus_base": 30000},
               {"office_id": "SH01", "office_name": "上海一所", "bonus_base": None}]
    return hand_workbook("reference.xlsx", "reference", offices=offices, targets=targets)


def _target(office: str, quarter: str = "Q1", sales: float | None = 500) -> dict:
    return {"year": 2026, "quarter": quarter, "office_id": office, "sales_target": sales,
            "prior_sales": None, "market_size": 5000}


def test_build_reference_targets_duplicates_and_unknown_offices():
    wb = _reference([_target("BJ01"), _target("BJ01", sales=600), _target("ZZ09"), _target("SH01", "Q2")])
    reference, found = build_reference(wb)
    assert sorted(reference.offices) == ["BJ01", "SH01"]
    assert sorted(reference.targets) == [("BJ01", "2026Q1"), ("SH01", "2026Q2")]
    assert reference.targets[("BJ01", "2026Q1")].sales_target == 500  # the first row is kept
    assert reference.targets[("BJ01", "2026Q1")].row == 2
    assert [(f.code, f.severity, f.sheet, f.row, f.cell, f.office_id, f.period) for f in found] == [
        ("reference-duplicate-target", ERROR, "季度目标", 3, "", "BJ01", "2026Q1"),
        ("reference-target-unknown-office", ERROR, "季度目标", 4, "C4", "ZZ09", "2026Q1"),
    ]
    assert found[0].message == "北京一所（BJ01）的 2026年第一季度目标重复出现（第 2 行已有）"


def test_reference_no_target_is_an_error_per_office_period():
    reference, _ = build_reference(_reference([_target("BJ01"), _target("SH01", sales=None)]))
    accepted = {(p, o, f): hand_workbook("x", f, o, p) for p, o, f in [
        ("2026Q1", "BJ01", "clients"), ("2026Q2", "BJ01", "clients"), ("2026Q2", "BJ01", "projects"),
        ("2026Q1", "SH01", "clients"),  # has a (bad) target row: the reader reports that row, not us
    ]}
    found = list(checks.reference_checks(accepted, reference))
    assert [(f.code, f.severity, f.office_id, f.period, f.file) for f in found] == [
        ("reference-no-target", ERROR, "BJ01", "2026Q2", ""),
    ]
    assert found[0].message == "北京一所（BJ01）有 2026年第二季度的提交，但《季度目标》中没有该季度的目标"


def test_project_client_unknown_is_a_warning_at_the_client_cell():
    clients = hand_workbook("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q1",
                            clients=[{"client_id": "C1"}, {"client_id": "C2"}])
    projects = hand_workbook("submissions/2026Q1/BJ01/projects.xlsx", "projects", "BJ01", "2026Q1",
                             projects=[{"client_id": "C1"}, {"client_id": None}, {"client_id": "C9"}])
    accepted = {("2026Q1", "BJ01", "clients"): clients, ("2026Q1", "BJ01", "projects"): projects}
    found = list(checks.project_client_checks(accepted))
    assert [(f.code, f.severity, f.file, f.sheet, f.cell, f.value) for f in found] == [
        ("project-client-unknown", WARNING, "submissions/2026Q1/BJ01/projects.xlsx", "项目", "C4", "C9"),
    ]
    del accepted[("2026Q1", "BJ01", "clients")]
    assert list(checks.project_client_checks(accepted)) == []  # no clients form: completeness says so


@pytest.mark.parametrize(("join", "leave", "expected"), [
    (date(2024, 1, 1), None, []),
    (date(2024, 1, 1), date(2026, 1, 1), []),  # left on the first day: a leaver of this quarter
    (date(2024, 1, 1), date(2025, 12, 31), [("roster-left-before-period", "E2", "2025-12-31")]),
    (date(2026, 3, 31), None, []),
    (date(2026, 4, 1), None, [("roster-joined-after-period", "D2", "2026-04-01")]),
])
def test_roster_rows_outside_the_quarter_are_warnings(join, leave, expected):
    wb = hand_workbook("submissions/2026Q1/BJ01/recruitment.xlsx", "recruitment", "BJ01", "2026Q1",
                       roster=[{"employee_id": "E1", "join_date": join, "leave_date": leave}])
    found = list(wb.findings)  # summarise adds them to the reader's findings
    raw = WorkbookFacts(wb.path, form_id="recruitment", office_id="BJ01", period="2026Q1",
                        tables={"roster": table({"employee_id": "E1", "join_date": join, "leave_date": leave})})
    assert roster_findings(raw) == found
    assert [(f.code, f.cell, f.value) for f in found] == expected
    assert all((f.severity, f.sheet, f.row, f.office_id, f.period) == (WARNING, "团队名册", 2, "BJ01", "2026Q1")
               for f in found)


def test_completeness_lists_each_missing_form_per_office_and_period():
    wbs = [hand_workbook(f"submissions/2026Q1/BJ01/{f}.xlsx", f, "BJ01", "2026Q1")
           for f in ("recruitment", "training", "clients")]
    wbs.append(hand_workbook("submissions/2026Q1/BJ01/projects.xlsx", None))  # present but unreadable
    found = list(checks.completeness({slot_of(w) for w in wbs} - {None}, REF, ["2026Q1"]))
    assert [(f.code, f.severity, f.office_id, f.period) for f in found] == [
        ("submission-missing", WARNING, "SH01", "2026Q1")] * 4
    assert found[0].message == "上海一所（SH01）未提交 2026年第一季度的“招聘与团队”"


# ---------------------------------------------------------------------------------------------
# The same rules end to end: real workbooks written through the templates, read by the reader


def _codes(dataset, code):
    return [(f.file, f.severity, f.sheet, f.cell, f.office_id, f.period) for f in dataset.findings if f.code == code]


def test_a_complete_office_period_has_no_findings(make_reference, make_workbook, data_dir):
    make_reference(targets=[{"year": 2026, "quarter": "Q1", "office_id": o, "sales_target": 500}
                            for o in ("BJ01", "SH01")])
    good_office(make_workbook, office="BJ01")
    good_office(make_workbook, office="SH01")
    dataset = check(data_dir, workers=1)[0]
    assert [f for f in dataset.findings if f.severity != "info"] == []
    assert sorted(dataset.submissions) == sorted(
        ("2026Q1", o, f) for o in ("BJ01", "SH01") for f in ("recruitment", "training", "clients", "projects"))


@pytest.mark.parametrize(("rel", "cover", "code", "severity", "cell"), [
    ("submissions/2026Q1/BJ01/clients.xlsx", {"office_id": "SH01", "period": "2026Q1"}, "identity-mismatch", ERROR, "B2"),
    ("submissions/2026Q1/BJ01/clients.xlsx", {"office_id": "BJ01", "period": "2026Q2"}, "identity-mismatch", ERROR, "B3"),
    ("submissions/2026Q1/XX99/clients.xlsx", None, "office-unknown", ERROR, "B2"),
    ("submissions/2026Q1/BJ01/杭州一所客户表(2).xlsx", {"office_id": "BJ01", "period": "2026Q1"},
     "file-misplaced", WARNING, ""),
])
def test_identity_rules_on_real_files(make_reference, make_workbook, data_dir, rel, cover, code, severity, cell):
    make_reference()
    make_workbook("clients", rel, cover=cover, rows=GOOD_ROWS["clients"])
    dataset = check(data_dir, workers=1)[0]
    hits = _codes(dataset, code)
    assert [(f, s, c) for (f, s, _sheet, c, _o, _p) in hits] == [(rel, severity, cell)]


def test_duplicate_submission_on_real_files(make_reference, make_workbook, data_dir):
    make_reference()
    good_office(make_workbook)
    make_workbook("clients", "submissions/2026Q1/BJ01/clients-副本.xlsx", cover={"office_id": "BJ01", "period": "2026Q1"},
                  rows=GOOD_ROWS["clients"])
    dataset = check(data_dir, workers=1)[0]
    assert [h[0] for h in _codes(dataset, "submission-duplicate")] == [
        "submissions/2026Q1/BJ01/clients-副本.xlsx", "submissions/2026Q1/BJ01/clients.xlsx"]
    assert ("2026Q1", "BJ01", "clients") not in dataset.submissions
    assert ("BJ01", "2026Q1") in office_period_errors(dataset)
    assert submission_matrix(dataset)["2026Q1"]["BJ01"] == {
        "recruitment": "submitted", "training": "submitted", "clients": "errors", "projects": "submitted"}


def test_reference_and_cross_file_rules_on_real_files(make_reference, make_workbook, data_dir):
    make_reference(targets=[{"year": 2026, "quarter": "Q1", "office_id": "BJ01", "sales_target": 500},
                            {"year": 2026, "quarter": "Q1", "office_id": "BJ01", "sales_target": 600},
                            {"year": 2026, "quarter": "Q1", "office_id": "GZ01", "sales_target": 600}])
    good_office(make_workbook, office="BJ01", skip=("projects",))
    make_workbook("projects", "submissions/2026Q1/BJ01/projects.xlsx", rows={"projects": [
        {**GOOD_ROWS["projects"]["projects"][0], "client_id": "C7"}]})
    good_office(make_workbook, office="SH01")
    make_workbook("recruitment", "submissions/2026Q1/SH01/recruitment.xlsx", rows={"roster": [
        {"employee_id": "E1", "name": "成员甲", "join_date": date(2020, 1, 1), "leave_date": date(2025, 11, 30)},
        {"employee_id": "E2", "name": "成员乙", "join_date": date(2026, 5, 1)}]})
    dataset = check(data_dir, workers=1)[0]
    assert _codes(dataset, "project-client-unknown") == [
        ("submissions/2026Q1/BJ01/projects.xlsx", WARNING, "项目", "C2", "BJ01", "2026Q1")]
    assert _codes(dataset, "reference-duplicate-target") == [("reference.xlsx", ERROR, "季度目标", "", "BJ01", "2026Q1")]
    assert _codes(dataset, "reference-target-unknown-office") == [
        ("reference.xlsx", ERROR, "季度目标", "C4", "GZ01", "2026Q1")]
    assert _codes(dataset, "reference-no-target") == [("", ERROR, "", "", "SH01", "2026Q1")]
    assert _codes(dataset, "roster-left-before-period") == [
        ("submissions/2026Q1/SH01/recruitment.xlsx", WARNING, "团队名册", "E2", "SH01", "2026Q1")]
    assert _codes(dataset, "roster-joined-after-period") == [
        ("submissions/2026Q1/SH01/recruitment.xlsx", WARNING, "团队名册", "D3", "SH01", "2026Q1")]
    assert office_period_errors(dataset) == {("BJ01", "2026Q1"), ("SH01", "2026Q1"), ("GZ01", "2026Q1")}


def test_missing_reference_and_missing_forms(make_workbook, make_reference, data_dir):
    good_office(make_workbook, skip=("training",))
    dataset = check(data_dir, workers=1)[0]
    assert _codes(dataset, "reference-missing") == [("reference.xlsx", ERROR, "", "", "", "")]
    assert _codes(dataset, "submission-missing") == []  # no office list to compare with

    make_reference()
    dataset = check(data_dir, workers=1)[0]
    missing = sorted((o, p) for (_f, _s, _sh, _c, o, p) in _codes(dataset, "submission-missing"))
    # BJ01 misses training in Q1; both offices miss every form in Q2–Q4 (targets exist), SH01 in Q1 too
    assert missing.count(("BJ01", "2026Q1")) == 1
    assert missing.count(("SH01", "2026Q1")) == 4
    assert missing.count(("BJ01", "2026Q4")) == 4
    assert len(missing) == 1 + 4 + 3 * 2 * 4
    assert submission_matrix(dataset)["2026Q1"]["BJ01"]["training"] == "missing"
    assert dataset.error_count() == 0


def test_a_bad_target_row_makes_its_office_period_invalid(make_reference, make_workbook, data_dir):
    make_reference(targets=[{"year": 2026, "quarter": "Q1", "office_id": "BJ01", "sales_target": "很多"},
                            {"year": 2026, "quarter": "Q1", "office_id": "SH01", "sales_target": 500}])
    good_office(make_workbook, office="BJ01")
    good_office(make_workbook, office="SH01")
    dataset = check(data_dir, workers=1)[0]
    errors = [(f.code, f.file, f.cell, f.office_id, f.period) for f in dataset.findings if f.severity == ERROR]
    assert errors == [("type-number", "reference.xlsx", "D2", "BJ01", "2026Q1")]  # and no reference-no-target
    assert office_period_errors(dataset) == {("BJ01", "2026Q1")}
    assert ("BJ01", "2026Q1") not in dataset.reference.targets


# ---------------------------------------------------------------------------------------------
# assemble() on hand-built facts, and properties of the pure rules


def test_assemble_excludes_mismatched_and_duplicate_files_and_places_every_finding():
    ref = _reference([_target("BJ01"), _target("SH01")])
    moved = hand_workbook("submissions/2026Q1/BJ01/training.xlsx", "training", "SH01", "2026Q1")
    twins = [hand_workbook(f"submissions/2026Q1/SH01/{name}.xlsx", "clients", "SH01", "2026Q1")
             for name in ("clients", "clients-副本")]
    good = hand_workbook("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q1",
                         clients=[{"client_id": "C1", "sales": 10}])
    dataset = assemble("data", [ref, moved, *twins, good])
    assert list(dataset.submissions) == [("2026Q1", "BJ01", "clients")]
    assert [(f.code, f.file, f.office_id, f.period) for f in dataset.findings if f.severity == ERROR] == [
        ("identity-mismatch", "submissions/2026Q1/BJ01/training.xlsx", "BJ01", "2026Q1"),  # the folder's office
        ("submission-duplicate", "submissions/2026Q1/SH01/clients-副本.xlsx", "SH01", "2026Q1"),
        ("submission-duplicate", "submissions/2026Q1/SH01/clients.xlsx", "SH01", "2026Q1"),
    ]
    assert office_period_errors(dataset) == {("BJ01", "2026Q1"), ("SH01", "2026Q1")}
    assert dataset.findings == sorted(dataset.findings, key=total_order)


_slots = st.tuples(st.sampled_from(["2026Q1", "2026Q2"]), st.sampled_from(["BJ01", "SH01"]),
                   st.sampled_from(["clients", "projects"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(_slots, max_size=8))
def test_duplicates_accept_exactly_the_slots_claimed_once(claims):
    facts = [hand_workbook(f"submissions/{p}/{o}/{f}-{i}.xlsx", f, o, p) for i, (p, o, f) in enumerate(claims)]
    accepted, found = checks.duplicates(facts)
    assert set(accepted) == {s for s in claims if claims.count(s) == 1}
    assert sorted(f.file for f in found) == sorted(w.path for w, s in zip(facts, claims) if claims.count(s) > 1)
    assert all(f.code == "submission-duplicate" and f.severity == ERROR for f in found)


@pytest.mark.parametrize(("path", "slot"), [
    ("submissions/2026Q1/BJ01/clients.xlsx", ("2026Q1", "BJ01", "clients")),
    ("submissions/2026Q1/BJ01/客户开发与维护.xlsx", ("2026Q1", "BJ01", "clients")),  # as downloaded from the site
    ("submissions/2026Q1/BJ01/招聘与团队.xlsx", ("2026Q1", "BJ01", "recruitment")),
    ("submissions/2026Q1/BJ01/客户表.xlsx", None),
    ("submissions/2026Q1/BJ01/reference.xlsx", None),
])
def test_a_file_of_no_known_template_takes_its_place_by_name(path, slot):
    """An unreadable template still shows as 有错误 on the board, not 未提交, under either of its names."""
    assert slot_of(hand_workbook(path, None)) == slot



def test_projects_are_not_checked_against_a_clients_list_that_could_not_be_read(make_reference, make_workbook,
                                                                                data_dir):
    """Regression: a clients workbook without its 客户 sheet gave every project row 客户编号不在本期客户表中."""
    from openpyxl import load_workbook

    make_reference()
    good_office(make_workbook, office="BJ01")
    path = data_dir / "submissions/2026Q1/BJ01/clients.xlsx"
    book = load_workbook(path)
    del book["客户"]
    book.save(path)
    dataset = check(data_dir, workers=1)[0]
    assert [f.code for f in dataset.findings if f.file.endswith("clients.xlsx") and f.blocking]  # said there
    assert _codes(dataset, "project-client-unknown") == []
