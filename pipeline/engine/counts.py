"""One set of counts of the findings, and the one sentence that says them.

`validate`, `run`, `build`, the site's 校验报告, validation.json and HR's workbooks all count
through here, so they never disagree. Checking the data gives errors, warnings and info notes;
scoring (`assess`) adds its own warnings — a KPI that cannot be computed — which exist only once
the data is scored. Those are counted apart and named as such, never folded silently into the
warnings, so `validate` (which does not score) and `run` show the same numbers for the same data.
HR's adjustments and appeals (reviews.xlsx) are checked while scoring too: a row refused (stale
原值, duplicate, closed or unscored period) is an error of scoring's, counted apart as 复核调整与申诉's.

A finding HR accepted (accepted.xlsx, `Finding.acceptance`) is counted apart too, as 已确认, and
never under its severity: an accepted error does not block (`Finding.blocking`), so it is not one
of the errors the sentence reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..findings import ERROR, INFO, WARNING, Finding

REVIEWS_NOTE = "复核调整与申诉"  # scoring's own errors: reviews.xlsx's rows refused (engine/adjust.py, engine/reviews.py)
SCORING_NOTE = "指标无法计算"  # what scoring's own warnings are (findings.CATALOGUE: kpi-not-available)
ACCEPTED_KEY = "accepted"  # validation.json's count of the findings HR accepted, beside the severities
ACCEPTED_LABEL = "已确认"  # how an accepted finding is named everywhere


@dataclass(frozen=True)
class Counts:
    """How many findings of each kind; `scoring` is None when the data was not scored; `accepted`:
    the findings HR accepted, whatever their severity (not counted under it); `reviews`: scoring's
    errors, the adjustments and appeals of reviews.xlsx it refused."""

    errors: int
    warnings: int
    infos: int
    scoring: int | None = None
    accepted: int = 0
    reviews: int = 0

    def text(self) -> str:
        """`错误 0 个，警告 2 个，提示 0 条，已确认 1 个；评分时另有 4 个警告（指标无法计算）`
        (已确认 only when HR accepted some; `；复核调整与申诉另有 1 个错误` only when some were refused)."""
        text = f"错误 {self.errors} 个，警告 {self.warnings} 个，提示 {self.infos} 条"
        if self.accepted:
            text += f"，{ACCEPTED_LABEL} {self.accepted} 个"
        if self.scoring is None:
            return f"{text}（不含评分时才发现的“{SCORING_NOTE}”警告）"
        if self.scoring:
            text += f"；评分时另有 {self.scoring} 个警告（{SCORING_NOTE}）"
        if self.reviews:
            text += f"；{REVIEWS_NOTE}另有 {self.reviews} 个错误"
        return text

    def as_dict(self) -> dict[str, int]:
        """validation.json's `counts`: checking's findings by severity, and those HR accepted apart."""
        return {ERROR: self.errors, WARNING: self.warnings, INFO: self.infos, ACCEPTED_KEY: self.accepted}


def count(findings: Iterable[Finding], scoring: Iterable[Finding] | None = None) -> Counts:
    """Counts of checking's `findings` (HR's accepted ones apart) and, once the data is scored, of
    scoring's own: its warnings, and its errors (reviews.xlsx's rows refused) apart."""
    tally = {ERROR: 0, WARNING: 0, INFO: 0, ACCEPTED_KEY: 0}
    for f in findings:
        key = f.severity if f.acceptance is None else ACCEPTED_KEY
        tally[key] = tally.get(key, 0) + 1
    if scoring is None:
        return Counts(tally[ERROR], tally[WARNING], tally[INFO], None, tally[ACCEPTED_KEY])
    scored = list(scoring)
    refused = sum(1 for f in scored if f.severity == ERROR)
    return Counts(tally[ERROR], tally[WARNING], tally[INFO], len(scored) - refused, tally[ACCEPTED_KEY], refused)


__all__ = ["ACCEPTED_KEY", "ACCEPTED_LABEL", "REVIEWS_NOTE", "SCORING_NOTE", "Counts", "count"]
