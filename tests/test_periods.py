"""Periods: a quarter read however people write it, one canonical text, and their order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.periods import PERIOD_RE, Period, period_sort_key, valid_period


@pytest.mark.parametrize(("typed", "canonical"), [
    ("2026Q4", "2026Q4"),
    (" 2026q4 ", "2026Q4"),
    ("2026 Q4", "2026Q4"),
    ("2026\u3000Q4", "2026Q4"),  # a full-width space
    ("2026\u200bQ4", "2026Q4"),  # a zero-width space pasted from a chat
    ("２０２６Q4", "2026Q4"),
    ("２０２６Ｑ４", "2026Q4"),
    ("2026-Q4", "2026Q4"),
    ("2026年Q4", "2026Q4"),
    ("2026年第四季度", "2026Q4"),
    ("2026年四季度", "2026Q4"),
    ("2026年第4季度", "2026Q4"),
    ("2026年4季度", "2026Q4"),
    ("2026年第一季", "2026Q1"),
    ("2026Q5", None),
    ("2026年第五季度", None),
    ("2026-4", None),  # a month as much as a quarter
    ("20264", None),
    ("2026", None),
    ("2026年度", None),
    ("第四季度", None),
    ("26Q4", None),
    ("٢٠٢٦Q4", None),  # other scripts' digits are not folded to 0-9 by NFKC
    ("", None),
])
def test_valid_period(typed, canonical):
    assert valid_period(typed) == canonical


@pytest.mark.parametrize("value", [None, 2026, 2026.4, b"2026Q1"])
def test_only_text_is_a_period(value):
    assert valid_period(value) is None


def test_parse_reads_every_spelling():
    assert Period.parse("2026年第四季度") == Period(2026, 4)
    assert str(Period.parse("２０２６Q1")) == "2026Q1"
    with pytest.raises(ValueError):
        Period.parse("2026Q0")


@given(st.text(max_size=20))
def test_any_text_is_a_canonical_quarter_or_none(text):
    canonical = valid_period(text)
    assert canonical is None or (PERIOD_RE.fullmatch(canonical) and valid_period(canonical) == canonical)


def test_years_follow_their_quarters():
    periods = ["2026", "2025Q4", "2026Q1", "2025", "2025Q1"]
    assert sorted(periods, key=period_sort_key) == ["2025Q1", "2025Q4", "2025", "2026Q1", "2026"]
