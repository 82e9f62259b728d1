"""read_workbook: fill a real template, break one thing, and get exactly one precise finding.

All the bad workbooks are read once (module fixture), together with good workbooks; every case
asserts its finding (code, sheet, cell, severity) and the good workbooks must come back intact.
"""

from __future__ import annotations

import marshal
import random
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from _read_helpers import GOOD_CLIENT, fill_form, good_cover, members, read_isolated, rezip

from pipeline.forms import CLIENTS, META_SHEET, get_form
from pipeline.forms.types import FIELD_TYPES, FieldType
from pipeline.forms.values import column_index, label_key
from pipeline.intake import read
from pipeline.intake.aggregates import summarise
from pipeline.intake.facts import Table, from_plain, to_plain
from pipeline.intake.read import read_facts, read_workbook
from pipeline.outputs.form_workbook import meta_values

C = GOOD_CLIENT
MEMBER = {"employee_id": "E1", "name": "测试成员", "join_date": date(2025, 7, 1), "rating": "良好"}
HIRING = {"position": "客户经理", "planned": 2, "hired": 1, "status": "进行中"}
TRAINING = {"training_id": "T1", "name": "谈判技巧", "planned_date": date(2026, 2, 15), "status": "进行中"}
PROJECT = {"project_id": "P1", "name": "项目甲", "start_date": date(2026, 1, 10), "planned_end": date(2026, 6, 30)}
OFFICE = {"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长", "region": "华北", "bonus_base": 30000}
TARGET = {"year": 2026, "quarter": "Q1", "office_id": "BJ01", "sales_target": 500, "prior_sales": 450,
          "market_size": 5000}


def clients(**change):
    return {"rows": {"clients": [{**C, **change}]}}


def roster(**change):
    return {"form": "recruitment", "rows": {"roster": [{**MEMBER, **change}]}}


def reference(sheet, **change):
    rows = {"offices": [OFFICE], "targets": [TARGET]}
    rows[sheet] = [{**rows[sheet][0], **change}]
    return {"form": "reference", "rows": rows}


# (id, how to build, (code, sheet, cell, severity))
CASES = [
    ("client-id-blank", clients(client_id=None), ("required-blank", "客户", "A2", "error")),
    ("name-blank", clients(name="  "), ("required-blank", "客户", "B2", "error")),
    ("sales-words", clients(sales="十二"), ("type-number", "客户", "G2", "error")),
    ("sales-unit", clients(sales="12万元"), ("type-number", "客户", "G2", "error")),
    ("visits-fraction", clients(visits=2.5), ("type-integer", "客户", "H2", "error")),
    ("visits-text", clients(visits="两次"), ("type-integer", "客户", "H2", "error")),
    ("type-not-in-list", clients(client_type="大客户"), ("choice-invalid", "客户", "C2", "error")),
    ("satisfaction-6", clients(satisfaction=6), ("out-of-range", "客户", "I2", "error")),
    ("sales-negative", clients(sales=-1), ("out-of-range", "客户", "G2", "error")),
    ("id-too-long", clients(client_id="X" * 31), ("type-text", "客户", "A2", "error")),
    ("resolved-above", clients(complaints=1, resolved_complaints=3), ("rule-not-above", "客户", "K2", "error")),
    ("excel-error", {**clients(), "raw": {"客户": {"G2": "#DIV/0!"}}}, ("excel-error", "客户", "G2", "error")),
    ("excel-error-na", {**clients(), "raw": {"客户": {"J2": "#N/A"}}}, ("excel-error", "客户", "J2", "error")),
    ("formula-no-value", {**clients(), "raw": {"客户": {"G2": "=1+1"}}}, ("formula-no-value", "客户", "G2", "error")),
    ("contact-too-long", clients(contact="联" * 51), ("type-text", "客户", "E2", "error")),
    ("phone-too-long", clients(phone="1" * 31), ("type-text", "客户", "F2", "error")),
    ("duplicate-client", {"rows": {"clients": [C, {**C, "name": "客户乙"}]}}, ("duplicate-id", "客户", "A3", "error")),
    ("sales-grouped", clients(sales="1,234"), ("value-normalised", "客户", "G2", "info")),
    ("visits-fullwidth", clients(visits="３"), ("value-normalised", "客户", "H2", "info")),
    ("leave-before-join", roster(leave_date=date(2025, 1, 1)), ("rule-not-before", "团队名册", "E2", "error")),
    ("join-date-text", roster(join_date="去年"), ("type-date", "团队名册", "D2", "error")),
    ("join-date-blank", roster(join_date=None), ("required-blank", "团队名册", "D2", "error")),
    ("join-date-impossible", roster(join_date="2026-02-30"), ("type-date", "团队名册", "D2", "error")),
    ("rating-not-in-list", roster(rating="很好"), ("choice-invalid", "团队名册", "G2", "error")),
    ("member-name-blank", roster(name=None), ("required-blank", "团队名册", "B2", "error")),
    ("reason-too-long", roster(leave_reason="因" * 501), ("type-text", "团队名册", "F2", "error")),
    ("duplicate-member", {"form": "recruitment", "rows": {"roster": [MEMBER, {**MEMBER, "name": "乙"}]}},
     ("duplicate-id", "团队名册", "A3", "error")),
    ("planned-zero", {"form": "recruitment", "rows": {"hiring": [{**HIRING, "planned": 0, "hired": 0}]}},
     ("out-of-range", "招聘计划", "B2", "error")),
    ("hired-above-planned", {"form": "recruitment", "rows": {"hiring": [{**HIRING, "hired": 3}]}},
     ("rule-not-above", "招聘计划", "C2", "warning")),
    ("done-without-date", {"form": "training", "rows": {"trainings": [{**TRAINING, "status": "已完成"}]}},
     ("rule-required-when", "培训计划", "F2", "error")),
    ("planned-date-serial-typo", {"form": "training", "rows": {"trainings": [{**TRAINING, "planned_date": 5}]}},
     ("type-date", "培训计划", "D2", "error")),
    ("hours-words", {"form": "training", "rows": {"trainings": [{**TRAINING, "hours": "三小时"}]}},
     ("type-number", "培训计划", "H2", "error")),
    ("end-before-start", {"form": "projects", "rows": {"projects": [{**PROJECT, "planned_end": date(2026, 1, 1)}]}},
     ("rule-not-before", "项目", "F2", "error")),
    ("actual-before-start", {"form": "projects", "rows": {"projects": [{**PROJECT, "actual_end": "2025/12/31"}]}},
     ("rule-not-before", "项目", "G2", "error")),
    ("stage-not-in-list", {"form": "projects", "rows": {"projects": [{**PROJECT, "stage": "完成"}]}},
     ("choice-invalid", "项目", "D2", "error")),
    ("risks-negative", {"form": "projects", "rows": {"projects": [{**PROJECT, "risks": -1}]}},
     ("out-of-range", "项目", "K2", "error")),
    ("target-zero", reference("targets", sales_target=0), ("out-of-range", "季度目标", "D2", "error")),
    ("quarter-q5", reference("targets", quarter="Q5"), ("choice-invalid", "季度目标", "B2", "error")),
    ("year-1999", reference("targets", year=1999), ("out-of-range", "季度目标", "A2", "error")),
    ("bonus-base-words", reference("offices", bonus_base="三万"), ("type-number", "业务所", "E2", "error")),
    ("office-id-duplicate", {"form": "reference", "rows": {"offices": [OFFICE, OFFICE], "targets": [TARGET]}},
     ("duplicate-id", "业务所", "A3", "error")),
    ("cover-office-blank", {**clients(), "cover": {**good_cover(), "office_id": None}}, ("cover-missing", "封面", "B2", "error")),
    ("cover-period-blank", {**clients(), "cover": {**good_cover(), "period": " "}}, ("cover-missing", "封面", "B3", "error")),
    ("period-q5", {**clients(), "cover": good_cover(period="2026Q5")}, ("period-malformed", "封面", "B3", "error")),
    ("period-no-year", {**clients(), "cover": good_cover(period="第一季度")}, ("period-malformed", "封面", "B3", "error")),
    ("filled-on-words", {**clients(), "cover": {**good_cover(), "filled_on": "上周"}}, ("type-date", "封面", "B5", "error")),
    ("template-id-unknown", {**clients(), "raw": {META_SHEET: {"B1": "budget"}}}, ("template-unknown", "", "", "error")),
    ("template-outdated", {**clients(), "raw": {META_SHEET: {"B2": "0.9"}}}, ("template-outdated", "", "", "error")),
    ("header-renamed", {**clients(), "raw": {"客户": {"G1": "销售额"}}}, ("header-renamed", "客户", "G1", "error")),
    ("header-extra", {**clients(), "raw": {"客户": {"L1": "备注", "L2": "随便写写"}}}, ("header-extra", "客户", "L1", "warning")),
    ("no-meta-no-props", {**clients(), "zip": "drop-identity"}, ("template-unknown", "", "", "error")),
    ("sheet-missing", {**clients(), "openpyxl": "drop-sheet"}, ("sheet-missing", "客户", "", "error")),
    ("header-missing", {**clients(), "openpyxl": "drop-column-D"}, ("header-missing", "客户", "", "error")),
    ("cover-missing-sheet", {**clients(), "openpyxl": "drop-cover"}, ("sheet-missing", "封面", "", "error")),
]


def _drop_identity(name: str, blob: bytes) -> bytes | None:
    if name == "docProps/custom.xml":
        return None
    return blob


def build(tmp: Path, case_id: str, spec: dict) -> Path:
    form = get_form(spec.get("form", "clients"))
    cover = spec.get("cover", good_cover() if form.has_cover else None)
    path = fill_form(form, tmp / f"{case_id}.xlsx", cover=cover, rows=spec.get("rows"), raw=spec.get("raw"))
    if spec.get("openpyxl"):
        wb = openpyxl.load_workbook(path)
        if spec["openpyxl"] == "drop-sheet":
            del wb["客户"]
        elif spec["openpyxl"] == "drop-cover":
            del wb["封面"]
        elif spec["openpyxl"] == "drop-column-D":
            wb["客户"].delete_cols(4)
        wb.save(path)
    if spec.get("zip") == "drop-identity":
        # No _meta sheet (removed by openpyxl) and no custom properties: nothing says what it is.
        wb = openpyxl.load_workbook(path)
        del wb[META_SHEET]
        wb.save(path)
        path.write_bytes(rezip(path.read_bytes(), _drop_identity))
        assert "docProps/custom.xml" not in members(path.read_bytes())
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every case's file plus a good workbook, as (path, rel) items: good first and last."""
    tmp = tmp_path_factory.mktemp("read")
    good = fill_form(CLIENTS, tmp / "good.xlsx", cover=good_cover(), rows={"clients": [C]})
    items = [(good, "good-first.xlsx")]
    for case_id, spec, _ in CASES:
        items.append((build(tmp, case_id, spec), f"bad/{case_id}.xlsx"))
    items.append((good, "good-last.xlsx"))
    return items


@pytest.fixture(scope="module")
def batch(built):
    """Every item read, by its rel path."""
    return {rel: read_workbook(path, rel) for path, rel in built}


def test_at_least_forty_cases():
    assert len(CASES) >= 40


def test_good_files(batch):
    for rel in ("good-first.xlsx", "good-last.xlsx"):
        wb = batch[rel]
        assert wb.findings == ()
        assert (wb.form_id, wb.version, wb.office_id, wb.period) == ("clients", CLIENTS.version, "BJ01", "2026Q1")
        rows = wb.tables["clients"].rows()
        assert [r.number for r in rows] == [2]
        assert rows[0].values == {**{f.key: None for f in CLIENTS.sheets[0].fields}, **C,
                                  "sales": 120.5, "visits": 2, "complaints": 1, "resolved_complaints": 1}
    assert batch["good-first.xlsx"].sha256 == batch["good-last.xlsx"].sha256


@pytest.mark.parametrize(("case_id", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_case(batch, case_id, spec, expected):
    wb = batch[f"bad/{case_id}.xlsx"]
    code, sheet, cell, severity = expected
    hits = [f for f in wb.findings if f.code == code]
    assert hits, [(f.code, f.cell, f.message) for f in wb.findings]
    got = hits[0]
    assert (got.sheet, got.cell, got.severity) == (sheet, cell, severity)
    assert got.file == f"bad/{case_id}.xlsx"
    # Nothing else of consequence: the one thing broken is the one thing reported.
    others = {f.code for f in wb.findings if f.severity != "info"} - {code}
    allowed = {"template-modified", "header-missing"}
    assert others <= allowed, [(f.code, f.cell, f.message) for f in wb.findings]
    form = get_form(spec.get("form", "clients"))
    if form.has_cover and code not in ("cover-missing", "period-malformed", "sheet-missing", "template-unknown"):
        assert (got.office_id, got.period) == ("BJ01", "2026Q1")


def test_private_values_never_in_findings(batch):
    for case_id in ("contact-too-long", "phone-too-long", "reason-too-long", "bonus-base-words"):
        for f in batch[f"bad/{case_id}.xlsx"].findings:
            assert f.value is None
            assert "联联" not in f.message and "111" not in f.message and "因因" not in f.message
            assert "三万" not in f.message


def test_messages_name_place_and_expectation(batch):
    f = next(f for f in batch["bad/sales-words.xlsx"].findings if f.code == "type-number")
    assert f.display() == "bad/sales-words.xlsx › 客户 › G2：“本期销售额”应为数字，不小于 0，单位：万元，实际为“十二”" or \
        f.display() == "bad/sales-words.xlsx › 客户 › G2：“本期销售额”应为数字，不小于 0，实际为“十二”"
    assert f.value == "十二" and f.row == 2 and f.column == "本期销售额"
    dup = next(f for f in batch["bad/duplicate-client.xlsx"].findings if f.code == "duplicate-id")
    assert dup.message == "“客户编号”的值“C1”在第 2 行已出现过"
    old = next(f for f in batch["bad/template-outdated.xlsx"].findings if f.code == "template-outdated")
    assert old.message == f"模板版本为 0.9，当前版本为 {CLIENTS.version}"
    err = next(f for f in batch["bad/excel-error.xlsx"].findings if f.code == "excel-error")
    assert (err.value, err.message) == ("#DIV/0!", "单元格的值是 Excel 错误值 #DIV/0!")


def _in_row_order(findings):
    """(code, cell) by row, then column; a cell's own findings in the order the reader gave them.

    Within a sheet the reader groups findings by kind (cell values, required, unique, rules); every
    output sorts them by place (engine.dataset.total_order), as here.
    """
    def place(f):
        letters = "".join(ch for ch in f.cell if ch.isalpha())
        return f.sheet, f.row or 0, column_index(letters) if letters else 0
    return [(f.code, f.cell) for f in sorted(findings, key=place)]


def _first_row(wb, sheet="clients"):
    return wb.tables[sheet].rows()[0]


def test_invalid_and_normalised_values_in_rows(batch):
    assert _first_row(batch["bad/sales-words.xlsx"])["sales"] is None
    assert _first_row(batch["bad/sales-grouped.xlsx"])["sales"] == 1234.0
    assert _first_row(batch["bad/visits-fullwidth.xlsx"])["visits"] == 3
    note = next(f for f in batch["bad/sales-grouped.xlsx"].findings if f.code == "value-normalised")
    assert note.message == "“本期销售额”的“1,234”已按“1234”读取"
    # A dropped column is reported once, and the other columns are still read by their labels.
    wb = batch["bad/header-missing.xlsx"]
    assert [(f.code, f.column) for f in wb.findings if f.severity != "info"] == [("header-missing", "D")]
    assert _first_row(wb)["sales"] == 120.5 and _first_row(wb)["industry"] is None
    assert wb.tables["clients"].column("industry") == [None]
    assert batch["bad/template-outdated.xlsx"].tables == {}
    assert batch["bad/period-q5.xlsx"].period is None
    assert _first_row(batch["bad/header-extra.xlsx"])["client_id"] == "C1"


def test_facts_survive_their_plain_form(batch):
    """What a worker sends and the cache keeps comes back equal, cover dates and table dates included."""
    for rel, wb in batch.items():
        for facts in (wb, summarise(wb)):
            again = from_plain(marshal.loads(marshal.dumps(to_plain(facts))))
            assert again == facts, rel
            assert [type(v) for v in again.cover.values()] == [type(v) for v in facts.cover.values()], rel
    assert type(batch["good-first.xlsx"].cover["filled_on"]) is date


def test_read_facts_keep_no_rows_of_an_office_form(built, batch):
    path, rel = built[0]
    facts = read_facts(path, rel)
    assert facts == summarise(batch[rel])
    assert facts.tables == {} and facts.client_ids == frozenset({"C1"}) and facts.figures["sales"] == 120.5
    reference_rel = "bad/target-zero.xlsx"
    kept = read_facts(dict((r, p) for p, r in built)[reference_rel], reference_rel)
    assert set(kept.tables) == {"offices", "targets", "heads", "schedule"}


def test_crash_isolated_reading_gives_the_same_facts_whatever_the_workers(built):
    """The run's executor (pool + plain form) returns each file's facts, in order, as read here."""
    items = built[:15]
    expected = [read_facts(path, rel) for path, rel in items]
    assert read_isolated(items, workers=1) == expected
    assert read_isolated(items, workers=3) == expected


def test_reordered_columns_read_by_label(data_dir):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]},
                     raw={"客户": {"H1": "满意度评分", "I1": "回访次数", "H2": 4.5, "I2": 2}})
    wb = read_workbook(path, "x.xlsx")
    reordered = [(f.code, f.cell, f.column, f.severity, f.message) for f in wb.findings]
    assert reordered == [("header-reordered", "I1", "H", "error", "列“回访次数”应在第 H 列，实际在第 I 列")]
    assert _first_row(wb)["visits"] == 2 and _first_row(wb)["satisfaction"] == 4.5


@pytest.mark.parametrize("heading", ["本期销售额（万元）", "本期销售额(万元)", "本期销售额（万元)", " 本期销售额(万元) "])
def test_a_heading_reads_whatever_the_width_of_its_punctuation(data_dir, heading):
    """Headers typed, or kept from a template written before its punctuation went full-width."""
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]},
                     raw={"客户": {"G1": heading}})
    wb = read_workbook(path, "x.xlsx")
    assert [f.code for f in wb.findings] == [] and _first_row(wb)["sales"] == C["sales"]


def test_labels_compare_alike_in_either_width():
    assert label_key("销售额(万元)") == label_key("销售额（万元）") == label_key(" 销售额（万元）\u3000")
    assert label_key("数据项:文件，工作表") == label_key("数据项：文件,工作表")
    assert label_key("销售额(万元)") != label_key("销售额（元）")


def test_header_broken_beyond_mapping_skips_rows(data_dir):
    junk = {f"{chr(65 + i)}1": f"列{i}" for i in range(11)}
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]}, raw={"客户": junk})
    wb = read_workbook(path, "x.xlsx")
    assert wb.tables["clients"] == Table() and wb.tables["clients"].rows() == []
    assert [f.column for f in wb.findings if f.code == "header-missing"] == [chr(65 + i) for i in range(11)]


def test_trailing_and_middle_blank_rows_are_ignored(data_dir):
    rows = [C, {}, {}, {**C, "client_id": "C2"}]
    raw = {"客户": {"A5000": "C3", "B5000": "远处的客户", "A4000": "  ", "B4000": "\u200b"}}
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": rows}, raw=raw)
    wb = read_workbook(path, "x.xlsx")
    assert wb.tables["clients"].numbers == (2, 5, 5000)
    assert wb.tables["clients"].column("client_id") == ["C1", "C2", "C3"]


def test_identity_from_custom_properties_when_meta_sheet_lost(data_dir):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]})
    wb = openpyxl.load_workbook(path)
    del wb[META_SHEET]
    wb.save(path)
    got = read_workbook(path, "x.xlsx")
    assert (got.form_id, got.version, got.findings) == ("clients", CLIENTS.version, ())


def _xlsxwriter_clients(path: Path, *, cached: bool) -> Path:
    """A clients workbook as Excel/WPS save it: shared strings, formulas, _meta as a hidden sheet."""
    book = xlsxwriter.Workbook(str(path))
    cover = book.add_worksheet("封面")
    for r, (label, value) in enumerate([("所编号", "SH01"), ("期间", "2026q2"), ("填报人", "某人")]):
        cover.write_string(r, 0, label)
        cover.write_string(r, 1, value)
    cover.write_formula(3, 1, "=DATE(2026,7,3)", book.add_format({"num_format": "yyyy-mm-dd"}), 46206)
    cover.write_string(3, 0, "填报日期")
    book.add_worksheet("填写说明").write_string(0, 0, "说明")
    sheet = book.add_worksheet("客户")
    for c, field in enumerate(CLIENTS.sheets[0].fields):
        sheet.write_string(0, c, field.heading)
    sheet.write_row(1, 0, ["C1", "客户甲", "新客户", "制造业", "某人", "13800000000"])
    sheet.write_number(1, 6, 100)
    sheet.write_number(1, 7, 1)
    sheet.write_number(1, 9, 2)
    if cached:
        sheet.write_formula(1, 10, "=J2-1", None, 1)
    else:
        sheet.write_formula(1, 10, "=J2-1", None, "")
    sheet.write_row(2, 0, ["C2", "客户乙", "老客户"])
    sheet.write_formula(2, 6, "=G2*0.1+0.2", None, 10.2)
    meta = book.add_worksheet(META_SHEET)
    for r, (key, value) in enumerate(meta_values(CLIENTS).items()):
        meta.write_string(r, 0, key)
        meta.write_string(r, 1, value)
    meta.hide()
    book.close()
    return path


def test_xlsxwriter_workbook_with_cached_formulas(data_dir):
    wb = read_workbook(_xlsxwriter_clients(data_dir / "xw.xlsx", cached=True), "xw.xlsx")
    assert [f.code for f in wb.findings if f.severity != "info"] == []
    assert (wb.form_id, wb.office_id, wb.period) == ("clients", "SH01", "2026Q2")
    assert wb.cover["filled_on"] == date(2026, 7, 3)
    rows = wb.tables["clients"].rows()
    assert [(r["client_id"], r["sales"], r["resolved_complaints"]) for r in rows] == [("C1", 100.0, 1), ("C2", 10.2, None)]


def test_xlsxwriter_workbook_formula_without_value(data_dir):
    wb = read_workbook(_xlsxwriter_clients(data_dir / "xw.xlsx", cached=False), "xw.xlsx")
    assert [(f.code, f.sheet, f.cell) for f in wb.findings if f.severity != "info"] == [
        ("formula-no-value", "客户", "K2")]
    assert _first_row(wb)["resolved_complaints"] is None


def test_cache_and_progress(data_dir):
    """The executor's cache: a second run parses nothing; a file moved elsewhere is read again,
    since facts name their file (its findings then name the new place)."""
    from pipeline.intake.read import reader_identity
    from pipeline.run import collect
    from pipeline.runtime.cache import ContentCache

    folder = data_dir / "submissions" / "2026Q1" / "BJ01"
    fill_form(CLIENTS, folder / "a.xlsx", cover=good_cover(), rows={"clients": [C]})
    bad = fill_form(CLIENTS, folder / "b.xlsx", cover=good_cover(), rows={"clients": [{**C, "sales": "x"}]})
    cache = ContentCache(data_dir.parent / "cache", reader_identity())
    first = collect(data_dir, workers=2, cache=cache)
    assert first.parsed == 2
    seen = []
    again = collect(data_dir, workers=2, cache=ContentCache(data_dir.parent / "cache", reader_identity()),
                    progress=lambda done, total: seen.append((done, total)))
    assert again.parsed == 0 and seen == [(1, 2), (2, 2)]
    assert again.facts == first.facts
    bad.rename(data_dir / "submissions" / "2026Q1" / "BJ01" / "moved.xlsx")
    moved = collect(data_dir, workers=2, cache=ContentCache(data_dir.parent / "cache", reader_identity()))
    assert moved.parsed == 1
    facts = {f.path: f for f in moved.facts}
    rel = "submissions/2026Q1/BJ01/moved.xlsx"
    assert [(f.file, f.code, f.cell) for f in facts[rel].findings] == [(rel, "type-number", "G2")]
    assert facts["submissions/2026Q1/BJ01/a.xlsx"] == first.facts[0]


# --- reading a column at once is reading it cell by cell ----------------------------------------

_ODD = ["", " ", "\u3000", " 12 ", "１２", "1,234", "十二", 0.1 + 0.2, 2.5, -1, 6, 1e15, True, "2026/3/5", 46086,
        datetime(2026, 2, 3, 10, 30), date(2025, 1, 1), " 老客户", "大客户", "已完成", "x" * 40, " C1", "C1",
        1234567890123.0]


def _good_value(rng, field, row):
    """A value as the template asks for it (optional fields sometimes left blank)."""
    kind = field.type.kind
    if not field.required and rng.random() < 0.2:
        return None
    if field.unique:
        return f"ID{rng.randrange(row + 1) if rng.random() < 0.03 else row}"  # a rare repeat
    if kind == "text":
        return rng.choice(["甲", "乙公司", "制造业", "客户经理"])
    if kind == "choice":
        return rng.choice(field.type.choices)
    if kind == "date":
        return date(2026, rng.randint(1, 6), rng.randint(1, 28))
    low = field.type.min or 0
    high = field.type.max or low + 20
    if kind == "integer":
        return rng.randint(low, high)
    return round(rng.uniform(low, high), rng.choice([0, 1, 2]))


def _odd_workbook(tmp: Path, form_id: str, seed: int, odd_rows: float) -> Path:
    """A filled form whose rows are clean, blank, or (a share `odd_rows`) typed carelessly."""
    rng = random.Random(seed)
    form = get_form(form_id)
    rows, raw = {}, {}
    for sheet in form.sheets:
        count = rng.choice([1, 12, 40])
        rows[sheet.key] = []
        for r in range(count):
            row = {f.key: _good_value(rng, f, r) for f in sheet.fields}
            if rng.random() < odd_rows:
                row.update({f.key: rng.choice([None, *_ODD]) for f in sheet.fields if rng.random() < 0.3})
            rows[sheet.key].append({} if rng.random() < 0.05 else {k: v for k, v in row.items() if v is not None})
        if odd_rows and rng.random() < 0.5:
            raw[sheet.name] = {f"{chr(65 + rng.randrange(len(sheet.fields)))}{rng.randrange(2, count + 4)}":
                               rng.choice(["#DIV/0!", "#N/A", "=1+1", "  "])}
    cover = good_cover() if form.has_cover else None
    return fill_form(form, tmp / f"{form_id}-{seed}.xlsx", cover=cover, rows=rows, raw=raw)


def _snapshot(wb):
    tables = {k: [(r.number, list(r.values.items()), [type(v) for v in r.values.values()]) for r in t.rows()]
              for k, t in wb.tables.items()}
    return wb.form_id, wb.cover, tables, wb.findings


def test_whole_columns_read_exactly_as_cell_by_cell(tmp_path, monkeypatch):
    """Same rows (values, their types and key order), same findings in the same order, whether each
    field type vouches for whole columns or every cell is read on its own."""
    paths = [_odd_workbook(tmp_path, form_id, seed, odd_rows) for form_id in ("clients", "projects", "recruitment",
             "training", "reference") for seed, odd_rows in ((1, 0.0), (2, 0.1), (3, 0.3), (4, 0.6))]
    whole = [_snapshot(read_workbook(p, p.name)) for p in paths]
    for cls in (FieldType, *FIELD_TYPES):
        monkeypatch.setattr(cls, "_bulk", lambda self, cells: None)
    by_cell = [_snapshot(read_workbook(p, p.name)) for p in paths]
    assert whole == by_cell
    codes = {f.code for _, _, _, findings in whole for f in findings}
    assert {"value-normalised", "required-blank", "duplicate-id", "type-number", "out-of-range", "choice-invalid",
            "excel-error", "rule-not-before", "rule-not-above"} <= codes
    assert sum(len(rows) for _, _, tables, _ in whole for rows in tables.values()) > 100


def test_findings_in_row_order_between_clean_rows(data_dir):
    rows = [C, {**C, "client_id": "C2", "name": " 客户乙"}, {**C, "client_id": "C3"},
            {**C, "client_id": "C4", "satisfaction": 6, "complaints": 0, "resolved_complaints": 1}, {},
            {**C, "client_id": "C6", "name": None}, {**C, "client_id": "C7"}]
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": rows})
    wb = read_workbook(path, "x.xlsx")
    assert _in_row_order(wb.findings) == [
        ("value-normalised", "B3"), ("out-of-range", "I5"), ("rule-not-above", "K5"), ("required-blank", "B7")]
    table = wb.tables["clients"]
    assert table.numbers == (2, 3, 4, 5, 7, 8)
    assert table.column("name") == ["客户甲", "客户乙", "客户甲", "客户甲", None, "客户甲"]
    assert table.column("satisfaction") == [4.5, 4.5, 4.5, None, 4.5, 4.5]
    assert list(table.rows()[0].values) == [f.key for f in CLIENTS.sheets[0].fields]


def test_duplicate_of_a_normalised_id(data_dir):
    rows = [C, {**C, "client_id": " C1"}, {**C, "client_id": "C2"}, {**C, "client_id": "C2"}]
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": rows})
    wb = read_workbook(path, "x.xlsx")
    assert _in_row_order(wb.findings) == [("value-normalised", "A3"), ("duplicate-id", "A3"), ("duplicate-id", "A5")]
    assert [f.value for f in wb.findings] == [" C1", "C1", "C2"]
    assert [f.message for f in wb.findings if f.code == "duplicate-id"] == [
        "“客户编号”的值“C1”在第 2 行已出现过", "“客户编号”的值“C2”在第 4 行已出现过"]
    assert wb.tables["clients"].column("client_id") == ["C1", "C1", "C2", "C2"]


def test_error_cell_alone_in_a_row_keeps_the_row(data_dir):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]},
                     raw={"客户": {"G4": "#DIV/0!", "A6": "  "}})
    wb = read_workbook(path, "x.xlsx")
    assert _in_row_order(wb.findings) == [("required-blank", "A4"), ("required-blank", "B4"), ("excel-error", "G4")]
    assert wb.tables["clients"].numbers == (2, 4)
    assert wb.tables["clients"].rows()[1].values == {f.key: None for f in CLIENTS.sheets[0].fields}


def test_short_rows_read_as_blank_cells():
    assert read._transpose([[1, 2], [3, 4]]) == [(1, 3), (2, 4)]
    assert read._transpose([[1, 2], [3]]) == [(1, 3), (2, "")]
    assert read._transpose([]) == []


@pytest.mark.parametrize(("typed", "period", "codes"), [
    ("2026Q1", "2026Q1", []),
    ("2026Q1\n", "2026Q1", []),  # a trailing line break is stripped like any whitespace
    (" 2026q1 ", "2026Q1", []),  # spaces and case are forgiven silently
    ("２０２６Q1", "2026Q1", ["value-normalised"]),
    # the ways people write a quarter: read as the quarter, with a note saying how
    ("2026年第四季度", "2026Q4", ["value-normalised"]),
    ("2026年4季度", "2026Q4", ["value-normalised"]),
    ("2026 Q4", "2026Q4", ["value-normalised"]),
    ("２０２６Q4", "2026Q4", ["value-normalised"]),
    ("2026年一季度", "2026Q1", ["value-normalised"]),
    ("2026-Q2", "2026Q2", ["value-normalised"]),
    ("2026Q5", None, ["period-malformed"]),
    ("2026-4", None, ["period-malformed"]),  # without Q or 季 the 4 could be a month
    ("2026年第五季度", None, ["period-malformed"]),
    ("第四季度", None, ["period-malformed"]),
])
def test_cover_period(data_dir, typed, period, codes):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover={**good_cover(), "period": typed}, rows={"clients": [C]})
    wb = read_workbook(path, "x.xlsx")
    assert (wb.period, [f.code for f in wb.findings]) == (period, codes)
    assert all(f.cell == "B3" for f in wb.findings)
    if codes == ["value-normalised"]:
        assert wb.findings[0].message == f"“期间”的“{typed.strip()}”已按“{period}”读取"
        assert wb.findings[0].severity == "info" and wb.identity == (period, "BJ01", "clients")


def test_a_renamed_header_fix_does_not_read_like_a_header_name():
    """Regression: the fix said 把表头改回“模板规定的表头”, which reads as a literal header to type."""
    from pipeline.findings import fix_text

    fix = fix_text("header-renamed")
    assert "“模板规定的表头”" not in fix and "{" not in fix
    assert fix == "把这一列的表头改回模板规定的名称（见问题说明中的“应为”），或使用新下载的模板。"
