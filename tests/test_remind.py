"""`remind DATA_DIR --period P`: a ready-to-send reminder per office that still owes forms."""

from __future__ import annotations

from datetime import date

from _validation_helpers import good_office
from conftest import DEFAULT_OFFICES, default_targets, write_form

from pipeline.cli import main
from pipeline.forms import REFERENCE
from pipeline.outputs.reminder import Reminder, reminder_text
from pipeline.remind import default_out, file_names, reminders

TWO_MISSING = """\
北京一所（BJ01）测试所长甲所长：

您好！贵所 2026年第一季度（2026Q1）的考核表格尚未全部收齐：

尚未提交的表格：
  - 培训计划
  - 项目管理

本季度的填报截止日期为 2026-04-15，请在截止日期前提交。

空白模板请从考核网站“填报指南 › 模板下载”页面（网站中的 guide/templates.html）下载。填写时先填“封面”：所编号 BJ01，期间 2026Q1；再按表头逐行填写。

如有疑问，请与人力资源部联系。谢谢！

人力资源部
"""


def test_the_reminder_for_an_office_missing_two_forms():
    reminder = Reminder("BJ01", "北京一所", "测试所长甲", "2026Q1", missing=("培训计划", "项目管理"),
                        deadline=date(2026, 4, 15))
    assert reminder_text(reminder, today=date(2026, 4, 10)) == TWO_MISSING


def test_after_the_deadline_and_with_errors():
    reminder = Reminder("BJ01", "北京一所", "", "2026Q1", errors=(("客户开发与维护", 2),), deadline=date(2026, 4, 15))
    text = reminder_text(reminder, today=date(2026, 4, 20))
    assert text.startswith("北京一所（BJ01）所长：")
    assert "  - 客户开发与维护（2 个错误，" in text
    assert "本季度的填报截止日期（2026-04-15）已过，请尽快提交。" in text
    assert "尚未提交" not in text


def test_file_names_are_chinese_and_safe():
    """Named as the 考核确认单 are: the office's name, the quarter, what it is."""
    names = file_names([Reminder("BJ01", "北京一所", "", "2026Q1"), Reminder("../x/y", "", "", "2026Q1"),
                        Reminder("GZ01", "广州所", "", "2026Q1"), Reminder("GZ02", "广州所", "", "2026Q1")])
    assert names == {("BJ01", "2026Q1"): "北京一所-2026Q1-催交提醒.txt", ("../x/y", "2026Q1"): "_x_y-2026Q1-催交提醒.txt",
                     ("GZ01", "2026Q1"): "广州所（GZ01）-2026Q1-催交提醒.txt",
                     ("GZ02", "2026Q1"): "广州所（GZ02）-2026Q1-催交提醒.txt"}


def _data(data_dir, make_workbook):
    write_form(REFERENCE, data_dir / "reference.xlsx",
               rows={"offices": DEFAULT_OFFICES, "targets": default_targets(DEFAULT_OFFICES),
                     "schedule": [{"period": "2026Q1", "deadline": date(2026, 4, 15)}]})
    good_office(make_workbook, "2026Q1", "BJ01")
    good_office(make_workbook, "2026Q1", "SH01", skip=("training", "projects"))


def test_reminders_from_the_data(data_dir, make_workbook):
    _data(data_dir, make_workbook)
    found = {r.office_id: r for r in reminders(data_dir, "2026Q1")}
    assert not found["BJ01"].needed
    assert found["SH01"].missing == ("培训计划", "项目管理")
    assert found["SH01"].deadline == date(2026, 4, 15)


def test_the_command_writes_a_file_per_office_and_never_overwrites(tmp_path, data_dir, make_workbook, capsys,
                                                                  monkeypatch):
    _data(data_dir, make_workbook)
    monkeypatch.chdir(tmp_path)
    assert main(["remind", str(data_dir), "--period", "2026年第一季度", "--no-cache"]) == 0
    out = tmp_path / "提醒-2026Q1"
    name = "上海一所-2026Q1-催交提醒.txt"
    assert sorted(p.name for p in out.iterdir()) == [name]
    assert "尚未提交的表格：\n  - 培训计划\n  - 项目管理" in (out / name).read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    assert "———— 上海一所（SH01） ————" in printed
    assert printed.rstrip().endswith(f"已写出 1 份提醒：{out}")  # the folder in full
    assert default_out("2026Q1", tmp_path) == tmp_path / "提醒-2026Q1-2"  # the default never reuses a folder
    (out / name).write_text("HR 的修改", encoding="utf-8")
    assert main(["remind", str(data_dir), "--period", "2026Q1", "--out", str(out), "--no-cache"]) == 2
    assert f"已有同名文件（{name}）" in capsys.readouterr().err
    assert (out / name).read_text(encoding="utf-8") == "HR 的修改"


def test_bad_periods_are_usage_errors(data_dir, make_workbook, capsys):
    _data(data_dir, make_workbook)
    for period, message in (("2026", "应为季度"), ("明年", "期间应为"), ("2030Q1", "数据中没有 2030Q1")):
        assert main(["remind", str(data_dir), "--period", period, "--no-cache"]) == 2
        assert message in capsys.readouterr().err


def test_an_office_with_every_form_in_but_errors_is_not_told_its_forms_are_missing():
    """Regression: the reminder said 尚未全部收齐 to an office that had sent everything, some with errors."""
    reminder = Reminder("BJ01", "北京一所", "测试所长甲", "2026Q1", errors=(("培训计划", 2),), deadline=date(2026, 4, 15))
    text = reminder_text(reminder, today=date(2026, 4, 10))
    assert "您好！贵所 2026年第一季度（2026Q1）的考核表格中有需要更正的错误：" in text and "收齐" not in text


def test_no_reminder_needed_makes_no_folder(tmp_path, data_dir, make_workbook, capsys, monkeypatch):
    """Regression: remind made an empty 提醒-2026Q1 folder when every office was complete."""
    write_form(REFERENCE, data_dir / "reference.xlsx",
               rows={"offices": DEFAULT_OFFICES, "targets": default_targets(DEFAULT_OFFICES)})
    good_office(make_workbook, "2026Q1", "BJ01")
    good_office(make_workbook, "2026Q1", "SH01")
    monkeypatch.chdir(tmp_path)
    assert main(["remind", str(data_dir), "--period", "2026Q1", "--no-cache"]) == 0
    assert "无需提醒" in capsys.readouterr().out
    assert not (tmp_path / "提醒-2026Q1").exists()
