"""Field types, each owning how its cells are read (as frictionless-py's field types own theirs).

`read(raw)` takes one cell as the Excel reader returns it (str, float, int, bool, date, datetime
or None) and returns a `Reading`: the typed value, and a note when the raw value was reshaped
(the reader records it as an info finding, so nothing changes silently) or an error (a finding
code with its message parameters). `read_column(cells)` reads a whole column the same way; most
columns hold exactly what the template asks for, and each type first tries to vouch for the
whole column with a few C-level passes (types, bounds, choices) before going cell by cell. Both
give the same answers; the tests hold them to it.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import repeat
from typing import Any, ClassVar

from .values import EDGE, SIGNIFICANT_DIGITS, format_number, is_blank, show, trim

# Excel serials accepted for a date: 1950-01-01 .. 2100-12-31. A bare 5 is a typo, not 1900-01-05.
SERIAL_MIN, SERIAL_MAX = 18_264, 73_415
# The same window for every date however it was typed: a date cell of 1900-01-01 is no more
# plausible than the serial 1 (plausibility: 入职日期 in 1900 is a slip, not a veteran).
EARLIEST, LATEST = date(1950, 1, 1), date(2100, 12, 31)
# Excel's 1900 system counts a 29 February 1900 that never was (serial 60, Lotus's bug).
_LEAP_BUG_SERIAL = 60
_LEAP_BUG = "1900 年不是闰年，1900-02-29 这一天并不存在（Excel 把序号 60 显示为这一天）"
# A date cell of serial 59 or 60 both read as 1900-02-28: Excel may have shown the day that never was.
_LEAP_BUG_READ = date(1900, 2, 28)
_LEAP_BUG_CELL = "Excel 中可能显示为并不存在的 1900-02-29（序号 60）"
_EPOCH_1900 = date(1899, 12, 30)  # serial 0 in the 1900 system (Excel's 1900-02-29 bug absorbed)
_EPOCH_1904 = date(1904, 1, 1)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)"
    r"(?:[ T]0{1,2}:0{1,2}(?::0{1,2}(?:\.0+)?)?)?$"
)
_NOISE_FORMAT = f".{SIGNIFICANT_DIGITS}g"
_BLANK_TO_NONE = {"": None}


@dataclass(frozen=True)
class Reading:
    """One cell read: its value, and either a `note` (how a reshaped value was read) or an `error`.

    `error` is a finding code and `params` fill its message (`seen` is what the cell showed).
    A value that was reshaped and then broke a bound carries both. On error the value is None.
    """

    value: Any = None
    note: str | None = None
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


BLANK = Reading()


class FieldType:
    """What every field type offers; subclasses implement `_parse` and, where it pays, `_bulk`."""

    kind: ClassVar[str] = ""

    def describe(self) -> str:
        raise NotImplementedError

    def read(self, raw: Any, date1904: bool = False) -> Reading:
        """One raw cell value -> Reading (BLANK for an empty or whitespace-only cell)."""
        if is_blank(raw):
            return BLANK
        parsed = self._parse(raw, date1904)
        if parsed.error:
            return Reading(error=parsed.error, params={**parsed.params, "seen": show(raw)})
        problem = self.check(parsed.value)
        if problem is not None:
            code, params = problem
            return Reading(note=parsed.note, error=code, params={**params, "seen": show(parsed.value)})
        return parsed

    def read_column(self, cells: Sequence[Any], date1904: bool = False) -> tuple[list[Any], dict[int, Reading]]:
        """A column's values (None for blank or invalid cells) and the Reading of every cell with
        a note or an error, by position. `cells` as the reader gives them ('' for an empty cell)."""
        values = self._bulk(cells)
        if values is not None:
            return values, {}
        values, readings = [], {}
        for i, raw in enumerate(cells):
            if raw == "" or raw is None:
                values.append(None)
                continue
            reading = self.read(raw, date1904)
            if reading.note is not None or reading.error is not None:
                readings[i] = reading
            values.append(None if reading.error else reading.value)
        return values, readings

    def check(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        """The bound a typed value breaks, as (finding code, params); None when it is fine."""
        return None

    def _parse(self, raw: Any, date1904: bool) -> Reading:
        raise NotImplementedError

    def _bulk(self, cells: Sequence[Any]) -> list[Any] | None:
        """The column's values when every cell is '' or already canonical and within bounds, else None."""
        return None


@dataclass(frozen=True)
class Text(FieldType):
    """Free text; `max_length` bounds what a cell may hold."""

    max_length: int = 500
    kind: ClassVar[str] = "text"

    def describe(self) -> str:
        return "文本"

    def _parse(self, raw: Any, date1904: bool) -> Reading:
        if isinstance(raw, str):
            text = trim(raw)
            return Reading(text) if text == raw else Reading(text, note=text)
        # A number typed into a text column (an id like 1001, a phone number) reads as its digits.
        return Reading(show(raw))

    def check(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        if len(value) > self.max_length:
            return "type-text", {"max_length": self.max_length, "length": len(value)}
        return None

    def _bulk(self, cells: Sequence[Any]) -> list[Any] | None:
        if set(map(type, cells)) - {str} or max(map(len, cells), default=0) > self.max_length:
            return None
        # str.strip returns the very object when there is nothing to strip: a pointer comparison
        # per cell unless some value has edges to trim (whitespace-only cells land here too)
        if list(map(str.strip, cells, repeat(EDGE))) != list(cells):
            return None
        return _blanks_to_none(cells)


@dataclass(frozen=True)
class Choice(FieldType):
    """One value from a fixed list (an Excel dropdown)."""

    choices: tuple[str, ...] = ()
    kind: ClassVar[str] = "choice"

    def describe(self) -> str:
        return "选项：" + "、".join(self.choices)

    def _parse(self, raw: Any, date1904: bool) -> Reading:
        text = trim(raw) if isinstance(raw, str) else show(raw)
        if text in self.choices:
            return Reading(text, note=text if text != raw else None)
        folded = unicodedata.normalize("NFKC", text).strip()
        for choice in self.choices:
            if folded == choice or folded.upper() == choice:
                return Reading(choice, note=choice)
        return Reading(error="choice-invalid", params={"choices": "、".join(self.choices)})

    def _bulk(self, cells: Sequence[Any]) -> list[Any] | None:
        distinct = set(cells)
        distinct.discard("")
        if not distinct <= set(self.choices) or set(map(type, distinct)) - {str}:
            return None
        return _blanks_to_none(cells)


@dataclass(frozen=True)
class Date(FieldType):
    """A calendar date: a date cell, an Excel serial or text such as 2026-03-05."""

    kind: ClassVar[str] = "date"

    def describe(self) -> str:
        return "日期（如 2026-03-05）"

    def _parse(self, raw: Any, date1904: bool) -> Reading:
        if isinstance(raw, datetime):
            day = raw.date()
            return Reading(day, note=day.isoformat() if raw.time() != datetime.min.time() else None)
        if isinstance(raw, date):
            return Reading(raw)
        if isinstance(raw, bool):
            return Reading(error="type-date")
        if isinstance(raw, (int, float)):
            return _serial(float(raw), date1904)
        if not isinstance(raw, str):
            return Reading(error="type-date")
        m = _DATE_TEXT.match(unicodedata.normalize("NFKC", trim(raw)))
        if not m:
            return Reading(error="type-date")
        year, month, day = int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5))
        if (year, month, day) == (1900, 2, 29):
            return Reading(error="plausible-date", params={"reason": _LEAP_BUG})
        try:
            value = date(year, month, day)
        except ValueError:
            return Reading(error="type-date")
        return Reading(value, note=value.isoformat())

    def check(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        if value < EARLIEST:
            reason = f"早于 {EARLIEST.isoformat()}，不是合理的日期（可能把数字或序号填进了日期格式的单元格）"
            if value == _LEAP_BUG_READ:
                reason += f"；{_LEAP_BUG_CELL}"
            return "plausible-date", {"reason": reason}
        if value > LATEST:
            return "plausible-date", {"reason": f"晚于 {LATEST.isoformat()}，不是合理的日期"}
        return None

    def _bulk(self, cells: Sequence[Any]) -> list[Any] | None:
        if set(map(type, cells)) - {date, str}:
            return None
        distinct = set(cells) - {""}
        if any(type(v) is str for v in distinct):
            return None
        if distinct and not (min(distinct) >= EARLIEST and max(distinct) <= LATEST):
            return None  # read cell by cell: each date out of the window is a finding
        return _blanks_to_none(cells)


@dataclass(frozen=True)
class Number(FieldType):
    """A decimal number, optionally bounded (inclusive; `min_exclusive` makes the lower bound strict).

    `rate`: a percentage typed as text (`12%`) reads as 0.12.
    """

    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    rate: bool = False
    kind: ClassVar[str] = "number"

    def describe(self) -> str:
        return "数字" + _range_text(self.min, self.max, self.min_exclusive)

    def _parse(self, raw: Any, date1904: bool) -> Reading:
        value, reshaped = _parse_number(raw, self.rate)
        if value is None:
            return Reading(error="type-number", params={"expected": self.describe()})
        return Reading(value, note=format_number(value) if reshaped else None)

    def check(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        low_ok = self.min is None or (value > self.min if self.min_exclusive else value >= self.min)
        if not (low_ok and (self.max is None or value <= self.max)):
            return "out-of-range", {"expected": self.describe()}
        return None

    def _bulk(self, cells: Sequence[Any]) -> list[Any] | None:
        distinct = _bounded_floats(cells, self.min, self.max, self.min_exclusive)
        if distinct is None:
            return None
        fresh = list(distinct)
        if list(map(float, map(format, fresh, repeat(_NOISE_FORMAT)))) != fresh:
            return None  # float noise (or NaN): read cell by cell, with a note
        return _blanks_to_none(cells)


@dataclass(frozen=True)
class Integer(FieldType):
    """A whole number, optionally bounded (inclusive)."""

    min: int | None = None
    max: int | None = None
    rate: bool = False
    kind: ClassVar[str] = "integer"

    def describe(self) -> str:
        return "整数" + _range_text(self.min, self.max, False)

    def _parse(self, raw: Any, date1904: bool) -> Reading:
        if type(raw) is float and raw.is_integer():
            # A whole-number cell is exact, however many digits: denoising to 12 significant
            # digits would change it (and the whole-column path takes it as it is).
            return Reading(int(raw))
        value, reshaped = _parse_number(raw, self.rate)
        if value is None or not value.is_integer():
            return Reading(error="type-integer", params={"expected": self.describe()})
        # 12.0 from a numeric cell is just how Excel stores 12: not worth a note.
        return Reading(int(value), note=str(int(value)) if reshaped else None)

    def check(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            return "out-of-range", {"expected": self.describe()}
        return None

    def _bulk(self, cells: Sequence[Any]) -> list[Any] | None:
        distinct = _bounded_floats(cells, self.min, self.max, False)
        if distinct is None or not all(map(float.is_integer, distinct)):
            return None
        as_int = dict(zip(distinct, map(int, distinct)))
        as_int[""] = None
        return list(map(as_int.__getitem__, cells))


FIELD_TYPES = (Text, Choice, Date, Number, Integer)


def _bounded_floats(cells: Sequence[Any], low: float | None, high: float | None, exclusive: bool) -> set[float] | None:
    """The distinct non-blank values when every cell is '' or a float within the bounds, else None."""
    # Types are taken over the column itself: a set would fold 1, 1.0 and True together.
    if set(map(type, cells)) - {float, str}:
        return None
    distinct = set(cells)
    distinct.discard("")
    if any(type(v) is str for v in distinct):
        return None
    if distinct:
        # unbounded still means finite: an infinity (only from hand-made XML) is read cell by cell
        lo, hi = min(distinct), max(distinct)  # NaN upsets min/max, but then a check below fails
        floor = -sys.float_info.max if low is None else low
        ceiling = sys.float_info.max if high is None else high
        if not (hi <= ceiling and (lo > floor or (lo == floor and not exclusive))):
            return None
        if any(v != v for v in distinct):
            return None
    return distinct


def _blanks_to_none(cells: Sequence[Any]) -> list[Any]:
    return list(map(_BLANK_TO_NONE.get, cells, cells)) if "" in cells else list(cells)  # get(v, v)


def _denoise(x: float) -> float:
    return float(format(x, _NOISE_FORMAT))


def _parse_number(raw: Any, rate: bool) -> tuple[float | None, bool]:
    """(value, reshaped) for a raw cell; value None when it is not a finite number."""
    if isinstance(raw, bool):
        return None, False
    if isinstance(raw, int):  # like a float cell and typed text: 12 significant digits, never more
        try:
            raw = float(raw)
        except OverflowError:
            return None, False
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None, False
        clean = _denoise(raw)
        return clean, clean != raw
    if not isinstance(raw, str):
        return None, False
    text = unicodedata.normalize("NFKC", trim(raw))  # full-width digits, comma, percent
    text = text.replace(" ", "").replace("\u00a0", "")
    scale = 1.0
    if rate and text.endswith("%"):
        text, scale = text[:-1], 0.01
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None, False
    value = float(text) * scale
    if not math.isfinite(value):
        return None, False
    return _denoise(value), True


def _serial(serial: float, date1904: bool) -> Reading:
    """An Excel serial (a date typed into a cell formatted as a number)."""
    if not math.isfinite(serial):
        return Reading(error="type-date")
    days = math.floor(serial)
    if days == _LEAP_BUG_SERIAL and not date1904:
        return Reading(error="plausible-date", params={"reason": _LEAP_BUG})
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    offset = 1462 if date1904 else 0  # the bounds are stated in the 1900 system
    if not SERIAL_MIN <= days + offset <= SERIAL_MAX:
        return Reading(error="type-date")
    value = epoch + timedelta(days=days)
    return Reading(value, note=value.isoformat())


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _range_text(lo: float | None, hi: float | None, lo_exclusive: bool) -> str:
    if lo is not None and hi is not None:
        return f"，{_number_text(lo)}–{_number_text(hi)}"
    if lo is not None:
        return f"，{'大于' if lo_exclusive else '不小于'} {_number_text(lo)}"
    if hi is not None:
        return f"，不大于 {_number_text(hi)}"
    return ""


__all__ = ["BLANK", "EARLIEST", "FIELD_TYPES", "LATEST", "SERIAL_MAX", "SERIAL_MIN", "Choice", "Date", "FieldType", "Integer", "Number",
           "Reading", "Text"]
