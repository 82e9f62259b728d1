"""Workbooks' figures -> KPI values with provenance (SPEC §5). Pure: no I/O, no scoring.

An office-quarter's `Figures` — the raw counts and sums every KPI is a ratio of, each with the
cells it came from — are put together from the parts its four workbooks contributed where they
were read (intake.aggregates) and from its target. A year pools its four quarters' Figures, and
`kpi_results` turns any Figures into KpiResults: numerator ÷ denominator, N/A with a Chinese
reason when the denominator is zero or missing — never 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..forms import CLIENTS, PROJECTS, RECRUITMENT, TRAINING
from ..intake.facts import Source, WorkbookFacts
from ..periods import Period
from .model import KpiResult, Target
from .reference import TARGETS

FORMS_WITH_FIGURES = (CLIENTS.id, RECRUITMENT.id, TRAINING.id, PROJECTS.id)
# The office forms each scored KPI is computed from (HR's reference aside). A form that no KPI
# weighted in a cycle reads (projects: informational figures only) may be missing from a quarter
# without stopping that cycle's score (SPEC §8).
KPI_FORMS: dict[str, tuple[str, ...]] = {
    "attainment": (CLIENTS.id,), "growth": (CLIENTS.id,), "market_share": (CLIENTS.id,),
    "attrition": (RECRUITMENT.id,), "pass_rate": (RECRUITMENT.id,), "training_rate": (TRAINING.id,),
    "satisfaction": (CLIENTS.id,),
}
SATISFACTION_SCALE = 100 / 5  # 满意度评分 1–5 -> the KPI's 0–100


@dataclass
class Figures:
    """The raw quantities behind every KPI of one office-period, with their sources."""

    sales: float | None = None
    target: float | None = None
    prior: float | None = None  # None = no prior (growth N/A)
    prior_reason: str = ""
    market_size: float | None = None
    headcount_start: int | None = None
    headcount_end: int | None = None
    leavers: frozenset[str] = frozenset()
    passed: int = 0
    rated: int = 0
    trainings_done: int = 0
    trainings: int = 0
    satisfaction_sum: float = 0.0
    surveyed: int = 0
    new_clients: int = 0
    projects_finished: int = 0
    projects_on_time: int = 0
    budget: float = 0.0
    cost: float = 0.0
    open_complaints: int = 0
    has_roster: bool = False
    sources: dict[str, list[Source]] = field(default_factory=dict)  # what -> sources

    def add_source(self, what: str, *sources: Source | None) -> None:
        self.sources.setdefault(what, []).extend(s for s in sources if s is not None)


def quarter_figures(period: Period, workbooks: dict[str, WorkbookFacts], target: Target | None,
                    reference: WorkbookFacts | None = None, prior_clients: WorkbookFacts | None = None,
                    prior_frozen: Figures | None = None) -> Figures:
    """The Figures of one office-quarter from its workbooks (form id -> facts) and target.

    `prior_clients` is the same office's clients workbook of the same quarter last year: the
    fallback for 上年同期销售额 when the reference leaves it blank. `prior_frozen` are that
    quarter's figures as frozen when it was closed: used instead of the workbook when given.
    """
    f = Figures()
    for form_id in FORMS_WITH_FIGURES:
        facts = workbooks.get(form_id)
        if facts is None:
            continue
        for name, value in facts.figures.items():
            setattr(f, name, value)
        for what, src in facts.sources:
            f.sources.setdefault(what, []).append(src)
    if target is not None:
        _target(f, target, reference)
    if f.prior is None:
        if prior_frozen is not None and prior_frozen.sales is not None:
            f.prior = prior_frozen.sales
            src = next(iter(prior_frozen.sources.get("sales", [])), None)
            if src is not None:
                f.add_source("prior", src._replace(what=f"上年同期（{period.previous_year}）本期销售额之和（已关闭期间的冻结数）"))
        elif prior_clients is not None:
            f.prior = prior_clients.figures.get("sales")
            src = next((s for what, s in prior_clients.sources if what == "sales"), None)
            if src is not None:
                f.add_source("prior", src._replace(what=f"上年同期（{period.previous_year}）本期销售额之和"))
        if f.prior is None:
            f.prior_reason = f"《季度目标》未填上年同期销售额，且没有 {period.previous_year} 的客户表"
    return f


def _target(f: Figures, target: Target, reference: WorkbookFacts | None) -> None:
    f.target = target.sales_target
    f.add_source("target", target_source(reference, target, "sales_target", "销售目标"))
    if target.market_size:
        f.market_size = target.market_size
        f.add_source("market_size", target_source(reference, target, "market_size", "市场规模"))
    if target.prior_sales is not None:
        f.prior = target.prior_sales
        f.add_source("prior", target_source(reference, target, "prior_sales", "上年同期销售额"))


_TARGET_COLUMNS = {key: TARGETS.column_letter(key) for key in ("sales_target", "market_size", "prior_sales")}


def target_source(reference: WorkbookFacts | None, target: Target, key: str, what: str) -> Source:
    """The Source of one figure of a 季度目标 row of reference.xlsx."""
    cell = f"{_TARGET_COLUMNS[key]}{target.row or ''}"
    if reference is None:  # a Dataset built without the reference workbook (tests, tools)
        return Source("reference.xlsx", TARGETS.name, cell, "", "", what)
    return Source(reference.path, TARGETS.name, cell, reference.version or "", reference.sha256, what)


# ---------------------------------------------------------------------------------------------
# A year: pool the four quarters (SPEC §5, annual)

_POOLED = ("passed", "rated", "trainings_done", "trainings", "satisfaction_sum", "surveyed", "new_clients",
           "projects_finished", "projects_on_time", "budget", "cost", "open_complaints")


def pool(quarters: Sequence[Figures]) -> Figures:
    """The Figures of a year from its quarters, in order Q1..Q4.

    Sums pool; the prior and the market size are N/A when any quarter's is; leavers are distinct
    工号; the year starts with Q1's headcount and ends with Q4's.
    """
    y = Figures()
    if not quarters:
        return y
    y.sales = _sum(q.sales for q in quarters)
    y.target = _sum(q.target for q in quarters)
    y.prior = _sum(q.prior for q in quarters)
    if y.prior is None:
        y.prior_reason = "有季度缺少上年同期销售额"
    y.market_size = _sum(q.market_size for q in quarters)
    y.headcount_start, y.headcount_end = quarters[0].headcount_start, quarters[-1].headcount_end
    y.leavers = frozenset().union(*(q.leavers for q in quarters))
    y.has_roster = all(q.has_roster for q in quarters)
    for name in _POOLED:
        values = [getattr(q, name) for q in quarters]
        setattr(y, name, math.fsum(values) if isinstance(values[0], float) else sum(values))
    for q in quarters:
        for what, srcs in q.sources.items():
            y.add_source(what, *srcs)
    return y


def _sum(values: Iterable[float | None]) -> float | None:
    """Σ, or None when any term is None."""
    values = list(values)
    return None if any(v is None for v in values) else math.fsum(values)


# ---------------------------------------------------------------------------------------------
# Figures -> KpiResults


def ratio(key: str, numerator: float | None, denominator: float | None, reason: str,
          sources: Sequence[Source] = (), scale: float = 1.0) -> KpiResult:
    """numerator ÷ denominator × scale; N/A (value None, `reason`) when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return KpiResult(key, None, numerator, denominator, reason, sources=tuple(sources))
    return KpiResult(key, numerator * scale / denominator, numerator, denominator, sources=tuple(sources))


def kpi_results(f: Figures) -> dict[str, KpiResult]:
    """The seven scored KPIs of SPEC §5 from Figures, keyed as in policy.KPI_KEYS."""
    src = f.sources
    sales_src = src.get("sales", [])
    out = {
        "attainment": ratio("attainment", f.sales, f.target, _missing(f.sales, "没有客户表（销售额）", "没有销售目标"),
                            [*sales_src, *src.get("target", [])]),
        "growth": ratio("growth", None if f.sales is None or f.prior is None else f.sales - f.prior, f.prior,
                        "没有客户表（销售额）" if f.sales is None else
                        (f.prior_reason or "上年同期销售额缺失") if f.prior is None else "上年同期销售额为 0",
                        [*sales_src, *src.get("prior", [])]),
        "market_share": ratio("market_share", f.sales, f.market_size,
                              _missing(f.sales, "没有客户表（销售额）", "《季度目标》未填市场规模"),
                              [*sales_src, *src.get("market_size", [])]),
    }
    average = None
    if f.has_roster and f.headcount_start is not None and f.headcount_end is not None:
        average = (f.headcount_start + f.headcount_end) / 2
    out["attrition"] = ratio("attrition", float(len(f.leavers)) if f.has_roster else None, average,
                             "期初与期末人数均为 0" if f.has_roster else "没有团队名册", src.get("attrition", []))
    out["pass_rate"] = ratio("pass_rate", float(f.passed), f.rated,
                             "本期没有成员参加绩效考核" if f.has_roster else "没有团队名册", src.get("pass_rate", []))
    out["training_rate"] = ratio("training_rate", float(f.trainings_done), f.trainings, "培训计划中没有任何培训",
                                 src.get("training_rate", []))
    out["satisfaction"] = ratio("satisfaction", f.satisfaction_sum, f.surveyed, "本期没有客户接受满意度调查",
                                src.get("satisfaction", []), scale=SATISFACTION_SCALE)
    return out


def _missing(sales: float | None, no_sales: str, no_denominator: str) -> str:
    return no_sales if sales is None else no_denominator


def informational(f: Figures) -> dict[str, float | None]:
    """The unscored figures: 新客户数, 项目按期完成率, 项目预算偏差, 未解决投诉数."""
    return {
        "new_clients": float(f.new_clients),
        "on_time_rate": f.projects_on_time / f.projects_finished if f.projects_finished else None,
        "budget_variance": f.cost / f.budget - 1 if f.budget else None,
        "open_complaints": float(f.open_complaints),
    }


__all__ = ["FORMS_WITH_FIGURES", "KPI_FORMS", "SATISFACTION_SCALE", "Figures", "informational", "kpi_results", "pool", "quarter_figures", "ratio",
           "target_source"]
