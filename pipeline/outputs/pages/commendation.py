"""The results pages when policy.yaml says `publish: commendation`: the honours and the heads of the
top grade, the grade distribution and the company's KPIs — no other office's score, block score,
grade or rank, and no page per office (the privacy gate checks the first, build.py leaves out the
second; `withheld_scores` and `withheld_standing` are the gate's needles).

Pure: each function takes the run's `Results` and returns Markdown or plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...engine.model import ANNUAL, QUARTERLY, SCORED, Results, Scorecard
from ...engine.policy import PUBLISH_COMMENDATION
from ...periods import is_year
from .distribution import grade_chart
from .env import kpi_value, num, render


def commendation_only(results: Results) -> bool:
    """Whether the site publishes only the commended heads (the current policy's `publish`)."""
    return getattr(results.policy, "publish", "") == PUBLISH_COMMENDATION


def commended(results: Results, period: str) -> list[Scorecard]:
    """The cards of a period whose head is named publicly: the top grade or an honour; by office id
    (an order by score would tell the ranks)."""
    top = results.policy_for(period).grades[0].name
    return sorted((c for c in results.for_period(period) if c.status == SCORED and (c.grade == top or c.honours)),
                  key=lambda c: c.office_id)


def company_kpis(results: Results, period: str) -> list[tuple[str, str]]:
    """(KPI name, the mean over the period's scored offices, as shown) for each weighted KPI."""
    policy = results.policy_for(period)
    cycle = ANNUAL if is_year(period) else QUARTERLY
    cards = [c for c in results.for_period(period) if c.status == SCORED]
    rows = []
    for key, kpi in policy.kpis.items():
        if not kpi.weight[cycle]:
            continue
        values = [c.kpis[key].value for c in cards if key in c.kpis and c.kpis[key].value is not None]
        if values:
            rows.append((kpi.name, kpi_value(sum(values) / len(values), kpi.unit)))
    return rows


def published_numbers(results: Results) -> set[str]:
    """Numbers (as shown) that the commendation pages publish on purpose: the company's KPIs."""
    out: set[str] = set()
    for period in results.periods:
        for _, shown in company_kpis(results, period):
            out.add(shown.rstrip("%").removesuffix(" 分"))
    return out


SCORES_COLUMN = "考核结果 › 未受表彰的业务所的得分"
BLOCK_SCORES_COLUMN = "考核结果 › 未受表彰的业务所的板块得分"


def not_commended(results: Results) -> list[Scorecard]:
    """`publish: commendation`: the scored cards whose head is not named publicly (none otherwise)."""
    if not commendation_only(results):
        return []
    out = []
    for period in results.periods:
        named = {c.office_id for c in commended(results, period)}
        out += [c for c in results.for_period(period) if c.status == SCORED and c.office_id not in named]
    return out


def withheld_scores(results: Results) -> dict[str, set[str]]:
    """`publish: commendation`: the total and block scores (as pages show them) of every office-period
    not commended, by a column description: the privacy gate's needles. Empty otherwise.

    Numbers the pages publish on purpose (the company's KPIs) are left out."""
    hidden = not_commended(results)
    if not hidden:
        return {}
    published = published_numbers(results)
    totals = {num(c.score) for c in hidden if c.score is not None} - published
    blocks = {num(v) for c in hidden for v in c.block_scores.values() if v is not None} - published - totals
    return {column: values for column, values in ((SCORES_COLUMN, totals), (BLOCK_SCORES_COLUMN, blocks)) if values}


@dataclass
class Standing:
    """What the site must never show beside one office's name or id: its grades and ranks of the
    periods it is not commended in."""

    names: set[str] = field(default_factory=set)  # office id and name, as the pages write them
    grades: set[str] = field(default_factory=set)
    ranks: set[int] = field(default_factory=set)


def withheld_standing(results: Results) -> dict[str, Standing]:
    """`publish: commendation`: office id -> the grades and ranks the site withholds (the privacy
    gate looks for them shown as results beside the office). Empty otherwise."""
    out: dict[str, Standing] = {}
    for card in not_commended(results):
        standing = out.setdefault(card.office_id, Standing())
        standing.names |= {n for n in (card.office_id, card.office_name) if n}
        if card.grade:
            standing.grades.add(card.grade)
        if card.rank is not None:
            standing.ranks.add(card.rank)
    return out


def render_period_commendation(results: Results, period: str) -> str:
    """results/<period>.md in commendation mode."""
    policy = results.policy_for(period)
    cards = results.for_period(period)
    honours = []
    if is_year(period):
        named = commended(results, period)
        for name in (policy.excellent_head.name, policy.special_award.name, policy.promotion.name,
                     policy.development.name):
            honours.append((name, [c for c in named if name in c.honours]))
    return render("period_commendation.md.j2", page=f"results/{period}.md", period=period, policy=policy,
                  top=policy.grades[0].name, named=[c for c in commended(results, period)
                                                    if c.grade == policy.grades[0].name],
                  honours=honours, chart=grade_chart(results, period, cards), kpis=company_kpis(results, period),
                  scored=sum(c.status == SCORED for c in cards), total=len(cards),
                  closed=results.closed.get(period))


def render_offices_notice(results: Results) -> str:
    """offices/index.md in commendation mode: why there is no page per office."""
    return render("offices_notice.md.j2", page="offices/index.md", policy=results.policy)


__all__ = ["BLOCK_SCORES_COLUMN", "SCORES_COLUMN", "Standing", "commendation_only", "commended", "company_kpis",
           "not_commended", "published_numbers", "render_offices_notice", "render_period_commendation",
           "withheld_scores", "withheld_standing"]
