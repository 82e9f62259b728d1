"""The engine's records: HR's reference data, the checked data set, and the results of scoring it.

    facts (intake) -> Dataset (dataset.py: reference, accepted submissions, every finding)
                   -> Results (assess.py: a Scorecard per office and period)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..findings import Finding
from ..forms.reviews import OPEN as APPEAL_OPEN
from ..intake.facts import Source, WorkbookFacts
from ..intake.layout import slot_of
from ..periods import period_sort_key

SCORED = "scored"
INVALID = "invalid"
INCOMPLETE = "incomplete"
MISSING = "missing"
STATUSES = (SCORED, INVALID, INCOMPLETE, MISSING)
NOT_APPLICABLE = "不适用"  # a value that could not be computed (N/A), as every output shows it
STATUS_LABELS = {SCORED: "已评分", INVALID: "数据有误", INCOMPLETE: "数据不全", MISSING: "未提交"}
QUARTERLY, ANNUAL = "quarterly", "annual"


def office_label(office_id: str, name: str = "") -> str:
    """`苏州一所（SU01）`: how every message and summary names an office; the bare id when its name is unknown."""
    return f"{name}（{office_id}）" if name else office_id


@dataclass(frozen=True)
class Office:
    office_id: str
    name: str
    head: str = ""
    region: str = ""
    bonus_base: float | None = None  # salary data: HR's workbooks only

    @property
    def label(self) -> str:
        return office_label(self.office_id, self.name)


@dataclass(frozen=True)
class Target:
    office_id: str
    period: str
    sales_target: float
    prior_sales: float | None = None
    market_size: float | None = None
    row: int = 0  # row in 季度目标, for provenance


@dataclass(frozen=True)
class Tenure:
    """One row of 所长任职: a person heading an office from `start` to `end` (inclusive; None = still)."""

    office_id: str
    head_id: str  # 工号: personal data, HR's outputs only
    head_name: str
    start: date
    end: date | None = None
    row: int = 0

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Head:
    """Who headed an office in a period: the head on its last day, and any change inside it."""

    head_id: str = ""  # "" when the office has no 所长任职 rows (the 业务所 sheet's 所长 applies)
    name: str = ""
    note: str = ""  # Chinese, when the head changed inside the period


@dataclass
class Reference:
    """HR's reference data: offices by id, targets by (office_id, period), heads by office."""

    offices: dict[str, Office] = field(default_factory=dict)
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    facts: WorkbookFacts | None = None  # the reference workbook itself (provenance of the targets)
    target_rows: set[tuple[str, str]] = field(default_factory=set)  # (office, period) with a row at all
    # office_id -> its accepted 所长任职 rows, by start date (heads.py); offices without rows absent
    tenures: dict[str, list[Tenure]] = field(default_factory=dict)
    # quarter -> the last day to file its forms (reference.xlsx › 填报日程); quarters without one absent
    deadlines: dict[str, date] = field(default_factory=dict)

    def office_spelling(self, office_id: str) -> str:
        """The reference's id for an office id written in another case (`bj01` -> `BJ01`); the id as
        given when it is one already, or matches none or several."""
        if office_id in self.offices:
            return office_id
        folded = office_id.casefold()
        matches = [known for known in self.offices if known.casefold() == folded]
        return matches[0] if len(matches) == 1 else office_id

    def office_label(self, office_id: str) -> str:
        """`苏州一所（SU01）` for an office of the list; the bare id for one not in it."""
        known = self.offices.get(office_id)
        return known.label if known is not None else office_id


@dataclass
class Dataset:
    """Everything checking DATA_DIR established: what was read, what was accepted, what is wrong."""

    data_dir: str  # the folder's name, as reports show it
    reference: Reference
    # (period, office_id, form_id) -> the one accepted workbook (duplicates excluded)
    submissions: dict[tuple[str, str, str], WorkbookFacts] = field(default_factory=dict)
    workbooks: list[WorkbookFacts] = field(default_factory=list)  # every file read, sorted by path
    findings: list[Finding] = field(default_factory=list)  # every finding, sorted
    # path -> the (period, office_id, form_id) place it takes on the submission board (layout.slot_of)
    slots: dict[str, tuple[str, str, str] | None] = field(default_factory=dict)
    # period -> its record in closed/ (engine.closed.ClosedRecord), closed or reopened, checksum verified
    closed: dict[str, Any] = field(default_factory=dict)
    # path -> when the file was received (intake.received.Receipt): intake's log, else its mtime
    received: dict[str, Any] = field(default_factory=dict)

    def slot(self, facts: WorkbookFacts) -> tuple[str, str, str] | None:
        known = self.slots.get(facts.path, False)
        return slot_of(facts) if known is False else known

    @property
    def periods(self) -> list[str]:
        """Every quarter that has a target or a submission, sorted."""
        seen = {p for (_, p) in self.reference.targets} | {p for (p, _, _) in self.submissions}
        return sorted(seen)

    def error_count(self) -> int:
        """Errors HR has not accepted: what keeps office-periods from being scored and a run from exit 0."""
        return sum(1 for f in self.findings if f.blocking)


@dataclass(frozen=True)
class Adjustment:
    """An item of a card changed after review (reviews.xlsx › 调整): what it was, what it is, why, who approved."""

    item: str  # 项目 as the form names it (`总分`, `销售目标完成率（得分）`)
    what: str  # forms.reviews: VALUE | SCORE | TOTAL | GRADE
    kpi: str  # the KPI's key for VALUE and SCORE, else ""
    original: float | str | None  # as computed (a grade is text; None = N/A)
    adjusted: float | str
    reason: str  # shown with the result everywhere, the site included
    approved_by: str = ""  # personal data: HR's outputs only (never the site)
    approved_on: str = ""  # ISO date
    row: int = 0  # in 调整


@dataclass(frozen=True)
class Appeal:
    """An office head's appeal (reviews.xlsx › 申诉). The matter and the handler are personal: HR only."""

    office_id: str
    period: str
    filed_on: str  # ISO date
    outcome: str  # forms.reviews: OPEN (受理中) | UPHELD (维持) | ADJUSTED (已调整)
    settled_on: str = ""  # ISO date, "" while open
    matter: str = ""  # free text: HR's outputs only
    handled_by: str = ""  # personal data: HR's outputs only
    row: int = 0  # in 申诉

    @property
    def open(self) -> bool:
        return self.outcome == APPEAL_OPEN


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


@dataclass
class Scorecard:
    """One office in one period (a quarter `2026Q1` or a year `2026`)."""

    period: str
    cycle: str  # QUARTERLY | ANNUAL
    office_id: str
    office_name: str = ""
    head: str = ""  # the head of this period (heads.head_of)
    region: str = ""
    head_id: str = ""  # 工号 of that head: personal data, HR's outputs only (never the site)
    notes: tuple[str, ...] = ()  # Chinese remarks on the card: a change of head, a weightless form missing, no head at year end
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
    bonus_amount: float | None = None  # salary data: HR's workbooks only, never the site
    honours: tuple[str, ...] = ()  # names of incentives earned (annual only)
    adjustments: tuple[Adjustment, ...] = ()  # applied after review (engine.adjust), in 调整's row order

    @property
    def office_label(self) -> str:
        return office_label(self.office_id, self.office_name)

    def adjustments_of(self, kpi: str) -> tuple[Adjustment, ...]:
        """The adjustments of one KPI's value or score: its provenance after review."""
        return tuple(a for a in self.adjustments if a.kpi == kpi)


@dataclass
class Results:
    """Everything a run computed: the data set it used and a scorecard per office and period."""

    policy: Any  # engine.policy.Policy
    dataset: Dataset
    scorecards: list[Scorecard] = field(default_factory=list)  # sorted by (period order, office_id)
    # findings of the assessment itself (kpi-not-available warnings); validation's stay in dataset
    findings: list[Finding] = field(default_factory=list)
    policies: Any = None  # engine.policy_history.PolicyHistory: the version in force for each period
    figures: dict[tuple[str, str], Any] = field(default_factory=dict)  # (office, quarter) -> kpi.Figures
    appeals: list[Appeal] = field(default_factory=list)  # reviews.xlsx › 申诉, in row order

    def appeals_for(self, office_id: str, period: str | None = None) -> list[Appeal]:
        """An office's appeals (of one period when given): what its own page and report show."""
        return [a for a in self.appeals if a.office_id == office_id and (period is None or a.period == period)]

    def open_appeals(self, period: str | None = None) -> list[Appeal]:
        """Appeals still 受理中 (of one period when given): listed for HR; they keep a period from closing."""
        return [a for a in self.appeals if a.open and (period is None or a.period == period)]

    def error_count(self) -> int:
        """Blocking errors of checking and of the assessment (an adjustment not applied): the exit code's."""
        return self.dataset.error_count() + sum(1 for f in self.findings if f.blocking)

    def for_period(self, period: str) -> list[Scorecard]:
        return [s for s in self.scorecards if s.period == period]

    def policy_for(self, period: str) -> Any:
        """The policy version a period was scored under (the current one without a history)."""
        return self.policies.for_period(period) if self.policies is not None else self.policy

    @property
    def closed(self) -> dict[str, Any]:
        """period -> ClosedRecord of every period published from its frozen record."""
        return {p: r for p, r in self.dataset.closed.items() if r.closed}

    @property
    def periods(self) -> list[str]:
        """Quarters and years, each year after its quarters: 2025Q1 … 2025Q4, 2025, 2026Q1 …"""
        return sorted({s.period for s in self.scorecards}, key=period_sort_key)


__all__ = ["ANNUAL", "INCOMPLETE", "INVALID", "MISSING", "NOT_APPLICABLE", "QUARTERLY", "SCORED", "STATUSES", "STATUS_LABELS",
           "Adjustment", "Appeal", "Dataset", "Head", "KpiResult", "Office", "Reference", "Results", "Scorecard", "Source", "Target",
           "Tenure", "office_label"]
