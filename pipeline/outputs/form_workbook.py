"""Every workbook made from a form spec, written with xlsxwriter: the blank templates
(input_templates/), filled copies (the sample data, the tests' fixtures), and the drift check of
the committed templates.

Layout (relied on by the reader, see CONTRIBUTING.md): `封面` (office forms only: the form's
title in row 1, labels in column A from row `Form.cover_row` in COVER order, values in column B,
hints in column C), `填写说明`, the data sheets (header in row 1, data from row 2), then a very
hidden, protected `_meta` sheet with template_id / template_version / structure_hash in A1:B3 —
the same three are also custom document properties, so a workbook whose `_meta` sheet was lost
can still be identified. A company's templates (`Company`) also list the reference's offices in
`_meta` columns D:E, the source of the cover's 所编号 dropdown.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import load_workbook

from ..atomic import write_bytes
from ..forms import ALL_FORMS, COVER_SHEET, INSTRUCTIONS_SHEET, META_SHEET, Field, Form, Sheet

# The document date of every workbook unless the caller gives one: regenerating a template gives
# identical bytes (xlsxwriter fixes the zip entries' times itself).
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
LAST_ROW = 1000  # data validations cover rows 2..LAST_ROW; rows below are still read
META_KEYS = ("template_id", "template_version", "structure_hash")

CREATOR = "业务所长考核"
# Not a secret: it only stops accidental edits of _meta, which Excel would otherwise allow.
META_PASSWORD = "khmeta"

HEADER_COLOUR = "#DDEBF7"  # optional columns: blue header
REQUIRED_COLOUR = "#FCE4D6"  # required columns: orange header
SECTION_COLOUR = "#F2F2F2"
HINT_COLOUR = "#808080"
INPUT_COLOUR = "#FFF2CC"  # the cover's input cells: tinted and boxed, so it is plain where to type
TEXT_FORMAT = "@"  # Excel's text format: a typed 0012 or 13800138000 stays as typed

INSTRUCTION_COLUMNS = ("列名", "含义", "类型", "单位", "可选值", "必填", "唯一", "个人信息", "示例")
# Narrow enough to print one page wide at a readable size; long texts wrap inside their cell.
INSTRUCTION_WIDTHS = (18, 34, 20, 7, 22, 6, 6, 9, 16)
COVER_WIDTHS = (12, 24, 56)

COVER_HINTS = {
    "office_id": "填写本所编号，如 BJ01（见人力资源部下发的业务所名单）",
    "period": "填写季度，格式为 年份+Q+季度，如 2026Q1",
    "filled_by": "填写人姓名",
    "filled_on": "填写完成的日期，如 2026-04-03",
}
COMPANY_HINTS = {
    "office_id": "从下拉列表中选择本所编号（选中单元格可看到各所名称）",
    "period": "从下拉列表中选择填报的季度",
}
COVER_NOTE = "请在黄色方框内填写；封面填好后，再到各数据工作表逐行填写。"

GENERAL_NOTES = (
    "请在本模板中填写，不要修改工作表名称、表头或列的顺序，也不要删除隐藏的工作表。",
    "数据从各工作表第 2 行开始逐行填写，行数不限；整行留空的行不会被读取。",
    # An input message shows when the cell is selected, not on hover (Excel and WPS alike).
    "选中某列的任一单元格（包括表头）时，会弹出该列的说明和填写要求。",
    "数字只填阿拉伯数字，不要带单位{unit}。",
    "日期请填写为日期格式（如 2026-03-05）。编号、工号和电话等列已设为文本格式，以 0 开头的编号会原样保留。",
    "标为个人信息的列只用于统计，不会在网站上发布。",
)
LEGEND = (("required", "必填", "表头为橙色：必填列，每一行都要填写"),
          ("optional", "选填", "表头为蓝色：选填列，没有可留空"))

# The period pattern `2026Q1` as a validation formula over the cell `{c}` (Excel has no regular
# expressions): six characters, four digits, Q, then 1–4. Only a help: the reader checks again.
_PERIOD_FORMULA = ("=AND(LEN({c})=6,ISNUMBER(FIND(MID({c},1,1),\"0123456789\")),"
                   "ISNUMBER(FIND(MID({c},2,1),\"0123456789\")),ISNUMBER(FIND(MID({c},3,1),\"0123456789\")),"
                   "ISNUMBER(FIND(MID({c},4,1),\"0123456789\")),MID({c},5,1)=\"Q\",ISNUMBER(FIND(MID({c},6,1),\"1234\")))")
_PERIOD_ERROR = "期间的格式为 年份+Q+季度，如 2026Q1（季度为 1–4）"

# Excel refuses input messages over 255 characters and titles over 32 (xlsxwriter then drops the
# whole validation with a warning, so every text is cut to fit first).
_TITLE_MAX, _MESSAGE_MAX = 32, 255
_DATE_MIN, _DATE_MAX = date(2000, 1, 1), date(2100, 12, 31)


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass(frozen=True)
class Company:
    """What a company's templates know: its offices (id, name) from the reference, and the
    periods offered on the cover (the quarters of the current year)."""

    offices: tuple[tuple[str, str], ...]
    periods: tuple[str, ...]



def form_workbook_bytes(form: Form, cover: dict[str, Any] | None = None,
                        rows: dict[str, list[dict[str, Any]]] | None = None,
                        generated: datetime | None = None, *, comments: str = "",
                        company: Company | None = None) -> bytes:
    """The .xlsx bytes of `form`'s template, optionally filled with cover values and data rows.

    `cover` is keyed by cover field keys (office_id, period, filled_by, filled_on); `rows` maps a
    sheet key (or name) to row dicts keyed by field keys, written from row 2 down exactly as given
    (a str stays a str, so "1,234" or "2026/3/5" can be typed; None and missing keys stay blank).
    `generated` is the document's date (FIXED_TIME when None); `comments` its description;
    `company` makes the cover's 所编号 and 期间 dropdowns of its offices and periods.
    KeyError for a key the form does not have.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    _FormWriter(book, form, company).write(cover or {}, rows or {})
    book.set_properties({"title": form.title, "author": CREATOR, "created": generated or FIXED_TIME,
                         "comments": comments})
    for name, value in meta_values(form).items():
        book.set_custom_property(name, value)
    book.close()
    return buffer.getvalue()


def write_template(form: Form, out_dir: Path, company: Company | None = None) -> Path:
    """Write the blank template of `form` into `out_dir` (created if missing); returns its path.
    With `company`, the template knows the company's offices and periods."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / form.filename
    write_bytes(path, form_workbook_bytes(form, company=company))
    return path


def write_templates(out_dir: Path) -> list[Path]:
    """Write all five blank templates into `out_dir`."""
    return [write_template(form, out_dir) for form in ALL_FORMS]


class _FormWriter:
    """One workbook of one form: the formats it shares across its sheets, and each sheet."""

    def __init__(self, book: xlsxwriter.Workbook, form: Form, company: Company | None = None) -> None:
        self.book, self.form, self.company = book, form, company
        add = book.add_format
        # An explicit plain format keeps a written number out of its column's format (Excel would
        # otherwise show a serial typed into a date column as a date): as a person's typing reads.
        self.plain = add()
        self.date = add({"num_format": DATE_FORMAT})
        self.datetime = add({"num_format": DATETIME_FORMAT})
        self.bold = add({"bold": True})
        self.hint = add({"italic": True, "font_color": HINT_COLOUR})
        self.title = add({"bold": True, "font_size": 14})
        self.cover_title = add({"bold": True, "font_size": 16, "valign": "vcenter"})
        self.section = add({"bold": True, "font_size": 12})
        self.table_head = add({"bold": True, "bg_color": SECTION_COLOUR, "text_wrap": True, "valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.hint_wrap = add({"italic": True, "font_color": HINT_COLOUR, "text_wrap": True, "valign": "vcenter"})
        self.label = add({"bold": True, "valign": "vcenter"})
        box = {"bg_color": INPUT_COLOUR, "border": 2, "valign": "vcenter"}
        self.box = {"text": add({**box, "num_format": TEXT_FORMAT}), "date": add({**box, "num_format": DATE_FORMAT})}
        header = {"bold": True, "align": "center", "valign": "vcenter"}
        self.header = add({**header, "bg_color": HEADER_COLOUR})
        self.required_header = add({**header, "bg_color": REQUIRED_COLOUR})
        self.legend = {"required": self.required_header, "optional": self.header}
        self.column = {kind: add({"num_format": fmt}) for kind, fmt in _NUMBER_FORMATS.items()}

    def write(self, cover: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
        form = self.form
        unknown = set(cover) - {f.key for f in form.cover}
        if unknown:
            raise KeyError(f"unknown cover keys for {form.id}: {sorted(unknown)}")
        tables = {form.sheet(key).key: sheet_rows for key, sheet_rows in rows.items()}
        if form.has_cover:
            self._cover(self.book.add_worksheet(COVER_SHEET), cover)
        self._instructions(self.book.add_worksheet(INSTRUCTIONS_SHEET))
        for sheet in form.sheets:
            self._data_sheet(self.book.add_worksheet(sheet.name), sheet, tables.get(sheet.key, []))
        self._meta(self.book.add_worksheet(META_SHEET))

    # --- values ------------------------------------------------------------------------------
    def _put(self, ws: Any, row: int, col: int, value: Any, template_format: Any = None) -> None:
        """Write `value` with its own Python type, as a person typing it into Excel would get it."""
        cls = type(value)
        if cls is str:  # the common cases first: a filled company writes millions of cells
            ws.write_string(row, col, value, template_format or self.plain)
        elif cls is float or cls is int:
            ws.write_number(row, col, value, template_format or self.plain)
        elif value is None:
            return
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value, self.datetime if value.time() != time(0) else self.date)
        elif isinstance(value, date):
            ws.write_datetime(row, col, value, self.date)
        elif isinstance(value, str):
            ws.write_string(row, col, value, template_format or self.plain)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, template_format or self.plain)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, template_format or self.plain)
        else:
            raise TypeError(f"cannot write a {type(value).__name__} into a workbook cell")

    # --- sheets ------------------------------------------------------------------------------
    def _cover(self, ws: Any, cover: dict[str, Any]) -> None:
        form, company = self.form, self.company
        top = form.cover_row - 1  # 0-based row of the first field; the title above it
        if top > 0:  # (an earlier version's layout, Form.as_of, had none)
            ws.merge_range(0, 0, 0, len(COVER_WIDTHS) - 1, f"{form.title} · 填报封面", self.cover_title)
            ws.set_row(0, 30)
        hints = COMPANY_HINTS if company is not None else {}
        for index, field in enumerate(form.cover):
            row = top + index
            ws.set_row(row, 24)
            ws.write_string(row, 0, field.label, self.label)
            ws.write_string(row, 2, hints.get(field.key) or COVER_HINTS.get(field.key, field.help), self.hint_wrap)
            options, message = self._cover_validation(field, row)
            box = self.box["date" if field.type.kind == "date" else "text"]
            value = cover.get(field.key)
            if isinstance(value, date):  # a datetime is a date too
                ws.write_datetime(row, 1, value, box)
            elif value is not None:
                self._put(ws, row, 1, value, box)
            else:
                ws.write_blank(row, 1, None, box)  # the box shows, and a typed date shows as a date
            ws.data_validation(row, 1, row, 1, {**options, **_prompt(field.label, message)})
        last = top + len(form.cover) + 1
        ws.merge_range(last, 0, last, len(COVER_WIDTHS) - 1, COVER_NOTE, self.hint)
        for index, width in enumerate(COVER_WIDTHS):
            ws.set_column(index, index, width)
        ws.print_area(0, 0, last, len(COVER_WIDTHS) - 1)
        _print_setup(ws, form.title, pages_down=1)  # labels and hints on one page

    def _cover_validation(self, field: Field, row: int) -> tuple[dict[str, Any], str]:
        """The validation of one cover value and its input message (a company's lists when known)."""
        message, company = _field_prompt(field), self.company
        if field.key == "office_id" and company is not None and company.offices:
            last = len(company.offices)
            names = "\n".join(f"{office_id} {name}".rstrip() for office_id, name in company.offices)
            text = "从下拉列表中选择本所编号：\n" + names
            if len(text) > _MESSAGE_MAX:
                text = text[:_MESSAGE_MAX - 2] + "……"
            return {"validate": "list", "source": f"={META_SHEET}!$D$1:$D${last}", "error_type": "warning",
                    "error_message": "所编号不在人力资源部的业务所名单中，请从下拉列表中选择"}, text
        if field.key == "period" and company is not None and company.periods:
            return {"validate": "list", "source": list(company.periods), "error_type": "warning",
                    "error_message": _PERIOD_ERROR}, "从下拉列表中选择季度\n" + message
        if field.key == "period":
            cell = f"B{row + 1}"
            return {"validate": "custom", "value": _PERIOD_FORMULA.format(c=cell), "error_type": "warning",
                    "error_message": _PERIOD_ERROR}, "如 2026Q1\n" + message
        if field.type.kind == "date":
            return _date_validation(), message
        return _length_validation(field), message

    def _instructions(self, ws: Any) -> None:
        form, lines = self.form, _Lines(ws, INSTRUCTION_WIDTHS)
        lines.text(f"《{form.title}》填写说明", self.title)
        lines.text(form.help, self.wrap)
        lines.text(f"模板编号：{form.id}    模板版本：{form.version}", self.wrap)
        lines.skip()
        lines.text("填写要求", self.bold)
        shown = next((f for s in form.sheets for f in s.fields if f.unit_in_header), None)
        unit = "" if shown is None else (f"；按表头括号中的单位填写，如“{shown.heading}”填 {shown.example} "
                                         f"表示 {shown.example} {shown.unit}")
        for i, note in enumerate(GENERAL_NOTES, start=1):
            lines.text(f"{i}. {note.format(unit=unit)}", self.wrap)
        lines.skip()
        lines.text("表头颜色", self.bold)
        for kind, sample, meaning in LEGEND:
            lines.legend(sample, self.legend[kind], meaning, self.wrap)
        if form.has_cover:
            lines.skip()
            self._section(lines, f"工作表“{COVER_SHEET}”", "在黄色方框（B 列）内填写以下各项，A 列为项目名称，请勿修改。")
            self._field_table(lines, form.cover)
        for sheet in form.sheets:
            lines.skip()
            self._section(lines, f"工作表“{sheet.name}”", sheet.help)
            self._field_table(lines, sheet.fields, headings=True)
            if sheet.rules:
                lines.text("校验规则", self.bold)
                for rule in sheet.rules:
                    lines.text(f"· {rule.describe(sheet)}", self.wrap)
        for index, width in enumerate(INSTRUCTION_WIDTHS):
            ws.set_column(index, index, width)
        _print_setup(ws, form.title)

    def _section(self, lines: _Lines, title: str, help_text: str) -> None:
        lines.text(title, self.section)
        if help_text:
            lines.text(help_text, self.wrap)

    def _field_table(self, lines: _Lines, fields: tuple[Field, ...], headings: bool = False) -> None:
        lines.add(list(INSTRUCTION_COLUMNS), self.table_head)
        for f in fields:
            lines.add([f.heading if headings else f.label, f.help, type_text(f), f.unit,
                       "、".join(getattr(f.type, "choices", ())), "是" if f.required else "",
                       "是" if f.unique else "", "是" if f.private else "",
                       "" if f.example is None else str(f.example)], self.wrap)

    def _data_sheet(self, ws: Any, sheet: Sheet, rows: list[dict[str, Any]]) -> None:
        for col, field in enumerate(sheet.fields):
            ws.write_string(0, col, field.heading, self.required_header if field.required else self.header)
            # The header's input message: a validation that allows anything but shows the prompt.
            ws.data_validation(0, col, 0, col, {"validate": "any", **_prompt(field.heading, _field_prompt(field))})
            options = _value_validation(field)
            ws.data_validation(1, col, LAST_ROW - 1, col, options)
            # Column style rather than pre-formatted cells: new cells typed in Excel take it up,
            # and the sheet stays free of thousands of empty styled cells.
            ws.set_column(col, col, field.width or column_width(field), self.column.get(field.type.kind))
        ws.set_row(0, 22)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, 0, len(sheet.fields) - 1)
        _print_setup(ws, self.form.title)
        ws.repeat_rows(0)  # the header on every printed page
        columns = {f.key: i for i, f in enumerate(sheet.fields)}
        for offset, row in enumerate(rows, start=1):
            for key, value in row.items():
                if key not in columns:
                    raise KeyError(f"unknown field {key!r} in sheet {sheet.key!r} of {self.form.id}")
                self._put(ws, offset, columns[key], value)

    def _meta(self, ws: Any) -> None:
        for row, (key, value) in enumerate(meta_values(self.form).items()):
            ws.write_string(row, 0, key)
            ws.write_string(row, 1, value)
        if self.company is not None and self.form.has_cover:  # the source of the cover's 所编号 dropdown
            for row, (office_id, name) in enumerate(self.company.offices):
                ws.write_string(row, 3, office_id)
                ws.write_string(row, 4, name)
        # veryHidden: not listed in Excel's Unhide dialog, so nobody removes it by accident.
        ws.very_hidden()
        ws.protect(META_PASSWORD)


def _lines(text: str, width: int) -> int:
    """The lines `text` takes wrapped in a column `width` characters wide (a margin for the font)."""
    return max(1, math.ceil(display_width(text) * 1.05 / width)) if text else 1


class _Lines:
    """Rows written one under the other (the instructions sheet); empty texts leave the cell blank."""

    def __init__(self, ws: Any, widths: tuple[int, ...]) -> None:
        self.ws, self.row, self.widths = ws, 0, widths
        self.columns, self.width = len(widths), sum(widths)

    def add(self, texts: list[str], cell_format: Any = None) -> None:
        """A row of the field table; each text wraps inside its column."""
        for col, text in enumerate(texts):
            if text:
                self.ws.write_string(self.row, col, text, cell_format)
        self._height(max(_lines(text, self.widths[col]) for col, text in enumerate(texts)))
        self.row += 1

    def text(self, text: str, cell_format: Any = None) -> None:
        """A sentence across the whole table's width, wrapped inside it (never cut at a page edge)."""
        self.ws.merge_range(self.row, 0, self.row, self.columns - 1, text, cell_format)
        self._height(_lines(text, self.width))
        self.row += 1

    def _height(self, lines: int) -> None:
        # Neither Excel nor LibreOffice fits a row to wrapped text it did not lay out itself
        # (merged cells never): give the row the lines its text needs.
        if lines > 1:
            self.ws.set_row(self.row, 15 * lines)

    def legend(self, sample: str, sample_format: Any, meaning: str, cell_format: Any) -> None:
        """A header colour's sample cell, and what it means beside it."""
        self.ws.write_string(self.row, 0, sample, sample_format)
        self.ws.merge_range(self.row, 1, self.row, self.columns - 1, meaning, cell_format)
        self.row += 1

    def skip(self) -> None:
        self.row += 1


def _print_setup(ws: Any, title: str, pages_down: int = 0) -> None:
    # Landscape, one page wide (and `pages_down` tall, 0 for as many as it takes): a template
    # prints on A4 without cutting columns off; each page names the form and its sheet.
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, pages_down)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.set_header(f"&L{title.replace('&', '&&')}&R&A")
    ws.set_footer("&C第 &P 页，共 &N 页")


def _prompt(title: str, text: str) -> dict[str, str]:
    return {"input_title": title[:_TITLE_MAX], "input_message": text[:_MESSAGE_MAX]}


def _field_prompt(field: Field) -> str:
    lines = [field.help] if field.help else []
    lines.append("类型：" + field.describe())
    flags = [t for t, on in (("必填", field.required), ("不得重复", field.unique),
                             ("个人信息，不会发布", field.private)) if on]
    if flags:
        lines.append("；".join(flags))
    return "\n".join(lines)


def type_text(field: Field) -> str:
    """The 类型 column of 填写说明: the kind of value and its bounds, without what the 单位 and
    可选值 columns say already."""
    t = field.type
    if t.kind == "choice":
        return "选项（见可选值）"
    if t.kind == "text":
        return f"文本，最多 {t.max_length} 个字"
    text = t.describe()
    if field.ceiling is not None:
        text += f"，每行不超过 {_num(field.ceiling):,}"
    return text


def _date_validation() -> dict[str, Any]:
    # Dates rather than =DATE() formulas: the same rule in Excel, and no formula for xlsxwriter to parse.
    return {"validate": "date", "criteria": "between", "minimum": _DATE_MIN, "maximum": _DATE_MAX,
            "error_type": "warning", "error_message": "请填写日期，如 2026-03-05"}


def _length_validation(field: Field) -> dict[str, Any]:
    limit = field.type.max_length
    return {"validate": "length", "criteria": "<=", "value": limit, "error_type": "warning",
            "error_message": f"最多 {limit} 个字"}


def _value_validation(field: Field) -> dict[str, Any]:
    """Excel's own check of typed values; only a help — every value is checked again on reading."""
    t = field.type
    if t.kind == "choice":
        options = {"validate": "list", "source": list(t.choices), "error_type": "stop",
                   "error_message": ("请从下拉列表中选择：" + "、".join(t.choices))[:_MESSAGE_MAX]}
    elif t.kind in ("integer", "number"):
        options = _number_validation(field)
    elif t.kind == "date":
        options = _date_validation()
    elif t.kind == "text":
        options = _length_validation(field)
    else:  # pragma: no cover - a new field type must choose its validation here
        raise TypeError(t.kind)
    return {**options, "ignore_blank": True, "error_title": field.label[:_TITLE_MAX],
            **_prompt(field.heading, field.describe())}


def _number_validation(field: Field) -> dict[str, Any]:
    t = field.type
    kind = "integer" if t.kind == "integer" else "decimal"
    lo, hi = t.min, t.max
    if hi is None and not getattr(t, "min_exclusive", False):  # Excel cannot say "> 0 and ≤ ceiling"
        hi = field.ceiling  # Excel warns the typist of a slip (元 for 万元) at once
    if lo is not None and hi is not None:
        bounds = {"criteria": "between", "minimum": _num(lo), "maximum": _num(hi)}
    elif lo is not None:
        bounds = {"criteria": ">" if getattr(t, "min_exclusive", False) else ">=", "value": _num(lo)}
    elif hi is not None:
        bounds = {"criteria": "<=", "value": _num(hi)}
    else:
        bounds = {"criteria": "between", "minimum": -1_000_000_000, "maximum": 1_000_000_000}
    return {"validate": kind, **bounds, "error_type": "warning", "error_message": f"应为{field.describe()}"}


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


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
        return [f"{name}：缺少模板文件"]
    try:
        actual = template_content(load_workbook(path))
    except Exception as exc:  # any unreadable file is a difference to report, not a crash
        return [f"{name}：无法打开（{type(exc).__name__}）"]
    expected = template_content(load_workbook(io.BytesIO(form_workbook_bytes(form))))
    lines = []
    for key in sorted(expected.keys() | actual.keys(), key=_natural):
        exp, act = expected.get(key), actual.get(key)
        if exp != act:
            lines.append(f"{name}：{key} 应为 {_show(exp)}，实际为 {_show(act)}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"{name}：……另有 {len(lines) - limit} 处差异"]
    return lines


def _natural(key: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]


def _show(value: str | None) -> str:
    if value is None:
        return "（无）"
    return f"“{value[:60]}{'…' if len(value) > 60 else ''}”"


def template_content(wb: Any) -> dict[str, str]:
    """The content that matters in a template (an openpyxl workbook), as {Chinese place: canonical text}."""
    content: dict[str, str] = {"工作表顺序": "、".join(wb.sheetnames)}
    for ws in wb.worksheets:
        where = f"工作表“{ws.title}”"
        content[f"{where}的可见性"] = ws.sheet_state
        if ws.freeze_panes:
            content[f"{where}的冻结窗格"] = str(ws.freeze_panes)
        if ws.auto_filter.ref:
            content[f"{where}的筛选范围"] = ws.auto_filter.ref
        if ws.protection.sheet:
            content[f"{where}的保护"] = "已保护" + ("（有密码）" if ws.protection.password else "")
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
# Shared helpers

# Text columns (ids, 工号, phone numbers) as text: Excel would drop a typed 0012's zeros.
_NUMBER_FORMATS = {"date": DATE_FORMAT, "integer": "0", "number": "0.00", "text": TEXT_FORMAT}


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
    return float(min(max(display_width(field.heading) + 4, display_width(example) + 2, 10), 40))


def number_format(field: Field) -> str | None:
    """The Excel number format of a field's column (None: General)."""
    return _NUMBER_FORMATS.get(field.type.kind)


__all__ = [
    "CREATOR", "DATETIME_FORMAT", "DATE_FORMAT", "FIXED_TIME", "LAST_ROW", "META_KEYS", "TEXT_FORMAT", "Company",
    "check_template",
    "check_templates", "column_width", "display_width", "form_workbook_bytes", "meta_values", "number_format",
    "template_content", "type_text", "write_template", "write_templates",
]
