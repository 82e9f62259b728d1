"""Control characters typed into workbooks are shown (`\\x1b`), never obeyed: terminal, exports, copies.

A cover stored as `_x001B_[2J_x001B_[31m…` (what Excel and xlsxwriter write for ESC) is read as
ESC [2J ESC [31m: printed raw, it clears HR's screen and colours what follows. NUL and ESC in an
office name went raw into scorecards.csv, and `validate --annotate` died on them with a traceback.
"""

from __future__ import annotations

import csv
import json
import re
import string

import pytest
from _validation_helpers import FORM_IDS, GOOD_ROWS, run_cli
from conftest import DEFAULT_OFFICES, default_targets, write_form
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from pipeline.cli.progress import ProgressBar
from pipeline.forms import CLIENTS, COVER_ROW, REFERENCE, get_form
from pipeline.forms.values import CONTROL, printable
from pipeline.outputs.pages.escape import md_text, one_line
from pipeline.outputs.report_json import dump
from pipeline.outputs.spreadsheet import spreadsheet_safe

OFFICE_NAME = "北京\x00一所\x1b[31m红"
COVER_ID = "\x1b[2J\x1b[31mSH01"
LITERAL = "_x001B_[2J"  # typed as these 10 characters: Excel keeps them as text (_x005F_x001B_)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # all but tab and line feed


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """`validate --json --annotate` and `run` on a data folder whose cover and office name hold controls."""
    root = tmp_path_factory.mktemp("controls")
    data = root / "data"
    offices = [dict(DEFAULT_OFFICES[0], office_name=OFFICE_NAME), DEFAULT_OFFICES[1]]
    write_form(REFERENCE, data / "reference.xlsx", rows={"offices": offices, "targets": default_targets(offices)})
    cover = {"office_id": "BJ01", "period": "2026Q1", "filled_by": "测试填报人"}
    for form_id in FORM_IDS:
        write_form(get_form(form_id), data / f"submissions/2026Q1/BJ01/{form_id}.xlsx", cover=cover,
                   rows=GOOD_ROWS[form_id])
    clients = [dict(GOOD_ROWS["clients"]["clients"][0], client_type=LITERAL)]
    write_form(CLIENTS, data / "submissions/2026Q1/SH01/clients.xlsx", cover=dict(cover, office_id=COVER_ID),
               rows={"clients": clients})
    validated = run_cli("validate", str(data), "--no-cache", "--json", str(root / "validate.json"),
                        "--annotate", str(root / "copies"))
    ran = run_cli("run", str(data), "--no-cache", "--out", str(root / "out"))
    return root, validated, ran


def test_the_cover_really_holds_esc_as_excel_stores_it(outputs):
    root, _, _ = outputs
    book = CalamineWorkbook.from_path(str(root / "data/submissions/2026Q1/SH01/clients.xlsx"))
    assert book.get_sheet_by_name("封面").to_python()[COVER_ROW - 1][1] == COVER_ID


@pytest.mark.parametrize("command", ["validate", "run"])
def test_the_terminal_shows_escapes_and_never_receives_a_control_character(outputs, command):
    _, validated, ran = outputs
    shown = {"validate": validated, "run": ran}[command]
    assert shown.returncode == 1, shown.stderr
    assert "Traceback" not in shown.stderr
    assert not RAW.search(shown.stdout + shown.stderr)
    # the id itself is refused for its control characters, and quoted with them shown
    assert "“所编号”含有换行符等控制字符，实际为“\\x1b[2J\\x1b[31mSH01”" in shown.stdout


def test_scorecards_csv_shows_nul_and_esc_as_escapes(outputs):
    root, _, _ = outputs
    data = (root / "out" / "scorecards.csv").read_bytes()
    assert not RAW.search(data.decode("utf-8").replace("\r\n", ""))
    with (root / "out" / "scorecards.csv").open(encoding="utf-8-sig", newline="") as fh:
        names = {r["office_id"]: r["office_name"] for r in csv.DictReader(fh) if r["period"] == "2026Q1"}
    assert names == {"BJ01": "北京\\x00一所\\x1b[31m红", "SH01": "上海一所"}


@pytest.mark.parametrize("report", ["validate.json", "out/validation.json"])
def test_validation_json_escapes_every_control_character_and_keeps_the_value(outputs, report):
    root, _, _ = outputs
    text = (root / report).read_text("utf-8")
    assert not RAW.search(text)
    findings = json.loads(text)["findings"]
    assert any(f["value"] == COVER_ID for f in findings)  # JSON carries the value itself, escaped


def _texts(book: CalamineWorkbook) -> list[str]:
    """Every text cell of a workbook as Excel shows it (calamine decodes _xHHHH_ as Excel does)."""
    return [v for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for v in row
            if isinstance(v, str)]


def test_hr_workbooks_show_escapes(outputs):
    root, _, _ = outputs
    books = sorted((root / "out").glob("考核结果-*.xlsx"))
    assert books
    texts = [t for path in books for t in _texts(CalamineWorkbook.from_path(str(path)))]
    assert not [t for t in texts if RAW.search(t)]
    assert "北京\\x00一所\\x1b[31m红" in texts
    assert any("\\x1b[2J\\x1b[31mSH01" in t for t in texts)


def test_annotated_copies_show_escapes_and_literal_text_stays_literal(outputs):
    from openpyxl import load_workbook

    root, validated, _ = outputs
    copy = root / "copies/上海一所-2026Q1-客户开发与维护-标注.xlsx"  # whose it is by its folder, not the cover
    assert copy.is_file(), validated.stdout
    assert all(p.name.isprintable() for p in (root / "copies").iterdir())
    texts = _texts(CalamineWorkbook.from_path(str(copy)))
    issues = [t for t in texts if "所编号" in t or LITERAL in t]
    assert not [t for t in issues if RAW.search(t)]
    assert any("\\x1b[2J\\x1b[31mSH01" in t for t in issues)
    assert any(f"实际为“{LITERAL}”" in t for t in issues)  # not decoded into ESC by Excel
    comments = [c.comment.text for ws in load_workbook(copy).worksheets for row in ws.iter_rows() for c in row
                if c.comment]
    assert comments and not [c for c in comments if RAW.search(c)]
    assert any("\\x1b[2J" in c for c in comments)


def test_the_progress_bar_label_is_printable():
    from conftest import Terminal

    stream = Terminal()
    ProgressBar(label="读取\x1b[2J", stream=stream)(1, 2)
    assert stream.getvalue() == "读取\\x1b[2J [###############---------------] 1/2\r"


# ---------------------------------------------------------------------------------------------
# Properties of the one helper and of everything that uses it

PROPERTY = settings(max_examples=200, deadline=None)
_ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
_CONTROLS = st.text(st.sampled_from("\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u202e\u2066a北"), max_size=30)


@PROPERTY
@given(st.one_of(_ANY_TEXT, _CONTROLS), st.sampled_from(["", "\n", "\t\n"]))
def test_printable_leaves_no_control_character_but_those_kept(text, keep):
    shown = printable(text, keep)
    assert not [ch for ch in CONTROL.findall(shown) if ch not in keep]
    assert printable(shown, keep) == shown  # printing twice changes nothing
    if not CONTROL.search(text):
        assert shown == text  # ordinary text, byte for byte


@PROPERTY
@given(st.one_of(_ANY_TEXT, _CONTROLS))
def test_printable_is_reversible_for_text_without_backslashes(text):
    """Every control character becomes its own escape: nothing is lost, only shown."""
    if "\\" not in text:
        undone = re.sub(r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1) or m.group(2), 16)),
                        printable(text))
        assert undone == text


@PROPERTY
@given(st.one_of(_ANY_TEXT, _CONTROLS))
def test_exports_and_pages_never_carry_a_control_character(text):
    assert not RAW.search(spreadsheet_safe(text))
    assert not RAW.search(one_line(text, 0)) and not RAW.search(md_text(text, 0))
    assert not RAW.search(dump({"findings": [{"message": text}]}))
    assert json.loads(dump({"value": text}))["value"] == text


def test_printable_escapes_as_python_would_write_them():
    assert printable("a\x00b\x1b[2J\x7f\x9b\u202ec\nd\te") == "a\\x00b\\x1b[2J\\x7f\\x9b\\u202ec\\x0ad\\x09e"
    assert printable("第一行\n第二行", keep="\n") == "第一行\n第二行"
    assert all(printable(ch) == ch for ch in string.printable if ch not in "\t\n\r\x0b\x0c")
