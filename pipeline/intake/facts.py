"""What reading one workbook establishes: `WorkbookFacts`, the only thing that leaves the reader.

Reading 32,000 workbooks yields about 1.4 million rows, yet every later use of them is small: a
few sums and counts per form (each with the cells it came from), the client ids, the texts the
privacy gate must know. So the reader reduces an office workbook to those facts where it reads
it, and only HR's workbooks keep their typed rows: the reference, which the engine builds offices
and targets from, and accepted.xlsx, the findings HR accepted. Facts are plain data:
`to_plain`/`from_plain` turn them into and out of the builtins `marshal` stores (the executor's
cache and its workers use them; nothing else does).
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

from ..findings import ERROR, Finding
from ..forms import OFFICE_FORMS
from ..periods import valid_period

FACTS_FORMAT = 6  # bump when the plain layout below changes
EMPTY_TEXTS = marshal.dumps(())
NO_CLIENT_IDS: frozenset[str] = frozenset()
NO_PROJECT_CLIENTS: tuple[tuple[int, ...], tuple[str, ...]] = ((), ())
OFFICE_FORM_IDS = tuple(f.id for f in OFFICE_FORMS)


@dataclass(frozen=True)
class Row:
    """One data row: its Excel row number and typed values keyed by field key.

    A value is None when the cell is blank *or* was invalid (a finding says which).
    """

    number: int
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value


@dataclass(frozen=True)
class Table:
    """A data sheet's non-blank rows, column by column: `numbers` are the Excel row numbers."""

    numbers: tuple[int, ...] = ()
    columns: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, key: str) -> list[Any]:
        """The values of one field, None where blank or invalid (and for a column not in the sheet)."""
        values = self.columns.get(key)
        return values if values is not None else [None] * len(self.numbers)

    def rows(self) -> list[Row]:
        keys = list(self.columns)
        return [Row(number, dict(zip(keys, line))) for number, line in
                zip(self.numbers, zip(*self.columns.values()) if keys else [()] * len(self.numbers))]


EMPTY_TABLE = Table()


class Source(NamedTuple):
    """Provenance of a figure: which file, sheet and cells, in which template version."""

    file: str
    sheet: str
    cells: str  # e.g. "G2:G41" or "F12"
    template_version: str = ""
    sha256: str = ""
    what: str = ""  # Chinese: which figure this is, e.g. "本期销售额之和"


@dataclass(frozen=True)
class PrivateColumn:
    """The distinct values of one private (PII or salary) column of a workbook."""

    column: str  # e.g. "团队名册 › 姓名"
    salary: bool
    values: tuple[Any, ...]


@dataclass(frozen=True)
class WorkbookFacts:
    """One file read: identity, findings, and what the engine and the privacy gate need of its rows.

    - `office_id`, `period`: the cover's values as read (`period` canonical, or None if malformed);
    - `quarter`: the quarter the form's figures were counted for (the folder's when valid, else the
      cover's; '' when neither says);
    - `figures`: the form's part of its office-quarter's KPI inputs (sums and counts, see
      aggregates.py), and `sources`: (what, Source) for each of them;
    - `client_ids` (clients) and `project_clients` (projects: the row numbers and, in the same
      order, the 客户编号 of the rows that name a client): the cross-file check. Two parallel
      tuples rather than a pair per row: 32,000 facts would otherwise hold 300,000 small tuples;
    - `private`: the distinct values of each PII and salary column. Only the privacy gate and the
      masking of findings read them, so they are kept encoded (`texts`) and decoded when asked
      for: a run over 32,000 workbooks never pays for building them;
    - `tables`: typed rows by sheet key, kept only for HR's workbooks (reference, accepted).
    """

    path: str  # relative to DATA_DIR, '/'-separated
    sha256: str = ""
    form_id: str | None = None
    version: str | None = None
    office_id: str | None = None
    period: str | None = None
    cover: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    quarter: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    sources: tuple[tuple[str, Source], ...] = ()
    client_ids: frozenset[str] = NO_CLIENT_IDS
    project_clients: tuple[tuple[int, ...], tuple[str, ...]] = NO_PROJECT_CLIENTS
    texts: bytes = EMPTY_TEXTS
    tables: dict[str, Table] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    @cached_property  # asked by most cross-workbook checks; the facts never change
    def identity(self) -> tuple[str, str, str] | None:
        """(period, office_id, form_id) from inside an office workbook, when all three are readable."""
        period = valid_period(self.period)
        office = self.office_id.strip() if isinstance(self.office_id, str) else ""
        if self.form_id not in OFFICE_FORM_IDS or not period or not office:
            return None
        return period, office, self.form_id

    @property
    def private(self) -> tuple[PrivateColumn, ...]:
        return tuple(PrivateColumn(c, s, tuple(v)) for c, s, v in marshal.loads(self.texts))


def encode_texts(private: tuple[PrivateColumn, ...]) -> bytes:
    """`WorkbookFacts.texts` for these private columns (values are str, int or float)."""
    return marshal.dumps(tuple((p.column, p.salary, p.values) for p in private))


# ---------------------------------------------------------------------------------------------
# Plain form: builtins only (str, int, float, bool, None, bytes, tuple, list, dict, frozenset), as marshal stores


_FINDING_FIELDS = ("code", "severity", "message", "file", "sheet", "cell", "row", "column", "value", "office_id",
                   "period")
_DATE = "date"


def to_plain(facts: WorkbookFacts) -> tuple:
    """The facts as builtins only."""
    return (
        FACTS_FORMAT, facts.path, facts.sha256, facts.form_id, facts.version, facts.office_id, facts.period,
        {k: _plain_value(v) for k, v in facts.cover.items()},
        tuple(tuple(getattr(f, n) for n in _FINDING_FIELDS) for f in facts.findings),
        facts.quarter,
        facts.figures,  # leavers: a frozenset, which marshal keeps
        tuple((what, tuple(s)) for what, s in facts.sources),
        facts.client_ids,
        facts.project_clients,
        facts.texts,
        {key: (t.numbers, {k: _plain_column(v) for k, v in t.columns.items()}) for key, t in facts.tables.items()},
    )


def from_plain(plain: tuple) -> WorkbookFacts:
    """The facts `to_plain` gave; ValueError when the layout is not this version's."""
    if not plain or plain[0] != FACTS_FORMAT:
        raise ValueError("facts format")
    (_, path, sha256, form_id, version, office_id, period, cover, findings, quarter, figures, sources, client_ids,
     project_clients, texts, tables) = plain
    return WorkbookFacts(
        path=path, sha256=sha256, form_id=form_id, version=version, office_id=office_id, period=period,
        cover={k: _value_from_plain(v) for k, v in cover.items()}, findings=tuple(Finding(*f) for f in findings),
        quarter=quarter,
        figures=figures, sources=tuple((what, Source(*s)) for what, s in sources),
        client_ids=client_ids or NO_CLIENT_IDS, project_clients=project_clients if project_clients[0] else NO_PROJECT_CLIENTS,
        texts=texts,
        tables={key: Table(tuple(numbers), {k: _column_from_plain(v) for k, v in columns.items()})
                for key, (numbers, columns) in tables.items()},
    )


def _plain_value(value: Any) -> Any:
    # a tagged tuple, not the ISO text: a date must come back a date (a cover's 填报日期), and no
    # cell value is ever a tuple
    return (_DATE, value.toordinal()) if isinstance(value, date) else value


def _value_from_plain(value: Any) -> Any:
    return date.fromordinal(value[1]) if isinstance(value, tuple) else value


def _plain_column(values: list[Any]) -> tuple:
    if any(isinstance(v, date) for v in values):
        return (_DATE, [None if v is None else v.toordinal() for v in values])
    return ("", list(values))


def _column_from_plain(plain: tuple) -> list[Any]:
    kind, values = plain
    if kind == _DATE:
        return [None if v is None else date.fromordinal(v) for v in values]
    return list(values)


__all__ = ["EMPTY_TABLE", "EMPTY_TEXTS", "FACTS_FORMAT", "NO_CLIENT_IDS", "NO_PROJECT_CLIENTS", "PrivateColumn", "Row", "Source", "Table", "WorkbookFacts",
           "encode_texts", "from_plain", "to_plain"]
