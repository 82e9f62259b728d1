"""The form writer (outputs/form_workbook.py): blank templates, filled workbooks, the drift check."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from pipeline.forms import ALL_FORMS, CLIENTS, PROJECTS, RECRUITMENT, REFERENCE, TRAINING, get_form
from pipeline.intake.read import read_workbook
from pipeline.outputs.file_names import safe_part
from pipeline.outputs.form_workbook import (
    check_template,
    check_templates,
    display_width,
    form_workbook_bytes,
    type_text,
    write_template,
    write_templates,
)

ROOT = Path(__file__).resolve().parents[1]
FORM_IDS = [f.id for f in ALL_FORMS]
COVER = {"office_id": "BJ01", "period": "2026Q1", "filled_by": "测试填报人", "filled_on": date(2026, 4, 3)}


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    write_templates(out)
    return out


def _open(template_dir: Path, form_id: str):
    return load_workbook(template_dir / f"{form_id}.xlsx")


def _validation_at(ws, cell: str, with_type: bool = True):
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref and (dv.type is not None) == with_type]
    assert len(found) == 1, f"{ws.title}!{cell}: {found}"
    return found[0]


def _column(ws, index: int):
    """The column dimension covering column `index` (adjacent columns alike are stored as one)."""
    found = [d for d in ws.column_dimensions.values() if d.min <= index <= d.max]
    assert len(found) == 1, (ws.title, index)
    return found[0]


def _filled(form, cover=None, rows=None):
    return load_workbook(io.BytesIO(form_workbook_bytes(form, cover=cover, rows=rows)))


# --- the blank templates ------------------------------------------------------------------------


@pytest.mark.parametrize(("form_id", "sheets"), [
    ("recruitment", ["封面", "填写说明", "招聘计划", "团队名册", "_meta"]),
    ("training", ["封面", "填写说明", "培训计划", "_meta"]),
    ("clients", ["封面", "填写说明", "客户", "_meta"]),
    ("projects", ["封面", "填写说明", "项目", "_meta"]),
    ("reference", ["填写说明", "业务所", "季度目标", "所长任职", "填报日程", "_meta"]),
])
def test_sheets_in_order(template_dir, form_id, sheets):
    wb = _open(template_dir, form_id)
    assert wb.sheetnames == sheets
    assert [ws.sheet_state for ws in wb.worksheets][:-1] == ["visible"] * (len(sheets) - 1)
    assert wb.active.title == sheets[0]


# SPEC §2, sheet by sheet, in column order: the headers the reader matches exactly (since
# version 1.1 an amount's or a duration's header shows its unit: a unit in sight is typed in)
SPEC_LABELS = {
    ("recruitment", "招聘计划"): "岗位 计划人数 已录用人数 招聘渠道 任职要求 状态",
    ("recruitment", "团队名册"): "工号 姓名 岗位 入职日期 离职日期 离职原因 本期绩效结果",
    ("training", "培训计划"): "培训编号 培训名称 培训方式 计划日期 计划参训人数 实际日期 实际参训人数 课时（小时） 状态",
    ("clients", "客户"): "客户编号 客户名称 客户类型 行业 联系人 联系电话 本期销售额（万元） 回访次数 满意度评分 投诉次数 已解决投诉次数",
    ("projects", "项目"): "项目编号 项目名称 客户编号 阶段 开始日期 计划完成日期 实际完成日期 预算（万元） 实际成本（万元） 验收结果 风险数",
    ("reference", "业务所"): "所编号 业务所名称 所长 区域 季度奖金基数（元）",
    ("reference", "季度目标"): "年度 季度 所编号 销售目标（万元） 上年同期销售额（万元） 市场规模（万元）",
    ("reference", "所长任职"): "所编号 工号 姓名 起始日期 结束日期",
    ("reference", "填报日程"): "期间 截止日期",
}


@pytest.mark.parametrize(("form_id", "sheet_name"), list(SPEC_LABELS))
def test_headers_are_the_spec_labels(template_dir, form_id, sheet_name):
    ws = _open(template_dir, form_id)[sheet_name]
    assert [c.value for c in ws[1]] == SPEC_LABELS[(form_id, sheet_name)].split()


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_data_sheets_header_freeze_filter_widths_formats(template_dir, form_id):
    form = get_form(form_id)
    wb = _open(template_dir, form_id)
    for sheet in form.sheets:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == list(sheet.headings)
        assert ws.max_row == 1  # data area is empty: no pre-formatted blank cells
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{sheet.column_letter(sheet.fields[-1].key)}1"
        assert all(c.font.b for c in ws[1])
        fills = {c.value: c.fill.fgColor.rgb[-6:] for c in ws[1]}
        assert fills == {f.heading: "FCE4D6" if f.required else "DDEBF7" for f in sheet.fields}
        for index, field in enumerate(sheet.fields, start=1):
            dim = _column(ws, index)
            assert dim.width >= display_width(field.heading) + 2
            # text (ids, 工号, phone numbers) as text: a typed 0012 keeps its zeros
            expected_format = {"date": "yyyy-mm-dd", "integer": "0", "number": "0.00", "text": "@"}.get(
                field.type.kind, "General")
            assert dim.number_format == expected_format


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_sheet_prints_landscape_one_page_wide(template_dir, form_id):
    wb = _open(template_dir, form_id)
    form = get_form(form_id)
    for ws in wb.worksheets[:-1]:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth or 1) == 1  # 1 is the default
        # the cover on one page (labels and hints never split); the others as many pages down as needed
        assert (ws.page_setup.fitToHeight or 1) == 1 if ws.title == "封面" else ws.page_setup.fitToHeight == 0
        assert ws.oddHeader.right.text == "&A" and ws.oddHeader.left.text == form.title  # each page names its sheet
    for sheet in form.sheets:
        assert wb[sheet.name].print_title_rows == "$1:$1"  # the header row repeated on every page
        assert wb[sheet.name].freeze_panes == "A2"
    if form.has_cover:
        assert wb["封面"].print_area == "'封面'!$A$1:$C$7"


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
            assert (dv.errorStyle or "stop") == "stop"
            count += 1
    assert count == sum(1 for s in form.sheets for f in s.fields if f.type.kind == "choice")


def test_exact_dropdown_lists(template_dir):
    ws = _open(template_dir, "recruitment")["团队名册"]
    assert _validation_at(ws, "G2").formula1 == '"优秀,良好,合格,待改进,不合格,未考核"'
    ws = _open(template_dir, "projects")["项目"]
    assert _validation_at(ws, "D2").formula1 == '"启动,执行,验收,总结,已关闭"'
    assert _validation_at(ws, "J2").formula1 == '"通过,未通过,未验收"'


DATE_RANGE = ("36526", "73415")  # 2000-01-01 and 2100-12-31 as Excel serials


@pytest.mark.parametrize(("form_id", "sheet", "cell", "kind", "operator", "f1", "f2"), [
    ("clients", "客户", "G2", "decimal", "between", "0", "1000000"),  # 本期销售额, up to its ceiling
    ("clients", "客户", "H500", "whole", "between", "0", "10000"),  # 回访次数
    ("clients", "客户", "I2", "decimal", "between", "1", "5"),  # 满意度评分
    ("recruitment", "招聘计划", "B2", "whole", "between", "1", "10000"),  # 计划人数
    ("recruitment", "团队名册", "D2", "date", "between", *DATE_RANGE),  # 入职日期
    ("training", "培训计划", "H2", "decimal", "between", "0", "1000"),  # 课时
    ("projects", "项目", "F1000", "date", "between", *DATE_RANGE),  # 计划完成日期
    ("reference", "季度目标", "A2", "whole", "between", "2000", "2100"),  # 年度
    ("reference", "季度目标", "D2", "decimal", "greaterThan", "0", None),  # 销售目标 > 0 (its ceiling left out)
    ("reference", "业务所", "A2", "textLength", "lessThanOrEqual", "20", None),  # 所编号
])
def test_number_date_and_text_validations(template_dir, form_id, sheet, cell, kind, operator, f1, f2):
    dv = _validation_at(_open(template_dir, form_id)[sheet], cell)
    # "between" is the default operator: the file leaves it out
    assert (dv.type, dv.operator or "between", dv.formula1, dv.formula2) == (kind, operator, f1, f2)
    assert dv.allow_blank
    assert dv.errorStyle == "warning"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_input_message_on_every_header(template_dir, form_id):
    form = get_form(form_id)
    wb = _open(template_dir, form_id)
    for sheet in form.sheets:
        ws = wb[sheet.name]
        for field in sheet.fields:
            dv = _validation_at(ws, f"{sheet.column_letter(field.key)}1", with_type=False)
            assert dv.showInputMessage
            assert dv.promptTitle == field.heading
            assert dv.prompt.startswith(field.help)
            assert "类型：" in dv.prompt and field.type.describe()[:2] in dv.prompt
            assert len(dv.prompt) <= 255


def test_private_header_says_not_published(template_dir):
    ws = _open(template_dir, "clients")["客户"]
    assert "个人信息，不会发布" in _validation_at(ws, "F1", with_type=False).prompt
    assert "必填；不得重复" in _validation_at(ws, "A1", with_type=False).prompt


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
    assert wb.properties.title == form.title
    assert wb.properties.created == wb.properties.modified == datetime(2026, 1, 1)


def test_calamine_sees_the_same_sheets(template_dir):
    wb = CalamineWorkbook.from_path(str(template_dir / "clients.xlsx"))
    assert wb.sheet_names == ["封面", "填写说明", "客户", "_meta"]
    assert wb.get_sheet_by_name("客户").to_python()[0][:3] == ["客户编号", "客户名称", "客户类型"]
    assert wb.get_sheet_by_name("_meta").to_python()[0] == ["template_id", "clients"]


@pytest.mark.parametrize("form_id", ["recruitment", "training", "clients", "projects"])
def test_cover_sheet(template_dir, form_id):
    form = get_form(form_id)
    ws = _open(template_dir, form_id)["封面"]
    assert ws["A1"].value == f"{form.title} · 填报封面" and ws["A1"].font.b
    assert "A1:C1" in ws.merged_cells
    assert [ws[f"A{r}"].value for r in range(2, 6)] == ["所编号", "期间", "填报人", "填报日期"]
    assert [ws[f"B{r}"].value for r in range(2, 6)] == [None] * 4
    assert all(ws[f"C{r}"].value and ws[f"C{r}"].font.color.rgb.endswith("808080") for r in range(2, 6))
    for r in range(2, 6):  # the input cells: boxed and tinted, so it is plain where to type
        cell = ws[f"B{r}"]
        assert cell.fill.fgColor.rgb.endswith("FFF2CC")
        assert {cell.border.left.style, cell.border.right.style, cell.border.top.style, cell.border.bottom.style} == {
            "medium"}
    assert ws["B2"].number_format == "@"  # 所编号 as text
    period = _validation_at(ws, "B3")
    assert period.type == "custom" and period.errorStyle == "warning"
    assert period.prompt.startswith("如 2026Q1")
    filled_on = _validation_at(ws, "B5")
    assert filled_on.type == "date"
    assert ws["B5"].number_format == "yyyy-mm-dd"


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
        assert rows[header][:9] == ["列名", "含义", "类型", "单位", "可选值", "必填", "唯一", "个人信息", "示例"]
        for offset, field in enumerate(sheet.fields, start=1):
            row = rows[header + offset]
            assert row[0] == field.heading
            assert row[1] == field.help
            assert row[2] == type_text(field)
            assert "、" not in row[2]  # the choices are the 可选值 column's, never repeated (and clipped) here
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
    assert f"模板编号：training    模板版本：{TRAINING.version}" in column_a
    # input messages show when a cell is selected: the note must not promise a hover
    assert not any("鼠标" in (text or "") or "悬停" in (text or "") for text in column_a)
    assert any("选中某列的任一单元格（包括表头）时" in (text or "") for text in column_a)


# --- regenerating, and the drift check ----------------------------------------------------------


def test_regeneration_is_byte_identical(tmp_path):
    a = write_template(CLIENTS, tmp_path / "a")
    b = write_template(CLIENTS, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes() == form_workbook_bytes(CLIENTS)
    assert form_workbook_bytes(CLIENTS, cover=COVER) == form_workbook_bytes(CLIENTS, cover=COVER)
    later = form_workbook_bytes(CLIENTS, generated=datetime(2026, 5, 6, 7, 8, 9))
    assert later != a.read_bytes()
    assert load_workbook(io.BytesIO(later)).properties.created == datetime(2026, 5, 6, 7, 8, 9)
    assert not list(tmp_path.rglob(".tmp-*"))


def test_committed_templates_match_the_specs():
    assert check_templates(ROOT / "input_templates") == []
    for form in ALL_FORMS:  # and they are exactly what the writer writes today
        assert (ROOT / "input_templates" / form.filename).read_bytes() == form_workbook_bytes(form), form.id


def test_templates_keep_the_spec_names_and_are_downloaded_under_their_titles():
    """input_templates/ and the data folder keep SPEC §2's names; the site offers the titles people know."""
    assert [f.filename for f in ALL_FORMS] == [f"{f.id}.xlsx" for f in ALL_FORMS]
    assert [f.download_name for f in ALL_FORMS] == [
        "招聘与团队.xlsx", "培训计划.xlsx", "客户开发与维护.xlsx", "项目管理.xlsx", "人力资源部基础数据.xlsx",
        "已确认的问题.xlsx", "复核调整与申诉.xlsx"]
    names = [f.download_name.casefold() for f in ALL_FORMS]
    assert len(set(names)) == len(names)
    assert all(safe_part(f.title) == f.title for f in ALL_FORMS)  # nothing a file system would refuse


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
    assert "training.xlsx：工作表“培训计划”!C1 应为 “培训方式”，实际为 “方式”" in problems
    assert f"training.xlsx：工作表“_meta”!B2 应为 “{TRAINING.version}”，实际为 “0.9”" in problems
    assert any(p.startswith("training.xlsx：工作表“培训计划”!I2:I1000 的数据验证 应为 “list|") for p in problems)
    assert len(problems) == 3


def test_missing_and_broken_templates_are_reported(tmp_path):
    write_templates(tmp_path)
    (tmp_path / "projects.xlsx").unlink()
    (tmp_path / "clients.xlsx").write_bytes(b"not a zip")
    assert check_templates(tmp_path) == ["clients.xlsx：无法打开（BadZipFile）", "projects.xlsx：缺少模板文件"]


def test_many_differences_are_cut_short(tmp_path):
    path = write_template(CLIENTS, tmp_path)
    wb = load_workbook(path)
    for col in range(1, 12):
        wb["客户"].cell(1, col).value = f"列{col}"
    for row in range(1, 20):
        wb["填写说明"].cell(row, 1).value = f"改{row}"
    wb.save(path)
    problems = check_template(path, CLIENTS, limit=5)
    assert len(problems) == 6 and problems[-1].startswith("clients.xlsx：……另有 ")


# --- filling ---------------------------------------------------------------------------------------


def test_cover_and_rows_are_written_with_their_types():
    wb = _filled(CLIENTS, cover=COVER, rows={"clients": [
        {"client_id": "C1", "name": "甲公司", "sales": "1,234", "visits": "2"},
        {"client_id": "0012", "name": "乙公司", "sales": 12.5, "satisfaction": 4, "complaints": True},
    ]})
    cover = wb["封面"]
    assert [cover[f"B{r}"].value for r in range(2, 5)] == ["BJ01", "2026Q1", "测试填报人"]
    assert cover["B5"].value == datetime(2026, 4, 3) and cover["B5"].number_format == "yyyy-mm-dd"
    ws = wb["客户"]
    assert [ws["A2"].value, ws["B2"].value, ws["G2"].value, ws["H2"].value] == ["C1", "甲公司", "1,234", "2"]
    assert ws["G2"].data_type == "s"  # a str stays a str, however much it looks like a number
    assert [ws["A3"].value, ws["G3"].value, ws["I3"].value, ws["J3"].value] == ["0012", 12.5, 4, True]
    assert ws["I2"].value is None
    assert wb["_meta"]["B1"].value == "clients"  # identity survives filling


def test_dates_datetimes_and_text_dates():
    wb = _filled(RECRUITMENT, rows={"roster": [
        {"employee_id": "E1", "name": "测试", "join_date": "2026/3/5", "leave_date": date(2026, 3, 31)},
        {"employee_id": "E2", "name": "测试乙", "join_date": datetime(2026, 2, 3, 10, 30)},
    ]})
    ws = wb["团队名册"]
    assert ws["D2"].value == "2026/3/5"
    assert ws["E2"].value == datetime(2026, 3, 31) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["D3"].value == datetime(2026, 2, 3, 10, 30) and ws["D3"].number_format == "yyyy-mm-dd hh:mm"


def test_a_number_in_a_date_column_stays_a_number():
    """As typed into a General cell: the reader sees the serial (and notes it), not a date."""
    wb = _filled(PROJECTS, rows={"projects": [{"project_id": "P1", "start_date": 46086}]})
    assert wb["项目"]["E2"].value == 46086
    assert wb["项目"]["E2"].number_format == "General"


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    path = tmp_path / "c.xlsx"
    path.write_bytes(form_workbook_bytes(CLIENTS, cover=COVER, rows={"clients": [
        {"client_id": "C1", "name": "=1+1", "sales": "=SUM(A1)"}]}))
    facts = read_workbook(path, "c.xlsx")
    assert [f.code for f in facts.findings] == ["type-number"]  # not formula-no-value
    assert facts.tables["clients"].column("name") == ["=1+1"]


def test_rows_by_sheet_name_and_blank_rows():
    wb = _filled(REFERENCE, rows={"业务所": [{"office_id": "BJ01", "office_name": "北京一所"}, {},
                                            {"office_id": "SH01", "head": None}]})
    ws = wb["业务所"]
    assert [ws["A2"].value, ws["B2"].value, ws["A3"].value, ws["A4"].value, ws["C4"].value] == \
        ["BJ01", "北京一所", None, "SH01", None]
    assert "封面" not in wb.sheetnames


def test_unknown_keys_are_refused():
    with pytest.raises(KeyError):
        form_workbook_bytes(CLIENTS, rows={"clients": [{"nope": 1}]})
    with pytest.raises(KeyError):
        form_workbook_bytes(CLIENTS, cover={"office": "BJ01"})
    with pytest.raises(KeyError):
        form_workbook_bytes(CLIENTS, rows={"nope": []})


# A realistic row of every sheet; what the reader gives back must be exactly these values.
GOOD_ROWS = {
    "recruitment": {
        "hiring": [{"position": "客户经理", "planned": 2, "hired": 1, "channel": "社会招聘", "requirements": "本科",
                    "status": "进行中"}],
        "roster": [{"employee_id": "E001", "name": "测试甲", "position": "分析师", "join_date": date(2024, 1, 2),
                    "leave_date": date(2026, 2, 3), "leave_reason": "个人发展", "rating": "良好"},
                   {"employee_id": "E002", "name": "测试乙", "join_date": date(2026, 1, 1), "rating": "未考核"}],
    },
    "training": {"trainings": [
        {"training_id": "T1", "name": "产品培训", "method": "内部课程", "planned_date": date(2026, 1, 5),
         "planned_attendees": 10, "actual_date": date(2026, 1, 6), "actual_attendees": 9, "hours": 1.5,
         "status": "已完成"}]},
    "clients": {"clients": [
        {"client_id": "C0001", "name": "甲公司", "client_type": "新客户", "industry": "制造业", "contact": "测试丙",
         "phone": "13900001234", "sales": 35.25, "visits": 2, "satisfaction": 4.5, "complaints": 2,
         "resolved_complaints": 1},
        {"client_id": "C0002", "name": "乙公司", "sales": 12, "visits": 0}]},
    "projects": {"projects": [
        {"project_id": "P1", "name": "系统实施项目", "client_id": "C0001", "stage": "执行", "start_date": date(2026, 1, 2),
         "planned_end": date(2026, 6, 30), "budget": 120.5, "cost": 80, "acceptance": "未验收", "risks": 3}]},
    "reference": {
        "offices": [{"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长", "region": "华北",
                     "bonus_base": 30000}],
        "targets": [{"year": 2026, "quarter": "Q1", "office_id": "BJ01", "sales_target": 500, "prior_sales": 450.5,
                     "market_size": 5000}],
        "heads": [{"office_id": "BJ01", "head_id": "T0001", "head_name": "测试所长", "start": date(2024, 1, 1)}],
        "schedule": [{"period": "2026Q1", "deadline": date(2026, 4, 15)}]},
    "accepted": {"accepted": [
        {"office_id": "BJ01", "period": "2026Q1", "file": "submissions/2026Q1/BJ01/clients.xlsx", "cell": "G2",
         "code": "plausible-ceiling", "reason": "已核实", "confirmed_by": "测试确认人", "confirmed_on": date(2026, 4, 2)}]},
    "reviews": {
        "adjustments": [{"office_id": "BJ01", "period": "2026Q1", "item": "总分", "original": "78.4", "adjusted": "80.5",
                         "reason": "复核后调整", "approved_by": "测试批准人", "approved_on": date(2026, 4, 20)}],
        "appeals": [{"office_id": "BJ01", "period": "2026Q1", "filed_on": date(2026, 4, 12), "matter": "测试申诉事项",
                     "outcome": "已调整", "settled_on": date(2026, 4, 20), "handled_by": "测试处理人"}]},
}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_reader_gets_back_exactly_the_rows_written(tmp_path, form_id):
    form = get_form(form_id)
    path = tmp_path / form.filename
    path.write_bytes(form_workbook_bytes(form, cover=COVER if form.has_cover else None, rows=GOOD_ROWS[form_id]))
    facts = read_workbook(path, f"submissions/2026Q1/BJ01/{form.filename}")
    assert [f.code for f in facts.findings if f.code != "value-normalised"] == []
    assert (facts.form_id, facts.version) == (form.id, form.version)
    if form.has_cover:
        assert facts.cover == COVER
    for sheet in form.sheets:
        rows = [{k: v for k, v in row.values.items() if v is not None} for row in facts.tables[sheet.key].rows()]
        assert rows == GOOD_ROWS[form_id][sheet.key], sheet.key


def test_float_noise_does_not_survive_writing(make_workbook):
    """Both xlsxwriter and openpyxl store 16 significant digits (Excel shows 15): 0.1 + 0.2 arrives
    as 0.3. A test of the reader's noise handling needs a hand-made sheet XML."""
    rel = "submissions/2026Q1/BJ01/clients.xlsx"
    rows = {"clients": [{"client_id": "C1", "name": "甲", "sales": 0.1 + 0.2}, {"client_id": "C2", "name": "乙"}]}
    facts = read_workbook(make_workbook("clients", rel, rows=rows, raw={"客户": {"G3": 0.1 + 0.2}}), rel)
    assert (facts.findings, facts.tables["clients"].column("sales")) == ((), [0.3, 0.3])


def test_identity_from_document_properties_when_meta_is_lost(make_workbook, data_dir):
    path = make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx")
    wb = load_workbook(path)
    del wb["_meta"]
    wb.save(path)
    facts = read_workbook(path, "submissions/2026Q1/BJ01/clients.xlsx")
    assert (facts.form_id, facts.version, facts.findings) == ("clients", CLIENTS.version, ())


# --- the tests' fixtures (conftest.py) -----------------------------------------------------------


def test_make_workbook_fills_the_cover_from_the_folder(make_workbook, make_reference, data_dir):
    path = make_workbook("projects", "submissions/2026Q2/SH01/projects.xlsx")
    assert path == data_dir / "submissions/2026Q2/SH01/projects.xlsx"
    cover = load_workbook(path)["封面"]
    # the 填报人 is SH01's head in the default reference: no cover-filler-not-head unless a test means one
    assert [cover["B2"].value, cover["B3"].value, cover["B4"].value] == ["SH01", "2026Q2", "测试所长乙"]
    blank = make_workbook("projects", "elsewhere/projects.xlsx", cover={})
    assert load_workbook(blank)["封面"]["B2"].value is None
    ref = load_workbook(make_reference())
    assert [c.value for c in ref["业务所"]["A"]][1:] == ["BJ01", "SH01"]
    assert ref["季度目标"].max_row == 9


def test_raw_cells_as_openpyxl_writes_them(make_workbook, data_dir):
    rel = "submissions/2026Q1/BJ01/clients.xlsx"
    rows = {"clients": [{"client_id": "C1", "name": "甲", "sales": 1}]}
    raw = {"客户": {"G2": "=1+1", "H2": "#DIV/0!", "K9": "二", "A1": "编号", "B2": None,
                  "E2": datetime(2026, 1, 2, 3, 4)},
           "额外": {"B2": 1}}
    path = make_workbook("clients", rel, rows=rows, raw=raw)
    wb = load_workbook(path)
    ws = wb["客户"]
    assert (ws["A1"].value, ws["B2"].value, ws["K9"].value, wb["额外"]["B2"].value) == ("编号", None, "二", 1)
    assert ws["E2"].number_format == "yyyy-mm-dd hh:mm"
    facts = read_workbook(path, rel)
    codes = {(f.code, f.cell) for f in facts.findings}
    assert ("formula-no-value", "G2") in codes
    assert ("excel-error", "H2") in codes
    assert any(code.startswith("header") for code, _ in codes)
    # the same call writes the same bytes, raw cells and all
    again = make_workbook("clients", "again/" + rel, rows=rows, raw=raw)
    assert again.read_bytes() == path.read_bytes()
