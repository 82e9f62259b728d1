"""Hardening of `intake`: each test reproduces a break as it was reported, on real .xlsx files.

- a NUL in the cover (`BJ_x0000_01`) ended the run with a traceback, no report, later files left.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from _validation_helpers import GOOD_ROWS
from conftest import write_form
from hypothesis import given
from hypothesis import strategies as st

from pipeline.forms import get_form
from pipeline.forms.values import visible
from pipeline.intake.read import read_workbook


def _drop(inbox: Path, name: str, form_id: str = "clients", office: str = "HZ01", period: str = "2026Q1",
          raw: dict | None = None) -> Path:
    """A filled office form in the inbox; `raw` sets cells as openpyxl writes them (`_x0000_` escapes)."""
    cover = {"office_id": office, "period": period, "filled_by": "测试填报人"}
    return write_form(get_form(form_id), inbox / name, cover=cover, rows=GOOD_ROWS[form_id], raw=raw)


# ---------------------------------------------------------------------------------------------
# 7. A NUL (or any control character) in the cover


@pytest.mark.parametrize(("cell", "typed", "label", "seen"), [
    ("B1", "BJ_x0000_01", "所编号", "BJ\\x0001"),
    ("B1", "BJ_x001B_[31m01", "所编号", "BJ\\x1b[31m01"),
    ("B1", "BJ\n01", "所编号", "BJ\\x0a01"),
    ("B2", "2026_x000A_Q1", "期间", "2026\\x0aQ1"),
])
def test_control_characters_in_identity_cells_are_an_error_finding(tmp_path, cell, typed, label, seen):
    path = _drop(tmp_path, "a.xlsx", office="BJ01", raw={"封面": {cell: typed}})
    wb = read_workbook(path, "a.xlsx")
    found = [f for f in wb.findings if f.code == "text-control"]
    assert [(f.severity, f.sheet, f.cell, f.column) for f in found] == [("error", "封面", cell, label)]
    assert found[0].message == f"“{label}”含有换行符等控制字符，实际为“{seen}”"
    assert wb.identity is None


# ---------------------------------------------------------------------------------------------
# Properties of what intake shows


_UNSEEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}


@given(st.text(), st.one_of(st.none(), st.integers(min_value=1, max_value=30)))
def test_visible_is_one_line_without_unseen_characters(text, limit):
    shown = visible(text, limit)
    assert not any(unicodedata.category(ch) in _UNSEEN for ch in shown)
    if limit is not None and len(text) > limit:
        assert shown.endswith("…")
