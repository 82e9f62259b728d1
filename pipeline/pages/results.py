"""Pages of a run's results: rankings per period, a scorecard per office, submissions, findings.

Each function takes the run's `Results` (or its Dataset) and returns Markdown text; the build
writes them into the work folder. Offices are linked from the rankings and the office index,
never listed in the navigation, so the site stays navigable with a thousand offices.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from .. import charts
from ..escape import clean_text, slug
from ..findings import CATALOGUE, ERROR, INFO, WARNING
from ..forked import can_fork, forked_map
from ..forms import OFFICE_FORMS
from ..model import INCOMPLETE, INVALID, MISSING, SCORED, STATUSES, Results, Scorecard
from .env import environment, is_year, period_label, render
from .reference import fix_text

SUBMISSION_LABELS = {"submitted": "已提交", "errors": "有错误", "missing": "未提交"}


def office_page(office_id: str) -> str:
    """Path of an office's page inside the docs folder."""
    return f"offices/{slug(office_id)}.md"


def period_order(results: Results) -> list[str]:
    """Results.periods, computed once per Results rather than once per office page."""
    cached = getattr(results, "_pages_periods", None)
    if cached is None or cached[0] != len(results.scorecards):
        cached = (len(results.scorecards), results.periods)
        results._pages_periods = cached
    return cached[1]


def scored(cards: list[Scorecard]) -> list[Scorecard]:
    return sorted((c for c in cards if c.status == SCORED), key=lambda c: (c.rank or 10**9, -(c.score or 0), c.office_id))


def active_blocks(policy: Any, period: str) -> dict[str, str]:
    """Blocks with any weight in the period's cycle (a 0-weight block has no score to show)."""
    cycle = "annual" if is_year(period) else "quarterly"
    return {b: name for b, name in policy.blocks.items() if any(k.weight[cycle] for k in policy.kpis_in_block(b))}


def grade_counts(results: Results, cards: list[Scorecard]) -> list[tuple[str, int]]:
    counts = Counter(c.grade for c in cards if c.status == SCORED)
    return [(g.name, counts.get(g.name, 0)) for g in results.policy.grades]


def grade_chart(results: Results, period: str, cards: list[Scorecard]) -> str:
    n = len(results.policy.grades)
    return charts.distribution_chart(grade_counts(results, cards), f"{period_label(period)}考核等级分布",
                                     classes=[f"grade-{i + 1}" for i in range(n)])


# ---------------------------------------------------------------------------------------------
# Rankings


def render_results_index(results: Results) -> str:
    rows = []
    for period in reversed(period_order(results)):
        cards = results.for_period(period)
        top = scored(cards)[:1]
        rows.append({"period": period, "scored": sum(c.status == SCORED for c in cards), "total": len(cards),
                     "top": top[0] if top else None})
    return render("results_index.md.j2", page="results/index.md", rows=rows, policy=results.policy)


def render_period(results: Results, period: str) -> str:
    cards = results.for_period(period)
    ranked = scored(cards)
    others = sorted((c for c in cards if c.status != SCORED), key=lambda c: (STATUSES.index(c.status), c.office_id))
    honours = []
    if is_year(period):
        p = results.policy
        for name in (p.excellent_head.name, p.special_award.name, p.promotion.name, p.development.name):
            honours.append((name, [c for c in ranked if name in c.honours]))
    scores = [c.score for c in ranked if c.score is not None]
    return render("period.md.j2", page=f"results/{period}.md", period=period, policy=results.policy, ranked=ranked, others=others,
                  honours=honours, chart=grade_chart(results, period, cards),
                  blocks=active_blocks(results.policy, period),
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


def kpi_rows(results: Results, card: Scorecard) -> list[KpiRow]:
    """The KPI table of a scorecard in the policy's order: value -> score -> weight -> contribution."""
    rows = []
    for key, kpi in results.policy.kpis.items():
        r = card.kpis.get(key)
        if r is None:
            continue
        rows.append(KpiRow(kpi.name, results.policy.blocks[kpi.block], kpi.unit, r.value, r.score, r.weight,
                           r.effective_weight, r.contribution, r.reason, list(r.sources)))
    return rows


def offices(results: Results) -> list[str]:
    ids = {c.office_id for c in results.scorecards} | set(results.dataset.reference.offices)
    return sorted(ids)


def _by_office(results: Results) -> dict[str, list[Scorecard]]:
    """Scorecards per office, built once per Results (pages for 1,000 offices stay linear)."""
    cached = getattr(results, "_pages_by_office", None)
    if cached is None or cached[0] is not results.scorecards or cached[1] != len(results.scorecards):
        index: dict[str, list[Scorecard]] = defaultdict(list)
        for card in results.scorecards:
            index[card.office_id].append(card)
        cached = (results.scorecards, len(results.scorecards), dict(index))
        results._pages_by_office = cached
    return cached[2]


def _office_identity(results: Results, office_id: str) -> dict[str, str]:
    ref = results.dataset.reference.offices.get(office_id)
    cards = _by_office(results).get(office_id, [])
    latest = cards[-1] if cards else None
    return {
        "office_id": office_id,
        "name": (ref.name if ref else "") or (latest.office_name if latest else "") or office_id,
        "head": (ref.head if ref else "") or (latest.head if latest else ""),
        "region": (ref.region if ref else "") or (latest.region if latest else ""),
    }


def _ordered_cards(results: Results, office_id: str) -> list[Scorecard]:
    order = {p: i for i, p in enumerate(period_order(results))}
    return sorted(_by_office(results).get(office_id, []), key=lambda c: order.get(c.period, -1))


def _counts_by_period(results: Results) -> dict[str, int]:
    return Counter(c.period for c in results.scorecards if c.status == SCORED)


def render_office(results: Results, office_id: str, counts: dict[str, int] | None = None) -> str:
    counts = counts if counts is not None else _counts_by_period(results)
    cards = _ordered_cards(results, office_id)
    latest_q = next((c for c in reversed(cards) if c.status == SCORED and not is_year(c.period)), None)
    latest_y = next((c for c in reversed(cards) if c.status == SCORED and is_year(c.period)), None)
    quarters = [p for p in period_order(results) if not is_year(p)]
    by_period = {c.period: c for c in cards}
    score_series = [by_period[p].score if p in by_period and by_period[p].status == SCORED else None for p in quarters]
    trend = charts.line_chart(quarters, [("季度考核得分", score_series)], "季度考核得分趋势", y_min=0,
                              y_max=max(120.0, *[s for s in score_series if s is not None], 0.0))
    kpi_trends = []
    for block, block_name in results.policy.blocks.items():
        series = []
        for kpi in results.policy.kpis_in_block(block):
            if all(kpi.weight[c] == 0 for c in ("quarterly",)):
                continue
            vals = []
            for p in quarters:
                c = by_period.get(p)
                r = c.kpis.get(kpi.key) if c and c.status == SCORED else None
                vals.append(r.score if r else None)
            series.append((kpi.name, vals))
        if series and any(v is not None for _, vs in series for v in vs):
            caption = f"{block_name}:各指标得分趋势(季度)"
            kpi_trends.append((caption, charts.line_chart(quarters, series, caption, y_min=0, y_max=120)))
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
                             "blocks": active_blocks(results.policy, card.period)})
    return render("office.md.j2", page=office_page(office_id), office=_office_identity(results, office_id), policy=results.policy,
                  sections=sections, cards=list(reversed(cards)), trend=trend, kpi_trends=kpi_trends,
                  yoy=list(reversed(yoy)), counts=counts, has_scores=any(s is not None for s in score_series))


def render_offices_index(results: Results) -> str:
    rows = []
    for office_id in offices(results):
        cards = _ordered_cards(results, office_id)
        latest = next((c for c in reversed(cards) if c.status == SCORED), None)
        rows.append({**_office_identity(results, office_id), "latest": latest})
    return render("offices_index.md.j2", page="offices/index.md", rows=rows, policy=results.policy)


# ---------------------------------------------------------------------------------------------
# Submissions and findings


def submission_matrix(dataset: Any) -> dict[str, dict[str, dict[str, str]]]:
    """period -> office -> form_id -> submitted|errors|missing (validation's, when it has one)."""
    try:
        from ..validation import submission_matrix as from_validation
    except ImportError:
        from_validation = None
    if from_validation is not None:
        return from_validation(dataset)
    matrix: dict[str, dict[str, dict[str, str]]] = {}
    for period in dataset.periods:
        offices_in = set(dataset.reference.offices) | {o for (p, o, _) in dataset.submissions if p == period}
        matrix[period] = {}
        for office_id in sorted(offices_in):
            row = {}
            for form in OFFICE_FORMS:
                wb = dataset.submissions.get((period, office_id, form.id))
                row[form.id] = "missing" if wb is None else ("errors" if wb.has_errors else "submitted")
            matrix[period][office_id] = row
    return matrix


def render_submissions(results: Results) -> str:
    matrix = submission_matrix(results.dataset)
    names = {o: _office_identity(results, o)["name"] for p in matrix for o in matrix[p]}
    periods = []
    for period in sorted(matrix, reverse=True):
        rows = matrix[period]
        tally = Counter(state for row in rows.values() for state in row.values())
        late = [o for o, row in rows.items() if any(s != "submitted" for s in row.values())]
        periods.append({"period": period, "rows": rows, "tally": tally, "late": late})
    return render("submissions.md.j2", page="submissions.md", periods=periods, forms=OFFICE_FORMS, names=names,
                  labels=SUBMISSION_LABELS)


def _office_of(finding: Any) -> str:
    if finding.office_id:
        return finding.office_id
    parts = finding.file.split("/")
    if len(parts) >= 4 and parts[0] == "submissions":
        return parts[2]
    return ""


def render_validation(results: Results) -> str:
    """校验报告: errors and warnings grouped by office and file, with places and fixes; no values."""
    # Validation's findings plus the assessment's own (a KPI that could not be computed).
    findings = sorted([*results.dataset.findings, *getattr(results, "findings", [])], key=lambda f: f.sort_key())
    shown = [f for f in findings if f.severity in (ERROR, WARNING)]
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for f in shown:
        groups[_office_of(f)][f.file].append(f)
    names = {o: _office_identity(results, o)["name"] for o in groups if o}
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] != "", kv[0]))
    fixes = {code: fix_text(c.fix) for code, c in CATALOGUE.items()}
    tally = Counter(f.severity for f in findings)
    return render("validation.md.j2", page="validation.md", groups=ordered, names=names, fixes=fixes, tally=tally,
                  ERROR=ERROR, WARNING=WARNING, INFO=INFO,
                  status_counts=Counter(c.status for c in results.scorecards),
                  INVALID=INVALID, INCOMPLETE=INCOMPLETE, MISSING=MISSING)


def render_home_summary(results: Results, build_date: str) -> str:
    """The home page's summary of the latest quarter and year (filled into `<!-- site:summary -->`)."""
    latest = {}
    for period in period_order(results):
        if any(c.status == SCORED for c in results.for_period(period)):
            latest["year" if is_year(period) else "quarter"] = period
    blocks = []
    for kind in ("quarter", "year"):
        period = latest.get(kind)
        if period:
            cards = results.for_period(period)
            blocks.append({"period": period, "top": scored(cards)[:3], "scored": sum(c.status == SCORED for c in cards),
                           "total": len(cards), "chart": grade_chart(results, period, cards)})
    return render("home_summary.md.j2", page="index.md", blocks=blocks, build_date=build_date,
                  policy=results.policy, error_count=results.dataset.error_count(),
                  clean_text=clean_text)


def page_tasks(results: Results) -> list[tuple[str, Any, tuple]]:
    """(path, render, args) for every generated results page; render(results, *args) is its Markdown."""
    counts = _counts_by_period(results)
    tasks: list[tuple[str, Any, tuple]] = [("results/index.md", render_results_index, ())]
    tasks += [(f"results/{period}.md", render_period, (period,)) for period in period_order(results)]
    tasks.append(("offices/index.md", render_offices_index, ()))
    tasks += [(office_page(o), render_office, (o, counts)) for o in offices(results)]
    tasks += [("submissions.md", render_submissions, ()), ("validation.md", render_validation, ())]
    return tasks


def render_results_pages(results: Results, workers: int = 1) -> dict[str, str]:
    """Every generated results page: docs-relative path -> Markdown.

    `workers` > 1 renders the pages in that many forked processes (1,000 office pages, ten period
    pages and the submission board take seconds); the pages are the same either way. (The site
    build has them written by `pages/feed.py` while mkdocs runs instead.)
    """
    tasks = page_tasks(results)
    if workers <= 1 or len(tasks) < PARALLEL_FROM or not can_fork():
        return {path: render_page(results, *args) for path, render_page, args in tasks}
    _by_office(results)  # indexes built once here are inherited by the children,
    for template in _TEMPLATES:  # and so are the compiled templates
        environment().get_template(template)
    # The few big pages first (the submission board, the periods), then the offices in small
    # chunks handed out as the processes free up, so that both finish together.
    order = sorted(range(len(tasks)), key=lambda i: tasks[i][1] is render_office)
    rendered = dict(forked_map(_render_task, (results, tasks), order, workers, chunksize=16))
    return {path: rendered[path] for path, _, _ in tasks}


PARALLEL_FROM = 100  # pages: below this, forking costs more than it saves
_TEMPLATES = ("results_index.md.j2", "period.md.j2", "offices_index.md.j2", "office.md.j2", "submissions.md.j2",
              "validation.md.j2")
def _render_task(state: tuple[Results, list], index: int) -> tuple[str, str]:
    results, tasks = state
    path, render_page, args = tasks[index]
    return path, render_page(results, *args)
