"""A run's outputs as pandas DataFrames, for analysts: `pipeline.analysis.load(out_dir)`.

    tables = load("out")        the folder `python -m pipeline run DATA --out out` wrote
    tables.scorecards           scorecards.csv: an office per period, KPIs, score, grade, rank
    tables.kpis                 every period workbook's 指标来源: KPI values with numerator,
                                denominator and the cells they came from (KPI provenance), `adjusted`:
                                HR's adjustment after review (reviews.xlsx)
    tables.findings             validation.json: checking's findings and scoring's own (`stage`);
                                `acceptance`: HR's reason for one it accepted (accepted.xlsx)
    tables.submissions          validation.json's completeness: a row per period, office and form

Only what `run` wrote is read (never the data folder), with the files' own column names kept as
identifiers. Periods are an ordered categorical (2025Q1 < … < 2025Q4 < 2025 < 2026Q1 …, each year
right after its quarters), grades an ordered categorical from the lowest to the highest score,
statuses and severities categoricals of their fixed values. Documented in docs/guide/analysis.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .engine.model import STATUSES
from .engine.submissions import NOT_SUBMITTED, SUBMITTED, WITH_ERRORS
from .findings import SEVERITIES
from .forms.values import label_key
from .outputs.period_workbook import file_name
from .periods import period_sort_key
from .run import SCORECARDS_CSV, VALIDATION_JSON

KPI_SHEET = "指标来源"
# the 指标来源 sheet's headers (outputs/period_workbook.py) -> the DataFrame's columns
KPI_COLUMNS = {"期间": "period", "所编号": "office_id", "业务所名称": "office_name", "指标": "kpi", "指标值": "value",
               "分子": "numerator", "分母": "denominator", "计算方法": "formula", "无法计算的原因": "reason",
               "数据来源（数据项：文件 › 工作表 › 单元格）": "sources", "模板版本与 SHA-256": "versions",
               "经复核调整": "adjusted"}
_KPI_KEYS = {label_key(header): column for header, column in KPI_COLUMNS.items()}
STAGES = ("validation", "scoring")  # checking's findings (`findings`), scoring's own (`kpi_findings`)
SUBMISSION_STATES = (SUBMITTED, WITH_ERRORS, NOT_SUBMITTED)


@dataclass(frozen=True)
class Tables:
    """The four DataFrames of one run's outputs."""

    scorecards: pd.DataFrame
    kpis: pd.DataFrame
    findings: pd.DataFrame
    submissions: pd.DataFrame


def load(out_dir: str | Path) -> Tables:
    """Read the outputs `run` wrote into `out_dir`; FileNotFoundError names a missing one."""
    out = Path(out_dir)
    report = json.loads((out / VALIDATION_JSON).read_text(encoding="utf-8"))
    scorecards = pd.read_csv(out / SCORECARDS_CSV, encoding="utf-8-sig",
                             dtype={"period": str, "office_id": str, "head_id": str})
    periods = period_dtype(scorecards["period"])
    scorecards["period"] = scorecards["period"].astype(periods)
    scorecards["status"] = scorecards["status"].astype(pd.CategoricalDtype(STATUSES))
    scorecards["grade"] = scorecards["grade"].astype(grade_dtype(scorecards))
    scorecards["rank"] = scorecards["rank"].astype("Int64")  # unscored offices have none
    return Tables(scorecards=scorecards, kpis=_kpis(out, periods), findings=_findings(report, periods),
                  submissions=_submissions(report, periods))


def period_dtype(periods: pd.Series | list[str]) -> pd.CategoricalDtype:
    """The periods present, in order: each year right after its quarters."""
    present = {str(p) for p in periods if isinstance(p, str) and p}
    return pd.CategoricalDtype(sorted(present, key=period_sort_key), ordered=True)


def grade_dtype(scorecards: pd.DataFrame) -> pd.CategoricalDtype:
    """The grades present, from the lowest to the highest score (the policy's order, whatever it names them)."""
    lowest = scorecards.dropna(subset=["grade"]).groupby("grade")["score"].min()
    return pd.CategoricalDtype(lowest.sort_values().index.tolist(), ordered=True)


def _kpis(out: Path, periods: pd.CategoricalDtype) -> pd.DataFrame:
    frames = []
    for period in periods.categories:
        path = out / file_name(period)
        frame = pd.read_excel(path, sheet_name=KPI_SHEET, engine="calamine", dtype={"期间": str, "所编号": str})
        frames.append(frame.rename(columns=_kpi_column)[list(KPI_COLUMNS.values())])
    kpis = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(KPI_COLUMNS.values()))
    kpis["period"] = kpis["period"].astype(periods)
    kpis["reason"] = kpis["reason"].astype("string")  # blank where the KPI was computed
    kpis["adjusted"] = kpis["adjusted"].astype("string")  # HR's adjustment after review (reviews.xlsx); blank when none
    for column in ("value", "numerator", "denominator"):
        kpis[column] = pd.to_numeric(kpis[column])
    return kpis


def _kpi_column(header: str) -> str:
    """指标来源's header -> its column: a workbook written before its punctuation went full-width reads too."""
    return _KPI_KEYS.get(label_key(str(header)), header)


def _findings(report: dict, periods: pd.CategoricalDtype) -> pd.DataFrame:
    rows = [{**f, "stage": STAGES[0]} for f in report["findings"]]
    rows += [{**f, "stage": STAGES[1]} for f in report.get("kpi_findings", [])]
    frame = pd.DataFrame(rows, columns=["stage", "code", "severity", "message", "file", "sheet", "cell", "row",
                                        "column", "value", "office_id", "period", "acceptance", "title", "fix"])
    frame["stage"] = frame["stage"].astype(pd.CategoricalDtype(STAGES))
    frame["severity"] = frame["severity"].astype(pd.CategoricalDtype(SEVERITIES))
    frame["period"] = frame["period"].where(frame["period"] != "").astype(periods)  # "" (dataset-wide): missing
    frame["row"] = frame["row"].astype("Int64")
    frame["acceptance"] = frame["acceptance"].astype("string")  # HR's reason (accepted.xlsx); missing when not accepted
    return frame


def _submissions(report: dict, periods: pd.CategoricalDtype) -> pd.DataFrame:
    rows = [(period, office, form, state) for period, offices in report["completeness"].items()
            for office, forms in offices.items() for form, state in forms.items()]
    frame = pd.DataFrame(rows, columns=["period", "office_id", "template_id", "status"])
    frame["period"] = frame["period"].astype(periods)
    frame["status"] = frame["status"].astype(pd.CategoricalDtype(SUBMISSION_STATES))
    return frame


__all__ = ["KPI_COLUMNS", "STAGES", "SUBMISSION_STATES", "Tables", "grade_dtype", "load", "period_dtype"]
