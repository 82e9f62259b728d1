"""read_workbook: fill a real template, break one thing, and get exactly one precise finding.

All the bad workbooks are read in ONE `read_workbooks` call with two worker processes, together
with good workbooks; every case asserts its finding (code, sheet, cell, severity) and the good
workbooks must still come back intact, in order.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from _read_helpers import GOOD_CLIENT, good_cover, members, rezip

from pipeline.excel.blank import meta_values
from pipeline.excel.fill import fill_form
from pipeline.excel.pool import read_workbooks
from pipeline.forms import CLIENTS, META_SHEET, get_form
from pipeline.read import read_workbook

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
    ("cover-office-blank", {**clients(), "cover": {**good_cover(), "office_id": None}}, ("cover-missing", "封面", "B1", "error")),
    ("cover-period-blank", {**clients(), "cover": {**good_cover(), "period": " "}}, ("cover-missing", "封面", "B2", "error")),
    ("period-q5", {**clients(), "cover": good_cover(period="2026Q5")}, ("period-malformed", "封面", "B2", "error")),
    ("period-words", {**clients(), "cover": good_cover(period="2026年一季度")}, ("period-malformed", "封面", "B2", "error")),
    ("filled-on-words", {**clients(), "cover": {**good_cover(), "filled_on": "上周"}}, ("type-date", "封面", "B4", "error")),
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
def batch(tmp_path_factory):
    """Every case plus two good workbooks, read in one two-worker call."""
    tmp = tmp_path_factory.mktemp("read")
    good = fill_form(CLIENTS, tmp / "good.xlsx", cover=good_cover(), rows={"clients": [C]})
    items = [(good, "good-first.xlsx")]
    for case_id, spec, _ in CASES:
        items.append((build(tmp, case_id, spec), f"bad/{case_id}.xlsx"))
    items.append((good, "good-last.xlsx"))
    workbooks = read_workbooks(items, workers=2)
    return {wb.path: wb for wb in workbooks}, [wb.path for wb in workbooks], items


def test_at_least_forty_cases():
    assert len(CASES) >= 40


def test_order_and_good_files(batch):
    by_path, order, _ = batch
    assert order == ["good-first.xlsx"] + [f"bad/{c[0]}.xlsx" for c in CASES] + ["good-last.xlsx"]
    for rel in ("good-first.xlsx", "good-last.xlsx"):
        wb = by_path[rel]
        assert wb.findings == []
        assert (wb.form_id, wb.version, wb.office_id, wb.period) == ("clients", "1.0", "BJ01", "2026Q1")
        assert [r.number for r in wb.tables["clients"]] == [2]
        assert wb.tables["clients"][0].values == {**{f.key: None for f in CLIENTS.sheets[0].fields}, **C,
                                                  "sales": 120.5, "visits": 2, "complaints": 1,
                                                  "resolved_complaints": 1}
    assert by_path["good-first.xlsx"].sha256 == by_path["good-last.xlsx"].sha256


@pytest.mark.parametrize(("case_id", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_case(batch, case_id, spec, expected):
    by_path, _, _ = batch
    wb = by_path[f"bad/{case_id}.xlsx"]
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
    by_path, _, _ = batch
    for case_id in ("contact-too-long", "phone-too-long", "reason-too-long", "bonus-base-words"):
        for f in by_path[f"bad/{case_id}.xlsx"].findings:
            assert f.value is None
            assert "联联" not in f.message and "111" not in f.message and "因因" not in f.message
            assert "三万" not in f.message


def test_messages_name_place_and_expectation(batch):
    by_path, _, _ = batch
    f = next(f for f in by_path["bad/sales-words.xlsx"].findings if f.code == "type-number")
    assert f.display() == "bad/sales-words.xlsx › 客户 › G2:“本期销售额”应为数字,不小于 0,单位:万元,实际为“十二”" or \
        f.display() == "bad/sales-words.xlsx › 客户 › G2:“本期销售额”应为数字,不小于 0,实际为“十二”"
    assert f.value == "十二" and f.row == 2 and f.column == "本期销售额"
    dup = next(f for f in by_path["bad/duplicate-client.xlsx"].findings if f.code == "duplicate-id")
    assert dup.message == "“客户编号”的值“C1”在第 2 行已出现过"
    old = next(f for f in by_path["bad/template-outdated.xlsx"].findings if f.code == "template-outdated")
    assert old.message == "模板版本为 0.9,当前版本为 1.0"
    err = next(f for f in by_path["bad/excel-error.xlsx"].findings if f.code == "excel-error")
    assert (err.value, err.message) == ("#DIV/0!", "单元格的值是 Excel 错误值 #DIV/0!")


def test_invalid_and_normalised_values_in_rows(batch):
    by_path, _, _ = batch
    assert by_path["bad/sales-words.xlsx"].tables["clients"][0]["sales"] is None
    assert by_path["bad/sales-grouped.xlsx"].tables["clients"][0]["sales"] == 1234.0
    assert by_path["bad/visits-fullwidth.xlsx"].tables["clients"][0]["visits"] == 3
    note = next(f for f in by_path["bad/sales-grouped.xlsx"].findings if f.code == "value-normalised")
    assert note.message == "“本期销售额”的“1,234”已按“1234”读取"
    # A dropped column is reported once, and the other columns are still read by their labels.
    wb = by_path["bad/header-missing.xlsx"]
    assert [(f.code, f.column) for f in wb.findings if f.severity != "info"] == [("header-missing", "D")]
    assert wb.tables["clients"][0]["sales"] == 120.5 and wb.tables["clients"][0]["industry"] is None
    assert by_path["bad/template-outdated.xlsx"].tables == {}
    assert by_path["bad/period-q5.xlsx"].period is None
    assert by_path["bad/header-extra.xlsx"].tables["clients"][0]["client_id"] == "C1"


def test_reordered_columns_read_by_label(data_dir):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]},
                     raw={"客户": {"H1": "满意度评分", "I1": "回访次数", "H2": 4.5, "I2": 2}})
    wb = read_workbook(path, "x.xlsx")
    reordered = [(f.code, f.cell, f.column, f.severity, f.message) for f in wb.findings]
    assert reordered == [("header-reordered", "I1", "H", "error", "列“回访次数”应在第 H 列,实际在第 I 列")]
    assert wb.tables["clients"][0]["visits"] == 2 and wb.tables["clients"][0]["satisfaction"] == 4.5


def test_header_broken_beyond_mapping_skips_rows(data_dir):
    junk = {f"{chr(65 + i)}1": f"列{i}" for i in range(11)}
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]}, raw={"客户": junk})
    wb = read_workbook(path, "x.xlsx")
    assert wb.tables["clients"] == []
    assert [f.column for f in wb.findings if f.code == "header-missing"] == [chr(65 + i) for i in range(11)]


def test_trailing_and_middle_blank_rows_are_ignored(data_dir):
    rows = [C, {}, {}, {**C, "client_id": "C2"}]
    raw = {"客户": {"A5000": "C3", "B5000": "远处的客户", "A4000": "  ", "B4000": "\u200b"}}
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": rows}, raw=raw)
    wb = read_workbook(path, "x.xlsx")
    assert [r.number for r in wb.tables["clients"]] == [2, 5, 5000]
    assert [r["client_id"] for r in wb.tables["clients"]] == ["C1", "C2", "C3"]


def test_identity_from_custom_properties_when_meta_sheet_lost(data_dir):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]})
    wb = openpyxl.load_workbook(path)
    del wb[META_SHEET]
    wb.save(path)
    got = read_workbook(path, "x.xlsx")
    assert (got.form_id, got.version, got.findings) == ("clients", "1.0", [])


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
        sheet.write_string(0, c, field.label)
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
    rows = wb.tables["clients"]
    assert [(r["client_id"], r["sales"], r["resolved_complaints"]) for r in rows] == [("C1", 100.0, 1), ("C2", 10.2, None)]


def test_xlsxwriter_workbook_formula_without_value(data_dir):
    wb = read_workbook(_xlsxwriter_clients(data_dir / "xw.xlsx", cached=False), "xw.xlsx")
    assert [(f.code, f.sheet, f.cell) for f in wb.findings if f.severity != "info"] == [
        ("formula-no-value", "客户", "K2")]
    assert wb.tables["clients"][0]["resolved_complaints"] is None


def test_same_results_whatever_the_number_of_workers(batch):
    by_path, order, items = batch
    assert read_workbooks(items[:15], workers=1) == [by_path[rel] for rel in order[:15]]
    assert read_workbooks(items[:15], workers=3) == [by_path[rel] for rel in order[:15]]


class DictCache:
    """The cache protocol read_workbooks expects: get(sha256) and put(sha256, workbook)."""

    def __init__(self):
        self.store, self.gets, self.puts = {}, [], []

    def get(self, sha256):
        self.gets.append(sha256)
        return self.store.get(sha256)

    def put(self, sha256, wb):
        self.puts.append((sha256, wb.path))
        self.store[sha256] = wb


def test_cache_and_progress(data_dir):
    good = fill_form(CLIENTS, data_dir / "a.xlsx", cover=good_cover(), rows={"clients": [C]})
    bad = fill_form(CLIENTS, data_dir / "b.xlsx", cover=good_cover(), rows={"clients": [{**C, "sales": "x"}]})
    cache, seen = DictCache(), []
    first = read_workbooks([(good, "a.xlsx"), (bad, "b.xlsx")], workers=2, cache=cache)
    assert [p for _, p in cache.puts] == ["a.xlsx", "b.xlsx"] or [p for _, p in cache.puts] == ["b.xlsx", "a.xlsx"]
    again = read_workbooks([(bad, "moved/b.xlsx"), (good, "a.xlsx")], workers=2, cache=cache,
                           progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    assert len(cache.puts) == 2  # both came from the cache
    assert again[0].path == "moved/b.xlsx"
    assert [(f.file, f.code, f.cell) for f in again[0].findings] == [("moved/b.xlsx", "type-number", "G2")]
    assert again[1] == first[0]


# --- the bulk path: clean columns at once, rows with findings cell by cell ----------------------

_ODD = ["", " ", "\u3000", " 12 ", "１２", "1,234", "十二", 0.1 + 0.2, 2.5, -1, 6, 1e15, True, "2026/3/5", 46086,
        datetime(2026, 2, 3, 10, 30), date(2025, 1, 1), " 老客户", "大客户", "已完成", "x" * 40, " C1", "C1"]


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
    import random

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
    tables = {k: [(r.number, list(r.values.items()), [type(v) for v in r.values.values()]) for r in rows]
              for k, rows in wb.tables.items()}
    return wb.form_id, wb.cover, tables, wb.findings


def test_bulk_path_reads_exactly_as_cell_by_cell(tmp_path, monkeypatch):
    """Same rows (values, their types and key order), same findings in the same order, either way."""
    from pipeline import read

    paths = [_odd_workbook(tmp_path, form_id, seed, odd_rows) for form_id in ("clients", "projects", "recruitment",
             "training", "reference") for seed, odd_rows in ((1, 0.0), (2, 0.1), (3, 0.3), (4, 0.6))]
    bulk = [_snapshot(read_workbook(p, p.name)) for p in paths]
    monkeypatch.setattr(read._Reader, "bulk", False)
    reference_ = [_snapshot(read_workbook(p, p.name)) for p in paths]
    assert bulk == reference_
    codes = {f.code for _, _, _, findings in bulk for f in findings}
    assert {"value-normalised", "required-blank", "duplicate-id", "type-number", "out-of-range", "choice-invalid",
            "excel-error", "rule-not-before", "rule-not-above"} <= codes
    assert sum(len(rows) for _, _, tables, _ in bulk for rows in tables.values()) > 100


def test_findings_in_row_order_between_clean_rows(data_dir):
    rows = [C, {**C, "client_id": "C2", "name": " 客户乙"}, {**C, "client_id": "C3"},
            {**C, "client_id": "C4", "satisfaction": 6, "complaints": 0, "resolved_complaints": 1}, {},
            {**C, "client_id": "C6", "name": None}, {**C, "client_id": "C7"}]
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": rows})
    wb = read_workbook(path, "x.xlsx")
    assert [(f.code, f.cell) for f in wb.findings] == [
        ("value-normalised", "B3"), ("out-of-range", "I5"), ("rule-not-above", "K5"), ("required-blank", "B7")]
    table = wb.tables["clients"]
    assert [r.number for r in table] == [2, 3, 4, 5, 7, 8]
    assert [r["name"] for r in table] == ["客户甲", "客户乙", "客户甲", "客户甲", None, "客户甲"]
    assert [r["satisfaction"] for r in table] == [4.5, 4.5, 4.5, None, 4.5, 4.5]
    assert list(table[0].values) == [f.key for f in CLIENTS.sheets[0].fields]


def test_duplicate_of_a_normalised_id(data_dir):
    rows = [C, {**C, "client_id": " C1"}, {**C, "client_id": "C2"}, {**C, "client_id": "C2"}]
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": rows})
    wb = read_workbook(path, "x.xlsx")
    assert [(f.code, f.cell, f.value) for f in wb.findings] == [
        ("value-normalised", "A3", " C1"), ("duplicate-id", "A3", "C1"), ("duplicate-id", "A5", "C2")]
    assert [f.message for f in wb.findings if f.code == "duplicate-id"] == [
        "“客户编号”的值“C1”在第 2 行已出现过", "“客户编号”的值“C2”在第 4 行已出现过"]
    assert [r["client_id"] for r in wb.tables["clients"]] == ["C1", "C1", "C2", "C2"]


def test_error_cell_alone_in_a_row_keeps_the_row(data_dir):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover=good_cover(), rows={"clients": [C]},
                     raw={"客户": {"G4": "#DIV/0!", "A6": "  "}})
    wb = read_workbook(path, "x.xlsx")
    assert [(f.code, f.cell) for f in wb.findings] == [
        ("required-blank", "A4"), ("required-blank", "B4"), ("excel-error", "G4")]
    assert [r.number for r in wb.tables["clients"]] == [2, 4]
    assert wb.tables["clients"][1].values == {f.key: None for f in CLIENTS.sheets[0].fields}


def test_short_rows_read_as_blank_cells():
    from pipeline.sheet_plan import transpose

    assert transpose([[1, 2], [3, 4]]) == [(1, 3), (2, 4)]
    assert transpose([[1, 2], [3]]) == [(1, 3), (2, "")]


@pytest.mark.parametrize(("typed", "period", "codes"), [
    ("2026Q1", "2026Q1", []),
    ("2026Q1\n", "2026Q1", []),  # a trailing line break is stripped like any whitespace
    (" 2026q1 ", "2026Q1", []),  # spaces and case are forgiven silently
    ("２０２６Q1", "2026Q1", ["value-normalised"]),
    ("2026Q5", None, ["period-malformed"]),
])
def test_cover_period(data_dir, typed, period, codes):
    path = fill_form(CLIENTS, data_dir / "x.xlsx", cover={**good_cover(), "period": typed}, rows={"clients": [C]})
    wb = read_workbook(path, "x.xlsx")
    assert (wb.period, [f.code for f in wb.findings]) == (period, codes)
    assert all(f.cell == "B2" for f in wb.findings)
