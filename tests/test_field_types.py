"""Field types reading what people really type: one parametrized table per type, then properties.

The properties hold `read_column` (the whole-column path) to exactly what reading cell by cell
gives, and `read` to its contract for any cell calamine could hand over.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.forms import ALL_FORMS, Choice, Date, Integer, Number, Text
from pipeline.forms.types import BLANK, SERIAL_MAX, SERIAL_MIN
from pipeline.forms.values import (
    EDGE,
    column_index,
    column_letter,
    format_number,
    is_blank,
    show,
    trim,
)

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
    result = Number().read(raw)
    assert (result.value, result.note, result.error) == (value, note, None)


@pytest.mark.parametrize("raw", ["十二", "12万", "1,2", "12,34", "1_000", "nan", "inf", "12%", True, date(2026, 1, 1), "--1"])
def test_number_rejects_non_numbers(raw):
    result = NUMBER.read(raw)
    assert result.value is None
    assert result.error == "type-number"
    assert result.params == {"expected": "数字，不小于 0", "seen": show(raw)}


@pytest.mark.parametrize(("raw", "value"), [("12%", 0.12), ("１２.５％", 0.125), (" 100 % ", 1.0), ("0.5", 0.5)])
def test_percent_is_a_rate_only_when_asked(raw, value):
    result = Number(min=0, rate=True).read(raw)
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
        (12.000000000000002, 12, "12", None),  # float noise around a whole number: read, with a note
        (1234567890123.0, 1234567890123, None, None),  # a whole number cell is exact, however long
    ],
)
def test_integer(raw, value, note, error):
    result = INTEGER.read(raw)
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
    result = Date().read(raw)
    assert (result.value, result.note, result.error) == (value, note, None)


def test_date_serial_in_the_1904_system():
    assert Date().read(44624.0, date1904=True).value == date(2026, 3, 5)


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "明天", "03/05/2026", "2026-03-05 14:00", 5.0, 99999999.0, True])
def test_date_rejects(raw):
    result = Date().read(raw)
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
    result = Text().read(raw)
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
    result = Choice(("已完成", "进行中", "Q1")).read(raw)
    assert (result.value, result.note, result.error) == (value, note, error)
    if error:
        assert result.params == {"choices": "已完成、进行中、Q1", "seen": show(raw)}


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0\u200b", "\u3000"])
def test_blank(raw):
    assert is_blank(raw)
    assert NUMBER.read(raw) is BLANK
    assert Text().read(raw) is BLANK
    assert (BLANK.value, BLANK.note, BLANK.error) == (None, None, None)


@pytest.mark.parametrize(
    ("value", "ftype", "expected"),
    [
        (-1, Integer(min=0), ("out-of-range", {"expected": "整数，不小于 0"})),
        (0, Integer(min=1), ("out-of-range", {"expected": "整数，不小于 1"})),
        (1, Integer(min=1), None),
        (5.5, Number(min=1, max=5), ("out-of-range", {"expected": "数字，1–5"})),
        (5, Number(min=1, max=5), None),
        (0.0, Number(min=0, min_exclusive=True), ("out-of-range", {"expected": "数字，大于 0"})),
        ("x" * 31, Text(max_length=30), ("type-text", {"max_length": 30, "length": 31})),
        ("x" * 30, Text(max_length=30), None),
    ],
)
def test_check_bounds(value, ftype, expected):
    assert ftype.check(value) == expected


@pytest.mark.parametrize(
    ("raw", "ftype", "error", "params"),
    [
        (-1.0, Integer(min=0), "out-of-range", {"expected": "整数，不小于 0", "seen": "-1"}),
        ("-1", Integer(min=0), "out-of-range", {"expected": "整数，不小于 0", "seen": "-1"}),
        (6.0, Number(min=1, max=5), "out-of-range", {"expected": "数字，1–5", "seen": "6"}),
        ("x" * 31, Text(max_length=30), "type-text", {"max_length": 30, "length": 31, "seen": "x" * 31}),
    ],
)
def test_read_applies_the_bounds(raw, ftype, error, params):
    result = ftype.read(raw)
    assert (result.value, result.error, result.params) == (None, error, params)


def test_a_reshaped_value_that_breaks_a_bound_keeps_its_note():
    result = Integer(min=0).read(" -1 ")
    assert (result.value, result.note, result.error) == (None, "-1", "out-of-range")


def test_values_helpers():
    assert show(12.0) == "12"
    assert show(0.1 + 0.2) == "0.3"
    assert show(datetime(2026, 3, 5)) == "2026-03-05"
    assert show(datetime(2026, 3, 5, 8, 30)) == "2026-03-05 08:30:00"
    assert show(True) == "TRUE"
    assert trim("\ufeff a \u200b") == "a"
    assert format_number(1e15) == "1e+15" and format_number(3) == "3" and format_number(-0.5) == "-0.5"
    assert [column_letter(n) for n in (1, 26, 27, 64, 703)] == ["A", "Z", "AA", "BL", "AAA"]
    assert all(column_index(column_letter(n)) == n for n in range(1, 2000))


@pytest.mark.parametrize(
    ("ftype", "col", "expected"),
    [
        (Integer(min=0), (2.0, "", 3.0), [2, None, 3]),
        (Integer(min=0), (2.0, 2.5), [2, None]),
        (Integer(min=0), (1.0, True), [1, None]),  # a set would fold True into 1.0; the types are per cell
        (Integer(min=0), (1.0, 1), [1, 1]),
        (Integer(min=1), (0.0, 1.0), [None, 1]),
        (Number(min=0), (35.5, "", 0.0), [35.5, None, 0.0]),
        (Number(min=0), (35.5, 0.1 + 0.2), [35.5, 0.3]),  # float noise: read, with a note
        (Number(min=0), (float("nan"),), [None]),
        (Number(min=0, min_exclusive=True), (-0.0, 5.0), [None, 5.0]),
        (Number(min=1, max=5), (1.0, 5.0, ""), [1.0, 5.0, None]),
        (Number(min=1, max=5), (1.0, 5.5), [1.0, None]),
        (Number(), (1.0, math.inf), [1.0, None]),  # unbounded still means finite
        (Text(max_length=30), ("C1", "", "客户甲"), ["C1", None, "客户甲"]),
        (Text(max_length=30), ("C1", " C1"), ["C1", "C1"]),
        (Text(max_length=30), ("C1", "   "), ["C1", None]),
        (Text(max_length=30), ("C1", "\u200b"), ["C1", None]),
        (Text(max_length=30), ("x" * 31,), [None]),
        (Text(max_length=30), ("C1", 1001.0), ["C1", "1001"]),
        (Choice(("已完成", "进行中")), ("已完成", "", "进行中"), ["已完成", None, "进行中"]),
        (Choice(("已完成", "进行中")), ("已完成", "完成"), ["已完成", None]),
        (Date(), (date(2026, 3, 5), ""), [date(2026, 3, 5), None]),
        (Date(), (date(2026, 3, 5), datetime(2026, 3, 5)), [date(2026, 3, 5), date(2026, 3, 5)]),
        (Date(), (date(2026, 3, 5), 46086.0), [date(2026, 3, 5), date(2026, 3, 5)]),
        (Date(), ("", ""), [None, None]),
        (Number(min=0), (), []),
    ],
)
def test_read_column_cases(ftype, col, expected):
    values, readings = ftype.read_column(col)
    assert values == expected
    assert [type(v) for v in values] == [type(v) for v in expected]
    assert (values, readings) == _cell_by_cell(ftype, col)


# --- properties ----------------------------------------------------------------------------------

# every field type the forms use, cover included
_SPEC_TYPES = sorted({f.type for form in ALL_FORMS for fields in (form.cover, *(s.fields for s in form.sheets))
                      for f in fields}, key=repr)

_WORDS = ["已完成", "进行中", "新客户", "老客户", "Q1", "q1", "ｑ１", "客户甲", "C1", "x" * 31, "nan", "inf", "1e400",
          "十二", "2026年3月5日", "2026/3/5", "2026.3.5", "2026-02-30", "2026-03-05 00:00", "12%", "１２.５％",
          "1,234", "1,2", "--1", "+.5", "5.", "TRUE"]
_PAD = st.sampled_from(["", " ", "\u00a0", "\u200b", "\u3000", "\ufeff", "\t", "\n", "  "])
_NUMBER_TEXT = st.one_of(
    st.integers(-10**7, 10**7).map(lambda n: f"{n:,}"),
    st.decimals(-10**6, 10**6, allow_nan=False, places=3).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(0, 10**6).map(lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    st.integers(0, 300).map(lambda n: f"{n}%"),
)
_DATE_TEXT = st.dates(date(1900, 1, 1), date(2200, 12, 31)).flatmap(lambda d: st.sampled_from([
    d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}", f"{d.year}年{d.month}月{d.day}日",
    f"{d.isoformat()} 00:00:00", f"{d.isoformat()}T00:00"]))
_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from("0123456789０１２３,.，．%％-+eE /年月日:T" + EDGE + "甲乙Qq"), max_size=12),
    st.text(max_size=40),
    st.sampled_from(_WORDS),
    _NUMBER_TEXT,
    _DATE_TEXT,
)
_PADDED_TEXT = st.tuples(_PAD, _TEXT, _PAD).map("".join)
_FLOAT = st.one_of(
    st.floats(),  # NaN, infinities, subnormals, -0.0 …
    st.floats(-1e6, 1e6),
    st.integers(-10**16, 10**16).map(float),  # whole numbers, some with more digits than we keep
    st.integers(SERIAL_MIN - 5, SERIAL_MAX + 5).map(float),  # Excel date serials, and just outside
    st.tuples(st.integers(-1000, 1000), st.integers(1, 100)).map(lambda p: p[0] / p[1] * 3 * 0.1),  # noise
    st.sampled_from([0.1 + 0.2, 1.0000000000001, 12.000000000000002, 5.0, 5.5, 0.0, -0.0, 1.0, 2026.0]),
)
CELLS = st.one_of(
    _PADDED_TEXT,
    _FLOAT,
    st.integers(-2**63, 2**63 - 1),  # calamine's integers are i64
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.just(""),
    st.none(),
)
_BOUND = st.one_of(st.none(), st.integers(-5, 2100), st.sampled_from([0.5, 1.0, 5.0, 2000.0]))
FIELD_TYPES = st.one_of(
    st.sampled_from(_SPEC_TYPES),
    st.builds(Text, max_length=st.integers(1, 40)),
    st.builds(Choice, choices=st.lists(st.sampled_from(["已完成", "进行中", "Q1", "新客户", "甲"]), min_size=1,
                                       max_size=4, unique=True).map(tuple)),
    st.builds(Date),
    st.builds(Number, min=_BOUND, max=_BOUND, min_exclusive=st.booleans(), rate=st.booleans()),
    st.builds(Integer, min=st.one_of(st.none(), st.integers(-5, 2100)), max=st.one_of(st.none(), st.integers(-5, 2100)),
              rate=st.booleans()),
)


def _clean_cells(ftype):
    """Cells as the template asks for them, as calamine gives them: what the whole-column path is for."""
    kind = ftype.kind
    if kind == "text":
        return st.text(alphabet="甲乙丙客户C1-_ 。", min_size=1, max_size=ftype.max_length).filter(lambda s: s == trim(s))
    if kind == "choice":
        return st.sampled_from(ftype.choices)
    if kind == "date":
        return st.dates()
    low = -10**6 if ftype.min is None else ftype.min
    high = 10**6 if ftype.max is None else ftype.max
    if low > high:
        return st.integers(-10, 10).map(float)
    whole = st.integers(math.ceil(low), math.floor(high)) if math.ceil(low) <= math.floor(high) else st.nothing()
    # whole numbers of 13 to 17 digits too: more than a typed value keeps (values.SIGNIFICANT_DIGITS)
    long = st.integers(10**12, 10**16)
    wide = st.one_of(long if ftype.max is None else st.nothing(), long.map(int.__neg__) if ftype.min is None else st.nothing())
    if kind == "integer":
        return st.one_of(whole, wide, wide).map(float)
    return st.one_of(st.decimals(low, high, places=2, allow_nan=False, allow_infinity=False).map(float),
                     wide.map(float))


def _column(ftype):
    """A column for `ftype`: clean cells and blanks, sometimes with an odd cell or a few."""
    clean = st.one_of(_clean_cells(ftype), st.just(""))
    mostly_clean = st.one_of(*[clean] * 9, CELLS)
    clean_only = st.lists(clean, max_size=12)
    return st.one_of(clean_only, clean_only, st.lists(mostly_clean, max_size=12), st.lists(CELLS, max_size=12))


TYPED_COLUMNS = FIELD_TYPES.flatmap(lambda ftype: st.tuples(st.just(ftype), _column(ftype)))
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_KIND_TYPES = {"text": (str,), "choice": (str,), "date": (date,), "number": (float,), "integer": (int,)}


def _cell_by_cell(ftype, cells, date1904=False):
    """What read_column must give: each cell read on its own."""
    values, readings = [], {}
    for i, raw in enumerate(cells):
        reading = ftype.read(raw, date1904)
        if reading.note is not None or reading.error is not None:
            readings[i] = reading
        values.append(None if reading.error else reading.value)
    return values, readings


def _exact(values):
    """Values compared with their types and signs (1 is not 1.0 is not True; -0.0 is not 0.0)."""
    return [(type(v).__name__, repr(v)) for v in values]


@PROPERTY
@given(TYPED_COLUMNS, st.booleans())
@example((Integer(min=0), [1234567890123.0]), False)
@example((Integer(min=0), [1234567890123.0, ""]), False)
@example((Number(min=0), [1234567890123.0, 0.1 + 0.2]), False)
@example((Text(max_length=30), ["C1", "   ", "\u200b"]), False)
def test_read_column_is_reading_cell_by_cell(column, date1904):
    ftype, cells = column
    values, readings = ftype.read_column(tuple(cells), date1904)
    expected_values, expected_readings = _cell_by_cell(ftype, cells, date1904)
    assert _exact(values) == _exact(expected_values)
    assert readings == expected_readings


@PROPERTY
@given(FIELD_TYPES, CELLS, st.booleans())
def test_read_never_raises_and_keeps_its_contract(ftype, raw, date1904):
    reading = ftype.read(raw, date1904)
    if is_blank(raw):
        assert reading is BLANK
        return
    assert reading.note is None or isinstance(reading.note, str)
    if reading.error is not None:
        assert reading.value is None
        assert isinstance(reading.params["seen"], str)
        return
    assert type(reading.value) in _KIND_TYPES[ftype.kind], reading
    assert ftype.check(reading.value) is None  # within the field's bounds
    if ftype.kind == "choice":
        assert reading.value in ftype.choices
    if ftype.kind == "number":
        assert math.isfinite(reading.value)


def _canonical(ftype, value) -> str:
    """The text a person would type for a read value."""
    if ftype.kind == "date":
        return value.isoformat()
    if ftype.kind in ("number", "integer"):
        return format_number(value)
    return value


@PROPERTY
@given(FIELD_TYPES, CELLS, st.booleans())
def test_the_canonical_text_of_a_value_reads_back_as_that_value(ftype, raw, date1904):
    reading = ftype.read(raw, date1904)
    value = reading.value
    if value is None:
        return
    if ftype.kind == "integer" and abs(value) >= 10**12:
        return  # text keeps 12 significant digits (values.SIGNIFICANT_DIGITS): a longer id is not a count
    if ftype.kind == "number" and ftype.rate:
        return  # a rate's text may be "12%", but 0.12 read back as text is 0.12: nothing to compare
    text = _canonical(ftype, value)
    again = ftype.read(text, date1904)
    assert again.error is None, (text, again)
    assert again.value == value and type(again.value) is type(value), (text, again)
    if ftype.kind in ("text", "choice"):
        assert again.note is None  # the canonical text is already clean


@PROPERTY
@given(st.text(alphabet=st.sampled_from(EDGE), max_size=6), st.text(max_size=20), st.text(alphabet=st.sampled_from(EDGE), max_size=6))
def test_text_strips_exactly_the_edges(left, middle, right):
    raw = left + middle + right
    reading = Text(max_length=100).read(raw)
    if not trim(middle):
        assert reading is BLANK
    else:
        assert reading.value == trim(middle)
        assert reading.note == (None if reading.value == raw else reading.value)


def test_a_number_cell_holding_a_whole_number_keeps_twelve_significant_digits_like_typed_text():
    # reported by hypothesis: the integer cell 1,000,000,000,001 was kept whole, while the same
    # digits typed as text (the value's canonical text) read back as 1,000,000,000,000
    from pipeline.forms.types import Number

    cell, typed = Number(min=0).read(1_000_000_000_001), Number(min=0).read("1000000000001")
    assert cell.value == typed.value == 1_000_000_000_000.0
    assert cell.note == "1000000000000"
    assert Number(min=0).read(10**400).value is None
