"""Injection-proof exports: hostile cell text never becomes a formula in scorecards.csv or HR's workbooks."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from _attack_strings import FORMULA_PREFIXES, write_hostile_dataset
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pipeline.engine.model import Results, Scorecard
from pipeline.forms.values import printable
from pipeline.outputs.pages.escape import one_line
from pipeline.outputs.scorecards_csv import render_csv
from pipeline.outputs.spreadsheet import spreadsheet_safe
from pipeline.run import run

FORMULA_NAMES = ("=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+cmd|' /C calc'!A0", "-2+3",
                 "@SUM(1+1)*cmd|' /C calc'!A0")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The `run` command's outputs for a data set whose office names start like formulas."""
    root = tmp_path_factory.mktemp("injection")
    written = write_hostile_dataset(root / "data", office_ids=("BJ01", "SH01", "GZ01", "SZ01"),
                                    office_names=FORMULA_NAMES, long_office=None)
    outcome = run(root / "data", root / "out", workers=1)
    code = 1 if outcome.results.dataset.error_count() else 0
    return root / "out", outcome.results, code, written


def _workbooks(out):
    books = sorted(out.glob("考核结果-*.xlsx"))
    assert books, "no period workbook written"
    return [(path.name, load_workbook(path)) for path in books]


def test_hostile_offices_are_still_scored(hostile_run):
    _, results, code, _ = hostile_run
    assert code == 0
    assert {(c.office_id, c.status) for c in results.scorecards if c.period == "2026Q1"} == {
        ("BJ01", "scored"), ("SH01", "scored"), ("GZ01", "scored"), ("SZ01", "scored"),
        ("../<s>x\"", "missing"), ("<i>y</i>", "missing")}  # HR's two offices that sent nothing


def test_scorecards_csv_text_never_starts_like_a_formula(hostile_run):
    out, _, _, _ = hostile_run
    with (out / "scorecards.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {r["office_id"]: r["office_name"] for r in rows if r["period"] == "2026Q1"}
    assert names == {"BJ01": "'" + FORMULA_NAMES[0], "SH01": "'" + FORMULA_NAMES[1],
                     "GZ01": "'" + FORMULA_NAMES[2], "SZ01": "'" + FORMULA_NAMES[3],
                     "../<s>x\"": "'=\"evil\"", "<i>y</i>": "{{7*7}}"}
    for row in rows:
        for column in ("period", "office_id", "office_name", "status", "grade"):
            assert not row[column].startswith(FORMULA_PREFIXES), (column, row[column])


def _input_fragments(written: set[str]) -> list[str]:
    """Distinctive pieces of the input text (a formula built from input would contain one)."""
    pieces = {one_line(t, 0) for t in written} | set(FORMULA_NAMES) | {"HYPERLINK", "cmd|", "evil.example"}
    return sorted(p for p in pieces if len(p) >= 4)


def test_hr_workbooks_have_no_formula_from_input_and_prefix_formula_like_text(hostile_run):
    out, _, _, written = hostile_run
    fragments = _input_fragments(written["texts"])
    seen_names: set[str] = set()
    checked = 0
    for name, wb in _workbooks(out):
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if cell.data_type == "f":
                        hits = [f for f in fragments if f in str(value)]
                        assert not hits, f"{name} {ws.title}!{cell.coordinate} formula from input: {hits[:3]}"
                    elif isinstance(value, str):
                        checked += 1
                        assert not value.startswith(FORMULA_PREFIXES), f"{name} {ws.title}!{cell.coordinate}"
                        if value.startswith("'"):
                            seen_names.add(value[1:])
    assert checked > 50
    assert set(FORMULA_NAMES) <= seen_names  # the office names are there, prefixed


def test_hr_workbooks_keep_numbers_as_numbers(hostile_run):
    """Negative numbers are numbers, not text that needed a prefix."""
    out, results, _, _ = hostile_run
    numbers = [c.value for _, wb in _workbooks(out) for ws in wb.worksheets for row in ws.iter_rows() for c in row
               if c.data_type == "n" and isinstance(c.value, int | float)]
    scored = [c.score for c in results.scorecards if c.score is not None]
    assert any(abs(n - s) < 1e-9 for n in numbers for s in scored)


# ---------------------------------------------------------------------------------------------
# Properties of the neutralising itself, for any text at all

PROPERTY = settings(max_examples=100, deadline=None)
_PIECES = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "'", "\"", ",", "\x00", "\x1b", "\x9b", "\u202e",
                           "=1+1", "HYPERLINK(", "cmd|", "_x001B_", "北京", " ", "a", "1"])
TEXT = st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=20).map("".join))


@PROPERTY
@given(TEXT)
def test_safe_text_never_starts_like_a_formula_and_changes_only_what_it_must(text):
    safe = spreadsheet_safe(text)
    assert not safe.startswith(FORMULA_PREFIXES)
    shown = printable(text, keep="\t\n")
    assert safe in (shown, "'" + shown)
    if not text.startswith(FORMULA_PREFIXES) and shown == text:
        assert safe == text  # clean data goes out byte for byte


@pytest.mark.parametrize("value", [None, -2.5, 0, 3, date(2026, 1, 5)])
def test_non_text_passes_through(value):
    assert spreadsheet_safe(value) == value


@PROPERTY
@given(TEXT)
def test_a_csv_office_name_reads_back_as_inert_text(text):
    """scorecards.csv's row for any office name: read back, the field is the safe text, one line."""
    card = Scorecard("2026Q1", "quarterly", "BJ01", office_name=text, status="missing")
    data = render_csv(Results(policy=None, dataset=None, scorecards=[card])).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(data, newline="")))
    assert row[header.index("office_name")] == spreadsheet_safe(text)
    assert not row[header.index("office_name")].startswith(FORMULA_PREFIXES)


@settings(max_examples=40, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=20))
def test_xlsx_cells_of_safe_text_are_text_never_formulas(texts):
    """Written as the period workbooks write text, each cell reads back (as Excel would decode it)
    as exactly the safe text: a string, no formula, no control character but tab and line feed."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from pipeline.outputs.period_workbook import BOOK_OPTIONS

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, BOOK_OPTIONS)
    sheet = book.add_worksheet("t")
    for r, text in enumerate(texts):
        sheet.write_string(r, 0, spreadsheet_safe(text))
    book.close()
    data = buffer.getvalue()
    formulas = [c for c in load_workbook(io.BytesIO(data)).active.iter_rows() for c in c if c.data_type == "f"]
    assert formulas == []
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("t").to_python(skip_empty_area=False)
    shown = [row[0] if row else "" for row in rows] + [""] * (len(texts) - len(rows))
    assert shown == [spreadsheet_safe(t) for t in texts]
