"""HR's reference workbook -> `Reference` (offices, quarterly targets, heads), with its own rule findings."""

from __future__ import annotations

from ..findings import Finding, finding
from ..forms import REFERENCE
from ..intake.facts import Row, WorkbookFacts
from ..periods import period_label, valid_period
from .deadlines import build_deadlines
from .heads import build_tenures
from .model import Office, Reference, Target

OFFICES = REFERENCE.sheet("offices")
TARGETS = REFERENCE.sheet("targets")


def build_reference(facts: WorkbookFacts | None) -> tuple[Reference, list[Finding]]:
    """The Reference from HR's workbook, with its findings: no office at all, ids that differ only in
    case (the later row is not taken), duplicate targets and targets of unknown offices."""
    reference = Reference(facts=facts)
    found: list[Finding] = []
    if facts is None or facts.form_id != REFERENCE.id:
        return reference, found
    rejected: set[str] = set()
    by_folded: dict[str, tuple[str, int]] = {}  # casefolded id -> (the id, its row)
    for row in _rows(facts, "offices"):
        office_id = row["office_id"]
        if not isinstance(office_id, str) or not office_id or office_id in reference.offices:
            continue  # a blank id or an exact duplicate is already the reader's finding
        first = by_folded.setdefault(office_id.casefold(), (office_id, row.number))
        if first[0] != office_id:
            # BJ01 and bj01 would be one folder on Windows and macOS, and look like one office to people
            rejected.add(office_id)
            found.append(finding("reference-office-case", file=facts.path, sheet=OFFICES.name,
                                 cell=f"{OFFICES.column_letter('office_id')}{row.number}", row=row.number,
                                 column="所编号", value=office_id, seen=office_id, first_id=first[0],
                                 first_row=first[1]))
            continue
        reference.offices[office_id] = Office(
            office_id=office_id, name=str(row.get("office_name", "")), head=str(row.get("head", "")),
            region=str(row.get("region", "")), bonus_base=row["bonus_base"])
    if not reference.offices:
        # the blank template, or no row that could be taken: nothing to check the submissions against
        found.append(finding("reference-no-offices", file=facts.path, sheet=OFFICES.name))
    office_col = TARGETS.column_letter("office_id")
    first_row: dict[tuple[str, str], int] = {}
    for row in _rows(facts, "targets"):
        key = target_key(row)
        if key is None:
            continue  # a blank or invalid 年度/季度/所编号 is already the reader's finding
        reference.target_rows.add(key)
        office_id, period = key
        if office_id in rejected:
            continue  # its row in 业务所 has the finding
        if office_id not in reference.offices:
            found.append(finding("reference-target-unknown-office", file=facts.path, sheet=TARGETS.name,
                                 cell=f"{office_col}{row.number}", row=row.number, column="所编号",
                                 value=office_id, seen=office_id, office_id=office_id, period=period))
            continue
        if key in first_row:
            found.append(finding("reference-duplicate-target", file=facts.path, sheet=TARGETS.name, row=row.number,
                                 office_id=office_id, period=period, office=reference.office_label(office_id),
                                 period_name=period_label(period), first_row=first_row[key]))
            continue
        first_row[key] = row.number
        if row["sales_target"] is not None:
            reference.targets[key] = Target(office_id=office_id, period=period, sales_target=float(row["sales_target"]),
                                            prior_sales=_float(row["prior_sales"]),
                                            market_size=_float(row["market_size"]), row=row.number)
    reference.tenures, head_findings = build_tenures(_rows(facts, "heads"), reference.offices, facts.path)
    reference.deadlines, schedule_findings = build_deadlines(_rows(facts, "schedule"), facts.path)
    return reference, found + head_findings + schedule_findings


def _rows(facts: WorkbookFacts, sheet_key: str) -> list[Row]:
    table = facts.tables.get(sheet_key)
    return table.rows() if table is not None else []


def target_key(row: Row) -> tuple[str, str] | None:
    """(office_id, period) of a 季度目标 row, or None when it cannot be told."""
    year, quarter, office_id = row["year"], row["quarter"], row["office_id"]
    if not isinstance(year, int) or not isinstance(office_id, str) or not office_id:
        return None
    period = valid_period(f"{year}{quarter}") if isinstance(quarter, str) else None
    return (office_id, period) if period else None


def target_rows_by_number(facts: WorkbookFacts | None) -> dict[int, tuple[str, str]]:
    """Row number -> (office_id, period) of every 季度目标 row that names one."""
    return {row.number: key for row in (_rows(facts, "targets") if facts else []) if (key := target_key(row))}


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


__all__ = ["OFFICES", "TARGETS", "build_reference", "target_key", "target_rows_by_number"]
