"""Dataset + Policy -> Results: a scorecard per office in the reference and per period.

Periods are every quarter that has a target or a submission, and every year with such a quarter.
Statuses (model.STATUSES):
- quarter: `invalid` when the office-period has error findings; else `missing` when none of the
  four forms was submitted; `incomplete` when some but not all were (a quarter is scored only on
  all four forms); else `scored`.
- year: `scored` only when all four quarters are scored (SPEC §5: pooled over the quarters);
  `missing` when the office submitted nothing that year; otherwise `incomplete`.
Only scored cards carry KPIs. KPI N/A warnings (`kpi-not-available`, weighted KPIs of scored
cards only) go to `Results.findings`; `Dataset.findings` is left as validation made it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .findings import Finding, finding
from .forms import OFFICE_FORMS
from .kpi import Figures, informational, kpi_results, pool, quarter_figures
from .model import INCOMPLETE, INVALID, MISSING, SCORED, STATUS_LABELS, Dataset, Period, Results, Scorecard
from .policy import Policy
from .scoring import assign_ranks, award_honours, bonus_amount, bonus_coefficient, score_kpis
from .validation import office_period_errors

QUARTERLY, ANNUAL = "quarterly", "annual"
FORM_IDS = tuple(f.id for f in OFFICE_FORMS)
FORM_TITLES = {f.id: f.title for f in OFFICE_FORMS}


def period_sort_key(period: str) -> tuple:
    """2025Q1 … 2025Q4, 2025, 2026Q1 …: a year after its quarters."""
    return (period[:4], len(period) == 4, period)


def assess(dataset: Dataset, policy: Policy, errors: set[tuple[str, str]] | None = None,
           periods: list[str] | None = None, offices: set[str] | None = None) -> Results:
    """Score every office in every period; `errors` defaults to validation's office-period errors.

    A rerun scores one office this way (pipeline/rerun.py): `periods` are then the whole data
    folder's and `offices` the ones to score; its ranks and honours are made over every office.
    """
    errors = office_period_errors(dataset) if errors is None else errors
    ref = dataset.reference
    quarters = sorted(p for p in (dataset.periods if periods is None else periods) if _is_quarter(p))
    chosen = sorted(ref.offices if offices is None else set(offices) & set(ref.offices))
    cards: list[Scorecard] = []
    kpi_findings: list[Finding] = []
    figures: dict[tuple[str, str], Figures] = {}
    for period in quarters:
        for office_id in chosen:
            card, fig = _quarter_card(dataset, policy, office_id, period, errors)
            if fig is not None:
                figures[(office_id, period)] = fig
            cards.append(card)
    quarter_status = {(c.office_id, c.period): c.status for c in cards}
    for year in sorted({p[:4] for p in quarters}):
        for office_id in chosen:
            cards.append(_year_card(dataset, policy, office_id, int(year), quarter_status, figures))
    for period in {c.period for c in cards}:
        assign_ranks(c for c in cards if c.period == period)
    award_honours([c for c in cards if c.cycle == ANNUAL], policy)
    for card in cards:
        if card.status == SCORED:
            kpi_findings.extend(_na_findings(card, policy))
    cards.sort(key=lambda c: (period_sort_key(c.period), c.office_id))
    return Results(policy=policy, dataset=dataset, scorecards=cards, findings=kpi_findings)


def _is_quarter(period: str) -> bool:
    try:
        Period.parse(period)
    except ValueError:
        return False
    return True


def _blank_card(dataset: Dataset, office_id: str, period: str, cycle: str) -> Scorecard:
    office = dataset.reference.offices[office_id]
    return Scorecard(period=period, cycle=cycle, office_id=office_id, office_name=office.name,
                     head=office.head, region=office.region)


def _quarter_card(dataset: Dataset, policy: Policy, office_id: str, period: str,
                  errors: set[tuple[str, str]]) -> tuple[Scorecard, Figures | None]:
    card = _blank_card(dataset, office_id, period, QUARTERLY)
    workbooks = {form: wb for form in FORM_IDS if (wb := dataset.submissions.get((period, office_id, form)))}
    target = dataset.reference.targets.get((office_id, period))
    if (office_id, period) in errors:
        card.status, card.status_reason = INVALID, "本期提交的数据有错误,请查看校验问题并更正后重新提交"
        return card, None
    if not workbooks:
        card.status, card.status_reason = MISSING, "本期未提交任何表格"
        return card, None
    if len(workbooks) < len(FORM_IDS):
        absent = "、".join(f"《{FORM_TITLES[f]}》" for f in FORM_IDS if f not in workbooks)
        card.status, card.status_reason = INCOMPLETE, f"未提交{absent},本期不评分"
        return card, None
    if target is None:  # validation reports this as an error; guard against a dataset built without it
        card.status, card.status_reason = INVALID, "《季度目标》中没有本所本期的销售目标"
        return card, None
    prior_period = str(Period.parse(period).previous_year)
    prior_clients = None
    if (office_id, prior_period) not in errors:
        prior_clients = dataset.submissions.get((prior_period, office_id, "clients"))
    fig = quarter_figures(Period.parse(period), workbooks, target, dataset.reference.workbook, prior_clients)
    _score(card, fig, policy, QUARTERLY)
    if card.status == SCORED:
        base = dataset.reference.offices[office_id].bonus_base
        card.bonus_coefficient = bonus_coefficient(card.score, card.grade, policy)
        card.bonus_amount = bonus_amount(card.bonus_coefficient, base)
    return card, fig


def _year_card(dataset: Dataset, policy: Policy, office_id: str, year: int,
               quarter_status: dict[tuple[str, str], str], figures: dict[tuple[str, str], Figures]) -> Scorecard:
    card = _blank_card(dataset, office_id, str(year), ANNUAL)
    periods = [f"{year}Q{q}" for q in range(1, 5)]
    statuses = {p: quarter_status.get((office_id, p), MISSING) for p in periods}
    if all(s == MISSING for s in statuses.values()):
        card.status, card.status_reason = MISSING, "本年度未提交任何表格"
        return card
    not_scored = [p for p in periods if statuses[p] != SCORED or (office_id, p) not in figures]
    if not_scored:
        detail = "、".join(f"{p}({STATUS_LABELS[statuses[p]]})" for p in not_scored)
        card.status, card.status_reason = INCOMPLETE, f"年度考核需四个季度均已评分;{detail}"
        return card
    _score(card, pool([figures[(office_id, p)] for p in periods]), policy, ANNUAL)
    return card


def _score(card: Scorecard, fig: Figures, policy: Policy, cycle: str) -> None:
    total = score_kpis(kpi_results(fig), policy, cycle)
    card.sales, card.sales_target = fig.sales, fig.target
    card.kpis, card.block_scores = total.kpis, total.block_scores
    card.informational = informational(fig)
    if total.score is None:
        card.status, card.status_reason = INCOMPLETE, "所有计分指标均无法计算,本期不评分"
        return
    card.status, card.score = SCORED, total.score
    card.grade = policy.grade_for(total.score)


def _na_findings(card: Scorecard, policy: Policy) -> Iterable[Finding]:
    for key, result in card.kpis.items():
        if result.value is None and result.weight > 0:
            yield finding("kpi-not-available", office_id=card.office_id, period=card.period,
                          office=f"{card.office_name}({card.office_id})", kpi=policy.kpis[key].name,
                          reason=result.reason)
