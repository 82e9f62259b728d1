"""The records that flow between the stages: read workbooks, the reference data, the dataset.

read  -> Workbook (typed rows + findings per file)
checks-> Dataset (reference + accepted submissions + all findings)
kpi   -> KPI values per office and period (see kpi.py)
"""

from __future__ import annotations

import functools
import marshal
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .findings import ERROR, Finding

PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Period:
    """A quarter such as 2026Q1."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse `2026Q1`; ValueError when malformed."""
        period = _parse_period(text) if type(text) is str else None
        if period is None:
            raise ValueError(text)
        return period

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        month = 3 * self.quarter
        return date(self.year, month, 31 if month in (3, 12) else 30)

    @property
    def previous_year(self) -> Period:
        return Period(self.year - 1, self.quarter)

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"


@functools.lru_cache(maxsize=4096)  # a run parses the same few dozen periods ~100,000 times
def _parse_period(text: str) -> Period | None:
    m = PERIOD_RE.match(text.strip().upper())
    return Period(int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class Row:
    """One data row: its Excel row number and normalised values keyed by field key.

    A value is None when the cell is blank *or* was invalid (the finding says which).
    """

    number: int
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value


@dataclass
class Workbook:
    """What reading one file produced: identity, typed rows per sheet key, findings."""

    path: str  # relative to DATA_DIR, '/'-separated
    sha256: str = ""
    form_id: str | None = None
    version: str | None = None
    office_id: str | None = None  # from the cover
    period: str | None = None  # from the cover
    cover: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # What the later stages need from the rows (summary.py). A run keeps only this for office
    # workbooks and drops their rows where they are read: 32,000 workbooks' rows would not fit.
    summary: Summary | None = None

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)


@dataclass(frozen=True)
class Summary:
    """A workbook's rows reduced to what validation, the KPIs and the privacy gate use.

    - `period`: the quarter the roster's part was counted for ('' when none could be told);
    - `part`: the form's part of the office-quarter's KPI figures, as (Figures fields, [(what, Source)]);
    - `client_ids` (clients) and `project_clients` ((row, 客户编号) of projects), for the cross-file check;
    - `roster_findings`: the roster's rows outside the quarter (checks.roster_checks);
    - `private`: ((column description, salary?, distinct values), ...) of the PII and salary cells;
    - `public`: the distinct texts of the other free-text cells (a private value also typed there
      is not a leak).
    Only the site's privacy gate reads the last two, so they are kept as one marshal blob (`texts`)
    and unpacked when asked for: a rerun over 32,000 cached summaries never pays for them. The
    gate works out their forms and folds (privacy.values) once per distinct value of the run.
    """

    period: str = ""
    part: tuple[dict[str, Any], list[tuple[str, Source]]] = field(default_factory=lambda: ({}, []))
    client_ids: frozenset[str] = frozenset()
    project_clients: tuple[tuple[int, str], ...] = ()
    roster_findings: tuple[Finding, ...] = ()
    texts: bytes = marshal.dumps(((), ()))

    @property
    def private(self) -> tuple[tuple[str, bool, tuple[Any, ...]], ...]:
        return marshal.loads(self.texts)[0]

    @property
    def public(self) -> tuple[str, ...]:
        return marshal.loads(self.texts)[1]


@dataclass(frozen=True)
class Office:
    office_id: str
    name: str
    head: str = ""
    region: str = ""
    bonus_base: float | None = None  # salary data: HR report only


@dataclass(frozen=True)
class Target:
    office_id: str
    period: str
    sales_target: float
    prior_sales: float | None = None
    market_size: float | None = None
    row: int = 0  # row in 季度目标, for provenance


@dataclass
class Reference:
    """HR's reference data: offices by id and targets by (office_id, period)."""

    offices: dict[str, Office] = field(default_factory=dict)
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    workbook: Workbook | None = None


@dataclass
class Dataset:
    """Everything validation established about DATA_DIR."""

    data_dir: str
    reference: Reference
    # (period, office_id, form_id) -> the one accepted workbook (duplicates excluded)
    submissions: dict[tuple[str, str, str], Workbook] = field(default_factory=dict)
    workbooks: list[Workbook] = field(default_factory=list)  # every file read, sorted by path
    findings: list[Finding] = field(default_factory=list)  # all findings, sorted

    @property
    def periods(self) -> list[str]:
        """Every period that has a target or a submission, sorted."""
        seen = {p for (_, p) in self.reference.targets} | {p for (p, _, _) in self.submissions}
        return sorted(seen)

    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)


# ---------------------------------------------------------------------------------------------
# Results of the assessment engine (kpi.py + scoring.py), read by reports and site pages.

SCORED = "scored"
INVALID = "invalid"
INCOMPLETE = "incomplete"
MISSING = "missing"
STATUSES = (SCORED, INVALID, INCOMPLETE, MISSING)
STATUS_LABELS = {SCORED: "已评分", INVALID: "数据有误", INCOMPLETE: "数据不全", MISSING: "未提交"}


@dataclass(frozen=True)
class Source:
    """Provenance of a KPI input: which file, sheet and cells, in which template version."""

    file: str
    sheet: str
    cells: str  # e.g. "G2:G41" or "F12"
    template_version: str = ""
    sha256: str = ""
    what: str = ""  # Chinese: which figure this is, e.g. "本期销售额之和"


@dataclass(frozen=True)
class KpiResult:
    """One KPI of one office-period: its value, how it was scored, and where it came from."""

    key: str
    value: float | None  # None = N/A
    numerator: float | None = None
    denominator: float | None = None
    reason: str = ""  # why N/A, in Chinese
    score: float | None = None  # KPI score from the points
    weight: float = 0.0  # nominal weight in this cycle
    effective_weight: float = 0.0  # after N/A weights are shared out (sums to 100 over scored KPIs)
    contribution: float | None = None  # effective_weight * score / 100; contributions sum to the total
    sources: tuple[Source, ...] = ()


def kpi_result(key: str, value: float | None, numerator: float | None = None, denominator: float | None = None,
               reason: str = "", score: float | None = None, weight: float = 0.0, effective_weight: float = 0.0,
               contribution: float | None = None, sources: tuple[Source, ...] = ()) -> KpiResult:
    """KpiResult(...) at less than half the cost: a frozen dataclass's __init__ sets each field
    through object.__setattr__, and a run makes 140,000 of them (1,000 offices)."""
    result = _new(KpiResult)
    result.__dict__.update(key=key, value=value, numerator=numerator, denominator=denominator, reason=reason,
                           score=score, weight=weight, effective_weight=effective_weight,
                           contribution=contribution, sources=sources)
    return result


_new = object.__new__


@dataclass
class Scorecard:
    """One office in one period (a quarter `2026Q1` or a year `2026`)."""

    period: str
    cycle: str  # "quarterly" | "annual"
    office_id: str
    office_name: str = ""
    head: str = ""
    region: str = ""
    status: str = MISSING
    status_reason: str = ""  # Chinese, for statuses other than scored
    sales: float | None = None
    sales_target: float | None = None
    kpis: dict[str, KpiResult] = field(default_factory=dict)
    informational: dict[str, float | None] = field(default_factory=dict)
    block_scores: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None  # unrounded
    grade: str | None = None
    rank: int | None = None
    bonus_coefficient: float | None = None  # quarterly only
    bonus_amount: float | None = None  # salary data: HR report only, never the site
    honours: tuple[str, ...] = ()  # names of incentives earned (annual only)


@dataclass
class Results:
    """Everything a run computed: the inputs it used and a scorecard per office and period."""

    policy: Any  # pipeline.policy.Policy
    dataset: Dataset
    scorecards: list[Scorecard] = field(default_factory=list)  # sorted by (period, office_id)
    # findings of the assessment itself (kpi-not-available warnings); validation's stay in dataset
    findings: list[Finding] = field(default_factory=list)
    note: str = ""  # how `run` got here: a rerun that reused the last run, or why it could not

    def for_period(self, period: str) -> list[Scorecard]:
        return [s for s in self.scorecards if s.period == period]

    def for_office(self, office_id: str) -> list[Scorecard]:
        return [s for s in self.scorecards if s.office_id == office_id]

    @property
    def periods(self) -> list[str]:
        """Quarters and years, each year after its quarters: 2025Q1 … 2025Q4, 2025, 2026Q1 …"""
        return sorted({s.period for s in self.scorecards}, key=lambda p: (p[:4], len(p) == 4, p))
