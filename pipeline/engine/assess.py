"""Dataset + Policy -> Results: a scorecard per office in the reference and per period.

Periods are every quarter that has a target or a submission, and every year with such a quarter.
Statuses (model.STATUSES):
- quarter: `invalid` when the office-period has error findings; else `missing` when none of the
  four forms was submitted; `incomplete` when a form is missing that a KPI weighted in the
  quarterly cycle reads (kpi.KPI_FORMS); else `scored` — a missing weightless form (projects, by
  default) gets a note on the card and a `submission-missing-weightless` warning (SPEC §8).
- year: `scored` only when all four quarters are scored and none lacks a form weighted in the
  annual cycle (SPEC §5: pooled over the quarters); `missing` when the office submitted nothing
  that year; otherwise `incomplete`.
Every card names the head of its period (heads.head_of). HR's adjustments after review
(reviews.xlsx, engine.adjust) are applied to the open periods' cards before ranking, so ranks,
bonuses and honours follow them: the quarters' first, so that a year pools its quarters' adjusted
KPI values (engine.carry), then the years' own. The appeals go to `Results.appeals`. Only scored cards carry KPIs. KPI N/A
warnings (`kpi-not-available`, weighted KPIs of scored cards only) and the weightless-form warnings
go to `Results.findings`; `Dataset.findings` is left as checking made it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Finding, finding
from ..forms import CLIENTS, OFFICE_FORMS
from ..intake.layout import REVIEWS_FILE
from ..periods import Period, is_year, period_label, period_sort_key, quarters_of
from .adjust import apply_adjustments
from .carry import Quarter, carried
from .heads import head_of
from .kpi import KPI_FORMS, Figures, informational, kpi_results, pool, quarter_figures
from .model import (
    ANNUAL,
    INCOMPLETE,
    INVALID,
    MISSING,
    QUARTERLY,
    SCORED,
    STATUS_LABELS,
    Appeal,
    Dataset,
    Results,
    Scorecard,
)
from .policy import Policy
from .policy_history import PolicyHistory, single
from .reviews import AdjustmentRow, adjusted_pairs, adjustment_rows, appeals
from .scoring import assign_ranks, award_honours, bonus_amount, bonus_coefficient, score_kpis
from .submissions import office_period_errors

FORM_IDS = tuple(f.id for f in OFFICE_FORMS)
FORM_TITLES = {f.id: f.title for f in OFFICE_FORMS}


def assess(dataset: Dataset, policy: Policy | PolicyHistory) -> Results:
    """Score every office of the reference in every open period; closed periods as they were frozen.

    `policy`: one Policy for every period, or the versions (each open period under the one in force).
    A closed period's cards come verbatim from its record (dataset.closed); its quarters' frozen
    figures feed the open periods that need them (a year's pooled KPIs, next year's growth).
    """
    history = policy if isinstance(policy, PolicyHistory) else single(policy)
    frozen = {p: r for p, r in dataset.closed.items() if r.closed}
    errors = office_period_errors(dataset)
    quarters = sorted({p for p in dataset.periods if not is_year(p)} | {p for p in frozen if not is_year(p)})
    offices = sorted(dataset.reference.offices)
    cards: list[Scorecard] = []
    figures: dict[tuple[str, str], Figures] = {}
    for record in frozen.values():
        figures.update(record.figures)
    opened: set[str] = set()
    found: list[Finding] = []
    for period in quarters:
        if period in frozen:
            cards += frozen[period].cards
            continue
        opened.add(period)
        for office_id in offices:
            card, fig = _quarter_card(dataset, history.for_period(period), office_id, period, errors, figures)
            if fig is not None:
                figures[(office_id, period)] = fig
                found += _weightless_findings(dataset, card)
            cards.append(card)
    review = _Review(dataset, history, opened, frozen)
    cards = review.apply(cards, quarters=True)
    quarter_cards = {(c.office_id, c.period): c for c in cards}
    for year in sorted({p[:4] for p in quarters}):
        if year in frozen:
            cards += frozen[year].cards
            continue
        opened.add(year)
        for office_id in offices:
            cards.append(_year_card(dataset, history.for_period(year), office_id, int(year), quarter_cards, figures))
    cards = review.apply(cards, quarters=False)
    appeals, review_findings = review.appeals()
    by_period: dict[str, list[Scorecard]] = {}
    for card in cards:
        by_period.setdefault(card.period, []).append(card)
    for period in opened:
        assign_ranks(by_period.get(period, ()))  # a period has no card when the reference names no office
    annual = [c for c in cards if c.cycle == ANNUAL]
    for year in sorted(p for p in opened if is_year(p)):
        # 晋升优先 looks back at earlier years, closed ones included, as they were frozen
        award_honours(annual, history.for_period(year), only=year)
    found += [f for card in cards if card.status == SCORED and card.period in opened
              for f in _na_findings(card, history.for_period(card.period))]
    cards.sort(key=lambda c: (period_sort_key(c.period), c.office_id))
    return Results(policy=history.current, dataset=dataset, scorecards=cards, findings=[*found, *review_findings],
                   policies=history, figures=figures, appeals=appeals)


class _Review:
    """HR's reviews (reviews.xlsx): its rows of 调整 read once, applied to the quarters' cards and
    then to the years' (engine.adjust); its appeals; the findings of both (engine.reviews)."""

    def __init__(self, dataset: Dataset, history: PolicyHistory, opened: set[str], frozen: dict) -> None:
        self.facts = next((f for f in dataset.workbooks if f.path == REVIEWS_FILE), None)
        self.dataset, self.history, self.opened, self.frozen = dataset, history, opened, frozen
        self.rows: list[AdjustmentRow] = []
        self.findings: list[Finding] = []
        if self.facts is not None:
            grades = tuple(g.name for g in history.current.grades)
            self.rows, self.findings = adjustment_rows(self.facts, dataset.reference, grades)

    def apply(self, cards: list[Scorecard], *, quarters: bool) -> list[Scorecard]:
        """The cards with the rows of the quarters (or of the years) applied."""
        rows = [r for r in self.rows if is_year(r.period) != quarters]
        if self.facts is None or not rows:
            return cards
        offices = self.dataset.reference.offices
        cards, refused = apply_adjustments(
            cards, rows, path=self.facts.path, opened=self.opened, frozen=self.frozen,
            policy_for=self.history.for_period, version=self.facts.version or "", sha256=self.facts.sha256,
            bonus_base=lambda office: offices[office].bonus_base if office in offices else None,
            label=self.dataset.reference.office_label)
        self.findings += refused
        return cards

    def appeals(self) -> tuple[list[Appeal], list[Finding]]:
        """The appeals, and every finding of the reviews (reading, adjusting, appeals)."""
        if self.facts is None:
            return [], []
        reference = self.dataset.reference
        appealed, found = appeals(self.facts, reference, adjusted_pairs(self.facts, reference))
        return appealed, [*self.findings, *found]


def weighted_forms(policy: Policy, cycle: str) -> set[str]:
    """The office forms a KPI weighted in `cycle` reads: without one of them the cycle is not scored."""
    return {form for key, spec in policy.kpis.items() if spec.weight[cycle] > 0
            for form in KPI_FORMS.get(key, FORM_IDS)}


def absent_forms(dataset: Dataset, office_id: str, period: str) -> list[str]:
    """The office forms with no accepted workbook for the office-quarter, in FORM_IDS order."""
    return [f for f in FORM_IDS if (period, office_id, f) not in dataset.submissions]


def _blank_card(dataset: Dataset, office_id: str, period: str, cycle: str) -> Scorecard:
    office = dataset.reference.offices[office_id]
    head = head_of(office, dataset.reference.tenures.get(office_id), period)
    return Scorecard(period=period, cycle=cycle, office_id=office_id, office_name=office.name,
                     head=head.name, head_id=head.head_id, region=office.region,
                     notes=(head.note,) if head.note else ())


def _quarter_card(dataset: Dataset, policy: Policy, office_id: str, period: str, errors: set[tuple[str, str]],
                  figures: dict[tuple[str, str], Figures]) -> tuple[Scorecard, Figures | None]:
    card = _blank_card(dataset, office_id, period, QUARTERLY)
    workbooks = {form: facts for form in FORM_IDS if (facts := dataset.submissions.get((period, office_id, form)))}
    target = dataset.reference.targets.get((office_id, period))
    if (office_id, period) in errors:
        card.status, card.status_reason = INVALID, "本期提交的数据有错误，请查看校验问题并更正后重新提交"
        return card, None
    if not workbooks:
        card.status, card.status_reason = MISSING, "本期未提交任何表格"
        return card, None
    absent = [f for f in FORM_IDS if f not in workbooks]
    if set(absent) & weighted_forms(policy, QUARTERLY):
        names = "、".join(f"《{FORM_TITLES[f]}》" for f in absent)
        card.status, card.status_reason = INCOMPLETE, f"未提交{names}，本期不评分"
        return card, None
    if target is None:  # checking reports this as an error; guard against a data set built without it
        card.status, card.status_reason = INVALID, "《季度目标》中没有本所本期的销售目标"
        return card, None
    quarter = Period.parse(period)
    prior_period = str(quarter.previous_year)
    prior_clients = None
    prior_frozen = figures.get((office_id, prior_period)) if prior_period in dataset.closed and \
        dataset.closed[prior_period].closed else None
    if prior_frozen is None and (office_id, prior_period) not in errors:
        prior_clients = dataset.submissions.get((prior_period, office_id, CLIENTS.id))
    fig = quarter_figures(quarter, workbooks, target, dataset.reference.facts, prior_clients, prior_frozen)
    _score(card, fig, policy, QUARTERLY)
    if absent:
        names = "、".join(f"《{FORM_TITLES[f]}》" for f in absent)
        card.notes += (f"未提交{names}；其指标在季度考核中权重为 0，本期照常评分",)
    if card.status == SCORED:
        base = dataset.reference.offices[office_id].bonus_base
        card.bonus_coefficient = bonus_coefficient(card.score, card.grade, policy)
        card.bonus_amount = bonus_amount(card.bonus_coefficient, base)
    return card, fig


def _year_card(dataset: Dataset, policy: Policy, office_id: str, year: int,
               quarter_cards: dict[tuple[str, str], Scorecard], figures: dict[tuple[str, str], Figures]) -> Scorecard:
    card = _blank_card(dataset, office_id, str(year), ANNUAL)
    periods = quarters_of(year)
    statuses = {p: c.status if (c := quarter_cards.get((office_id, p))) else MISSING for p in periods}
    if all(s == MISSING for s in statuses.values()):
        card.status, card.status_reason = MISSING, "本年度未提交任何表格"
        return card
    not_scored = [p for p in periods if statuses[p] != SCORED or (office_id, p) not in figures]
    if not_scored:
        detail = "、".join(f"{p}（{STATUS_LABELS[statuses[p]]}）" for p in not_scored)
        card.status, card.status_reason = INCOMPLETE, f"年度考核需四个季度均已评分；{detail}"
        return card
    needed = weighted_forms(policy, ANNUAL)
    lacking = [(p, f) for p in periods for f in absent_forms(dataset, office_id, p) if f in needed]
    if lacking:
        detail = "、".join(f"{p}《{FORM_TITLES[f]}》" for p, f in lacking)
        card.status, card.status_reason = INCOMPLETE, f"年度考核计分的表格未提交：{detail}"
        return card
    # the quarters' KPI values adjusted after review are pooled as adjusted (engine.carry)
    quarters = [Quarter(p, figures[(office_id, p)], quarter_cards[(office_id, p)]) for p in periods]
    pooled = pool([q.figures for q in quarters])
    kpis, notes = carried(kpi_results(pooled), quarters)
    _score(card, pooled, policy, ANNUAL, kpis)
    card.notes += tuple(notes)
    return card


def _score(card: Scorecard, fig: Figures, policy: Policy, cycle: str, kpis: dict | None = None) -> None:
    """Score the card from its figures (`kpis`: their KPI results, when worked out already)."""
    total = score_kpis(kpi_results(fig) if kpis is None else kpis, policy, cycle)
    card.sales, card.sales_target = fig.sales, fig.target
    card.kpis, card.block_scores = total.kpis, total.block_scores
    card.informational = informational(fig)
    if total.score is None:
        card.status, card.status_reason = INCOMPLETE, "所有计分指标均无法计算，本期不评分"
        return
    card.status, card.score = SCORED, total.score
    card.grade = policy.grade_for(total.score)


def _weightless_findings(dataset: Dataset, card: Scorecard) -> Iterable[Finding]:
    """`submission-missing-weightless` for each form a scored quarter was scored without."""
    if card.status != SCORED:
        return
    for form in absent_forms(dataset, card.office_id, card.period):
        yield finding("submission-missing-weightless", office_id=card.office_id, period=card.period,
                      office=card.office_label, form=FORM_TITLES[form])


def _na_findings(card: Scorecard, policy: Policy) -> Iterable[Finding]:
    for key, result in card.kpis.items():
        if result.value is None and result.weight > 0:
            yield finding("kpi-not-available", office_id=card.office_id, period=card.period,
                          office=card.office_label, period_name=period_label(card.period),
                          kpi=policy.kpis[key].name,
                          reason=result.reason)


__all__ = ["FORM_IDS", "FORM_TITLES", "absent_forms", "assess", "weighted_forms"]
