"""Write the blank Excel templates (input_templates/) from the form specs, and check them for drift.

Layout (relied on by the reader, see CONTRIBUTING.md): `封面` (office forms only), `填写说明`,
the data sheets (header in row 1, data from row 2), then a very hidden, protected `_meta` sheet
with template_id / template_version / structure_hash in A1:B3 — the same three are also custom
document properties, so a workbook whose `_meta` sheet was lost can still be identified.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import zipfile
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..forms import ALL_FORMS, COVER_SHEET, INSTRUCTIONS_SHEET, META_SHEET, Field, Form, Sheet

# Fixed document times and zip entry times make regenerated files byte-identical.
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
# The core.xml `modified` value of every file written by save_bytes; Excel and WPS never leave it.
GENERATED_STAMP = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
DATE_FORMAT = "yyyy-mm-dd"
LAST_ROW = 1000  # data validations cover rows 2..LAST_ROW; rows below are still read
META_KEYS = ("template_id", "template_version", "structure_hash")

CREATOR = "业务所长考核"
# Not a secret: it only stops accidental edits of _meta, which Excel would otherwise allow.
META_PASSWORD = "khmeta"

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")  # required columns: orange header
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
HINT_FONT = Font(color="808080", italic=True)
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")

INSTRUCTION_COLUMNS = ("列名", "含义", "类型", "单位", "可选值", "是否必填", "是否唯一", "是否个人信息", "示例")
INSTRUCTION_WIDTHS = (16, 44, 26, 8, 30, 10, 10, 14, 18)

COVER_HINTS = {
    "office_id": "填写本所编号,如 BJ01(见人力资源部下发的业务所名单)",
    "period": "填写季度,如 2026Q1",
    "filled_by": "填写人姓名",
    "filled_on": "填写完成的日期,如 2026-04-03",
}

GENERAL_NOTES = (
    "请在本模板中填写,不要修改工作表名称、表头或列的顺序,也不要删除隐藏的工作表。",
    "数据从各工作表第 2 行开始逐行填写,行数不限;整行留空的行不会被读取。",
    "表头为橙色的列为必填;把鼠标停在表头上可以看到该列的说明。",
    "日期请填写为日期格式(如 2026-03-05);金额和人数只填数字,不要带单位。",
    "标为个人信息的列只用于统计,不会在网站上发布。",
)


# ---------------------------------------------------------------------------------------------
# Building


def build_workbook(form: Form) -> Workbook:
    """The blank template of `form` as an in-memory openpyxl Workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    if form.has_cover:
        _cover_sheet(wb.create_sheet(COVER_SHEET), form)
    _instructions_sheet(wb.create_sheet(INSTRUCTIONS_SHEET), form)
    for sheet in form.sheets:
        _data_sheet(wb.create_sheet(sheet.name), sheet)
    _meta_sheet(wb.create_sheet(META_SHEET), form)
    wb.active = 0
    for name, value in meta_values(form).items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    props = wb.properties
    props.creator = props.lastModifiedBy = CREATOR
    props.title = form.title
    props.created = props.modified = FIXED_TIME
    return wb


def _prompt(title: str, text: str) -> tuple[str, str]:
    # Excel refuses input messages over 255 characters and titles over 32.
    return title[:32], text[:255]


def _field_prompt(field: Field) -> str:
    lines = [field.help] if field.help else []
    lines.append("类型:" + field.describe())
    flags = [t for t, on in (("必填", field.required), ("不得重复", field.unique),
                             ("个人信息,不会发布", field.pii or field.salary)) if on]
    if flags:
        lines.append(";".join(flags))
    return "\n".join(lines)


def _cover_sheet(ws: Worksheet, form: Form) -> None:
    for row, field in enumerate(form.cover, start=1):
        ws.cell(row, 1, field.label).font = BOLD
        ws.cell(row, 3, COVER_HINTS.get(field.key, field.help)).font = HINT_FONT
        title, text = _prompt(field.label, _field_prompt(field))
        if field.key == "period":
            dv = DataValidation(type="textLength", operator="equal", formula1="6",
                                errorStyle="warning", error="期间的格式为 年份+Q+季度,如 2026Q1")
            text = "如 2026Q1\n" + text
        elif field.type.kind == "date":
            dv = _date_validation()
            ws.cell(row, 2).number_format = DATE_FORMAT
        else:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual",
                                formula1=str(field.type.max_length), errorStyle="warning",
                                error=f"最多 {field.type.max_length} 个字")
        dv.promptTitle, dv.prompt = _prompt(title, text)
        dv.showInputMessage = dv.showErrorMessage = True
        dv.add(f"B{row}")
        ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 60


def _instructions_sheet(ws: Worksheet, form: Form) -> None:
    ws.append([f"《{form.title}》填写说明"])
    ws["A1"].font = TITLE_FONT
    ws.append([form.help])
    ws.append([f"模板编号:{form.id}    模板版本:{form.version}"])
    ws.append([])
    ws.append(["填写要求"])
    ws.cell(ws.max_row, 1).font = BOLD
    for i, note in enumerate(GENERAL_NOTES, start=1):
        ws.append([f"{i}. {note}"])
    if form.has_cover:
        ws.append([])
        _section(ws, f"工作表“{COVER_SHEET}”", "在 B 列填写以下各项(A 列为项目名称,请勿修改)。")
        _field_table(ws, form.cover)
    for sheet in form.sheets:
        ws.append([])
        _section(ws, f"工作表“{sheet.name}”", sheet.help)
        _field_table(ws, sheet.fields)
        rules = [r.describe(sheet) for r in sheet.rules]
        if rules:
            ws.append(["校验规则"])
            ws.cell(ws.max_row, 1).font = BOLD
            for rule in rules:
                ws.append([f"· {rule}"])
    for index, width in enumerate(INSTRUCTION_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _section(ws: Worksheet, title: str, help_text: str) -> None:
    ws.append([title])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
    if help_text:
        ws.append([help_text])


def _field_table(ws: Worksheet, fields: tuple[Field, ...]) -> None:
    ws.append(list(INSTRUCTION_COLUMNS))
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, SECTION_FILL
    for f in fields:
        choices = "、".join(getattr(f.type, "choices", ()))
        example = "" if f.example is None else str(f.example)
        ws.append([f.label, f.help, f.describe(), f.unit, choices,
                   "是" if f.required else "", "是" if f.unique else "",
                   "是" if f.pii or f.salary else "", example])
        for cell in ws[ws.max_row]:
            cell.alignment = WRAP


def _data_sheet(ws: Worksheet, sheet: Sheet) -> None:
    for col, field in enumerate(sheet.fields, start=1):
        letter = get_column_letter(col)
        cell = ws.cell(1, col, field.label)
        cell.font, cell.fill = BOLD, (REQUIRED_FILL if field.required else HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        # The header's input message: a validation that allows anything but shows the prompt.
        tip = DataValidation(showInputMessage=True)
        tip.promptTitle, tip.prompt = _prompt(field.label, _field_prompt(field))
        tip.add(f"{letter}1")
        ws.add_data_validation(tip)
        dv = _value_validation(field)
        if dv is not None:
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
        # Column style rather than pre-formatted cells: new cells typed in Excel take it up,
        # and the sheet stays free of thousands of empty styled cells.
        dim = ws.column_dimensions[letter]
        dim.width = field.width or column_width(field)
        fmt = number_format(field)
        if fmt:
            dim.number_format = fmt
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.fields))}1"
    ws.row_dimensions[1].height = 22


def _date_validation() -> DataValidation:
    return DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                          formula2="DATE(2100,12,31)", errorStyle="warning",
                          error="请填写日期,如 2026-03-05")


def _value_validation(field: Field) -> DataValidation | None:
    """Excel's own check of typed values; only a help — every value is checked again on reading."""
    t = field.type
    if t.kind == "choice":
        dv = DataValidation(type="list", formula1='"' + ",".join(t.choices) + '"', errorStyle="stop",
                            error="请从下拉列表中选择:" + "、".join(t.choices))
    elif t.kind in ("integer", "number"):
        dv = _number_validation(field)
    elif t.kind == "date":
        dv = _date_validation()
    elif t.kind == "text":
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(t.max_length),
                            errorStyle="warning", error=f"最多 {t.max_length} 个字")
    else:  # pragma: no cover - a new field type must choose its validation here
        return None
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = field.label[:32]
    dv.promptTitle, dv.prompt = _prompt(field.label, field.describe())
    dv.showInputMessage = True
    return dv


def _number_validation(field: Field) -> DataValidation:
    t = field.type
    kind = "whole" if t.kind == "integer" else "decimal"
    lo, hi = t.min, t.max
    exclusive = getattr(t, "min_exclusive", False)
    if lo is not None and hi is not None:
        op, f1, f2 = "between", _num(lo), _num(hi)
    elif lo is not None:
        op, f1, f2 = ("greaterThan" if exclusive else "greaterThanOrEqual"), _num(lo), None
    elif hi is not None:
        op, f1, f2 = "lessThanOrEqual", _num(hi), None
    else:
        op, f1, f2 = "between", "-1000000000", "1000000000"
    return DataValidation(type=kind, operator=op, formula1=f1, formula2=f2, errorStyle="warning",
                          error=f"应为{field.describe()}")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _meta_sheet(ws: Worksheet, form: Form) -> None:
    for row, (key, value) in enumerate(meta_values(form).items(), start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, value)
    # veryHidden: not listed in Excel's Unhide dialog, so nobody removes it by accident.
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    ws.protection.password = META_PASSWORD


# ---------------------------------------------------------------------------------------------
# Writing and the command


def write_template(form: Form, out_dir: Path) -> Path:
    """Write the blank template of `form` into `out_dir` (created if missing); returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / form.filename
    path.write_bytes(save_bytes(build_workbook(form)))
    return path


def write_templates(out_dir: Path) -> list[Path]:
    """Write all five blank templates into `out_dir`."""
    return [write_template(form, out_dir) for form in ALL_FORMS]


def templates_command(args: Any) -> int:
    """`python -m pipeline templates [--out DIR] [--check]`."""
    out_dir = Path(args.out)
    if getattr(args, "check", False):
        problems = check_templates(out_dir)
        if problems:
            print(f"模板与表单定义不一致(共 {len(problems)} 处),请运行 `python -m pipeline templates` 重新生成:")
            for line in problems:
                print(f"  - {line}")
            return 1
        print(f"{out_dir} 中的 {len(ALL_FORMS)} 个模板与表单定义一致。")
        return 0
    try:
        for form in ALL_FORMS:
            path = write_template(form, out_dir)
            print(f"已生成模板:{path.as_posix()}({form.title},版本 {form.version})")
    except OSError as exc:
        print(f"无法写入模板目录 {out_dir}:{exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


# ---------------------------------------------------------------------------------------------
# Drift check: compare what a file says with what the spec would generate


def check_templates(out_dir: Path, forms: tuple[Form, ...] = ALL_FORMS) -> list[str]:
    """Chinese lines naming every difference between the files in `out_dir` and the specs."""
    problems: list[str] = []
    for form in forms:
        problems += check_template(Path(out_dir) / form.filename, form)
    return problems


def check_template(path: Path, form: Form, limit: int = 20) -> list[str]:
    """Differences between one template file and what `form` generates (at most `limit` lines)."""
    name = path.name
    if not path.is_file():
        return [f"{name}:缺少模板文件"]
    try:
        actual = template_content(load_workbook(path))
    except Exception as exc:  # any unreadable file is a difference to report, not a crash
        return [f"{name}:无法打开({type(exc).__name__})"]
    expected = template_content(load_workbook(BytesIO(save_bytes(build_workbook(form)))))
    lines = []
    for key in sorted(expected.keys() | actual.keys(), key=_natural):
        exp, act = expected.get(key), actual.get(key)
        if exp != act:
            lines.append(f"{name}:{key} 应为 {_show(exp)},实际为 {_show(act)}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"{name}:……另有 {len(lines) - limit} 处差异"]
    return lines


def _natural(key: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]


def _show(value: str | None) -> str:
    if value is None:
        return "(无)"
    return f"“{value[:60]}{'…' if len(value) > 60 else ''}”"


def template_content(wb: Workbook) -> dict[str, str]:
    """The content that matters in a template, as {Chinese place: canonical text}."""
    content: dict[str, str] = {"工作表顺序": "、".join(wb.sheetnames)}
    for ws in wb.worksheets:
        where = f"工作表“{ws.title}”"
        content[f"{where}的可见性"] = ws.sheet_state
        if ws.freeze_panes:
            content[f"{where}的冻结窗格"] = str(ws.freeze_panes)
        if ws.auto_filter.ref:
            content[f"{where}的筛选范围"] = ws.auto_filter.ref
        if ws.protection.sheet:
            content[f"{where}的保护"] = "已保护" + ("(有密码)" if ws.protection.password else "")
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and cell.value != "":
                    content[f"{where}!{cell.coordinate}"] = str(cell.value)
        for dv in ws.data_validations.dataValidation:
            content[f"{where}!{dv.sqref} 的数据验证"] = "|".join(
                str(x) for x in (dv.type, dv.operator, dv.formula1, dv.formula2, dv.promptTitle, dv.prompt))
    for prop in wb.custom_doc_props.props:
        content[f"文档属性 {prop.name}"] = str(prop.value)
    return content


# ---------------------------------------------------------------------------------------------
# Shared helpers (also used by fill.py)


def meta_values(form: Form) -> dict[str, str]:
    """The three identity values stored in `_meta` and the custom document properties."""
    return dict(zip(META_KEYS, (form.id, form.version, form.structure_hash)))


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def column_width(field: Field) -> float:
    """A width that fits the label (plus the filter button) and a typical value."""
    example = "" if field.example is None else str(field.example)
    if field.type.kind == "date":
        example = "2026-03-05"
    return float(min(max(display_width(field.label) + 4, display_width(example) + 2, 10), 40))


def number_format(field: Field) -> str | None:
    return {"date": DATE_FORMAT, "integer": "0", "number": "0.00"}.get(field.type.kind)


def save_bytes(wb: Workbook) -> bytes:
    """The .xlsx bytes of `wb`, with fixed zip entry times and modified time (reproducible)."""
    buffer = BytesIO()
    wb.save(buffer)  # openpyxl stamps `modified` with now(); undone below
    stamp = GENERATED_STAMP.encode()
    out = BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()


__all__ = [
    "DATE_FORMAT", "GENERATED_STAMP", "LAST_ROW", "META_KEYS", "build_workbook", "check_template", "check_templates",
    "column_width", "display_width", "meta_values", "number_format", "save_bytes",
    "template_content", "templates_command", "write_template", "write_templates",
]
