"""hr-report.xlsx and scorecards.csv reopened with the real libraries: sheets, formats, safety, determinism."""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import subprocess
import zipfile
import zlib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from _assess_helpers import dataset, office_quarter, target
from openpyxl import load_workbook
from xlsxwriter.sharedstrings import SharedStrings

from pipeline.assess import assess
from pipeline.findings import finding
from pipeline.model import Office
from pipeline.policy import load_policy
from pipeline.report import (
    CSV_COLUMNS,
    spreadsheet_safe,
    start_hr_report,
    write_hr_report,
    write_scorecards_csv,
)
from pipeline.report.hr_workbook import BOOK_OPTIONS, Group, Sheet, _Book, _Col, start_package
from pipeline.report.sheet_xml import text_cell
from pipeline.report.xlsx_zip import write_zip

POLICY = load_policy()
SHEETS = ["季度考核", "年度考核", "奖金", "荣誉与激励", "提交情况", "指标来源", "校验问题", "图表"]


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=1+1", "'=1+1"), ("+86 10", "'+86 10"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("北京一所", "北京一所"), ("a=b", "a=b"), ("", ""), (-2.5, -2.5), (None, None), (3, 3)],
)
def test_spreadsheet_safe(text, safe):
    assert spreadsheet_safe(text) == safe


def _results():
    subs, targets = {}, {}
    for q in range(1, 5):
        period = f"2026Q{q}"
        subs.update(office_quarter("BJ01", period, [110], satisfaction=[4.5]))
        subs.update(office_quarter("SH01", period, [90], satisfaction=[4.0]) if q != 3 else {})
        targets.update({(o, period): target(o, period) for o in ("BJ01", "SH01")})
    bad = finding("type-number", file="submissions/2026Q3/SH01/clients.xlsx", sheet="客户", cell="G2",
                  column="本期销售额", value="=cmd|' /C calc'!A0", expected="数字", seen="=cmd|' /C calc'!A0",
                  office_id="SH01", period="2026Q3")
    ds = dataset(["BJ01", "SH01"], targets, subs, findings=[bad], bases={"BJ01": 30000.0, "SH01": 20000.0})
    ds.reference.offices["SH01"] = replace(ds.reference.offices["SH01"], name="=HYPERLINK(\"http://x\")")
    return assess(ds, POLICY), ds


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    results, ds = _results()
    path = tmp_path_factory.mktemp("hr") / "hr-report.xlsx"
    write_hr_report(results, ds, path)
    return path


def test_sheets_headers_frozen_and_filtered(report):
    wb = load_workbook(report)
    assert wb.sheetnames == SHEETS
    for name in SHEETS[:-1]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref.startswith("A1:"), name
        assert ws["A1"].font.b, name
    q = wb["季度考核"]
    headers = [c.value for c in q[1]]
    assert headers[:9] == ["期间", "所编号", "业务所名称", "所长", "区域", "状态", "说明", "销售额(万元)", "销售目标(万元)"]
    assert headers[-3:] == ["总分", "等级", "排名"]
    assert "客户满意度得分" not in headers  # weight 0 quarterly: no score column
    assert "客户满意度得分" in [c.value for c in wb["年度考核"][1]]


def test_values_and_number_formats(report):
    wb = load_workbook(report)
    q = wb["季度考核"]
    headers = [c.value for c in q[1]]
    row = [c for c in q[2]]  # 2026Q1 BJ01
    cell = dict(zip(headers, row))
    assert (cell["期间"].value, cell["所编号"].value, cell["状态"].value) == ("2026Q1", "BJ01", "已评分")
    assert cell["销售目标完成率"].value == pytest.approx(1.1)
    assert cell["销售目标完成率"].number_format == "0.0%"
    assert cell["销售额(万元)"].number_format == "#,##0.00"
    assert cell["总分"].value == pytest.approx(103.9)
    assert cell["总分"].number_format == "0.0"
    assert cell["客户满意度"].value == pytest.approx(90.0)  # 4.5 / 5 × 100, a score not a percent
    assert (cell["等级"].value, cell["排名"].value) == ("优秀", 1)
    # informational, unscored: one unfinished project -> no on-time rate, no budget figures
    assert [cell[h].value for h in ("新客户数(参考)", "项目按期完成率(参考)", "项目预算偏差(参考)", "未解决投诉数(参考)")] == [
        0, None, None, 0]
    assert (cell["销售增长率"].number_format, cell["新客户数(参考)"].number_format) == ("0.0%", "0")
    bonus = wb["奖金"]
    b = dict(zip([c.value for c in bonus[1]], bonus[2]))
    assert b["奖金系数"].value == pytest.approx(1.039)
    assert b["季度奖金基数(元)"].value == 30000
    assert b["季度奖金(元)"].value == pytest.approx(31170.0)
    honours = wb["荣誉与激励"]
    assert [c.value for c in honours[1]][-4:] == ["年终特别奖励", "优秀业务所长", "晋升优先", "培训与发展激励"]
    assert [c.value for c in honours[2]][:2] == ["2026", "BJ01"]
    assert [c.value for c in honours[2]][-4:] == ["是", "是", None, "是"]


def test_submissions_provenance_and_findings(report):
    wb = load_workbook(report)
    sub = wb["提交情况"]
    rows = {(r[0].value, r[1].value): [c.value for c in r] for r in sub.iter_rows(min_row=2)}
    assert rows[("2026Q3", "SH01")][3:] == ["未提交", "未提交", "未提交", "未提交", "招聘与团队、培训计划、客户开发与维护、项目管理"]
    assert rows[("2026Q1", "BJ01")][3:7] == ["已提交"] * 4
    src = wb["指标来源"]
    heads = [c.value for c in src[1]]
    first = dict(zip(heads, [c.value for c in src[2]]))
    assert (first["期间"], first["所编号"], first["指标"], first["文件"], first["工作表"], first["单元格"]) == (
        "2026Q1", "BJ01", "销售目标完成率", "submissions/2026Q1/BJ01/clients.xlsx", "客户", "G2")
    assert first["模板版本"] == "1.0" and first["SHA-256"] == "ab" * 32
    found = wb["校验问题"]
    texts = [c.value for c in found[2]]
    assert "type-number" in texts and "错误" in texts


def test_no_formulas_and_input_strings_are_inert(report):
    wb = load_workbook(report)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@")), (ws.title, c.coordinate, c.value)
    q = wb["季度考核"]
    names = {r[1].value: r[2].value for r in q.iter_rows(min_row=2)}
    assert names["SH01"] == "'=HYPERLINK(\"http://x\")"
    assert "'=cmd|' /C calc'!A0" in [c.value for c in wb["校验问题"][2]]


def test_conditional_formatting_and_charts(report):
    wb = load_workbook(report)
    q = wb["季度考核"]
    grade_col = [c.value for c in q[1]].index("等级") + 1
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(grade_col)
    rules = {str(rng.sqref): [(r.formula[0], r.dxf.fill.bgColor.rgb) for r in rs]
             for rng, rs in q.conditional_formatting._cf_rules.items()}
    assert rules[f"{letter}2:{letter}9"] == [('"优秀"', "FFC6EFCE"), ('"良好"', "FFDDEBF7"), ('"合格"', "FFFFF2CC"),
                                            ('"不合格"', "FFFFC7CE")]
    with zipfile.ZipFile(report) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
        assert "2026年度等级分布" in z.read("xl/charts/chart1.xml").decode("utf-8")
        assert "2026年度考核得分" in z.read("xl/charts/chart2.xml").decode("utf-8")
    sheet = wb["图表"]
    table = [[c.value for c in row] for row in sheet.iter_rows(max_col=2)]
    # only BJ01 has a scored year: (30·110 + 10·100 + 10·104 + 3·10·100 + 20·100) / 100 = 103.4
    assert table == [["等级", "业务所数"], ["优秀", 1], ["良好", 0], ["合格", 0], ["不合格", 0], [None, None],
                     ["业务所(2026年度)", "总分"], ["BJ01所", pytest.approx(103.4)]]


def test_deterministic_bytes(tmp_path: Path):
    results, ds = _results()
    write_hr_report(results, ds, tmp_path / "a.xlsx")
    write_hr_report(results, ds, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.properties.created.year == 2026 and wb.properties.modified == wb.properties.created


def test_members_are_deflated_at_level_one_and_xlsxwriter_is_left_as_it_was(tmp_path: Path):
    results, ds = _results()
    write_hr_report(results, ds, tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert z.testzip() is None  # every member's CRC is right, the spliced sheets' too
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED
            if "worksheets/sheet" in info.filename and info.filename != "xl/worksheets/sheet8.xml":
                continue  # table sheets: deflated in pieces
            data = z.read(info)
            level1 = zlib.compressobj(1, zlib.DEFLATED, -15)
            assert info.compress_size == len(level1.compress(data) + level1.flush()), info.filename
    # the swap is undone: a workbook written by xlsxwriter itself deflates at the default level
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile and xlsxwriter.packager.SharedStrings is SharedStrings
    book = xlsxwriter.Workbook(str(tmp_path / "plain.xlsx"))
    book.add_worksheet().write_string(0, 0, "x" * 5000 + "".join(str(i) for i in range(3000)))
    book.close()
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as z:
        info = z.getinfo("xl/sharedStrings.xml")
        level6 = zlib.compressobj(6, zlib.DEFLATED, -15)
        assert info.compress_size == len(level6.compress(z.read(info)) + level6.flush())


def test_an_unwritable_path_is_raised_by_wait(tmp_path: Path):
    """The zip is written by a thread: its OSError reaches the caller when it waits."""
    results, ds = _results()
    pending = start_hr_report(results, ds, tmp_path / "missing" / "r.xlsx")
    with pytest.raises(FileNotFoundError):
        pending.wait()
    pending.wait()  # raised once; waiting again is harmless


SST_TEXTS = ["北京一所", "submissions/2026Q1/BJ01/clients.xlsx", " 前导空格", "尾随空格 ", "\u3000全角空格",
             "换行\n", "_x0041_ 像转义", "a_b", "控制\x01字符", "a&b<c>\"d\"", "<r>富文本?</r>", "\t制表", "😀"]


def test_shared_strings_are_the_bytes_xlsxwriter_writes(tmp_path: Path):
    def parts(book_class) -> dict[str, bytes]:
        buffer = io.BytesIO()
        book = book_class(buffer, BOOK_OPTIONS)
        ws = book.add_worksheet("表")
        for r, text in enumerate(SST_TEXTS * 2):  # repeats: counted, stored once
            ws.write_string(r, 0, text)
        book.close()
        if isinstance(book, _Book):  # _Book leaves the zip to a thread
            write_zip(tmp_path / "ours.xlsx", book.stored.members)
            data = (tmp_path / "ours.xlsx").read_bytes()
        else:
            data = buffer.getvalue()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {name: z.read(name) for name in z.namelist()}

    ours, theirs = parts(_Book), parts(xlsxwriter.Workbook)
    assert ours == theirs
    assert b"<si><t>\xe5\x8c\x97\xe4\xba\xac\xe4\xb8\x80\xe6\x89\x80</t></si>" in ours["xl/sharedStrings.xml"]
    assert b'<t xml:space="preserve"> ' in ours["xl/sharedStrings.xml"]
    assert xlsxwriter.packager.SharedStrings is SharedStrings


def test_scorecards_csv(tmp_path: Path):
    results, _ = _results()
    path = tmp_path / "scorecards.csv"
    write_scorecards_csv(results, path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == 11 and "\n" not in text.replace("\r\n", "")  # header + 8 quarters + 2 years
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    by = {(r[0], r[1]): dict(zip(CSV_COLUMNS, r)) for r in rows[1:]}
    bj = by[("2026Q1", "BJ01")]
    assert bj == {"period": "2026Q1", "office_id": "BJ01", "office_name": "BJ01所", "status": "scored",
                  "sales": "110", "sales_target": "100", "attainment": "1.1", "growth": "0.1",
                  "market_share": "0.11", "attrition": "0", "pass_rate": "1", "training_rate": "1",
                  "satisfaction": "90", "score": bj["score"], "grade": "优秀", "rank": "1"}
    assert float(bj["score"]) == pytest.approx(103.9, abs=1e-9)
    sh = by[("2026Q3", "SH01")]
    assert (sh["office_name"], sh["status"], sh["score"], sh["attainment"], sh["rank"]) == (
        "'=HYPERLINK(\"http://x\")", "invalid", "", "", "")  # the finding makes it invalid
    assert [(r[0], r[1]) for r in rows[1:]][-2:] == [("2026", "BJ01"), ("2026", "SH01")]


@pytest.mark.slow
def test_libreoffice_opens_the_report(report, tmp_path: Path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office:
        pytest.skip("未安装 LibreOffice(libreoffice / soffice),跳过 PDF 转换检查")
    done = subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(report)],
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hr-report.pdf").stat().st_size > 1000
    # rows and cells carry no position: LibreOffice must place them as openpyxl does
    done = subprocess.run([office, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                           "--outdir", str(tmp_path), str(report)], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "hr-report.csv", encoding="utf-8", newline="") as f:
        seen = [row[:7] for row in csv.reader(f)]  # the text columns (numbers come formatted)
    expected = [[str(v) if v is not None else "" for v in row[:7]]
                for row in load_workbook(report)["季度考核"].iter_rows(values_only=True)]
    assert seen == expected and len(seen) > 2


def test_office_bonus_base_missing_gives_blank_amount(tmp_path: Path):
    results, ds = _results()
    ds.reference.offices["BJ01"] = Office("BJ01", "BJ01所", bonus_base=None)
    results = assess(ds, POLICY)
    write_hr_report(results, ds, tmp_path / "r.xlsx")
    b = load_workbook(tmp_path / "r.xlsx")["奖金"]
    cell = dict(zip([c.value for c in b[1]], [c.value for c in b[2]]))
    assert (cell["奖金系数"], cell["季度奖金基数(元)"], cell["季度奖金(元)"]) == (pytest.approx(1.039), None, None)


# ---------------------------------------------------------------------------------------------
# The table sheets render their XML directly (speed), without positions, for reruns to reuse:
# reopened, they must hold what xlsxwriter writes cell by cell.


def _per_cell(ws, r: int, c: int, value, number_format) -> None:
    """The former per-cell writer of hr_workbook: the behaviour the fast sheets must keep."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "")
    elif isinstance(value, int | float):
        if math.isfinite(value):
            ws.write_number(r, c, value, number_format)
    else:
        ws.write_string(r, c, spreadsheet_safe(str(value)))


LONG_TEXT = "长" * 32760 + "😀😀😀😀"  # 32,768 UTF-16 units: cut before the last emoji, not inside it
EXACT_TEXT = "长" * 32765 + "😀"  # 32,767 UTF-16 units: Excel's limit, kept whole
TABLE_HEADERS = ["名称", "比率", "系数", "数量", "备注"]


def _table_rows() -> list[list]:
    rows = []
    for i in range(1, 57):  # data rows 2..57: xlsxwriter's 16-row "spans" blocks end at rows 16, 32, 48
        rows.append([f"办{i % 7}",  # repeats, like file paths: one shared string each
                     i / 8 if i > 3 else None,  # this format is first used after the next one
                     round(i * 1.001, 3),
                     i if i % 4 else None,
                     "备" if i < 15 or i == 17 or i >= 48 else None])  # rows 33..48 lack the last column
    rows[0][0] = None  # the first block still spans from column A (the header)
    rows[4] = [None, "", None, "", None]  # empty rows are left out
    rows[5] = ["=1+1", -2.5, float("nan"), 10 ** 20, True]
    rows[6] = ["-2", float("inf"), -float("inf"), 1e-7, False]
    rows[7] = ["@SUM(A1)", Decimal("1.5"), 0, -0.0, "a&b<c>\"d\""]
    rows[8] = [LONG_TEXT, 3, 2.675, 123456789.123456789, "\t制表"]
    rows[9] = [_Label("名"), 1 / 3, None, True, EXACT_TEXT]
    for values in rows[47:54]:  # the last block starts at column B
        values[0] = None
    rows[54] = rows[55] = [None] * 5  # trailing empty rows: the sheet's dimension ends before them
    return rows


class _Label(str):
    """A str subclass (e.g. an enum's value) still goes through str() and spreadsheet_safe."""


def _fast_and_reference(tmp_path: Path, rows: list[list]) -> tuple[Path, Path]:
    """The same two tables written by start_package (fast) and by xlsxwriter cell by cell."""
    fast = tmp_path / "fast.xlsx"
    sheets = []
    for title, table_rows in (("表", rows), ("表二", rows[8:20])):
        cols = [_Col(h, None, 10, f) for h, f in zip(TABLE_HEADERS, [None, "0.0%", "0.000", "0", None])]
        # two groups, as a period's rows would be: the splice point must not show
        sheets.append(Sheet(title, cols, groups=[Group(0, 5, table_rows[:5], plain=True),
                                                Group(1, len(table_rows) - 5, table_rows[5:], plain=True)]))
    start_package(POLICY, [], sheets, fast).wait()
    reference = tmp_path / "reference.xlsx"
    book = xlsxwriter.Workbook(str(reference), BOOK_OPTIONS)
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    formats = [None, book.add_format({"num_format": "0.0%"}), book.add_format({"num_format": "0.000"}),
               book.add_format({"num_format": "0"}), None]
    for title, table_rows in (("表", rows), ("表二", rows[8:20])):
        ws = book.add_worksheet(title)
        for c, text in enumerate(TABLE_HEADERS):
            ws.write_string(0, c, text, header)
        for r, values in enumerate(table_rows, start=1):
            for c, value in enumerate(values):
                _per_cell(ws, r, c, value, formats[c])
    book.close()
    return fast, reference


def _cells(ws) -> list[tuple]:
    return [(c.coordinate, c.value, c.data_type, c.number_format) for r in ws.iter_rows() for c in r
            if c.value not in (None, "")]


def test_table_sheets_reopen_as_xlsxwriter_cell_by_cell(tmp_path: Path):
    fast, reference = _fast_and_reference(tmp_path, _table_rows())
    ours, theirs = load_workbook(fast), load_workbook(reference)
    for title in ("表", "表二"):
        assert _cells(ours[title]) == _cells(theirs[title]), title
    with zipfile.ZipFile(fast) as z:
        assert z.testzip() is None
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # no positions, inline text, blank cells as <c/>, trailing blanks left out, empty rows kept
    assert ' r="' not in sheet.split("<sheetData>")[1] and "spans=" not in sheet
    assert '<dimension ref="A1:E57"/>' in sheet
    assert '<row><c/><c/><c s="3"><v>1.001</v></c><c s="4"><v>1</v></c><c t="inlineStr"><is><t>备</t></is></c></row>' \
        in sheet
    assert "<row></row><row></row></sheetData>" in sheet
    assert "<t>'\t制表</t>" in sheet  # made safe, then kept as it is


def test_table_sheets_number_formats_by_column_not_by_first_use(tmp_path: Path):
    fast, _ = _fast_and_reference(tmp_path, _table_rows())
    with zipfile.ZipFile(fast) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # the header's format is 1; then 0.0% (2), 0.000 (3), 0 (4) from left to right, though
    # 0.000 and 0 are used before 0.0% in the rows
    assert '<c s="1" t="inlineStr"><is><t>名称</t></is></c>' in sheet
    assert '<c s="2"><v>0.5</v></c>' in sheet


def test_table_sheet_values_reopened(tmp_path: Path):
    fast, _ = _fast_and_reference(tmp_path, _table_rows())
    ws = load_workbook(fast)["表"]
    assert [c.value for c in ws[7]] == ["'=1+1", -2.5, None, 10 ** 20, "是"]
    assert [c.value for c in ws[8]][0] == "'-2" and ws["B8"].value is None and ws["D8"].value == 1e-7
    assert ws["E8"].value in ("", None)  # False: a blank cell
    assert [c.value for c in ws[9]] == ["'@SUM(A1)", "1.5", 0, 0, "a&b<c>\"d\""]
    assert ws["B9"].data_type == "s"  # a Decimal is written as its text, never guessed into a number
    assert ws["A10"].value == "长" * 32760 + "😀😀😀" and ws["E10"].value == "'\t制表"
    assert ws["E11"].value == EXACT_TEXT
    assert (ws["B10"].value, ws["B10"].number_format, ws["C10"].number_format) == (3, "0.0%", "0.000")
    assert ws["A11"].value == "名" and ws["B11"].value == pytest.approx(1 / 3)
    assert ws["A2"].value is None and ws["A3"].value == "办2" and ws["A1"].font.b


def test_text_cells_escape_as_xlsxwriter_inline_strings():
    assert text_cell("a&b<c>") == '<c t="inlineStr"><is><t>a&amp;b&lt;c&gt;</t></is></c>'
    assert text_cell(" x") == '<c t="inlineStr"><is><t xml:space="preserve"> x</t></is></c>'
    assert text_cell("控制\x01_x0041_") == '<c t="inlineStr"><is><t>控制_x0001__x005F_x0041_</t></is></c>'
    assert text_cell("<r>富文本?</r>") == '<c t="inlineStr"><is><t>&lt;r&gt;富文本?&lt;/r&gt;</t></is></c>'


def test_plain_text_takes_the_short_way_to_the_same_cell():
    """text_cell skips escaping for text with nothing to escape; it must write what escaping would."""
    import random
    import re

    from xlsxwriter.xmlwriter import XMLwriter

    from pipeline.report import sheet_xml

    def escaped(text: str) -> str:
        text = XMLwriter._escape_control_characters(sheet_xml._excel_text(text))
        space = ' xml:space="preserve"' if re.search(r"^\s|\s$", text) else ""
        return f'<c t="inlineStr"><is><t{space}>{XMLwriter._escape_data(None, text)}</t></is></c>'

    rng = random.Random(7)
    alphabet = "ab_x0F&<> \t\n\u3000中\x01\ufffe😀"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12))) for _ in range(5000)]
    texts += [LONG_TEXT, EXACT_TEXT, "submissions/2026Q1/BJ01/clients.xlsx", "a" * 64, "_x0041_", "a_x00fF_b"]
    assert [text_cell(t) for t in texts] == [escaped(t) for t in texts]


def test_csv_fields_are_quoted_as_the_csv_module_quotes_them():
    import random

    from pipeline.report.scorecards import csv_field

    rng = random.Random(3)
    alphabet = 'a,"\r\n 中=\t'
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8))) for _ in range(5000)]
    for text in texts:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(["x", text, "y"])
        assert buffer.getvalue() == f"x,{csv_field(text)},y\r\n", repr(text)
