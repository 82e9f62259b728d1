"""What `intake` must never do quietly, each test reproducing a new user's report as reported:

1. a misspelled --data folder was created empty and every form then stayed for want of a reference;
2. a changed workbook of a closed period was filed, and the next validate failed (closed-period-changed);
3. a blank template of HR's own workbook replaced the filled one (an applied adjustment disappeared);
4. the report in the inbox was never mentioned on screen, and each run overwrote the last one;
5. a reference listing 1 office replaced the one listing 12 (the next validate found 350 errors);
6. the summary counted a file already filed, and removed from the inbox as such, as 归档.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from _validation_helpers import GOOD_ROWS, run_cli, sha256
from conftest import DEFAULT_OFFICES, default_targets, write_form

from pipeline.forms import get_form

ROOT = Path(__file__).resolve().parents[1]


def _tree(root: Path) -> dict[str, str]:
    """Every file under `root` and its bytes' digest (folders as themselves)."""
    return {p.relative_to(root).as_posix(): sha256(p) if p.is_file() else "/" for p in sorted(root.rglob("*"))}


def _form(inbox: Path, name: str, form_id: str = "clients", office: str = "BJ01", period: str = "2026Q1",
          rows: dict | None = None) -> Path:
    cover = {"office_id": office, "period": period, "filled_by": "测试填报人"}
    return write_form(get_form(form_id), inbox / name, cover=cover, rows=rows or GOOD_ROWS[form_id])


def _reference(path: Path, offices: list[dict] | None = DEFAULT_OFFICES) -> Path:
    return write_form(get_form("reference"), path, rows={"offices": offices or []})


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "收件箱"
    path.mkdir()
    return path


# ---------------------------------------------------------------------------------------------
# 1. A data folder that does not exist


@pytest.mark.parametrize("hr_file", [None, "blank-reference"])
def test_a_missing_data_folder_is_a_usage_error_and_nothing_is_created(tmp_path, inbox, hr_file):
    """`intake I --data /tmp/nonexist` created the folder and said 未归档：c.xlsx：数据目录中没有 reference.xlsx…"""
    _form(inbox, "c.xlsx")
    if hr_file:  # a blank reference template lists no office: still no reason to start a data folder
        shutil.copy(ROOT / "input_templates" / "reference.xlsx", inbox / "基础数据模板.xlsx")
    before = _tree(tmp_path)
    missing = tmp_path / "nonexist"
    result = run_cli("intake", str(inbox), "--data", str(missing))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"数据目录“{missing}”不存在" in result.stderr and "--data" in result.stderr
    assert "Traceback" not in result.stderr and "未归档" not in result.stdout
    assert not missing.exists() and _tree(tmp_path) == before  # no folder, no report, the inbox as it was


def test_a_first_intake_with_the_reference_creates_the_data_folder_and_says_so(tmp_path, inbox):
    reference = _reference(inbox / "基础数据2026.xlsx")
    form = _form(inbox, "c.xlsx")
    digests = sha256(reference), sha256(form)
    new = tmp_path / "新建" / "数据"
    result = run_cli("intake", str(inbox), "--data", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == f"已新建数据目录“{new}”（收件目录中有基础数据工作簿）。"
    assert (sha256(new / "reference.xlsx"), sha256(new / "submissions/2026Q1/BJ01/clients.xlsx")) == digests
    assert f"已新建数据目录“{new}”" in (inbox / "_intake-report.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# 2. A closed period


FILED_2025Q1 = "submissions/2025Q1/HZ01/clients.xlsx"


@pytest.fixture
def closed_data(tmp_path: Path) -> Path:
    """The sample's reference, its closed 2025Q1 record and one workbook that record froze."""
    data = tmp_path / "data"
    for rel in ("reference.xlsx", "closed/2025Q1.json", FILED_2025Q1):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "sample_data" / rel, data / rel)
    return data


@pytest.mark.parametrize("form_id", ["clients", "training"])  # changed after closing / added after closing
def test_a_workbook_for_a_closed_period_stays_in_the_inbox_saying_how_to_reopen(closed_data, inbox, form_id):
    """It was filed with `已归档：late.xlsx → submissions/2025Q1/HZ01/clients.xlsx`, exit 0, no warning."""
    late = _form(inbox, "late.xlsx", form_id, office="HZ01", period="2025Q1")
    before = _tree(closed_data)
    result = run_cli("intake", str(inbox), "--data", str(closed_data))
    assert result.returncode == 1, result.stdout + result.stderr
    expected = ("未归档：late.xlsx：期间 2025Q1 已关闭（关闭记录 closed/2025Q1.json），已关闭期间的工作簿不再归档；"
                f"如确需更正，请人力资源部先运行 kaohe reopen 2025Q1 --data {closed_data} --by 姓名 --reason 原因 重新打开，"
                "再重新归档")
    assert expected in result.stdout.splitlines()
    assert expected in (inbox / "_intake-report.txt").read_text(encoding="utf-8")
    assert late.is_file() and _tree(closed_data) == before


def test_an_identical_copy_of_a_closed_periods_workbook_is_already_filed(closed_data, inbox):
    copy = inbox / "再发一次.xlsx"
    shutil.copy(closed_data / FILED_2025Q1, copy)
    before = _tree(closed_data)
    result = run_cli("intake", str(inbox), "--data", str(closed_data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"已存在相同文件：再发一次.xlsx 与 {FILED_2025Q1} 完全相同，已从收件目录移除" in result.stdout
    assert not copy.exists() and _tree(closed_data) == before


def test_a_reopened_period_takes_the_changed_workbook_again(closed_data, inbox):
    from pipeline.closing import reopen_period

    reopen_period(closed_data, "2025Q1", "人力资源部", "所长提交了更正")
    late = _form(inbox, "late.xlsx", office="HZ01", period="2025Q1")
    digest = sha256(late)
    result = run_cli("intake", str(inbox), "--data", str(closed_data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sha256(closed_data / FILED_2025Q1) == digest
    assert len(list((closed_data / FILED_2025Q1).parent.glob("_versions/clients.*.xlsx"))) == 1


REOPEN = "kaohe reopen {} --data /srv/考核数据 --by 姓名 --reason 原因"


@pytest.mark.parametrize(("closed", "records", "commands"), [
    ({"2025Q1": "closed/2025Q1.json"}, "closed/2025Q1.json", REOPEN.format("2025Q1")),
    # a closed year is reopened before its quarter (closing.reopen_period refuses the other order)
    ({"2025Q1": "closed/2025Q1.json", "2025": "closed/2025.json"}, "closed/2025.json、closed/2025Q1.json",
     f"{REOPEN.format('2025')}，再运行 {REOPEN.format('2025Q1')}"),
    ({"2025Q2": "closed/2025Q2.json", "2024": "closed/2024.json"}, None, None),
], ids=["quarter", "year-and-quarter", "other-periods"])
def test_closed_note_names_the_records_and_the_commands_in_order(closed, records, commands):
    from pipeline.intake.filing import closed_note

    expected = records and (f"期间 2025Q1 已关闭（关闭记录 {records}），已关闭期间的工作簿不再归档；"
                            f"如确需更正，请人力资源部先运行 {commands} 重新打开，再重新归档")
    assert closed_note(FILED_2025Q1, closed, Path("/srv/考核数据")) == expected
    assert closed_note("reviews.xlsx", closed, Path("/srv/考核数据")) is None


# ---------------------------------------------------------------------------------------------
# 3. A blank HR workbook over a filled one


ACCEPTED_ROW = {"office_id": "BJ01", "period": "2026Q1", "code": "plausible-attainment", "reason": "所长核实属实",
                "confirmed_by": "测试确认人", "confirmed_on": date(2026, 4, 10)}
ADJUSTMENT = {"office_id": "BJ01", "period": "2026Q1", "item": "总分", "original": "78.5", "adjusted": "80.5",
              "reason": "复核确认一笔季度末到账的销售额", "approved_by": "测试批准人", "approved_on": date(2026, 4, 20)}
APPEAL = {"office_id": "BJ01", "period": "2026Q1", "filed_on": date(2026, 4, 12), "matter": "销售额漏计",
          "outcome": "已调整", "settled_on": date(2026, 4, 20), "handled_by": "测试处理人"}


@pytest.fixture
def hr_data(tmp_path: Path) -> Path:
    """HR's three workbooks filled: a reference of two offices, an adjustment and its appeal, one acceptance."""
    data = tmp_path / "data"
    _reference(data / "reference.xlsx")
    write_form(get_form("reviews"), data / "reviews.xlsx", rows={"adjustments": [ADJUSTMENT], "appeals": [APPEAL]})
    write_form(get_form("accepted"), data / "accepted.xlsx", rows={"accepted": [ACCEPTED_ROW]})
    return data


@pytest.mark.parametrize(("template", "expected"), [
    ("reviews.xlsx", "是空白的 reviews.xlsx（没有数据行），数据目录中的 reviews.xlsx 有 2 行数据，未替换；"
                     "如确要清空，请先把数据目录中的 reviews.xlsx 移出数据目录，再重新归档"),
    ("accepted.xlsx", "是空白的 accepted.xlsx（没有数据行），数据目录中的 accepted.xlsx 有 1 行数据，未替换；"
                      "如确要清空，请先把数据目录中的 accepted.xlsx 移出数据目录，再重新归档"),
    ("reference.xlsx", "是没有业务所的基础数据（“业务所”工作表没有数据行），数据目录中的 reference.xlsx 列有 2 个业务所，"
                       "未替换；如确要替换，请先把数据目录中的 reference.xlsx 移出数据目录，再重新归档"),
], ids=["reviews", "accepted", "reference"])
def test_a_blank_hr_template_does_not_replace_the_filled_workbook(hr_data, inbox, template, expected):
    """`已归档：空白复核.xlsx → reviews.xlsx（原有的不同版本已保存为 _versions/…）`: the adjustment disappeared."""
    blank = inbox / "空白复核.xlsx"
    shutil.copy(ROOT / "input_templates" / template, blank)
    before = _tree(hr_data)
    result = run_cli("intake", str(inbox), "--data", str(hr_data))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"未归档：空白复核.xlsx：{expected}" in result.stdout.splitlines()
    assert blank.is_file() and _tree(hr_data) == before


def test_hr_clears_a_workbook_deliberately_by_moving_the_old_one_out_first(hr_data, inbox, tmp_path):
    blank = inbox / "空白复核.xlsx"
    shutil.copy(ROOT / "input_templates" / "reviews.xlsx", blank)
    digest = sha256(blank)
    (hr_data / "reviews.xlsx").rename(tmp_path / "旧的复核.xlsx")  # as the report says
    result = run_cli("intake", str(inbox), "--data", str(hr_data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已归档：空白复核.xlsx → reviews.xlsx" in result.stdout
    assert sha256(hr_data / "reviews.xlsx") == digest


@pytest.mark.parametrize(("old_rows", "new_rows"), [([], [ACCEPTED_ROW]), ([ACCEPTED_ROW], [ACCEPTED_ROW] * 2), ([], [])])
def test_hr_workbooks_with_rows_or_over_blank_ones_replace_as_before(data_dir, inbox, old_rows, new_rows):
    from pipeline.intake.filing import REPLACED, file_inbox

    write_form(get_form("accepted"), data_dir / "accepted.xlsx", rows={"accepted": old_rows},
               raw={"填写说明": {"Z1": "旧版"}})  # different bytes even when both are blank
    new = write_form(get_form("accepted"), inbox / "已确认.xlsx", rows={"accepted": new_rows})
    digest = sha256(new)
    (outcome,) = file_inbox(inbox, data_dir)
    assert outcome.action == REPLACED, outcome.note
    assert sha256(data_dir / "accepted.xlsx") == digest


# ---------------------------------------------------------------------------------------------
# 4. The report: said where it is, and never overwritten


def _sections(report: Path) -> list[list[str]]:
    """The report's sections, each its lines from the heading on."""
    sections: list[list[str]] = []
    for line in report.read_text(encoding="utf-8").splitlines():
        if line.startswith("==== "):
            sections.append([])
        if line:
            sections[-1].append(line)
    return sections


def test_the_screen_says_where_the_report_is_and_each_run_appends_a_dated_section(tmp_path, inbox):
    """intake never mentioned `_intake-report.txt`, and each run overwrote it."""
    data = tmp_path / "data"
    _reference(data / "reference.xlsx")
    _form(inbox, "a.xlsx")
    _form(inbox, "无期间.xlsx", period="")
    first = run_cli("intake", str(inbox), "--data", str(data))
    assert first.returncode == 1, first.stdout + first.stderr
    report = inbox / "_intake-report.txt"
    assert first.stdout.splitlines()[-1] == f"报告：{report}（本次结果追加在末尾，之前各次的记录保留在前面）"
    (earlier,) = _sections(report)
    second = run_cli("intake", str(inbox), "--data", str(data))  # 无期间.xlsx is still there
    assert second.returncode == 1, second.stdout + second.stderr
    sections = _sections(report)
    assert len(sections) == 2 and sections[0] == earlier
    assert "已归档：a.xlsx → submissions/2026Q1/BJ01/clients.xlsx" in earlier
    for section, run in zip(sections, (first, second), strict=True):
        assert section[0].startswith("==== ") and section[0].endswith(f" 归档到数据目录“{data}” ====")
        assert section[1:] == run.stdout.splitlines()[:-1]  # the screen's lines, as printed
    assert sections[1][1:] == ["未归档：无期间.xlsx：“封面”工作表 B3 的期间未填写",
                               "共 1 个文件：归档 0 个，留在收件目录 1 个。"]


def test_an_earlier_report_is_kept_byte_for_byte_whatever_its_encoding(tmp_path, inbox):
    data = tmp_path / "data"
    _reference(data / "reference.xlsx")
    report = inbox / "_intake-report.txt"
    earlier = "人力资源部在记事本里写的备注".encode("gbk")  # not UTF-8, no final newline
    report.write_bytes(earlier)
    _form(inbox, "a.xlsx")
    assert run_cli("intake", str(inbox), "--data", str(data)).returncode == 0
    text = report.read_bytes()
    assert text.startswith(earlier + b"\n\n==== ")
    assert text.decode("utf-8", "replace").endswith("共 1 个文件：归档 1 个，留在收件目录 0 个。\n")


def test_a_report_grown_too_long_is_kept_under_the_next_free_number(inbox):
    from pipeline.intake.inbox_report import REPORT_LIMIT, write_report

    long = ("已归档：x.xlsx → reference.xlsx\n" * (REPORT_LIMIT // 20)).encode("utf-8")
    (inbox / "_intake-report.txt").write_bytes(long)
    (inbox / "_intake-report-2.txt").write_bytes(b"kept earlier")
    report, kept = write_report(inbox, "==== 新的一节 ====\n")
    assert kept == inbox / "_intake-report-3.txt" and kept.read_bytes() == long
    assert (inbox / "_intake-report-2.txt").read_bytes() == b"kept earlier"
    assert report.read_text(encoding="utf-8") == "==== 新的一节 ====\n"


# ---------------------------------------------------------------------------------------------
# 5. A reference that drops offices


def _offices(*ids: str) -> list[dict]:
    return [{"office_id": o, "office_name": f"测试{o}所", "head": f"测试所长{o}", "region": "华北",
             "bonus_base": 30000} for o in ids]


TWELVE = ("BJ01", "BJ02", "CD01", "GZ01", "HZ01", "NJ01", "SH01", "SH02", "SZ01", "TJ01", "WH01", "XA01")


def test_a_reference_that_drops_offices_stays_in_the_inbox_naming_them(tmp_path, inbox):
    """`已归档：基础数据.xlsx → reference.xlsx（原有的不同版本已保存为 _versions/…）`, exit 0: 11 offices gone."""
    data = tmp_path / "data"
    _reference(data / "reference.xlsx", _offices(*TWELVE))
    _form(data / "submissions/2026Q1/BJ02", "clients.xlsx", office="BJ02")
    new = _reference(inbox / "基础数据.xlsx", _offices("BJ01"))
    before = _tree(data)
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == (
        "未归档：基础数据.xlsx：列有 1 个业务所，数据目录中的 reference.xlsx 列有 12 个业务所，"
        "其中 BJ02、CD01、GZ01、HZ01、NJ01 等 11 个不在新的名单中，归档后这些业务所将从考核中消失，未替换；"
        "如确要替换，请先把数据目录中的 reference.xlsx 移出数据目录，再重新归档")
    assert new.is_file() and _tree(data) == before


def test_a_few_dropped_offices_are_all_named_and_a_different_case_is_the_same_office(hr_data, inbox):
    from pipeline.intake.filing import STAYED, file_inbox

    _reference(inbox / "基础数据.xlsx", _offices("bj01", "GZ01"))  # SH01 left out, BJ01 only retyped
    (outcome,) = file_inbox(inbox, hr_data)
    assert outcome.action == STAYED
    assert outcome.note.startswith("列有 2 个业务所，数据目录中的 reference.xlsx 列有 2 个业务所，"
                                   "其中 SH01 不在新的名单中，")


@pytest.mark.parametrize("offices", [
    DEFAULT_OFFICES + _offices("GZ01"),  # an office added
    [{**o, "office_id": o["office_id"].lower()} for o in DEFAULT_OFFICES],  # ids retyped in another case
], ids=["office-added", "ids-retyped"])
def test_a_reference_keeping_every_office_replaces_as_before(hr_data, inbox, offices):
    from pipeline.intake.filing import REPLACED, file_inbox

    new = write_form(get_form("reference"), inbox / "基础数据.xlsx",
                     rows={"offices": offices, "targets": [{**t, "sales_target": 600} for t in default_targets()]})
    digest = sha256(new)
    (outcome,) = file_inbox(inbox, hr_data)
    assert outcome.action == REPLACED, outcome.note
    assert sha256(hr_data / "reference.xlsx") == digest


def test_hr_replaces_the_reference_deliberately_by_moving_the_old_one_out_first(hr_data, inbox, tmp_path):
    new = _reference(inbox / "基础数据.xlsx", _offices("BJ01"))
    digest = sha256(new)
    assert run_cli("intake", str(inbox), "--data", str(hr_data)).returncode == 1
    (hr_data / "reference.xlsx").rename(tmp_path / "旧的基础数据.xlsx")  # as the report says
    result = run_cli("intake", str(inbox), "--data", str(hr_data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已归档：基础数据.xlsx → reference.xlsx" in result.stdout.splitlines()
    assert sha256(hr_data / "reference.xlsx") == digest


# ---------------------------------------------------------------------------------------------
# 6. The summary's counts


def test_the_summary_counts_an_identical_file_apart_from_those_filed(tmp_path, inbox):
    """`已存在相同文件：same.xlsx … 已从收件目录移除`, yet the summary said `归档 1 个`."""
    data = tmp_path / "data"
    _reference(data / "reference.xlsx")
    shutil.copy(_form(data / "submissions/2026Q1/BJ01", "clients.xlsx"), inbox / "same.xlsx")
    _form(inbox, "new.xlsx", "training")
    _form(inbox, "无期间.xlsx", period="")
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "已存在相同文件：same.xlsx 与 submissions/2026Q1/BJ01/clients.xlsx 完全相同，已从收件目录移除" in lines
    assert lines[-2] == "共 3 个文件：归档 1 个，已存在相同文件 1 个，留在收件目录 1 个。"
    assert _sections(inbox / "_intake-report.txt")[0][-1] == lines[-2]
