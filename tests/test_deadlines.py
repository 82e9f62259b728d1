"""Filing deadlines (reference.xlsx › 填报日程) and lateness: intake's received-date log, a file's
mtime as an estimate, 按时 / 迟交 N 天 / 未提交 on the board, the HR workbook and the site."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from _validation_helpers import good_office
from conftest import DEFAULT_OFFICES, default_targets, write_form

from pipeline.engine.assess import assess
from pipeline.engine.deadlines import LATE, ON_TIME, Timeliness, judge, timeliness
from pipeline.engine.policy import load_policy
from pipeline.engine.submissions import NOT_SUBMITTED, submission_matrix
from pipeline.forms import REFERENCE, get_form
from pipeline.intake.discover import discover
from pipeline.intake.filing import file_inbox
from pipeline.intake.received import LOG_NAME, Receipt, log_rows, log_text, read_log
from pipeline.outputs import period_workbook
from pipeline.outputs.pages.results import render_office, render_submissions
from pipeline.outputs.report_json import report
from pipeline.run import check

DEADLINE = date(2026, 4, 15)


def _reference(data_dir: Path, schedule: list[dict] | None = None) -> Path:
    rows = {"offices": DEFAULT_OFFICES, "targets": default_targets(DEFAULT_OFFICES)}
    if schedule is not None:
        rows["schedule"] = schedule
    return write_form(REFERENCE, data_dir / "reference.xlsx", rows=rows)


def _mtime(path: Path, moment: datetime) -> None:
    stamp = moment.timestamp()
    os.utime(path, (stamp, stamp))


@pytest.mark.parametrize(
    ("received", "estimated", "label", "state", "days"),
    [
        (datetime(2026, 4, 14, 9, 0), False, "按时", ON_TIME, 0),
        (datetime(2026, 4, 15, 23, 59), False, "按时", ON_TIME, 0),  # the deadline's own day is on time
        (datetime(2026, 4, 16, 0, 1), False, "迟交 1 天", LATE, 1),
        (datetime(2026, 4, 25, 12, 0), True, "迟交 10 天（估计）", LATE, 10),
        (datetime(2026, 3, 1, 12, 0), True, "按时（估计）", ON_TIME, 0),
    ],
)
def test_a_received_form_is_judged_against_the_deadline(received, estimated, label, state, days):
    judged = judge(DEADLINE, Receipt(received, estimated))
    assert (judged.label, judged.state, judged.days) == (label, state, days)


def test_not_submitted_and_unknown():
    assert Timeliness(NOT_SUBMITTED).label == "未提交"
    assert judge(DEADLINE, None) is None


def test_the_log_round_trips_and_skips_rows_it_cannot_read():
    rows = [("submissions/2026Q1/BJ01/clients.xlsx", "ab" * 32, datetime(2026, 4, 16, 8, 30))]
    text = log_text(rows) + "坏行\nx,y,不是时间\n"
    assert log_rows(text) == rows


def test_intake_logs_each_filed_file_and_discover_ignores_the_log(tmp_path, data_dir):
    _reference(data_dir, [{"period": "2026Q1", "deadline": DEADLINE}])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_form(REFERENCE, inbox / "ignored-name.xlsx", rows={"offices": DEFAULT_OFFICES})  # filed over reference
    write_form(get_form("clients"), inbox / "杭州客户表(最终版).xlsx",
               cover={"office_id": "BJ01", "period": "2026Q1", "filled_by": "张三", "filled_on": date(2026, 4, 16)})
    outcomes = file_inbox(inbox, data_dir, now=datetime(2026, 4, 17, 10, 5))
    assert [o.action for o in outcomes] == ["replaced", "filed"]
    logged = read_log(data_dir)
    assert [(rel, at) for rel, _, at in logged] == [("reference.xlsx", datetime(2026, 4, 17, 10, 5)),
                                                    ("submissions/2026Q1/BJ01/clients.xlsx", datetime(2026, 4, 17, 10, 5))]
    assert all(len(sha) == 64 for _, sha, _ in logged)
    _, items, found = discover(data_dir)
    assert (data_dir / LOG_NAME).is_file()
    assert not any(LOG_NAME in f.file for f in found) and not any(LOG_NAME in rel for _, rel in items)


def _board(data_dir: Path, make_workbook) -> tuple:
    _reference(data_dir, [{"period": "2026Q1", "deadline": DEADLINE}])
    bj = good_office(make_workbook, "2026Q1", "BJ01")
    sh = good_office(make_workbook, "2026Q1", "SH01", skip=("projects",))
    for path in bj:
        _mtime(path, datetime(2026, 4, 10, 12, 0))
    for path in sh:
        _mtime(path, datetime(2026, 4, 10, 12, 0))
    # SH01's clients form came in through intake three days late: the log wins over the mtime
    rel = "submissions/2026Q1/SH01/clients.xlsx"
    (data_dir / LOG_NAME).write_text(log_text([(rel, "0" * 64, datetime(2026, 4, 18, 9, 0))]), encoding="utf-8")
    dataset, _ = check(data_dir)
    return dataset, submission_matrix(dataset)


def test_the_board_says_on_time_late_and_missing(data_dir, make_workbook):
    dataset, matrix = _board(data_dir, make_workbook)
    assert dataset.reference.deadlines == {"2026Q1": DEADLINE}
    board = timeliness(dataset, matrix)
    labels = {o: {f: t.label for f, t in row.items()} for o, row in board["2026Q1"].items()}
    assert labels["BJ01"] == dict.fromkeys(("recruitment", "training", "clients", "projects"), "按时（估计）")
    assert labels["SH01"] == {"recruitment": "按时（估计）", "training": "按时（估计）", "clients": "迟交 3 天",
                              "projects": "未提交"}
    assert "2026Q2" not in board  # no deadline: not judged


def test_the_workbook_and_the_site_show_lateness_as_information(data_dir, make_workbook):
    dataset, matrix = _board(data_dir, make_workbook)
    results = assess(dataset, load_policy())
    content = period_workbook.content(results, "2026Q1", matrix)
    table = next(t for t in content.tables if t.title == "提交情况")
    assert table.columns[-1].header == "按时情况"
    sh = next(row for row in table.rows if row[1] == "SH01")
    assert sh[-1] == "招聘与团队：按时（估计）；培训计划：按时（估计）；客户开发与维护：迟交 3 天；项目管理：未提交"
    page = render_submissions(results)
    assert "填报截止日期：2026-04-15；迟交 1 份。" in page
    assert "迟交 3 天" in page and "不影响考核得分" in page


def test_a_bad_period_in_the_schedule_is_an_error(data_dir, make_workbook):
    _reference(data_dir, [{"period": "2026年春", "deadline": DEADLINE}])
    dataset, _ = check(data_dir)
    assert [f.code for f in dataset.findings if f.sheet == "填报日程"] == ["period-malformed"]
    assert dataset.reference.deadlines == {}


def test_the_office_page_the_year_workbook_and_validation_json_show_lateness(data_dir, make_workbook):
    """Beyond the board: each office's own page, HR's year workbook and validation.json (with the
    source of each date: intake's log, or the file's mtime, marked as an estimate)."""
    dataset, matrix = _board(data_dir, make_workbook)
    results = assess(dataset, load_policy())

    page = render_office(results, "SH01")
    section = page.split("## 填报记录")[1]
    row = re.search(r'<tr data-period="2026Q1">(.*?)</tr>', section, re.S).group(1)
    cells = dict(re.findall(r'<td data-form="(\w+)"[^>]*>(.*?)</td>', row, re.S))
    shown = {form: re.sub(r"<[^>]+>", "", cell).strip() for form, cell in cells.items()}
    assert shown == {"recruitment": "已提交 按时（估计）", "training": "已提交 按时（估计）",
                     "clients": "已提交 迟交 3 天", "projects": "未提交"}
    assert "2026-04-15" in row and "不影响考核得分" in section
    # a quarter without a deadline shows the states only
    assert "按时" not in re.search(r'<tr data-period="2026Q2">(.*?)</tr>', section, re.S).group(1)

    year = period_workbook.content(results, "2026", matrix)
    board = next(t for t in year.tables if t.title == "提交情况")
    assert [c.header for c in board.columns][-2:] == ["2026Q4", "2026Q1\n按时情况"]  # only Q1 has a deadline
    timing = {row[1]: row[-1] for row in board.rows}
    assert timing["BJ01"] == ("按时（估计）", None, "#C6EFCE")
    assert timing["SH01"] == ("客户开发与维护：迟交 3 天；项目管理：未提交", None, "#FFEB9C")
    notes = dict((cells[0], cells[1]) for kind, cells, _ in year.notes if kind == "row")
    assert "不影响考核得分" in notes["提交情况"]

    data = report(dataset, matrix)
    entry = data["timeliness"]["2026Q1"]
    assert (entry["deadline"], entry["note"]) == ("2026-04-15", "是否按时提交仅作记录，不影响考核得分、等级和排名。")
    assert entry["offices"]["SH01"] == {
        "recruitment": {"status": "ontime", "days_late": 0, "received": "2026-04-10", "source": "mtime"},
        "training": {"status": "ontime", "days_late": 0, "received": "2026-04-10", "source": "mtime"},
        "clients": {"status": "late", "days_late": 3, "received": "2026-04-18", "source": "intake"},
        "projects": {"status": "missing", "days_late": 0, "received": None, "source": None},
    }
    assert list(data["timeliness"]) == ["2026Q1"]  # quarters without a deadline are not judged
