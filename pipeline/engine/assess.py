"""Dataset + Policy -> Results: a scorecard per office in the reference and per period.

Periods are every quarter that has a target or a submission, and every year with such a quarter.
Statuses (model.STATUSES):
- quarter: `invalid` when the office-period has error findings; else `missing` when none of the
  four forms was submitted; `incomplete` when some but not all were (a quarter is scored only on
  all four forms); else `scored`.
- year: `scored` only when all four quarters are scored (SPEC §5: pooled over the quarters);
  `missing` when the office submitted nothing that year; otherwise `incomplete`.
Only scored cards carry KPIs. KPI N/A warnings (`kpi-not-available`, weighted KPIs of scored
cards only) go to `Results.findings`; `Dataset.findings` is left as checking made it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Finding, finding
from ..forms import CLIENTS, OFFICE_FORMS
from ..periods import Period, is_year, period_label, period_sort_key, quarters_of
from .kpi import Figures, informational, kpi_results, pool, quarter_figures
from .model import ANNUAL, INCOMPLETE, INVALID, MISSING, QUARTERLY, SCORED, STATUS_LABELS, Dataset, Results, Scorecard
from .policy import Policy
from .scoring import assign_ranks, award_honours, bonus_amount, bonus_coefficient, score_kpis
from .submissions import office_period_errors

FORM_IDS = tuple(f.id for f in OFFICE_FORMS)
FORM_TITLES = {f.id: f.title for f in OFFICE_FORMS}


def assess(dataset: Dataset, policy: Policy) -> Results:
    """Score every office of the reference in every period."""
    errors = office_period_errors(dataset)
    quarters = [p for p in dataset.periods if not is_year(p)]
    offices = sorted(dataset.reference.offices)
    cards: list[Scorecard] = []
    figures: dict[tuple[str, str], Figures] = {}
    for period in quarters:
        for office_id in offices:
            card, fig = _quarter_card(dataset, policy, office_id, period, errors)
            if fig is not None:
                figures[(office_id, period)] = fig
            cards.append(card)
    quarter_status = {(c.office_id, c.period): c.status for c in cards}
    for year in sorted({p[:4] for p in quarters}):
        for office_id in offices:
            cards.append(_year_card(dataset, policy, office_id, int(year), quarter_status, figures))
    by_period: dict[str, list[Scorecard]] = {}
    for card in cards:
        by_period.setdefault(card.period, []).append(card)
    for period_cards in by_period.values():
        assign_ranks(period_cards)
    award_honours([c for c in cards if c.cycle == ANNUAL], policy)
    kpi_findings = [f for card in cards if card.status == SCORED for f in _na_findings(card, policy)]
    cards.sort(key=lambda c: (period_sort_key(c.period), c.office_id))
    return Results(policy=policy, dataset=dataset, scorecards=cards, findings=kpi_findings)


def _blank_card(dataset: Dataset, office_id: str, period: str, cycle: str) -> Scorecard:
    office = dataset.reference.offices[office_id]
    return Scorecard(period=period, cycle=cycle, office_id=office_id, office_name=office.name,
                     head=office.head, region=office.region)


def _quarter_card(dataset: Dataset, policy: Policy, office_id: str, period: str,
                  errors: set[tuple[str, str]]) -> tuple[Scorecard, Figures | None]:
    card = _blank_card(dataset, office_id, period, QUARTERLY)
    workbooks = {form: facts for form in FORM_IDS if (facts := dataset.submissions.get((period, office_id, form)))}
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
    if target is None:  # checking reports this as an error; guard against a data set built without it
        card.status, card.status_reason = INVALID, "《季度目标》中没有本所本期的销售目标"
        return card, None
    quarter = Period.parse(period)
    prior_period = str(quarter.previous_year)
    prior_clients = None
    if (office_id, prior_period) not in errors:
        prior_clients = dataset.submissions.get((prior_period, office_id, CLIENTS.id))
    fig = quarter_figures(quarter, workbooks, target, dataset.reference.facts, prior_clients)
    _score(card, fig, policy, QUARTERLY)
    if card.status == SCORED:
        base = dataset.reference.offices[office_id].bonus_base
        card.bonus_coefficient = bonus_coefficient(card.score, card.grade, policy)
        card.bonus_amount = bonus_amount(card.bonus_coefficient, base)
    return card, fig


def _year_card(dataset: Dataset, policy: Policy, office_id: str, year: int,
               quarter_status: dict[tuple[str, str], str], figures: dict[tuple[str, str], Figures]) -> Scorecard:
    card = _blank_card(dataset, office_id, str(year), ANNUAL)
    periods = quarters_of(year)
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
                          office=f"{card.office_name}（{card.office_id}）", period_name=period_label(card.period),
                          kpi=policy.kpis[key].name,
                          reason=result.reason)


__all__ = ["FORM_IDS", "FORM_TITLES", "assess"]
