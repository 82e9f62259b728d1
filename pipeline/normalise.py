"""What people really type into Excel/WPS -> typed values, in one place (pure, no I/O).

`normalise(raw, ftype)` takes a cell value as the Excel reader returns it (str, float, int, bool,
date, datetime or None) and returns a `Normalised`: the typed value, and either a note (the value
was reshaped: the reader records it as an info finding, so nothing changes silently) or an error
(a finding code and its message parameters). `check(value, ftype)` then applies the field's
bounds and choices to a typed value.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from itertools import repeat
from typing import Any

from .forms.spec import Choice, Date, FieldType, Integer, Number, Text

# Float noise such as 0.1 + 0.2 = 0.30000000000000004: Excel shows 15 significant digits; we keep
# 12, which no amount in 万元 or count of people needs more of.
SIGNIFICANT_DIGITS = 12
# Excel serials accepted for a date: 1950-01-01 .. 2100-12-31. A bare 5 is a typo, not 1900-01-05.
SERIAL_MIN, SERIAL_MAX = 18_264, 73_415
_EPOCH_1900 = date(1899, 12, 30)  # serial 0 in the 1900 system (Excel's 1900-02-29 bug absorbed)
_EPOCH_1904 = date(1904, 1, 1)

# Characters people paste around values: NBSP, zero-width and full-width spaces, BOMs, tabs.
_INVISIBLE = "\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000\u2007\u202f"
_STRIP = " \t\r\n\v\f" + _INVISIBLE
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)"
    r"(?:[ T]0{1,2}:0{1,2}(?::0{1,2}(?:\.0+)?)?)?$"
)


@dataclass(frozen=True)
class Normalised:
    """A typed value with what happened on the way: `note` (reshaped) or `error` (unusable)."""

    value: Any = None
    note: str | None = None  # the normalised value as text, when the raw value was reshaped
    error: str | None = None  # a finding code: type-number, type-integer, type-date, ...
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return self.value is None and self.error is None


BLANK = Normalised()


def clean_text(text: str) -> str:
    """Strip whitespace, NBSP and zero-width characters from both ends."""
    return text.strip(_STRIP)


def is_blank(raw: Any) -> bool:
    """True for None, '' and text that is only whitespace or invisible characters."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw or not clean_text(raw)
    return False


def show(raw: Any) -> str:
    """A raw value as a person would recognise it in a message."""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        return format_number(raw)
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


def format_number(x: float | int) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{SIGNIFICANT_DIGITS}g}" if isinstance(x, float) else str(x)


def normalise(raw: Any, ftype: FieldType, *, rate: bool = False, date1904: bool = False) -> Normalised:
    """Turn one raw cell value into the field type's value; `rate` accepts `12%` as 0.12."""
    if is_blank(raw):
        return BLANK
    if isinstance(ftype, Text):
        return _text(raw)
    if isinstance(ftype, Choice):
        return _choice(raw, ftype)
    if isinstance(ftype, Integer):
        return _integer(raw, ftype, rate)
    if isinstance(ftype, Number):
        return _number(raw, ftype, rate)
    if isinstance(ftype, Date):
        return _date(raw, date1904)
    raise TypeError(f"unknown field type {ftype!r}")  # a bug in a form spec, not bad data


def _text(raw: Any) -> Normalised:
    if isinstance(raw, str):
        text = clean_text(raw)
        return Normalised(text) if text == raw else Normalised(text, note=text)
    # A number typed into a text column (an id like 1001, a phone number) reads as its digits.
    return Normalised(show(raw))


def _choice(raw: Any, ftype: Choice) -> Normalised:
    text = clean_text(raw) if isinstance(raw, str) else show(raw)
    if text in ftype.choices:
        return Normalised(text, note=text if text != raw else None)
    folded = unicodedata.normalize("NFKC", text).strip()
    for choice in ftype.choices:
        if folded == choice or folded.upper() == choice:
            return Normalised(choice, note=choice)
    return Normalised(error="choice-invalid", params={"choices": "、".join(ftype.choices)})


def _denoise(x: float) -> float:
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def _parse_number(raw: Any, rate: bool) -> tuple[float | None, bool]:
    """(value, reshaped) for a raw cell; value None when it is not a number."""
    if isinstance(raw, bool):
        return None, False
    if isinstance(raw, int):
        return float(raw), False
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None, False
        clean = _denoise(raw)
        return clean, clean != raw
    if isinstance(raw, (date, datetime)) or not isinstance(raw, str):
        return None, False
    text = unicodedata.normalize("NFKC", clean_text(raw))  # full-width digits, comma, percent
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


def _number(raw: Any, ftype: Number, rate: bool) -> Normalised:
    value, reshaped = _parse_number(raw, rate)
    if value is None:
        return Normalised(error="type-number", params={"expected": ftype.describe()})
    return Normalised(value, note=format_number(value) if reshaped else None)


def _integer(raw: Any, ftype: Integer, rate: bool) -> Normalised:
    value, reshaped = _parse_number(raw, rate)
    if value is None or not value.is_integer():
        return Normalised(error="type-integer", params={"expected": ftype.describe()})
    # 12.0 from a numeric cell is just how Excel stores 12: not worth a note.
    return Normalised(int(value), note=str(int(value)) if reshaped else None)


def _date(raw: Any, date1904: bool) -> Normalised:
    if isinstance(raw, datetime):
        day = raw.date()
        return Normalised(day, note=day.isoformat() if raw.time() != datetime.min.time() else None)
    if isinstance(raw, date):
        return Normalised(raw)
    if isinstance(raw, bool):
        return Normalised(error="type-date")
    if isinstance(raw, (int, float)):
        return _serial(float(raw), date1904)
    if not isinstance(raw, str):
        return Normalised(error="type-date")
    text = unicodedata.normalize("NFKC", clean_text(raw))
    m = _DATE_TEXT.match(text)
    if not m:
        return Normalised(error="type-date")
    year, month, day = int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5))
    try:
        value = date(year, month, day)
    except ValueError:
        return Normalised(error="type-date")
    return Normalised(value, note=value.isoformat())


def _serial(serial: float, date1904: bool) -> Normalised:
    """An Excel serial (a date typed into a cell formatted as a number)."""
    if not math.isfinite(serial):
        return Normalised(error="type-date")
    days = math.floor(serial)
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    offset = 1462 if date1904 else 0  # bounds are stated in the 1900 system
    if not SERIAL_MIN <= days + offset <= SERIAL_MAX:
        return Normalised(error="type-date")
    value = epoch + timedelta(days=days)
    return Normalised(value, note=value.isoformat())


SLOW: Any = object()  # `quick` could not decide: use `normalise`
_STRIP_SET = frozenset(_STRIP)


def quick(raw: Any, ftype: FieldType) -> Any:
    """The value when a non-blank raw value is already canonical and within bounds, else SLOW.

    Most cells are exactly what the template asks for; this decides them without building a
    Normalised, which keeps the reader near calamine's own speed. Same answers as normalise+check.
    """
    return quick_for(ftype)(raw)


@cache  # field types are frozen, and few
def quick_for(ftype: FieldType) -> Callable[[Any], Any]:
    """`quick` specialised for one field type (the reader makes one per column)."""
    kind = ftype.kind
    if kind == "text":
        limit = ftype.max_length

        def text(raw: Any) -> Any:
            if type(raw) is str and len(raw) <= limit and raw[0] not in _STRIP_SET and raw[-1] not in _STRIP_SET:
                return raw
            return SLOW
        return text
    if kind == "choice":
        choices = frozenset(ftype.choices)
        return lambda raw: raw if type(raw) is str and raw in choices else SLOW
    if kind == "date":
        return lambda raw: raw if type(raw) is date else SLOW
    # unbounded still means finite: an infinity (only from hand-made XML) is type-number, as in normalise
    low = -sys.float_info.max if ftype.min is None else ftype.min
    high = sys.float_info.max if ftype.max is None else ftype.max
    exclusive = getattr(ftype, "min_exclusive", False)
    integer = kind == "integer"

    def number(raw: Any) -> Any:
        if type(raw) is not float or not (low < raw <= high or (raw == low and not exclusive and raw <= high)):
            return SLOW  # NaN and infinities fail the comparisons too
        if integer:
            return int(raw) if raw.is_integer() else SLOW
        return raw if _denoise(raw) == raw else SLOW
    return number


# A whole column at once: the reader asks this before going cell by cell. Only C-level bulk
# operations (set, map over builtins, min/max, list equality) touch every cell, which is what makes
# a clean column cost a few tens of nanoseconds per cell instead of a Python call per cell.
_BLANK_TO_NONE = {"": None}
_FLOAT_STR = frozenset((float, str))
_DATE_STR = frozenset((date, str))


def quick_column(ftype: FieldType) -> Callable[[Sequence[Any]], Sequence[Any] | None]:
    """`quick` for a whole column, cells as the reader returns them ('' for an empty cell).

    The returned function gives the column's values (None for '') when every cell is '' or a
    value `quick` accepts, with exactly the values `quick` gives; otherwise None, and the caller
    goes cell by cell. It never decides a cell `quick` would not have decided.
    """
    kind = ftype.kind
    if kind == "text":
        limit = ftype.max_length

        def text(col: Sequence[Any]) -> Sequence[Any] | None:
            if set(map(type, col)) - {str} or max(map(len, col), default=0) > limit:
                return None
            # str.strip returns the very same object when there is nothing to strip, so this list
            # equality is a pointer comparison per cell unless some value has edges to clean.
            if list(map(str.strip, col, repeat(_STRIP))) != list(col):
                return None  # whitespace-only cells land here too: blank or not, the cell path decides
            return _blanks_to_none(col)
        return text
    if kind == "choice":
        choices = frozenset(ftype.choices)

        def choice(col: Sequence[Any]) -> Sequence[Any] | None:
            distinct = set(col)
            blank = "" in distinct
            distinct.discard("")
            if not distinct <= choices or set(map(type, distinct)) - {str}:
                return None
            return _blanks_to_none(col) if blank else col
        return choice
    if kind == "date":
        def dates(col: Sequence[Any]) -> Sequence[Any] | None:
            types = set(map(type, col))
            if types == {date}:
                return col
            if not types <= _DATE_STR:
                return None
            distinct = set(col)
            blank = "" in distinct
            distinct.discard("")
            if str in set(map(type, distinct)):
                return None
            return _blanks_to_none(col) if blank else col
        return dates
    # unbounded still means finite: an infinity (only from hand-made XML) is type-number, as in normalise
    low = -sys.float_info.max if ftype.min is None else ftype.min
    high = sys.float_info.max if ftype.max is None else ftype.max
    exclusive = getattr(ftype, "min_exclusive", False)
    integer = kind == "integer"

    def numbers(col: Sequence[Any]) -> Sequence[Any] | None:
        # Types are taken over the column itself: a set would fold 1, 1.0 and True together.
        types = set(map(type, col))
        if not types <= _FLOAT_STR:
            return None
        distinct = set(col)
        blank = "" in distinct
        distinct.discard("")
        if str in types and str in set(map(type, distinct)):
            return None
        if distinct:
            lo, hi = min(distinct), max(distinct)  # NaN upsets min/max, but then the checks below fail
            if not (hi <= high and (lo > low or (lo == low and not exclusive))):
                return None
            if integer:
                if not all(map(float.is_integer, distinct)):
                    return None
                if not blank:
                    return list(map(int, col))
                as_int = dict(zip(distinct, map(int, distinct)))
                as_int[""] = None
                return list(map(as_int.__getitem__, col))
            fresh = distinct - _NOISELESS
            if fresh:
                seen = list(fresh)
                if list(map(float, map(format, seen, repeat(_NOISE_FORMAT)))) != seen:
                    return None  # float noise (or NaN): the cell path reshapes it with a note
                if len(_NOISELESS) > _NOISELESS_MAX:
                    _NOISELESS.clear()
                _NOISELESS.update(seen)
        return _blanks_to_none(col) if blank else col
    return numbers


_NOISE_FORMAT = f".{SIGNIFICANT_DIGITS}g"
# Floats known to have no noise (whether x is noiseless depends on x alone): amounts recur across
# the workbooks of a run, and formatting a float is the dearest step of reading a number column.
_NOISELESS: set[float] = set()
_NOISELESS_MAX = 200_000


def _blanks_to_none(col: Sequence[Any]) -> Sequence[Any]:
    return list(map(_BLANK_TO_NONE.get, col, col)) if "" in col else col  # get(v, v): '' -> None


def check(value: Any, ftype: FieldType) -> tuple[str, dict[str, Any]] | None:
    """The bound a typed value breaks, as (finding code, params), or None when it is fine."""
    if value is None:
        return None
    if isinstance(ftype, Text):
        if len(value) > ftype.max_length:
            return "type-text", {"max_length": ftype.max_length, "length": len(value)}
        return None
    if isinstance(ftype, (Integer, Number)):
        low_ok = ftype.min is None or (
            value > ftype.min if getattr(ftype, "min_exclusive", False) else value >= ftype.min)
        high_ok = ftype.max is None or value <= ftype.max
        if not (low_ok and high_ok):
            return "out-of-range", {"expected": ftype.describe()}
    return None


__all__ = [
    "BLANK", "SLOW", "SERIAL_MAX", "SERIAL_MIN", "SIGNIFICANT_DIGITS", "Normalised", "check", "clean_text",
    "format_number", "is_blank", "normalise", "quick", "quick_column", "quick_for", "show",
]
