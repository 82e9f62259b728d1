"""The plausibility stage: figures no real office can have, found across a data set's workbooks.

Pure: Dataset + Plausibility bounds (policy.yaml `plausibility:`) -> findings. It runs between
assembling the data set and scoring it (dataset.screen): an error here makes its office-period
`invalid`, like any other error, until the data is fixed or HR accepts the finding (accepted.xlsx).

- quarter rules, one office-quarter at a time: 销售目标完成率 beyond its bounds (疑似单位错误),
  市场占有率 above 100 % (errors), 流失率 above 100 % (a warning);
- change rules, against the same office's previous quarter and the same quarter last year: a summed
  amount more than `change_factor` times, or under 1/`change_factor` of, the earlier one, and a
  roster that falls to nobody with no leavers (warnings). An earlier quarter with errors is no
  yardstick, so it is skipped.

Single values are the reader's (forms: Field.ceiling, the Date window; intake/plausible.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import NamedTuple

from ..findings import Finding, finding
from ..forms import CLIENTS, PROJECTS, RECRUITMENT, Sheet
from ..forms.values import format_amount, unit_hint
from ..intake.facts import WorkbookFacts
from ..periods import Period
from .kpi import Figures, quarter_figures
from .model import Dataset
from .policy import Plausibility

CLIENT_SHEET = CLIENTS.sheet("clients")
PROJECT_SHEET = PROJECTS.sheet("projects")
ROSTER = RECRUITMENT.sheet("roster")
TARGETS_PLACE = "reference.xlsx《季度目标》"

Workbooks = dict[str, WorkbookFacts]  # form id -> the office-quarter's accepted workbook
OfficeQuarter = tuple[str, str]  # (office_id, period)


class Amount(NamedTuple):
    """A summed amount (a key of WorkbookFacts.figures) compared with earlier quarters."""

    key: str
    form: str
    sheet: Sheet
    field: str  # the field summed
    what: str  # Chinese, as messages name it


# 实际成本 is not among them: it is counted to date, so a young project's cost rightly grows tenfold.
AMOUNTS = (
    Amount("sales", CLIENTS.id, CLIENT_SHEET, "sales", "销售额（本期销售额之和）"),
    Amount("budget", PROJECTS.id, PROJECT_SHEET, "budget", "项目预算之和"),
)


def office_quarters(dataset: Dataset) -> dict[OfficeQuarter, Workbooks]:
    """Each office-quarter with a submission, and its accepted workbooks by form id."""
    grouped: dict[OfficeQuarter, Workbooks] = defaultdict(dict)
    for (period, office, form_id), facts in dataset.submissions.items():
        grouped[(office, period)][form_id] = facts
    return dict(sorted(grouped.items()))


def quarter_findings(dataset: Dataset, rules: Plausibility) -> list[Finding]:
    """The rules of one office-quarter at a time: attainment, market share, attrition."""
    found: list[Finding] = []
    for (office, period), workbooks in office_quarters(dataset).items():
        target = dataset.reference.targets.get((office, period))
        figures = quarter_figures(Period.parse(period), workbooks, target, dataset.reference.facts)
        name = dataset.reference.office_label(office)
        found += _attainment(name, office, period, workbooks, figures, rules)
        found += _market_share(name, office, period, workbooks, figures, rules)
        found += _attrition(name, office, period, workbooks, figures, rules)
    return found


def change_findings(dataset: Dataset, rules: Plausibility, blocked: set[OfficeQuarter]) -> list[Finding]:
    """The rules against earlier quarters; `blocked`: office-quarters with errors, never a yardstick."""
    found: list[Finding] = []
    quarters = office_quarters(dataset)
    for (office, period), workbooks in quarters.items():
        quarter = Period.parse(period)
        earlier = [str(quarter.previous), str(quarter.previous_year)]
        name = dataset.reference.office_label(office)
        for amount in AMOUNTS:
            facts = workbooks.get(amount.form)
            value = facts.figures.get(amount.key) if facts is not None else None
            if not value:
                continue  # nothing summed: no ratio to judge
            for other_period in earlier:
                other = _earlier_amount(dataset, quarters, blocked, office, period, other_period, amount)
                if other is None:
                    continue
                relation = _relation(value, other[0], other[1], rules.change_factor)
                if relation:
                    found.append(finding("plausible-change", **_where(facts, amount.sheet, amount.field, office, period),
                                         office=name, what=amount.what, amount=format_amount(value), relation=relation))
        found += _roster_emptied(name, office, period, workbooks, quarters, blocked, str(quarter.previous))
    return found


# ---------------------------------------------------------------------------------------------
# One office-quarter


def _attainment(name: str, office: str, period: str, workbooks: Workbooks, f: Figures,
                rules: Plausibility) -> Iterator[Finding]:
    """销售目标完成率 beyond its bounds: 疑似单位错误 (元 typed for 万元, or a target in 元)."""
    clients = workbooks.get(CLIENTS.id)
    if clients is None or f.sales is None or not f.target or f.sales <= 0:
        return  # zero sales is no slip of the unit
    rate = f.sales / f.target
    if rules.attainment_min <= rate <= rules.attainment_max:
        return
    cells = _sales_cells(clients)
    if rate > rules.attainment_max:
        detail = (f"客户表 {cells} 的本期销售额之和为 {format_amount(f.sales)} 万元，是销售目标 "
                  f"{format_amount(f.target)} 万元的 {format_amount(rate)} 倍"
                  f"{unit_hint(f.sales, '万元', '本期销售额')}（完成率 {_percent(rate / 10_000)}）")
    else:
        detail = (f"客户表 {cells} 的本期销售额之和为 {format_amount(f.sales)} 万元，而 {TARGETS_PLACE}的销售目标为 "
                  f"{format_amount(f.target)} 万元{unit_hint(f.target, '万元', '销售目标')}")
    yield finding("plausible-attainment", **_where(clients, CLIENT_SHEET, "sales", office, period), office=name,
                  rate=_percent(rate), low=_percent(rules.attainment_min), high=_percent(rules.attainment_max),
                  detail=detail)


def _market_share(name: str, office: str, period: str, workbooks: Workbooks, f: Figures,
                  rules: Plausibility) -> Iterator[Finding]:
    """市场占有率 above its bound (100 %): the office cannot sell more than its whole market."""
    clients = workbooks.get(CLIENTS.id)
    if clients is None or f.sales is None or not f.market_size:
        return
    share = f.sales / f.market_size
    if share <= rules.market_share_max:
        return
    detail = (f"请核对客户表 {_sales_cells(clients)} 的本期销售额与 {TARGETS_PLACE}的市场规模是否都按万元填写"
              f"{unit_hint(f.sales, '万元', '本期销售额')}")
    yield finding("plausible-market-share", **_where(clients, CLIENT_SHEET, "sales", office, period), office=name,
                  sales=format_amount(f.sales), market=format_amount(f.market_size), rate=_percent(share),
                  detail=detail)


def _attrition(name: str, office: str, period: str, workbooks: Workbooks, f: Figures,
               rules: Plausibility) -> Iterator[Finding]:
    """流失率 above its bound (100 %): more leavers than the quarter's average team."""
    roster = workbooks.get(RECRUITMENT.id)
    if roster is None or f.headcount_start is None or f.headcount_end is None:
        return
    average = (f.headcount_start + f.headcount_end) / 2
    if not average or len(f.leavers) / average <= rules.attrition_max:
        return
    yield finding("plausible-attrition", **_where(roster, ROSTER, "leave_date", office, period), office=name,
                  rate=_percent(len(f.leavers) / average), leavers=len(f.leavers), at_start=f.headcount_start,
                  at_end=f.headcount_end)


# ---------------------------------------------------------------------------------------------
# Against earlier quarters


def _earlier_amount(dataset: Dataset, quarters: dict[OfficeQuarter, Workbooks], blocked: set[OfficeQuarter],
                    office: str, period: str, earlier: str, amount: Amount) -> tuple[str, float] | None:
    """(how the earlier quarter is named, its amount) when it can be a yardstick, else None.

    Without last year's clients workbook, last year's sales are the 上年同期销售额 of this quarter's
    target row, as the growth KPI takes them.
    """
    if (office, earlier) in blocked:
        return None
    facts = quarters.get((office, earlier), {}).get(amount.form)
    if facts is not None:
        value = facts.figures.get(amount.key)
        return (earlier, value) if value else None
    target = dataset.reference.targets.get((office, period))
    if amount.key == "sales" and earlier == str(Period.parse(period).previous_year) and target is not None \
            and target.prior_sales:
        return f"{TARGETS_PLACE}中的上年同期销售额", target.prior_sales
    return None


def _relation(value: float, label: str, other: float, factor: float) -> str:
    """How `value` compares with an earlier amount, when beyond `factor` either way; '' otherwise."""
    if value > other * factor:
        return f"是 {label}（{format_amount(other)} 万元）的 {format_amount(value / other)} 倍"
    if value * factor < other:
        return f"不到 {label}（{format_amount(other)} 万元）的 1/{format_amount(factor)}"
    return ""


def _roster_emptied(name: str, office: str, period: str, workbooks: Workbooks,
                    quarters: dict[OfficeQuarter, Workbooks], blocked: set[OfficeQuarter],
                    previous: str) -> Iterator[Finding]:
    """A roster with nobody at the end of the quarter and no leavers, after a team last quarter."""
    roster = workbooks.get(RECRUITMENT.id)
    earlier = quarters.get((office, previous), {}).get(RECRUITMENT.id)
    if roster is None or earlier is None or (office, previous) in blocked:
        return
    before = earlier.figures.get("headcount_end") or 0
    if before and roster.figures.get("headcount_end") == 0 and not roster.figures.get("leavers"):
        yield finding("plausible-roster-empty", **_where(roster, ROSTER, "employee_id", office, period),
                      office=name, previous=previous, count=before)


# ---------------------------------------------------------------------------------------------


def _where(facts: WorkbookFacts, sheet: Sheet, key: str, office: str, period: str) -> dict[str, str]:
    """A dataset-level finding's place: the file, sheet and column it is about, and its office-period."""
    return {"file": facts.path, "sheet": sheet.name, "column": sheet.label(key), "office_id": office,
            "period": period}


def _sales_cells(clients: WorkbookFacts) -> str:
    """The cells summed into 销售额, e.g. G2:G41 (the source the reader recorded)."""
    return next((s.cells for what, s in clients.sources if what == "sales"), CLIENT_SHEET.column_letter("sales"))


def _percent(rate: float) -> str:
    """A rate as people read it: 15,626.04%, 5%, 0.01%."""
    return f"{format_amount(rate * 100)}%"


__all__ = ["AMOUNTS", "change_findings", "office_quarters", "quarter_findings"]
