"""The vocabulary of form specs: fields, sheets, cross-field rules and forms (field types: types.py).

A form spec is the single source of truth for an Excel form (template): generating the blank
workbook, reading and validating a filled one, and the handbook's field reference all derive
from it. Nothing here touches Excel.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .types import FieldType
from .values import column_letter, format_amount

# ---------------------------------------------------------------------------------------------
# Plausibility bounds of single values (Field.ceiling, Field.near_period_days): generous for any
# real office, so that only a slip (元 typed for 万元, a stray exponent such as 1e15) exceeds them.

AMOUNT_CEILING = 1_000_000  # 万元 on one row: 100 亿元 from one client or one project in a quarter
TARGET_CEILING = 10_000_000  # 万元: one office's quarterly target or last year's sales, 1,000 亿元
MARKET_CEILING = 1_000_000_000  # 万元: the market an office serves in a quarter, 10 万亿元
BONUS_CEILING = 10_000_000  # 元: a head's quarterly bonus base
PEOPLE_CEILING = 10_000  # people on one row (hired, trained)
COUNT_CEILING = 10_000  # visits, complaints, risks on one row
HOURS_CEILING = 1_000  # hours of one training
NEAR_PERIOD_DAYS = 366  # a plan more than a year from its quarter is probably the wrong year

# ---------------------------------------------------------------------------------------------
# Fields, rules, sheets, forms


@dataclass(frozen=True)
class Field:
    """One column of a data sheet (or one row of the cover sheet)."""

    key: str  # English identifier used in code
    label: str  # the exact Chinese header label
    type: FieldType
    required: bool = False
    unique: bool = False
    pii: bool = False  # personal data: never published, never echoed in findings
    salary: bool = False  # salary data: HR's report only, never published
    unit: str = ""
    help: str = ""  # meaning, shown in 填写说明 and the header's input message
    example: Any = None
    width: int | None = None  # column width in Excel character units; derived when None
    unit_in_header: bool = False  # the header shows the unit, `本期销售额（万元）`: a unit in sight is typed in
    # Plausibility (issue: a number that cannot be right never reaches a bonus):
    ceiling: float | None = None  # one row's value above this cannot be right: an error at the cell
    near_period_days: int | None = None  # a date further than this from its quarter: a warning

    @property
    def heading(self) -> str:
        """The header cell's text: the label, with the unit when it is shown there."""
        return f"{self.label}（{self.unit}）" if self.unit_in_header and self.unit else self.label

    @property
    def private(self) -> bool:
        """True when values of this field must never reach the site or findings' text."""
        return self.pii or self.salary

    def describe(self) -> str:
        """Chinese one-line description of the expected value."""
        text = self.type.describe()
        if self.unit:
            text += f"，单位：{self.unit}"
        if self.ceiling is not None:
            text += f"；每行不超过 {format_amount(self.ceiling)}"
        return text


@dataclass(frozen=True)
class NotBefore:
    """Cross-field rule: date `field` must not be earlier than date `other` (blank passes)."""

    field: str
    other: str
    severity: str = "error"

    def describe(self, sheet: Sheet) -> str:
        return f"{sheet.label(self.field)}不得早于{sheet.label(self.other)}"


@dataclass(frozen=True)
class NotAbove:
    """Cross-field rule: number `field` must not exceed number `other` (blank passes)."""

    field: str
    other: str
    severity: str = "error"

    def describe(self, sheet: Sheet) -> str:
        return f"{sheet.label(self.field)}不得大于{sheet.label(self.other)}"


@dataclass(frozen=True)
class RequiredWhen:
    """Cross-field rule: `field` is required when `when` equals `value`."""

    field: str
    when: str
    value: str
    severity: str = "error"

    def describe(self, sheet: Sheet) -> str:
        return f"{sheet.label(self.when)}为“{self.value}”时必须填写{sheet.label(self.field)}"


Rule = NotBefore | NotAbove | RequiredWhen


@dataclass(frozen=True)
class Sheet:
    """A data sheet: one header row of field labels, data rows directly beneath."""

    key: str
    name: str  # the Chinese sheet name
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    help: str = ""
    # A workbook may leave an optional sheet out (made by later template versions; files of the
    # versions before it stay valid): no finding when it is absent, an empty table when read.
    optional: bool = False

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def label(self, key: str) -> str:
        return self.field(key).label

    def column_letter(self, key: str) -> str:
        """The A1 column letter of a field in a well-formed sheet."""
        for index, f in enumerate(self.fields, start=1):
            if f.key == key:
                return column_letter(index)
        raise KeyError(key)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f.label for f in self.fields)

    @property
    def headings(self) -> tuple[str, ...]:
        """The header row's texts, as the template writes them."""
        return tuple(f.heading for f in self.fields)


COVER_ROW = 2  # the first cover field's row (1-based): the form's title is in row 1


@dataclass(frozen=True)
class Earlier:
    """How the templates of an earlier version differ from the current one: files of that version
    are still read, laid out as they were (with a note naming the current version, unless the
    version lacks nothing but optional sheets added since)."""

    version: str
    cover_row: int = COVER_ROW  # the first cover field's row in that version
    bare_headers: tuple[str, ...] = ()  # keys of the fields whose header did not show the unit yet
    note: bool = True  # a `template-earlier` warning on its files


@dataclass(frozen=True)
class Form:
    """A workbook form: its identity, cover fields (office forms only) and data sheets."""

    id: str  # template_id, e.g. "clients"
    title: str  # Chinese title, e.g. "客户开发与维护"
    version: str  # template_version; bump when the structure changes
    sheets: tuple[Sheet, ...]
    cover: tuple[Field, ...] = ()
    help: str = ""
    history: tuple[Earlier, ...] = field(default=())  # earlier versions still read, oldest first
    cover_row: int = COVER_ROW  # the first cover field's row (1-based) in this version's templates

    @property
    def filename(self) -> str:
        """Its name in the data folder and in input_templates/ (SPEC §1, §2): `clients.xlsx`."""
        return f"{self.id}.xlsx"

    @property
    def download_name(self) -> str:
        """The blank template's name on the site, the title people know it by: `客户开发与维护.xlsx`.
        Any name reads the same: a workbook is known by the template_id inside it."""
        return f"{self.title}.xlsx"

    @property
    def has_cover(self) -> bool:
        return bool(self.cover)

    def sheet(self, key_or_name: str) -> Sheet:
        for s in self.sheets:
            if key_or_name in (s.key, s.name):
                return s
        raise KeyError(key_or_name)

    def as_of(self, version: str) -> Form | None:
        """The form as templates of `version` were laid out (this form for the current version);
        None for a version that is neither current nor among the earlier ones still read."""
        if version == self.version:
            return self
        for earlier in self.history:
            if earlier.version == version:
                bare = set(earlier.bare_headers)
                sheets = tuple(dataclasses.replace(s, fields=tuple(
                    dataclasses.replace(f, unit_in_header=False) if f.key in bare else f for f in s.fields))
                    for s in self.sheets)
                return dataclasses.replace(self, version=version, sheets=sheets, history=(),
                                           cover_row=earlier.cover_row)
        return None

    def cover_cell(self, key: str) -> str:
        """The A1 address of a cover value (column B) in this version's templates."""
        for index, f in enumerate(self.cover):
            if f.key == key:
                return f"B{self.cover_row + index}"
        raise KeyError(key)

    def accepts(self, version: str | None) -> bool:
        """Whether a workbook of this template version is read: the current one or an earlier one
        kept in `history`."""
        return version is not None and self.as_of(version) is not None

    def structure(self, optional: bool | int = True) -> dict[str, Any]:
        """What the structure hash covers: sheet names, header labels and field types (the
        optional sheets left out when `optional` is false; only the first `optional` of them
        kept when it is a number: optional sheets are added one version at a time)."""
        kept = [s for s in self.sheets if s.optional]
        if optional is not True:
            kept = kept[:int(optional)]
        return {
            "id": self.id,
            "cover": [f.label for f in self.cover],
            "sheets": [
                {
                    "name": s.name,
                    "columns": [[f.heading, f.type.kind, list(getattr(f.type, "choices", ()))] for f in s.fields],
                }
                for s in self.sheets if not s.optional or s in kept
            ],
        }

    @functools.cached_property  # the reader compares it for every workbook; a form never changes
    def structure_hash(self) -> str:
        """A short stable hash of the structure, stored in every generated workbook."""
        return _hash(self.structure())

    @functools.cached_property
    def structure_hashes(self) -> frozenset[str]:
        """The hashes a workbook of an accepted version may carry: the current structure's and,
        for the earlier versions, the structure without the optional sheets added since."""
        optional = sum(1 for s in self.sheets if s.optional)
        return frozenset({self.structure_hash, *(_hash(self.structure(optional=n)) for n in range(optional))})


def _hash(structure: dict[str, Any]) -> str:
    blob = json.dumps(structure, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
