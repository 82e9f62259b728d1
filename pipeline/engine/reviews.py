"""HR's reviews (reviews.xlsx, SPEC §8) read into rows: adjustments to apply and appeals. Pure.

A row of 调整 names an office-period, an item (forms.reviews.REVIEW_ITEMS), the value HR saw and
the value after review. Its values are read for the item: a rate as `95.3%` or `0.953`, a
satisfaction, a score or the total as a number, a grade by its name; `N/A` is a KPI that could
not be computed (as an original only). A row that cannot be read, or names an unknown office or a
malformed period, is refused with a finding; engine.adjust decides whether the rest apply.
A row of 申诉 becomes an Appeal; one settled 已调整 must have an adjustment of its office-period.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from ..findings import Finding, finding
from ..forms.reviews import ADJUSTED, GRADE, REVIEW_ITEMS, REVIEWS, VALUE
from ..intake.facts import WorkbookFacts
from ..periods import valid_period
from .model import Adjustment, Appeal, Reference

ADJUSTMENTS = REVIEWS.sheet("adjustments")
APPEALS = REVIEWS.sheet("appeals")
# N/A as HR types it, and 不适用 as the outputs show it (an 原值 copied from them)
NOT_AVAILABLE = frozenset({"N/A", "NA", "无", "无法计算", "不适用", "-", "—"})
PERCENT_KPIS_EXCEPT = frozenset({"satisfaction"})  # every KPI value is a rate but satisfaction (0–100)


@dataclass(frozen=True)
class AdjustmentRow:
    """A readable row of 调整: its office-period and the adjustment it asks for."""

    office_id: str
    period: str
    adjustment: Adjustment


def is_rate(what: str, kpi: str) -> bool:
    """A KPI's value that is a rate (shown as a percentage): all but satisfaction."""
    return what == VALUE and kpi not in PERCENT_KPIS_EXCEPT


def read_value(text: str, what: str, kpi: str, grades: tuple[str, ...], original: bool) -> tuple[bool, Any]:
    """(readable, value) of an 原值 or 调整后 cell for its item; None is N/A (an original's only)."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    if what == GRADE:
        return (text in grades), text
    if original and text.upper() in NOT_AVAILABLE:
        return True, None
    percent = text.endswith("%")
    if percent and not is_rate(what, kpi):
        return False, None
    try:
        number = float(text.removesuffix("%").replace(",", "").strip())
    except ValueError:
        return False, None
    if number != number or number in (float("inf"), float("-inf")):
        return False, None
    return True, number / 100 if percent else number


def expected_text(what: str, kpi: str, original: bool) -> str:
    """What a cell of the item should hold, in words (for review-value-invalid)."""
    if what == GRADE:
        return "等级名称（如 优秀）"
    shape = "比率（如 95.3% 或 0.953）" if is_rate(what, kpi) else "数字"
    return f"{shape}或 N/A" if original else shape


def canonical_period(text: Any) -> str | None:
    """A quarter (however written) or a year `2026`; None otherwise."""
    if not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    if len(text) == 4 and text.isdigit():
        return text
    return valid_period(text)


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else str(value))


def _where(facts: WorkbookFacts, sheet, key: str, row: int) -> dict[str, Any]:
    return {"file": facts.path, "sheet": sheet.name, "cell": f"{sheet.column_letter(key)}{row}", "row": row,
            "column": sheet.label(key)}


def _identity(facts: WorkbookFacts, sheet, row, reference: Reference) -> tuple[str, str, list[Finding]]:
    """(office_id, period, findings): "" for an office or period the row cannot be used with."""
    office, period = row["office_id"], row["period"]
    found: list[Finding] = []
    office_id = reference.office_spelling(office.strip()) if isinstance(office, str) else ""
    if office_id and reference.offices and office_id not in reference.offices:
        found.append(finding("review-office-unknown", **_where(facts, sheet, "office_id", row.number),
                             value=office, seen=office))
        office_id = ""
    canonical = canonical_period(period) if isinstance(period, str) else None
    if isinstance(period, str) and period and canonical is None:
        found.append(finding("review-period-malformed", **_where(facts, sheet, "period", row.number),
                             value=period, seen=period))
    return office_id, canonical or "", found


def adjustment_rows(facts: WorkbookFacts | None, reference: Reference,
                    grades: tuple[str, ...]) -> tuple[list[AdjustmentRow], list[Finding]]:
    """The usable rows of 调整, and a finding for each row refused while reading it.

    Rows with a required cell blank or invalid were reported by the reader and are left out here.
    """
    if facts is None or facts.form_id != REVIEWS.id or ADJUSTMENTS.key not in facts.tables:
        return [], []
    out: list[AdjustmentRow] = []
    found: list[Finding] = []
    for row in facts.tables[ADJUSTMENTS.key].rows():
        cells = [row[k] for k in ("office_id", "period", "item", "original", "adjusted", "reason", "approved_by",
                                  "approved_on")]
        if any(v is None or v == "" for v in cells):
            continue
        office_id, period, problems = _identity(facts, ADJUSTMENTS, row, reference)
        what, kpi = REVIEW_ITEMS[row["item"]]
        values = {}
        for key in ("original", "adjusted"):
            ok, value = read_value(row[key], what, kpi, grades, original=key == "original")
            if not ok or (key == "adjusted" and value is None):
                problems.append(finding("review-value-invalid", **_where(facts, ADJUSTMENTS, key, row.number),
                                        office_id=office_id, period=period, value=row[key], seen=row[key],
                                        item=row["item"], expected=expected_text(what, kpi, key == "original")))
            values[key] = value
        found += problems
        if problems or not office_id or not period:
            continue
        out.append(AdjustmentRow(office_id, period, Adjustment(
            item=row["item"], what=what, kpi=kpi, original=values["original"], adjusted=values["adjusted"],
            reason=row["reason"], approved_by=row["approved_by"], approved_on=_iso(row["approved_on"]),
            row=row.number)))
    return out, found


def appeals(facts: WorkbookFacts | None, reference: Reference,
            adjusted: set[tuple[str, str]]) -> tuple[list[Appeal], list[Finding]]:
    """The rows of 申诉 as Appeals, and their findings; `adjusted`: the (office, period) pairs that
    have a row in 调整 (an appeal settled 已调整 must point to one)."""
    if facts is None or facts.form_id != REVIEWS.id or APPEALS.key not in facts.tables:
        return [], []
    out: list[Appeal] = []
    found: list[Finding] = []
    for row in facts.tables[APPEALS.key].rows():
        if any(row[k] is None or row[k] == "" for k in ("office_id", "period", "filed_on", "outcome")):
            continue
        office_id, period, problems = _identity(facts, APPEALS, row, reference)
        found += problems
        if problems or not office_id or not period:
            continue
        if row["outcome"] == ADJUSTED and (office_id, period) not in adjusted:
            found.append(finding("appeal-no-adjustment", file=facts.path, sheet=APPEALS.name, row=row.number,
                                 office_id=office_id, period=period, office=reference.office_label(office_id)))
        out.append(Appeal(office_id=office_id, period=period, filed_on=_iso(row["filed_on"]), outcome=row["outcome"],
                          settled_on=_iso(row["settled_on"]), matter=row.get("matter", ""),
                          handled_by=row.get("handled_by", ""), row=row.number))
    return out, found


def adjusted_pairs(facts: WorkbookFacts | None, reference: Reference) -> set[tuple[str, str]]:
    """(office, period) of every row of 调整 that names a known office and a period, usable or not."""
    if facts is None or facts.form_id != REVIEWS.id or ADJUSTMENTS.key not in facts.tables:
        return set()
    pairs = set()
    for row in facts.tables[ADJUSTMENTS.key].rows():
        office, period = row["office_id"], canonical_period(row["period"])
        if isinstance(office, str) and office.strip() and period:
            pairs.add((reference.office_spelling(office.strip()), period))
    return pairs


__all__ = ["ADJUSTMENTS", "APPEALS", "AdjustmentRow", "adjusted_pairs", "adjustment_rows", "appeals",
           "canonical_period", "expected_text", "is_rate", "read_value"]
