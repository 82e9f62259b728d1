"""The blank templates (excel/blank.py), the fill helper (excel/fill.py) and `templates --check`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from pipeline.excel.blank import check_template, check_templates, display_width, write_template, write_templates
from pipeline.excel.fill import fill_form
from pipeline.forms import ALL_FORMS, CLIENTS, RECRUITMENT, REFERENCE, TRAINING, get_form

ROOT = Path(__file__).resolve().parents[1]
FORM_IDS = [f.id for f in ALL_FORMS]


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    write_templates(out)
    return out


def _open(template_dir: Path, form_id: str):
    return load_workbook(template_dir / f"{form_id}.xlsx")


def _validations(ws):
    return list(ws.data_validations.dataValidation)


def _validation_at(ws, cell: str, with_type: bool = True):
    found = [dv for dv in _validations(ws) if cell in dv.sqref and (dv.type is not None) == with_type]
    assert len(found) == 1, f"{ws.title}!{cell}: {found}"
    return found[0]


@pytest.mark.parametrize(("form_id", "sheets"), [
    ("recruitment", ["封面", "填写说明", "招聘计划", "团队名册", "_meta"]),
    ("training", ["封面", "填写说明", "培训计划", "_meta"]),
    ("clients", ["封面", "填写说明", "客户", "_meta"]),
    ("projects", ["封面", "填写说明", "项目", "_meta"]),
    ("reference", ["填写说明", "业务所", "季度目标", "_meta"]),
])
def test_sheets_in_order(template_dir, form_id, sheets):
    wb = _open(template_dir, form_id)
    assert wb.sheetnames == sheets
    assert [ws.sheet_state for ws in wb.worksheets][:-1] == ["visible"] * (len(sheets) - 1)
    assert wb.active.title == sheets[0]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_data_sheets_header_freeze_filter_widths_formats(template_dir, form_id):
    form = get_form(form_id)
    wb = _open(template_dir, form_id)
    for sheet in form.sheets:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == list(sheet.labels)
        assert ws.max_row == 1  # data area is empty: no pre-formatted blank cells
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{sheet.column_letter(sheet.fields[-1].key)}1"
        assert all(c.font.b for c in ws[1])
        for field in sheet.fields:
            dim = ws.column_dimensions[sheet.column_letter(field.key)]
            assert dim.width >= display_width(field.label) + 2
            expected_format = {"date": "yyyy-mm-dd", "integer": "0", "number": "0.00"}.get(field.type.kind, "General")
            assert dim.number_format == expected_format


def test_cjk_width_units():
    assert display_width("已解决投诉次数") == 14
    assert display_width("E0001") == 5
    assert display_width("ＡＢ") == 4


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_dropdowns_for_every_choice_column(template_dir, form_id):
    form = get_form(form_id)
    wb = _open(template_dir, form_id)
    count = 0
    for sheet in form.sheets:
        ws = wb[sheet.name]
        for field in sheet.fields:
            if field.type.kind != "choice":
                continue
            letter = sheet.column_letter(field.key)
            dv = _validation_at(ws, f"{letter}2")
            assert dv.type == "list"
            assert dv.formula1 == '"' + ",".join(field.type.choices) + '"'
            assert str(dv.sqref) == f"{letter}2:{letter}1000"
            count += 1
    assert count == sum(1 for s in form.sheets for f in s.fields if f.type.kind == "choice")


def test_exact_dropdown_lists(template_dir):
    ws = _open(template_dir, "recruitment")["团队名册"]
    assert _validation_at(ws, "G2").formula1 == '"优秀,良好,合格,待改进,不合格,未考核"'
    ws = _open(template_dir, "projects")["项目"]
    assert _validation_at(ws, "D2").formula1 == '"启动,执行,验收,总结,已关闭"'
    assert _validation_at(ws, "J2").formula1 == '"通过,未通过,未验收"'


@pytest.mark.parametrize(("form_id", "sheet", "cell", "kind", "operator", "f1", "f2"), [
    ("clients", "客户", "G2", "decimal", "greaterThanOrEqual", "0", None),  # 本期销售额
    ("clients", "客户", "H500", "whole", "greaterThanOrEqual", "0", None),  # 回访次数
    ("clients", "客户", "I2", "decimal", "between", "1", "5"),  # 满意度评分
    ("recruitment", "招聘计划", "B2", "whole", "greaterThanOrEqual", "1", None),  # 计划人数
    ("recruitment", "团队名册", "D2", "date", "between", "DATE(2000,1,1)", "DATE(2100,12,31)"),  # 入职日期
    ("training", "培训计划", "H2", "decimal", "greaterThanOrEqual", "0", None),  # 课时
    ("projects", "项目", "F1000", "date", "between", "DATE(2000,1,1)", "DATE(2100,12,31)"),  # 计划完成日期
    ("reference", "季度目标", "A2", "whole", "between", "2000", "2100"),  # 年度
    ("reference", "季度目标", "D2", "decimal", "greaterThan", "0", None),  # 销售目标 > 0
    ("reference", "业务所", "A2", "textLength", "lessThanOrEqual", "20", None),  # 所编号
])
def test_number_date_and_text_validations(template_dir, form_id, sheet, cell, kind, operator, f1, f2):
    dv = _validation_at(_open(template_dir, form_id)[sheet], cell)
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (kind, operator, f1, f2)
    assert dv.allow_blank


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_input_message_on_every_header(template_dir, form_id):
    form = get_form(form_id)
    wb = _open(template_dir, form_id)
    for sheet in form.sheets:
        ws = wb[sheet.name]
        for field in sheet.fields:
            dv = _validation_at(ws, f"{sheet.column_letter(field.key)}1", with_type=False)
            assert dv.showInputMessage
            assert dv.promptTitle == field.label
            assert dv.prompt.startswith(field.help)
            assert ("类型:" + field.describe()) in dv.prompt
            assert len(dv.prompt) <= 255


def test_private_header_says_not_published(template_dir):
    ws = _open(template_dir, "clients")["客户"]
    assert "个人信息,不会发布" in _validation_at(ws, "F1", with_type=False).prompt
    assert "必填;不得重复" in _validation_at(ws, "A1", with_type=False).prompt


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_meta_sheet_and_document_properties(template_dir, form_id):
    form = get_form(form_id)
    wb = _open(template_dir, form_id)
    meta = wb["_meta"]
    assert meta.sheet_state == "veryHidden"
    assert meta.protection.sheet is True
    assert meta.protection.password  # stored as Excel's hash
    values = [[c.value for c in row] for row in meta["A1:B3"]]
    assert values == [["template_id", form.id], ["template_version", form.version],
                      ["structure_hash", form.structure_hash]]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"template_id": form.id, "template_version": form.version, "structure_hash": form.structure_hash}
    assert wb.properties.creator == "业务所长考核"


def test_calamine_sees_the_same_sheets(template_dir):
    wb = CalamineWorkbook.from_path(str(template_dir / "clients.xlsx"))
    assert wb.sheet_names == ["封面", "填写说明", "客户", "_meta"]
    assert wb.get_sheet_by_name("客户").to_python()[0][:3] == ["客户编号", "客户名称", "客户类型"]
    assert wb.get_sheet_by_name("_meta").to_python()[0] == ["template_id", "clients"]


@pytest.mark.parametrize("form_id", ["recruitment", "training", "clients", "projects"])
def test_cover_sheet(template_dir, form_id):
    ws = _open(template_dir, form_id)["封面"]
    assert [ws[f"A{r}"].value for r in range(1, 5)] == ["所编号", "期间", "填报人", "填报日期"]
    assert [ws[f"B{r}"].value for r in range(1, 5)] == [None] * 4
    assert all(ws[f"C{r}"].value and ws[f"C{r}"].font.color.rgb == "00808080" for r in range(1, 5))
    period = _validation_at(ws, "B2")
    assert (period.type, period.operator, period.formula1) == ("textLength", "equal", "6")
    assert period.prompt.startswith("如 2026Q1")
    filled_on = _validation_at(ws, "B4")
    assert filled_on.type == "date"
    assert ws["B4"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_instructions_list_every_column(template_dir, form_id):
    form = get_form(form_id)
    ws = _open(template_dir, form_id)["填写说明"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == f"《{form.title}》填写说明"
    assert rows[1][0] == form.help
    column_a = [r[0] for r in rows]
    for sheet in form.sheets:
        start = column_a.index(f"工作表“{sheet.name}”")
        header = column_a.index("列名", start)
        assert rows[header][:9] == ["列名", "含义", "类型", "单位", "可选值", "是否必填", "是否唯一", "是否个人信息", "示例"]
        for offset, field in enumerate(sheet.fields, start=1):
            row = rows[header + offset]
            assert row[0] == field.label
            assert row[1] == field.help
            assert row[2] == field.describe()
            assert (row[3] or "") == field.unit
            assert (row[4] or "") == "、".join(getattr(field.type, "choices", ()))
            assert row[5] == ("是" if field.required else None)
            assert row[6] == ("是" if field.unique else None)
            assert row[7] == ("是" if field.private else None)
        for rule in sheet.rules:
            assert f"· {rule.describe(sheet)}" in column_a[start:]


def test_instructions_details(template_dir):
    column_a = [r[0] for r in _open(template_dir, "training")["填写说明"].iter_rows(values_only=True)]
    assert "· 状态为“已完成”时必须填写实际日期" in column_a
    assert "工作表“封面”" in column_a
    assert "模板编号:training    模板版本:1.0" in column_a


def test_regeneration_is_byte_identical(tmp_path):
    a = write_template(CLIENTS, tmp_path / "a")
    b = write_template(CLIENTS, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()


def test_committed_templates_match_the_specs():
    assert check_templates(ROOT / "input_templates") == []


def test_drift_is_detected(tmp_path):
    path = write_template(TRAINING, tmp_path)
    assert check_template(path, TRAINING) == []
    wb = load_workbook(path)
    wb["培训计划"]["C1"] = "方式"
    wb["_meta"]["B2"] = "0.9"
    wb["培训计划"].data_validations.dataValidation = [
        dv for dv in wb["培训计划"].data_validations.dataValidation if str(dv.sqref) != "I2:I1000"]
    wb.save(path)
    problems = check_template(path, TRAINING)
    assert "training.xlsx:工作表“培训计划”!C1 应为 “培训方式”,实际为 “方式”" in problems
    assert "training.xlsx:工作表“_meta”!B2 应为 “1.0”,实际为 “0.9”" in problems
    assert any(p.startswith("training.xlsx:工作表“培训计划”!I2:I1000 的数据验证 应为 “list|") for p in problems)
    assert len(problems) == 3


def test_missing_and_broken_templates_are_reported(tmp_path):
    write_templates(tmp_path)
    (tmp_path / "projects.xlsx").unlink()
    (tmp_path / "clients.xlsx").write_bytes(b"not a zip")
    assert check_templates(tmp_path) == ["clients.xlsx:无法打开(BadZipFile)", "projects.xlsx:缺少模板文件"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_writes_and_checks(tmp_path):
    out = tmp_path / "new" / "templates"
    result = _cli("templates", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f.filename for f in ALL_FORMS)
    assert "已生成模板" in result.stdout
    result = _cli("templates", "--out", str(out), "--check")
    assert (result.returncode, result.stderr) == (0, "")
    assert "与表单定义一致" in result.stdout
    wb = load_workbook(out / "clients.xlsx")
    wb["客户"]["G1"] = "销售额"
    wb.save(out / "clients.xlsx")
    result = _cli("templates", "--out", str(out), "--check")
    assert result.returncode == 1
    assert "clients.xlsx:工作表“客户”!G1 应为 “本期销售额”,实际为 “销售额”" in result.stdout
    assert "Traceback" not in result.stderr


def test_cli_check_of_missing_dir(tmp_path):
    result = _cli("templates", "--out", str(tmp_path / "none"), "--check")
    assert result.returncode == 1
    assert "recruitment.xlsx:缺少模板文件" in result.stdout


# --- fill.py ---------------------------------------------------------------------------------


def test_fill_writes_cover_rows_and_raw_cells(tmp_path):
    dest = fill_form(
        CLIENTS, tmp_path / "deep" / "clients.xlsx",
        cover={"office_id": "BJ01", "period": "2026Q1", "filled_on": date(2026, 4, 3)},
        rows={"clients": [{"client_id": "C1", "name": "甲公司", "sales": "1,234"},
                          {"client_id": "C2", "name": "乙公司", "sales": 12.5, "satisfaction": 4}]},
        raw={"客户": {"K9": "二", "A1": "编号"}, "额外": {"B2": 1}},
    )
    wb = load_workbook(dest)
    cover = wb["封面"]
    assert [cover[f"B{r}"].value for r in range(1, 5)] == ["BJ01", "2026Q1", None, cover["B4"].value]
    assert cover["B4"].value.date() == date(2026, 4, 3)
    assert cover["B4"].number_format == "yyyy-mm-dd"
    ws = wb["客户"]
    assert ws["A1"].value == "编号"
    assert [ws["A2"].value, ws["B2"].value, ws["G2"].value, ws["I2"].value] == ["C1", "甲公司", "1,234", None]
    assert [ws["A3"].value, ws["G3"].value, ws["I3"].value] == ["C2", 12.5, 4]
    assert ws["K9"].value == "二"
    assert wb["额外"]["B2"].value == 1
    assert wb["_meta"]["B1"].value == "clients"  # identity survives filling


def test_fill_keeps_strings_and_dates_as_given(tmp_path):
    dest = fill_form(RECRUITMENT, tmp_path / "r.xlsx", rows={"roster": [
        {"employee_id": "E1", "name": "测试", "join_date": "2026/3/5", "leave_date": date(2026, 3, 31)}]})
    ws = load_workbook(dest)["团队名册"]
    assert ws["D2"].value == "2026/3/5"
    assert ws["E2"].value.date() == date(2026, 3, 31)
    assert ws["E2"].number_format == "yyyy-mm-dd"


def test_fill_by_sheet_name_and_from_template_dir(tmp_path, template_dir):
    dest = fill_form(REFERENCE, tmp_path / "reference.xlsx", template_dir=template_dir,
                     rows={"业务所": [{"office_id": "BJ01", "office_name": "北京一所"}]})
    wb = load_workbook(dest)
    assert wb["业务所"]["B2"].value == "北京一所"
    assert "封面" not in wb.sheetnames


def test_fill_rejects_unknown_keys(tmp_path):
    with pytest.raises(KeyError):
        fill_form(CLIENTS, tmp_path / "x.xlsx", rows={"clients": [{"nope": 1}]})
    with pytest.raises(KeyError):
        fill_form(CLIENTS, tmp_path / "x.xlsx", cover={"office": "BJ01"})


def test_make_workbook_fixture_fills_cover_from_folder(make_workbook, make_reference, data_dir):
    path = make_workbook("projects", "submissions/2026Q2/SH01/projects.xlsx")
    assert path == data_dir / "submissions/2026Q2/SH01/projects.xlsx"
    cover = load_workbook(path)["封面"]
    assert [cover["B1"].value, cover["B2"].value, cover["B3"].value] == ["SH01", "2026Q2", "测试填报人"]
    blank = make_workbook("projects", "elsewhere/projects.xlsx", cover={})
    assert load_workbook(blank)["封面"]["B1"].value is None
    ref = load_workbook(make_reference())
    assert [c.value for c in ref["业务所"]["A"]][1:] == ["BJ01", "SH01"]
    assert ref["季度目标"].max_row == 9
