"""Templates an office head can fill without asking (outputs/form_workbook.py): units in the
headers, text format on ids and phones, the cover's title, boxes and period check, a company's
templates (`templates --data`), print setup checked by LibreOffice, files of the earlier version
still read, and marked-up copies of LibreOffice re-saved files with their header frozen again."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.forms import ALL_FORMS, CLIENTS, OFFICE_FORMS, PROJECTS, RECRUITMENT, TRAINING, get_form
from pipeline.intake.read import read_workbook
from pipeline.outputs.annotate import annotate_file
from pipeline.outputs.form_workbook import GENERAL_NOTES, Company, form_workbook_bytes, write_templates
from pipeline.run import UsageError, company, company_templates

COMPANY = Company(offices=(("BJ01", "北京一所"), ("SH01", "上海一所")), periods=("2026Q1", "2026Q2", "2026Q3", "2026Q4"))


def _book(form, **kw):
    return load_workbook(io.BytesIO(form_workbook_bytes(form, **kw)))


def _validation(ws, cell: str):
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref and dv.type is not None]
    assert len(found) == 1, (ws.title, cell, found)
    return found[0]


# --- units in the headers, text format ------------------------------------------------------------


@pytest.mark.parametrize(("form", "sheet", "cell", "heading"), [
    (CLIENTS, "客户", "G1", "本期销售额（万元）"),
    (PROJECTS, "项目", "H1", "预算（万元）"),
    (PROJECTS, "项目", "I1", "实际成本（万元）"),
    (TRAINING, "培训计划", "H1", "课时（小时）"),
])
def test_amount_headers_show_their_unit(form, sheet, cell, heading):
    ws = _book(form)[sheet]
    assert ws[cell].value == heading
    assert _validation(ws, cell.replace("1", "2")).promptTitle == heading


@pytest.mark.parametrize(("form", "sheet", "columns"), [
    (CLIENTS, "客户", "ABDEF"),  # 客户编号 … 联系电话
    (RECRUITMENT, "团队名册", "ABCF"),  # 工号, 姓名, 岗位, 离职原因
    (PROJECTS, "项目", "ABC"),  # 项目编号, 项目名称, 客户编号
    (TRAINING, "培训计划", "AB"),
])
def test_text_columns_are_text_formatted(form, sheet, columns):
    ws = _book(form)[sheet]
    for letter in columns:
        assert ws.column_dimensions[letter].number_format == "@", letter
    assert _book(form)["封面"]["B2"].number_format == "@"  # 所编号


def test_every_id_and_phone_column_is_text():
    for form in ALL_FORMS:
        wb = _book(form)
        for sheet in form.sheets:
            for field in sheet.fields:
                if field.key.endswith("_id") or field.key == "phone":
                    letter = sheet.column_letter(field.key)
                    assert wb[sheet.name].column_dimensions[letter].number_format == "@", (form.id, field.key)


# --- the cover --------------------------------------------------------------------------------------


def test_cover_period_is_checked_against_the_pattern():
    ws = _book(CLIENTS)["封面"]
    dv = _validation(ws, "B3")
    assert dv.type == "custom"
    formula = dv.formula1
    assert formula.startswith("AND(LEN(B3)=6,") and 'MID(B3,5,1)="Q"' in formula
    assert 'ISNUMBER(FIND(MID(B3,6,1),"1234"))' in formula  # 2026Q9 no longer passes
    assert "1–4" in dv.error


def test_cover_keeps_one_page_and_names_the_form():
    ws = _book(TRAINING)["封面"]
    assert ws["A1"].value == "培训计划 · 填报封面"
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight or 1) == (
        "landscape", 1, 1)


# --- a company's templates ----------------------------------------------------------------------------


def test_company_cover_lists_offices_and_periods():
    wb = _book(CLIENTS, company=COMPANY)
    ws = wb["封面"]
    office = _validation(ws, "B2")
    assert (office.type, office.formula1) == ("list", "_meta!$D$1:$D$2")
    assert "BJ01 北京一所" in office.prompt and "SH01 上海一所" in office.prompt
    assert [(r[3], r[4]) for r in wb["_meta"].iter_rows(max_col=5, values_only=True)][:2] == list(COMPANY.offices)
    period = _validation(ws, "B3")
    assert (period.type, period.formula1) == ("list", '"2026Q1,2026Q2,2026Q3,2026Q4"')
    assert "下拉列表" in ws["C2"].value and "下拉列表" in ws["C3"].value


def test_company_templates_from_a_data_folder(make_reference, data_dir, tmp_path):
    make_reference()
    assert company(data_dir, date(2027, 2, 1)) == Company(
        offices=(("BJ01", "北京一所"), ("SH01", "上海一所")), periods=("2027Q1", "2027Q2", "2027Q3", "2027Q4"))
    paths = company_templates(data_dir, tmp_path / "out", date(2026, 5, 1))
    assert sorted(p.name for p in paths) == sorted(f.filename for f in ALL_FORMS)
    ws = load_workbook(tmp_path / "out" / "projects.xlsx")["封面"]
    assert _validation(ws, "B2").formula1 == "_meta!$D$1:$D$2"
    assert _validation(ws, "B3").formula1 == '"2026Q1,2026Q2,2026Q3,2026Q4"'
    # a filled company template reads like any other
    rel = "submissions/2026Q1/BJ01/clients.xlsx"
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(form_workbook_bytes(CLIENTS, cover={"office_id": "BJ01", "period": "2026Q1"}, company=COMPANY))
    facts = read_workbook(filled, rel)
    assert (facts.office_id, facts.period, facts.version) == ("BJ01", "2026Q1", CLIENTS.version)


def test_company_templates_need_a_reference(data_dir, tmp_path):
    with pytest.raises(UsageError, match="reference.xlsx"):
        company(data_dir)


def test_templates_command_with_data(make_reference, data_dir, tmp_path, capsys):
    make_reference()
    assert main(["templates", "--out", str(tmp_path / "t"), "--data", str(data_dir)]) == 0
    assert (tmp_path / "t" / "clients.xlsx").is_file()
    assert main(["templates", "--out", str(tmp_path / "u"), "--data", str(tmp_path / "none")]) == 2
    assert "数据目录不存在" in capsys.readouterr().err


@pytest.mark.parametrize("out", [None, "input_templates"])
def test_company_templates_never_replace_the_generic_ones(make_reference, data_dir, tmp_path, monkeypatch, capsys, out):
    make_reference()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "input_templates").mkdir()
    (tmp_path / "input_templates" / "clients.xlsx").write_bytes(b"generic")
    argv = ["templates", "--data", str(data_dir)] + (["--out", out] if out else [])
    assert main(argv) == 2
    assert "请用 --out 指定另一个输出目录" in capsys.readouterr().err
    assert (tmp_path / "input_templates" / "clients.xlsx").read_bytes() == b"generic"


# --- an earlier version's file is still read ----------------------------------------------------------


@pytest.mark.parametrize("form", OFFICE_FORMS, ids=lambda f: f.id)
def test_earlier_version_is_still_read(form, tmp_path):
    old = form.as_of("1.0")
    assert old is not None and old.version == "1.0" and old.cover_row == 1
    path = tmp_path / form.filename
    cover = {"office_id": "BJ01", "period": "2026Q1", "filled_by": "某人", "filled_on": date(2026, 4, 1)}
    sheet = form.sheets[0]
    row = {f.key: f.example for f in sheet.fields if f.example is not None}
    path.write_bytes(form_workbook_bytes(old, cover=cover, rows={sheet.key: [row]}))
    wb = load_workbook(path)
    assert wb["封面"]["A1"].value == "所编号"  # the 1.0 layout: no title, bare amount headers
    assert [c.value for c in wb[sheet.name][1]] == list(old.sheets[0].headings)
    facts = read_workbook(path, f"submissions/2026Q1/BJ01/{form.filename}")
    assert [(f.code, f.severity) for f in facts.findings if f.code != "value-normalised"] == [
        ("template-earlier", "warning")]
    note = facts.findings[0]
    assert note.message == f"模板版本为 1.0，当前版本为 {form.version}；本次仍按 1.0 版读取"
    assert (facts.office_id, facts.period, facts.version) == ("BJ01", "2026Q1", "1.0")
    assert len(facts.tables[sheet.key].rows()) == 1


def test_earlier_clients_headers_without_unit():
    old = CLIENTS.as_of("1.0")
    assert old.sheet("客户").field("sales").heading == "本期销售额"
    assert CLIENTS.sheet("客户").field("sales").heading == "本期销售额（万元）"
    assert old.structure_hash != CLIENTS.structure_hash
    assert CLIENTS.as_of("0.9") is None


def test_unknown_old_version_is_still_refused(tmp_path):
    path = tmp_path / "clients.xlsx"
    data = form_workbook_bytes(CLIENTS, cover={"office_id": "BJ01", "period": "2026Q1"})
    wb = load_workbook(io.BytesIO(data))
    wb["_meta"]["B2"] = "0.9"
    wb.save(path)
    facts = read_workbook(path, "x/clients.xlsx")
    assert [f.code for f in facts.findings] == ["template-outdated"] and facts.tables == {}


# --- LibreOffice: printed pages, and re-saved files ------------------------------------------------------


def _office() -> str:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    fonts = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout if shutil.which(
        "fc-match") else ""
    if not office or not shutil.which("pdftotext") or "Carlito" not in fonts:
        pytest.skip("需要 LibreOffice、pdftotext 和 Carlito 字体（与 Calibri 同宽；Debian：libreoffice-calc-nogui、"
                    "poppler-utils、fonts-crosextra-carlito）")
    return office


def _convert(office: str, out: Path, fmt: str, *paths: Path) -> None:
    done = subprocess.run([office, "--headless", "--convert-to", fmt, "--outdir", str(out), *map(str, paths)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(out)})
    assert done.returncode == 0, done.stderr


def _pages(pdf: Path) -> list[tuple[str, str]]:
    """(sheet name from the page header's right end, the page's text) of every page."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in text.split("\f"):
        lines = [line for line in page.splitlines() if line.strip()]
        if lines:
            pages.append((lines[0].split()[-1], page))
    return pages


@pytest.mark.slow
def test_libreoffice_prints_each_blank_template_one_page_wide(tmp_path):
    office = _office()
    templates = write_templates(tmp_path / "t")
    _convert(office, tmp_path, "pdf", *templates)
    for form in ALL_FORMS:
        pages = _pages(tmp_path / f"{form.id}.pdf")
        counts: dict[str, int] = {}
        for name, _ in pages:
            counts[name] = counts.get(name, 0) + 1
        # the cover and each (blank) data sheet on one page: all its columns side by side
        expected = {**({"封面": 1} if form.has_cover else {}), **{s.name: 1 for s in form.sheets}}
        assert {k: v for k, v in counts.items() if k != "填写说明"} == expected, form.id
        assert counts["填写说明"] <= 3, form.id  # one page wide, a few pages down
        for name, page in pages:
            lines = page.splitlines()
            if name in {s.name for s in form.sheets}:  # the whole header on its one page
                sheet = form.sheet(name)
                assert all(h in page for h in sheet.headings), (form.id, name)
            if name == "填写说明":
                # the field table's first and last columns on the same line: nothing cut off to the right
                assert all("示例" in line for line in lines if line.lstrip().startswith("列名"))
        instructions = "".join(p for n, p in pages if n == "填写说明")
        flat = "".join(instructions.split())
        for note in GENERAL_NOTES[:3]:  # sentences wrapped whole, never cut at a page edge
            assert "".join(note.split()) in flat, (form.id, note)
        if form.has_cover:
            cover = next(p for n, p in pages if n == "封面")
            assert f"{form.title} · 填报封面" in cover and "填报日期" in cover and "2026-04-03" in cover


@pytest.mark.slow
def test_annotated_copy_of_a_libreoffice_resave_has_frozen_panes(tmp_path):
    office = _office()
    source = tmp_path / "src" / "recruitment.xlsx"
    source.parent.mkdir()
    cover = {"office_id": "BJ01", "period": "2026Q1"}
    source.write_bytes(form_workbook_bytes(RECRUITMENT, cover=cover, rows={"roster": [{"employee_id": "E1"}]}))
    resaved = tmp_path / "resaved"
    _convert(office, resaved, "xlsx:Calc MS Excel 2007 XML", source)
    path = resaved / "recruitment.xlsx"
    lost = [ws.title for ws in load_workbook(path).worksheets if ws.title in ("招聘计划", "团队名册")
            and not ws.freeze_panes]
    facts = read_workbook(path, "submissions/2026Q1/BJ01/recruitment.xlsx")
    findings = [f for f in facts.findings if f.severity == "error"]
    assert findings  # 团队名册: 姓名 and 入职日期 blank
    dest = tmp_path / "copy" / "recruitment.xlsx"
    assert annotate_file(path, dest, findings, get_form("recruitment"))
    copy = load_workbook(dest)
    assert copy["招聘计划"].freeze_panes == copy["团队名册"].freeze_panes == "A2", lost
