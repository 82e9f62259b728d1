"""Normalisation of what people really type: one parametrized table per field type."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from pipeline.forms import Choice, Date, Integer, Number, Text
from pipeline.normalise import check, clean_text, is_blank, normalise, show

NUMBER = Number(min=0)
INTEGER = Integer(min=0)


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        (12.0, 12.0, None),
        (35.5, 35.5, None),
        (7, 7.0, None),
        ("1,234", 1234.0, "1234"),
        ("1,234,567.5", 1234567.5, "1234567.5"),
        (" 12 ", 12.0, "12"),
        ("１２３", 123.0, "123"),
        ("１，２３４．５", 1234.5, "1234.5"),
        ("\u00a012\u200b", 12.0, "12"),
        ("\ufeff-3.25\u3000", -3.25, "-3.25"),
        (0.1 + 0.2, 0.3, "0.3"),
        (1.0000000000001, 1.0, "1"),
        ("1e3", 1000.0, "1000"),
    ],
)
def test_number_accepts_what_people_type(raw, value, note):
    result = normalise(raw, NUMBER)
    assert (result.value, result.note, result.error) == (value, note, None)


@pytest.mark.parametrize("raw", ["十二", "12万", "1,2", "12,34", "1_000", "nan", "inf", "12%", True, date(2026, 1, 1), "--1"])
def test_number_rejects_non_numbers(raw):
    result = normalise(raw, NUMBER)
    assert result.value is None
    assert result.error == "type-number"
    assert result.params == {"expected": "数字,不小于 0"}


@pytest.mark.parametrize(("raw", "value"), [("12%", 0.12), ("１２.５％", 0.125), (" 100 % ", 1.0), ("0.5", 0.5)])
def test_percent_is_a_rate_only_when_asked(raw, value):
    result = normalise(raw, NUMBER, rate=True)
    assert (result.value, result.error) == (value, None)


@pytest.mark.parametrize(
    ("raw", "value", "note", "error"),
    [
        (12.0, 12, None, None),
        (3, 3, None, None),
        ("12", 12, "12", None),
        ("12.0", 12, "12", None),
        ("１２", 12, "12", None),
        ("1,200", 1200, "1200", None),
        (12.5, None, None, "type-integer"),
        ("12.5", None, None, "type-integer"),
        ("三", None, None, "type-integer"),
        (False, None, None, "type-integer"),
    ],
)
def test_integer(raw, value, note, error):
    result = normalise(raw, INTEGER)
    assert (result.value, result.note, result.error) == (value, note, error)
    assert type(result.value) is (int if value is not None else type(None))


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        (date(2026, 3, 5), date(2026, 3, 5), None),
        (datetime(2026, 3, 5), date(2026, 3, 5), None),
        (datetime(2026, 3, 5, 14, 30), date(2026, 3, 5), "2026-03-05"),
        (46086.0, date(2026, 3, 5), "2026-03-05"),
        (46086, date(2026, 3, 5), "2026-03-05"),
        (46086.75, date(2026, 3, 5), "2026-03-05"),
        ("2026-03-05", date(2026, 3, 5), "2026-03-05"),
        ("2026/3/5", date(2026, 3, 5), "2026-03-05"),
        ("2026.3.5", date(2026, 3, 5), "2026-03-05"),
        ("2026年3月5日", date(2026, 3, 5), "2026-03-05"),
        ("2026年03月05", date(2026, 3, 5), "2026-03-05"),
        ("２０２６－０３－０５", date(2026, 3, 5), "2026-03-05"),
        (" 2026-03-05 00:00:00 ", date(2026, 3, 5), "2026-03-05"),
        ("\u200b2026/12/31\u00a0", date(2026, 12, 31), "2026-12-31"),
    ],
)
def test_date_accepts_cells_serials_and_text(raw, value, note):
    result = normalise(raw, Date())
    assert (result.value, result.note, result.error) == (value, note, None)


def test_date_serial_in_the_1904_system():
    assert normalise(44624.0, Date(), date1904=True).value == date(2026, 3, 5)


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "明天", "03/05/2026", "2026-03-05 14:00", 5.0, 99999999.0, True])
def test_date_rejects(raw):
    result = normalise(raw, Date())
    assert (result.value, result.error) == (None, "type-date")


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        ("客户甲", "客户甲", None),
        ("  客户甲 ", "客户甲", "客户甲"),
        ("\u200b客户 甲\u00a0", "客户 甲", "客户 甲"),
        (1001.0, "1001", None),
        (13800138000.0, "13800138000", None),
        (2.5, "2.5", None),
        (date(2026, 3, 5), "2026-03-05", None),
    ],
)
def test_text_strips_and_keeps_content(raw, value, note):
    result = normalise(raw, Text())
    assert (result.value, result.note, result.error) == (value, note, None)


@pytest.mark.parametrize(
    ("raw", "value", "note", "error"),
    [
        ("已完成", "已完成", None, None),
        (" 已完成\u200b", "已完成", "已完成", None),
        ("ｑ１", "Q1", "Q1", None),
        ("完成", None, None, "choice-invalid"),
    ],
)
def test_choice(raw, value, note, error):
    result = normalise(raw, Choice(("已完成", "进行中", "Q1")))
    assert (result.value, result.note, result.error) == (value, note, error)
    if error:
        assert result.params == {"choices": "已完成、进行中、Q1"}


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0\u200b", "\u3000"])
def test_blank(raw):
    assert is_blank(raw)
    assert normalise(raw, NUMBER).blank
    assert normalise(raw, Text()).blank


@pytest.mark.parametrize(
    ("value", "ftype", "expected"),
    [
        (-1, Integer(min=0), ("out-of-range", {"expected": "整数,不小于 0"})),
        (0, Integer(min=1), ("out-of-range", {"expected": "整数,不小于 1"})),
        (1, Integer(min=1), None),
        (5.5, Number(min=1, max=5), ("out-of-range", {"expected": "数字,1–5"})),
        (5, Number(min=1, max=5), None),
        (0.0, Number(min=0, min_exclusive=True), ("out-of-range", {"expected": "数字,大于 0"})),
        ("x" * 31, Text(max_length=30), ("type-text", {"max_length": 30, "length": 31})),
        ("x" * 30, Text(max_length=30), None),
        (None, Integer(min=0), None),
    ],
)
def test_check_bounds(value, ftype, expected):
    assert check(value, ftype) == expected


def test_show_and_clean_text():
    assert show(12.0) == "12"
    assert show(0.1 + 0.2) == "0.3"
    assert show(datetime(2026, 3, 5)) == "2026-03-05"
    assert show(True) == "TRUE"
    assert clean_text("\ufeff a \u200b") == "a"


_SAMPLES = ["客户甲", " 客户甲", "已完成", "Q1", "1,234", "", "x" * 40, 0.0, 1.0, 5.0, 5.5, -1.0, 12.0, 12.5,
            0.1 + 0.2, 46086.0, float("nan"), date(2026, 3, 5), datetime(2026, 3, 5, 8), True, 7]
_TYPES = [Text(), Text(max_length=30), Choice(("已完成", "Q1")), Integer(min=0), Integer(min=1), Number(min=0),
          Number(min=1, max=5), Number(min=0, min_exclusive=True), Date()]


@pytest.mark.parametrize("ftype", _TYPES, ids=lambda t: repr(t))
def test_quick_path_agrees_with_normalise(ftype):
    from pipeline.normalise import SLOW, quick

    for raw in _SAMPLES:
        if is_blank(raw):
            continue
        fast = quick(raw, ftype)
        if fast is SLOW:
            continue
        full = normalise(raw, ftype)
        assert (full.value, full.note, full.error, check(full.value, ftype)) == (fast, None, None, None), raw
        assert type(full.value) is type(fast)


# --- quick_column: a whole column decided at once, exactly as `quick` decides each cell ---------

_COLUMN_TYPES = [*_TYPES, Integer(min=2000, max=2100), Number(min=0, max=100), Choice(("新客户", "老客户")), Text(max_length=3)]
_COLUMN_POOL = [*_SAMPLES, "", "", "", " ", "\u3000", "\u200b", -0.0, 0.5, 2026.0, 1e15, float("inf"), 1.0000000000001,
                "新客户", "老客户", " 老客户", "C1", "C1 ", "abcd", 3, False, date(2025, 7, 1), datetime(2026, 3, 5)]


def _expected_column(col, ftype):
    from pipeline.normalise import quick

    return [None if v == "" else quick(v, ftype) for v in col]


@pytest.mark.parametrize("ftype", _COLUMN_TYPES, ids=lambda t: repr(t))
def test_quick_column_agrees_with_quick(ftype):
    import random

    from pipeline.normalise import SLOW, quick, quick_column

    column = quick_column(ftype)
    clean = [v for v in _COLUMN_POOL if v == "" or quick(v, ftype) is not SLOW]
    rng = random.Random(repr(ftype))
    decided = refused = 0
    for _ in range(400):
        pool = clean if rng.random() < 0.5 else _COLUMN_POOL
        col = tuple(rng.choice(pool) for _ in range(rng.randint(0, 9)))
        expected = _expected_column(col, ftype)
        got = column(col)
        if any(v is SLOW for v in expected):
            assert got is None, col
            refused += 1
        else:
            assert got is not None, col
            assert list(got) == expected, col
            assert [type(v) for v in got] == [type(v) for v in expected], col
            decided += 1
    assert decided > 50 and refused > 50


@pytest.mark.parametrize(
    ("ftype", "col", "expected"),
    [
        (Integer(min=0), (2.0, "", 3.0), [2, None, 3]),
        (Integer(min=0), (2.0, 2.5), None),
        (Integer(min=0), (1.0, True), None),  # a set would fold True into 1.0; the types are per cell
        (Integer(min=0), (1.0, 1), None),  # an int is not what calamine gives for a number: cell path
        (Integer(min=1), (0.0, 1.0), None),
        (Number(min=0), (35.5, "", 0.0), [35.5, None, 0.0]),
        (Number(min=0), (35.5, 0.1 + 0.2), None),  # float noise gets a note on the cell path
        (Number(min=0), (float("nan"),), None),
        (Number(min=0, min_exclusive=True), (-0.0, 5.0), None),
        (Number(min=1, max=5), (1.0, 5.0, ""), [1.0, 5.0, None]),
        (Number(min=1, max=5), (1.0, 5.5), None),
        (Text(max_length=30), ("C1", "", "客户甲"), ["C1", None, "客户甲"]),
        (Text(max_length=30), ("C1", " C1"), None),
        (Text(max_length=30), ("C1", "   "), None),  # whitespace only: blank, which the cell path decides
        (Text(max_length=30), ("C1", "\u200b"), None),
        (Text(max_length=30), ("x" * 31,), None),
        (Text(max_length=30), ("C1", 1001.0), None),
        (Choice(("已完成", "进行中")), ("已完成", "", "进行中"), ["已完成", None, "进行中"]),
        (Choice(("已完成", "进行中")), ("已完成", "完成"), None),
        (Date(), (date(2026, 3, 5), ""), [date(2026, 3, 5), None]),
        (Date(), (date(2026, 3, 5), datetime(2026, 3, 5)), None),
        (Date(), (date(2026, 3, 5), 46086.0), None),
        (Date(), ("", ""), [None, None]),
        (Number(min=0), (), ()),
    ],
)
def test_quick_column_cases(ftype, col, expected):
    from pipeline.normalise import quick_column

    got = quick_column(ftype)(col)
    assert (None if got is None else list(got)) == (None if expected is None else list(expected))


def test_quick_column_same_answer_the_second_time():
    """Noiseless floats are remembered across columns: the memo must not change any answer."""
    from pipeline.normalise import quick_column

    column = quick_column(Number(min=0))
    for _ in range(2):
        assert column((12.25, 0.1 + 0.2)) is None
        assert column((12.25, 0.3)) == (12.25, 0.3)


@pytest.mark.parametrize("raw", [math.inf, -math.inf])
def test_an_infinity_is_never_a_quick_number_even_without_bounds(raw):
    from pipeline.normalise import SLOW, quick, quick_column

    ftype = Number()
    assert normalise(raw, ftype).error == "type-number"
    assert quick(raw, ftype) is SLOW
    assert quick_column(ftype)([1.0, raw]) is None
