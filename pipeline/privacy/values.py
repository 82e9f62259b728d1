"""Collecting a run's private values (PII and salary) and the text that is published on purpose."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from itertools import repeat
from pathlib import Path
from typing import Any

from ..findings import CATALOGUE
from ..forms import ALL_FORMS, COVER_SHEET, get_form
from ..model import Row
from .match import fold

SEP = " › "
BONUS_COLUMN = f"考核结果{SEP}季度奖金金额"
_PHONE = re.compile(r"^\+?[\d\s\-()]+$")


def private_values(dataset: Any, results: Any = None) -> dict[str, set[str]]:
    """Every PII and salary value of a run's inputs (and computed bonuses), by column description."""
    found: dict[str, set[str]] = {}
    worked_out: dict[tuple[bool, Any], set[str]] = {}  # a value repeats across quarters: once each

    def add(column: str, value: Any, salary: bool = False) -> None:
        forms = worked_out.get((salary, value))
        if forms is None:
            forms = worked_out[(salary, value)] = _number_forms(value) if salary else _text_forms(value)
        if forms:
            found.setdefault(column, set()).update(forms)

    for wb in _workbooks(dataset):
        form = _form_of(wb)
        if form is None:
            continue
        for f in form.cover:
            if f.private:
                add(f"{COVER_SHEET}{SEP}{f.label}", _cover_value(wb, f), f.salary)
        # the rows' distinct values were collected where the workbook was read (summary.py)
        for column, salary, values in _summary(wb).private:
            for value in values:
                add(column, value, salary)
    reference = getattr(dataset, "reference", None)
    for office in (getattr(reference, "offices", None) or {}).values():
        add(f"业务所{SEP}季度奖金基数", getattr(office, "bonus_base", None), salary=True)
    for card in getattr(results, "scorecards", None) or ():
        add(BONUS_COLUMN, getattr(card, "bonus_amount", None), salary=True)
    return found


def workbook_texts(wb: Any) -> tuple[tuple[tuple[str, bool, tuple[Any, ...]], ...], tuple[str, ...]]:
    """(private, public) texts of a workbook's rows, each sheet's rows gone through once.

    - private: the distinct values of each private column, as (column description, salary?,
      values). Their forms are worked out by `private_values`, once per distinct value of the run
      rather than once per workbook (names and phones repeat every quarter).
    - public: every distinct text of the other free-text cells (folded by `published_input_values`).
      Only text fields: numbers and dates are not text once read, and every dropdown choice is
      already product text (`product_vocabulary`), so they could add nothing.
    """
    form = _form_of(wb)
    if form is None:
        return (), ()
    private: list[tuple[str, bool, tuple[Any, ...]]] = []
    public: set[Any] = set()
    for sheet in form.sheets:
        rows = _row_dicts(wb, sheet)
        if not rows:
            continue
        for f in sheet.fields:
            cells = map(dict.get, rows, repeat(f.key))  # one C-level pass per column
            if f.private:
                # the distinct cells first, then the few of them that count
                values = {_plain(v) for v in set(cells) if v is not None and v.__class__ is not bool}
                if values:
                    private.append((f"{sheet.name}{SEP}{f.label}", f.salary, tuple(values)))
            elif f.type.kind == "text":
                public.update(cells)
    return tuple(private), tuple(v for v in public if type(v) is str)


def _plain(value: Any) -> Any:
    """A value marshal can keep (the summary is cached): numbers and text as they are, else text."""
    return value if value.__class__ in (str, int, float) else str(value)


def _row_dicts(wb: Any, sheet: Any) -> list[dict[str, Any]]:
    """The values dicts of a sheet's rows (Row objects, or plain dicts from a hand-made workbook)."""
    rows = _rows(wb, sheet)
    if all(row.__class__ is Row for row in rows):  # as the reader makes them
        return [row.values for row in rows]
    out = []
    for row in rows:
        values = getattr(row, "values", row)
        if isinstance(values, dict):
            out.append(values)
    return out


def _summary(wb: Any) -> Any:
    from ..summary import summary_of  # summary.py builds on this module

    return summary_of(wb)


def public_values(dataset: Any) -> set[str]:
    """Values published on purpose: office ids, names, 所长 and regions (policy: public recognition)."""
    reference = getattr(dataset, "reference", None)
    out: set[str] = set()
    for office in (getattr(reference, "offices", None) or {}).values():
        for attr in ("office_id", "name", "head", "region"):
            value = getattr(office, attr, None)
            if isinstance(value, str) and fold(value):
                out.add(fold(value))
    return out


def published_input_values(dataset: Any) -> set[str]:
    """Folded text of every non-private cell of the run's inputs (these may be shown)."""
    texts: set[str] = set()
    for wb in _workbooks(dataset):
        form = _form_of(wb)
        if form is None:
            continue
        texts.update(_summary(wb).public)  # collected where the workbook was read (summary.py)
        for f in form.cover:
            value = _cover_value(wb, f)
            if not f.private and isinstance(value, str):
                texts.add(value)
    return {folded for value in texts if (folded := fold(value))}  # each distinct text folded once


def _workbooks(dataset: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    for wb in list(getattr(dataset, "workbooks", None) or []) + list((getattr(dataset, "submissions", None) or {}).values()):
        seen[id(wb)] = wb
    reference_wb = getattr(getattr(dataset, "reference", None), "workbook", None)
    if reference_wb is not None:
        seen[id(reference_wb)] = reference_wb
    return list(seen.values())


def _form_of(wb: Any):
    try:
        return get_form(wb.form_id) if getattr(wb, "form_id", None) else None
    except KeyError:
        return None


def _rows(wb: Any, sheet: Any) -> list[Any]:
    tables = getattr(wb, "tables", None) or {}
    return list(tables.get(sheet.key) or tables.get(sheet.name) or [])


def _row_value(row: Any, key: str) -> Any:
    values = getattr(row, "values", row)
    return values.get(key) if isinstance(values, dict) else None


def _cover_value(wb: Any, f: Any) -> Any:
    cover = getattr(wb, "cover", None) or {}
    return cover.get(f.key, cover.get(f.label))


def _text_forms(value: Any) -> set[str]:
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, int | float | Decimal):
        return _number_forms(value)
    text = fold(str(value))
    if not text:
        return set()
    forms = {text}
    if _PHONE.match(text):  # a phone number also shows up without its separators
        digits = re.sub(r"\D", "", text)
        if digits:
            forms.add(digits)
    return forms


def _number_forms(value: Any) -> set[str]:
    """A salary figure as it could be shown: 30000, 30,000, 30000.0, 30000.00, 3万 (and rounded)."""
    number = _decimal(value)
    if number is None:
        return set()
    forms: set[str] = set()
    for places in (0, 1, 2):
        q = Decimal(1).scaleb(-places)
        for rounding in (ROUND_FLOOR, ROUND_CEILING):
            v = number.quantize(q, rounding=rounding)
            forms.add(f"{v:f}")
            forms.add(f"{v:,f}")
    wan = number / Decimal(10000)
    if wan == wan.quantize(Decimal("0.01")):
        forms.add(f"{wan.normalize():f}万")
    return forms


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


_VOCABULARY: str | None = None


def product_vocabulary() -> str:
    """The fixed text the product itself publishes: forms, finding catalogue, policy and page sources."""
    global _VOCABULARY
    if _VOCABULARY is None:
        parts: list[str] = []
        for form in ALL_FORMS:
            parts += [form.title, form.help]
            for f in form.cover:
                parts += [f.label, f.help, str(f.example or ""), f.describe()]
            for sheet in form.sheets:
                parts += [sheet.name, sheet.help]
                for f in sheet.fields:
                    parts += [f.label, f.help, str(f.example or ""), f.unit, f.describe(),
                              *getattr(f.type, "choices", ())]
        for code in CATALOGUE.values():
            parts += [code.title, code.template, code.fix]
        package = Path(__file__).resolve().parent.parent  # pipeline/
        sources = [(package, p) for p in ("*.yaml", "pages/**/*.md", "pages/**/*.j2", "pages/**/*.html")]
        # the handbook (the policy text) and guides are fixed Markdown in the project's docs/
        sources.append((package.parent / "docs", "**/*.md"))
        for folder, pattern in sources:
            for path in sorted(folder.glob(pattern)):
                try:
                    parts.append(path.read_text("utf-8", errors="replace"))
                except OSError:
                    continue
        _VOCABULARY = "\n".join(fold(p) for p in parts if p)
    return _VOCABULARY
