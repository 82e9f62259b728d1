"""Pages of a run's results: rankings per period, a scorecard per office, submissions, findings.

Each function takes the run's `Results` and returns Markdown text; `page_tasks` lists every page
with the function that renders it, and the build runs them (in several processes for a large
company) and writes them into the work folder. Offices are linked from the rankings and the
office index, never listed in the navigation, so the site stays navigable with a thousand offices.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ...engine.adjust import is_review_source, review_source, shown
from ...engine.counts import REVIEWS_NOTE, SCORING_NOTE, count
from ...engine.deadlines import ESTIMATED_MARK, INFORMATIONAL_NOTE, LATE, timeliness
from ...engine.model import ANNUAL, INCOMPLETE, INVALID, QUARTERLY, SCORED, STATUSES, Results, Scorecard
from ...engine.submissions import NOT_SUBMITTED, SUBMITTED, WITH_ERRORS, office_period_errors, submission_matrix
from ...findings import CATALOGUE, ERROR, INFO, WARNING, Finding, fix_text
from ...forms import OFFICE_FORMS
from ...periods import is_year, period_sort_key
from . import charts
from .commendation import commendation_only, commended, render_offices_notice, render_period_commendation
from .distribution import grade_chart
from .env import environment, office_page, render

SUBMISSION_LABELS = {SUBMITTED: "已提交", WITH_ERRORS: "有错误", NOT_SUBMITTED: "未提交"}
# findings whose message quotes an office's computed result or the value HR set after review
RESULT_QUOTING = frozenset({"review-stale", "review-value-invalid"})
RESULT_WITHHELD = "按公司规定网站不公布各业务所的考核结果，详情见人力资源部的考核结果工作簿"


@dataclass
class _Index:
    """What every office page looks up, worked out once per Results (1,000 pages stay linear)."""

    scorecards: list[Scorecard]
    size: int
    periods: list[str]
    by_office: dict[str, list[Scorecard]]
    counts: Counter  # scored offices per period
    accepted: dict[str, list[Finding]]  # office -> the findings HR accepted, by period
    errors: dict[str, list[str]]  # office -> periods with errors, in time order
    matrix: dict  # the submission board: period -> office -> form -> state
    board: dict  # deadlines.timeliness of it: period -> office -> form -> Timeliness (quarters with a deadline)


def _index(results: Results) -> _Index:
    index = getattr(results, "_pages_index", None)
    if index is None or index.scorecards is not results.scorecards or index.size != len(results.scorecards):
        by_office: dict[str, list[Scorecard]] = defaultdict(list)
        for card in results.scorecards:
            by_office[card.office_id].append(card)
        accepted: dict[str, list[Finding]] = defaultdict(list)
        for f in results.dataset.findings:
            if f.acceptance is not None and f.office_id:
                accepted[f.office_id].append(f)
        for items in accepted.values():
            items.sort(key=lambda f: (period_sort_key(f.period), f.sort_key()))
        order = {p: i for i, p in enumerate(results.periods)}
        errors: dict[str, list[str]] = defaultdict(list)
        for office_id, period in sorted(office_period_errors(results.dataset), key=lambda op: (op[0], order.get(op[1], -1), op[1])):
            errors[office_id].append(period)
        matrix = submission_matrix(results.dataset)
        index = _Index(results.scorecards, len(results.scorecards), results.periods, dict(by_office),
                       Counter(c.period for c in results.scorecards if c.status == SCORED), dict(accepted),
                       dict(errors), matrix, timeliness(results.dataset, matrix))
        results._pages_index = index  # built before the page processes fork: they inherit it
    return index


def period_order(results: Results) -> list[str]:
    """Results.periods, computed once per Results rather than once per office page."""
    return _index(results).periods


def scored(cards: list[Scorecard]) -> list[Scorecard]:
    """The scored cards in ranking order."""
    return sorted((c for c in cards if c.status == SCORED), key=lambda c: (c.rank or 10**9, -(c.score or 0), c.office_id))


def active_blocks(policy: Any, period: str) -> dict[str, str]:
    """Blocks with any weight in the period's cycle (a 0-weight block has no score to show)."""
    cycle = ANNUAL if is_year(period) else QUARTERLY
    return {b: name for b, name in policy.blocks.items() if any(k.weight[cycle] for k in policy.kpis_in_block(b))}


# ---------------------------------------------------------------------------------------------
# Rankings


def render_results_index(results: Results) -> str:
    """results/index.md: every period, newest first, with its winner."""
    rows = []
    only_commended = commendation_only(results)
    for period in reversed(period_order(results)):
        cards = results.for_period(period)
        top = scored(cards)[:1]
        rows.append({"period": period, "scored": sum(c.status == SCORED for c in cards), "total": len(cards),
                     "top": top[0] if top and not only_commended else None,
                     "commended": len(commended(results, period))})
    return render("results_index.md.j2", page="results/index.md", rows=rows, policy=results.policy,
                  commendation=only_commended)


def render_period(results: Results, period: str) -> str:
    """results/<period>.md: the ranking, the offices not scored and, for a year, the honours."""
    cards = results.for_period(period)
    ranked = scored(cards)
    others = sorted((c for c in cards if c.status != SCORED), key=lambda c: (STATUSES.index(c.status), c.office_id))
    honours = []
    policy = results.policy_for(period)
    if is_year(period):
        p = policy
        for name in (p.excellent_head.name, p.special_award.name, p.promotion.name, p.development.name):
            honours.append((name, [c for c in ranked if name in c.honours]))
    scores = [c.score for c in ranked if c.score is not None]
    return render("period.md.j2", page=f"results/{period}.md", period=period, policy=policy, ranked=ranked, others=others,
                  honours=honours, chart=grade_chart(results, period, cards),
                  blocks=active_blocks(policy, period), closed=results.closed.get(period),
                  average=sum(scores) / len(scores) if scores else None,
                  status_counts=Counter(c.status for c in cards))


# ---------------------------------------------------------------------------------------------
# Offices


@dataclass
class KpiRow:
    name: str
    block: str
    unit: str
    value: float | None
    score: float | None
    weight: float
    effective_weight: float
    contribution: float | None
    reason: str
    sources: list[Any] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)  # 经复核调整 of its value or score, in words (no approver)
    reviews: list[Any] = field(default_factory=list)  # its rows of reviews.xlsx › 调整 as sources (数据来源)


def public_adjustments(card: Scorecard) -> list[dict[str, str]]:
    """A card's adjustments after review as the site shows them: item, original, adjusted value and
    reason — never who approved them (a staff name: HR's outputs only)."""
    return [{"period": card.period, "item": a.item, "original": shown(a.original, a.what, a.kpi),
             "adjusted": shown(a.adjusted, a.what, a.kpi), "reason": a.reason} for a in card.adjustments]


def public_appeals(results: Results, office_id: str) -> list[dict[str, str]]:
    """An office's own appeals as its page shows them: period, dates and status — never what the
    appeal says or who handled it."""
    return [{"period": a.period, "filed_on": a.filed_on, "outcome": a.outcome, "settled_on": a.settled_on}
            for a in sorted(results.appeals_for(office_id), key=lambda a: (period_sort_key(a.period), a.filed_on))]


def kpi_rows(results: Results, card: Scorecard) -> list[KpiRow]:
    """The KPI table of a scorecard in the policy's order: value -> score -> weight -> contribution."""
    rows = []
    for key, kpi in results.policy.kpis.items():
        r = card.kpis.get(key)
        if r is None:
            continue
        adjusted = [f"{a.item}原为 {shown(a.original, a.what, a.kpi)}" for a in card.adjustments_of(key)]
        rows.append(KpiRow(kpi.name, results.policy.blocks[kpi.block], kpi.unit, r.value, r.score, r.weight,
                           r.effective_weight, r.contribution, r.reason,
                           [s for s in r.sources if not is_review_source(s)], adjusted, review_sources(card, key)))
    return rows


def review_sources(card: Scorecard, key: str) -> list[Any]:
    """A KPI's provenance after review, as 数据来源 shows it: its rows of 调整 — the card's own and, for
    a year, its quarters' it pools — each saying what changed, why and when HR approved it (no name).
    A card closed before its KPIs' sources recorded their adjustments gets them from the card."""
    result = card.kpis.get(key)
    recorded = [s for s in (result.sources if result else ()) if is_review_source(s)]
    seen = {s.what for s in recorded}
    missing = [src for a in card.adjustments_of(key) if (src := review_source(a)).what not in seen]
    return [*recorded, *missing]


def office_submissions(results: Results, office_id: str) -> list[dict[str, Any]]:
    """The office's own forms per quarter, newest first: 已提交 / 有错误 / 未提交 and, for a quarter
    with a deadline in 填报日程, 按时 / 迟交 N 天 (informational: nothing of it reaches a score)."""
    index = _index(results)
    deadlines = results.dataset.reference.deadlines
    rows = []
    for period in sorted(index.matrix, reverse=True):
        states = index.matrix[period].get(office_id)
        if states is None:
            continue
        timing = index.board.get(period, {}).get(office_id, {})
        rows.append({"period": period, "deadline": deadlines.get(period),
                     "forms": [{"state": states.get(f.id, NOT_SUBMITTED), "timing": timing.get(f.id)}
                               for f in OFFICE_FORMS]})
    return rows


def offices(results: Results) -> list[str]:
    """Every office with a page: HR's offices and any that has a scorecard, sorted."""
    ids = {c.office_id for c in results.scorecards} | set(results.dataset.reference.offices)
    return sorted(ids)


def _office_identity(results: Results, office_id: str) -> dict[str, str]:
    ref = results.dataset.reference.offices.get(office_id)
    cards = _index(results).by_office.get(office_id, [])
    latest = cards[-1] if cards else None
    return {
        "office_id": office_id,
        "name": (ref.name if ref else "") or (latest.office_name if latest else "") or office_id,
        # the head of the latest period (a change of head shows at once); the 业务所 sheet's otherwise
        "head": (latest.head if latest else "") or (ref.head if ref else ""),
        "region": (ref.region if ref else "") or (latest.region if latest else ""),
    }


def _ordered_cards(results: Results, office_id: str) -> list[Scorecard]:
    order = {p: i for i, p in enumerate(period_order(results))}
    return sorted(_index(results).by_office.get(office_id, []), key=lambda c: order.get(c.period, -1))


def render_office(results: Results, office_id: str) -> str:
    """offices/<id>.md: the latest quarter's and year's scorecards explained, trends, history."""
    counts = _index(results).counts
    cards = _ordered_cards(results, office_id)
    latest_q = next((c for c in reversed(cards) if c.status == SCORED and not is_year(c.period)), None)
    latest_y = next((c for c in reversed(cards) if c.status == SCORED and is_year(c.period)), None)
    quarters = [p for p in period_order(results) if not is_year(p)]
    by_period = {c.period: c for c in cards}
    score_series = [by_period[p].score if p in by_period and by_period[p].status == SCORED else None for p in quarters]
    trend = charts.line_chart(quarters, [("季度考核得分", score_series)], "季度考核得分趋势", auto_range=True)
    kpi_trends = []
    for block, block_name in results.policy.blocks.items():
        series = []
        for kpi in results.policy.kpis_in_block(block):
            if not kpi.weight[QUARTERLY]:
                continue
            vals = []
            for p in quarters:
                c = by_period.get(p)
                r = c.kpis.get(kpi.key) if c and c.status == SCORED else None
                vals.append(r.score if r else None)
            series.append((kpi.name, vals))
        if series and any(v is not None for _, vs in series for v in vs):
            caption = f"{block_name}：各指标得分趋势（季度）"
            kpi_trends.append((caption, charts.line_chart(quarters, series, caption, auto_range=True)))
    yoy = []
    for c in cards:
        prev_period = str(int(c.period[:4]) - 1) + c.period[4:]
        prev = by_period.get(prev_period)
        if c.status == SCORED and prev is not None and prev.status == SCORED:
            yoy.append({"period": c.period, "previous": prev_period, "score": c.score, "prev_score": prev.score,
                        "delta": c.score - prev.score})
    sections = []
    for card in (latest_q, latest_y):
        if card is not None:
            sections.append({"card": card, "rows": kpi_rows(results, card), "of": counts.get(card.period, 0),
                             "blocks": active_blocks(results.policy, card.period),
                             "adjusted": public_adjustments(card)})
    return render("office.md.j2", page=office_page(office_id), office=_office_identity(results, office_id), policy=results.policy,
                  sections=sections, cards=list(reversed(cards)), trend=trend, kpi_trends=kpi_trends,
                  yoy=list(reversed(yoy)), counts=counts, has_scores=any(s is not None for s in score_series),
                  accepted=_index(results).accepted.get(office_id, []),
                  adjustments=[a for c in cards for a in public_adjustments(c)],
                  appeals=public_appeals(results, office_id),
                  submissions=office_submissions(results, office_id), forms=OFFICE_FORMS,
                  labels=SUBMISSION_LABELS, informational=INFORMATIONAL_NOTE, ESTIMATED_MARK=ESTIMATED_MARK,
                  error_periods=_index(results).errors.get(office_id, []))


def render_offices_index(results: Results) -> str:
    """offices/index.md: every office with its latest scored result."""
    rows = []
    for office_id in offices(results):
        cards = _ordered_cards(results, office_id)
        latest = next((c for c in reversed(cards) if c.status == SCORED), None)
        rows.append({**_office_identity(results, office_id), "latest": latest})
    return render("offices_index.md.j2", page="offices/index.md", rows=rows, policy=results.policy)


# ---------------------------------------------------------------------------------------------
# Submissions and findings


def render_submissions(results: Results) -> str:
    """submissions.md: which office sent which form in each period."""
    matrix, board = _index(results).matrix, _index(results).board
    names = {o: _office_identity(results, o)["name"] for p in matrix for o in matrix[p]}
    periods = []
    for period in sorted(matrix, reverse=True):
        rows = matrix[period]
        tally = Counter(state for row in rows.values() for state in row.values())
        late = [o for o, row in rows.items() if any(s != SUBMITTED for s in row.values())]
        timing = board.get(period, {})
        overdue = sum(t.state == LATE for row in timing.values() for t in row.values())
        periods.append({"period": period, "rows": rows, "tally": tally, "late": late, "timing": timing,
                        "deadline": results.dataset.reference.deadlines.get(period), "overdue": overdue})
    return render("submissions.md.j2", page="submissions.md", periods=periods, forms=OFFICE_FORMS, names=names,
                  labels=SUBMISSION_LABELS, office_pages=not commendation_only(results), informational=INFORMATIONAL_NOTE, ESTIMATED_MARK=ESTIMATED_MARK)


def _office_of(finding: Any) -> str:
    if finding.office_id:
        return finding.office_id
    parts = finding.file.split("/")
    if len(parts) >= 4 and parts[0] == "submissions":
        return parts[2]
    return ""


# Why an office's quarter or year was not scored, as the validation page counts them.
UNSCORED_CAUSES = ((INVALID, "因数据有误而未评分"), (INCOMPLETE, "因数据不全而未评分"))


def unscored_sentence(cards: list[Scorecard]) -> str:
    """How many quarters' and years' assessments were not scored and why ("" when none), e.g.
    因数据不全而未评分：季度考核 1 个、年度考核 1 个（每个业务所的每个季度、每个年度各算一个考核）。"""
    causes = []
    for status, cause in UNSCORED_CAUSES:
        tally = Counter(is_year(c.period) for c in cards if c.status == status)
        kinds = [f"{kind} {tally[year]} 个" for year, kind in ((False, "季度考核"), (True, "年度考核")) if tally[year]]
        if kinds:
            causes.append(f"{cause}：{'、'.join(kinds)}")
    return f"{'；'.join(causes)}（每个业务所的每个季度、每个年度各算一个考核）。" if causes else ""


def _validation_order(f: Finding) -> tuple:
    """Findings of one file in place order; those of no file (scoring, submissions) in time order."""
    return (f.file, () if f.file else period_sort_key(f.period), f.sort_key())


def render_validation(results: Results) -> str:
    """校验报告: errors and warnings grouped by office and file, with places and fixes; no values."""
    # Validation's findings plus the assessment's own (a KPI that could not be computed).
    findings = sorted([*results.dataset.findings, *results.findings], key=_validation_order)
    shown = [f for f in findings if f.severity in (ERROR, WARNING)]
    if commendation_only(results):  # a review's message quotes an office's result: not published
        shown = [replace(f, message=f"{f.title}：{RESULT_WITHHELD}") if f.code in RESULT_QUOTING else f for f in shown]
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for f in shown:
        groups[_office_of(f)][f.file].append(f)
    names = {o: _office_identity(results, o)["name"] for o in groups if o}
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] != "", kv[0]))
    fixes = {code: fix_text(code) for code in CATALOGUE}
    tally = count(results.dataset.findings, results.findings)  # the counts every summary shows, 已确认 apart
    return render("validation.md.j2", page="validation.md", groups=ordered, names=names, fixes=fixes, tally=tally,
                  ERROR=ERROR, WARNING=WARNING, INFO=INFO, SCORING_NOTE=SCORING_NOTE, REVIEWS_NOTE=REVIEWS_NOTE,
                  unscored=unscored_sentence(results.scorecards))


def render_home_summary(results: Results, build_date: str) -> str:
    """The home page's summary of the latest quarter and year (filled into `<!-- site:summary -->`)."""
    latest = {}
    for period in period_order(results):
        if any(c.status == SCORED for c in results.for_period(period)):
            latest["year" if is_year(period) else "quarter"] = period
    blocks = []
    only_commended = commendation_only(results)
    for kind in ("quarter", "year"):
        period = latest.get(kind)
        if period:
            cards = results.for_period(period)
            blocks.append({"period": period, "top": [] if only_commended else scored(cards)[:3], "scored": sum(c.status == SCORED for c in cards),
                           "total": len(cards), "chart": grade_chart(results, period, cards)})
    return render("home_summary.md.j2", page="index.md", blocks=blocks, build_date=build_date,
                  policy=results.policy, error_count=results.dataset.error_count())


def page_tasks(results: Results) -> list[tuple[str, Callable[..., str], tuple]]:
    """(path, render, args) for every results page: render(results, *args) is its Markdown.

    The few big pages come first (the periods, the submission board), then the offices: a build
    that hands them to several processes in this order sees them finish together.
    """
    _index(results)  # worked out and compiled here, before a build's page processes fork
    for template in _TEMPLATES:
        environment().get_template(template)
    tasks: list[tuple[str, Callable[..., str], tuple]] = [("results/index.md", render_results_index, ())]
    if commendation_only(results):  # policy.yaml `publish: commendation`: no scores, no page per office
        tasks += [(f"results/{period}.md", render_period_commendation, (period,)) for period in period_order(results)]
        return [*tasks, ("submissions.md", render_submissions, ()), ("validation.md", render_validation, ()),
                ("offices/index.md", render_offices_notice, ())]
    tasks += [(f"results/{period}.md", render_period, (period,)) for period in period_order(results)]
    tasks += [("submissions.md", render_submissions, ()), ("validation.md", render_validation, ()),
              ("offices/index.md", render_offices_index, ())]
    tasks += [(office_page(o), render_office, (o,)) for o in offices(results)]
    return tasks


_TEMPLATES = ("results_index.md.j2", "period.md.j2", "submissions.md.j2", "validation.md.j2",
              "offices_index.md.j2", "office.md.j2", "period_commendation.md.j2", "offices_notice.md.j2")


def render_results_pages(results: Results) -> dict[str, str]:
    """Every results page, rendered here one after another: docs-relative path -> Markdown."""
    return {path: make(results, *args) for path, make, args in page_tasks(results)}
