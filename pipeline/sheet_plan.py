"""Reading a data sheet column by column: the per-sheet plan and the bulk helpers of read.py.

Most cells are exactly what the template asks for, so read.py decides whole columns at C speed
(`normalise.quick_column`) and sends only the rows that may have a finding through its
cell-by-cell path. What that needs from a Sheet spec is worked out once (`Plan`); the helpers
below find those rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from itertools import count, zip_longest
from operator import gt, lt
from typing import Any

from .excel.cells import RawSheet
from .forms import Field, NotAbove, NotBefore, RequiredWhen, Sheet
from .model import Row
from .normalise import SLOW, quick_column, quick_for


# Rows are built here and nowhere else, so a change to Row's internals is a change here.
def make_row(number: int, values: dict[str, Any]) -> Row:
    """One Row: its Excel row number and its values keyed by field key."""
    return Row(number, values)


def make_rows(numbers: Iterable[int], values: Iterable[dict[str, Any]]) -> list[Row]:
    """Rows in bulk (no Python frame per row beyond Row's own)."""
    return list(map(Row, numbers, values))


class Plan:
    """What reading a sheet needs from its spec, worked out once per Sheet."""

    def __init__(self, sheet: Sheet) -> None:
        self.keys = tuple(f.key for f in sheet.fields)
        self.nones = (None,) * len(self.keys)
        self.column = [quick_column(f.type) for f in sheet.fields]
        self.quick = [quick_for(f.type) for f in sheet.fields]
        self.position = {key: pos for pos, key in enumerate(self.keys)}
        labels = [f.label for f in sheet.fields]
        # map_header's answer for the template's exact header (labels are unique in every spec;
        # if one were not, the exact-header shortcut is simply never taken)
        self.labels = labels if len(set(labels)) == len(labels) else None
        self.exact_columns = {key: pos for pos, key in enumerate(self.keys)}
        # A values dict from one value per field. A dict display is presized and about twice as
        # fast as dict(zip(keys, values)) -- rows are the bulk of reading. Built like a dataclass's
        # __init__ is: from the spec's own keys, each written as a literal with repr().
        names = [f"v{pos}" for pos in range(len(self.keys))]
        display = ", ".join(f"{key!r}: {name}" for key, name in zip(self.keys, names))
        self.build: Callable[..., dict[str, Any]] = eval(f"lambda {', '.join(names)}: {{{display}}}")


_PLANS: dict[int, tuple[Sheet, Plan]] = {}


def sheet_plan(sheet: Sheet) -> Plan:
    # Keyed by identity: hashing a Sheet hashes every field of it. The Sheet is kept alive with
    # its plan so that its id cannot be reused; specs are few, ad-hoc ones (tests) are bounded.
    hit = _PLANS.get(id(sheet))
    if hit is None or hit[0] is not sheet:
        if len(_PLANS) > 64:
            _PLANS.clear()
        hit = _PLANS[id(sheet)] = (sheet, Plan(sheet))
    return hit[1]


class SheetRead:
    """One sheet being read: what `_row` needs besides the row number (most sheets never ask)."""

    def __init__(self, sheet: Sheet, raw: RawSheet, columns: dict[str, int], plan: Plan) -> None:
        self.sheet, self.raw, self.columns, self.plan = sheet, raw, columns, plan

    @cached_property
    def fast(self) -> list[tuple[Field, int, Callable[[Any], Any]]]:
        """(field, column, quick) in the header's order: the order of a row's cell findings."""
        position = self.plan.position
        return [(self.sheet.fields[position[key]], c, self.plan.quick[position[key]])
                for key, c in self.columns.items()]

    @cached_property
    def mapped(self) -> list[tuple[Field, int]]:
        return [(field, c) for field, c, _ in self.fast]

    @cached_property
    def first_seen(self) -> dict[str, dict[Any, int]]:
        return {f.key: {} for f in self.sheet.fields if f.unique}


def transpose(data: list[list[Any]]) -> list[tuple[Any, ...]]:
    """The data rows as columns; a short row reads as empty cells, as `RawSheet.value` does."""
    if len(set(map(len, data))) == 1:
        return list(zip(*data))
    return list(zip_longest(*data, fillvalue=""))


def cell_by_cell(col: Sequence[Any], convert: Any) -> tuple[list[Any], set[int]]:
    """A column `quick_column` refused: each cell's quick value, None for blanks and for the
    cells `quick` cannot decide, whose row numbers (0-based, data rows) come back as well."""
    values: list[Any] = []
    slow: set[int] = set()
    for i, v in enumerate(col):
        if v is None or v == "":
            values.append(None)
            continue
        value = convert(v)
        if value is SLOW:
            slow.add(i)
            value = None
        values.append(value)
    return values, slow


def special_rows(raw: RawSheet, columns: dict[str, int]) -> set[int]:
    """Data rows (0-based) with an Excel error or a value-less formula in a mapped column."""
    if not (raw.errors or raw.no_value):
        return set()
    mapped = set(columns.values())
    return {r - 1 for r, c in (*raw.errors, *raw.no_value) if c in mapped and 1 <= r < len(raw.rows)}


def has_duplicates(values: Sequence[Any]) -> bool:
    distinct = set(values)
    distinct.discard(None)
    return len(distinct) != len(values) - values.count(None)


def rule_rows(sheet: Sheet, columns: dict[str, int], values: list[Any], plan: Plan) -> list[int]:
    """Data rows (0-based) where a rule of the sheet breaks, judged on the bulk values.

    Cells the bulk path left undecided are None here; their rows go cell by cell anyway.
    """
    hits: list[int] = []
    for rule in sheet.rules:
        if rule.field not in columns:
            continue
        a = values[plan.position[rule.field]]
        if isinstance(rule, (NotBefore, NotAbove)):
            if rule.other not in columns:
                continue
            b = values[plan.position[rule.other]]
            broken = lt if isinstance(rule, NotBefore) else gt
            if None not in a and None not in b and not any(map(broken, a, b)):
                continue  # both columns full and no row breaks the rule: decided at C speed
            hits += [i for i, x, y in zip(count(), a, b) if x is not None and y is not None and broken(x, y)]
        elif isinstance(rule, RequiredWhen) and rule.when in columns:
            when = values[plan.position[rule.when]]
            if rule.value in when:
                hits += [i for i, w, x in zip(count(), when, a) if x is None and w == rule.value]
    return hits


__all__ = ["Plan", "SheetRead", "cell_by_cell", "has_duplicates", "make_row", "make_rows", "rule_rows", "sheet_plan",
           "special_rows", "transpose"]
