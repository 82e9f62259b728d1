"""Rules across workbooks: identity and folders, duplicates, reference, cross-file, completeness.

Every function here is pure: it takes read Workbooks (and the Reference) and yields Findings.
The single-workbook rules (file format, headers, cells, in-sheet cross-field rules) live in the
reader; nothing here repeats them.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from .findings import WARNING, Finding, finding
from .forms import CLIENTS, COVER, COVER_SHEET, OFFICE_FORMS, PROJECTS, RECRUITMENT, REFERENCE, get_form
from .model import Office, Period, Reference, Target, Workbook

SUBMISSIONS = "submissions"
REFERENCE_FILE = "reference.xlsx"
OFFICE_FORM_IDS = tuple(f.id for f in OFFICE_FORMS)
# The cover has a header-less layout: labels in column A, values in column B, one row per field
# in COVER order starting at this row (written so by excel/blank.py).
COVER_FIRST_ROW = 1


def cover_cell(key: str) -> str:
    """The A1 address of a cover value (column B) for a cover field key."""
    for index, f in enumerate(COVER):
        if f.key == key:
            return f"B{COVER_FIRST_ROW + index}"
    raise KeyError(key)


@functools.lru_cache(maxsize=4096)  # called ~4 times per workbook with a few dozen distinct texts
def valid_period(text: object) -> str | None:
    """The canonical period text (`2026Q1`) or None when not a quarter."""
    if not isinstance(text, str):
        return None
    try:
        return str(Period.parse(text))
    except ValueError:
        return None


def folder_identity(rel: str) -> tuple[str, str] | None:
    """(period, office_id) named by the folders of `submissions/<期间>/<所编号>/<file>`, else None."""
    parts = rel.split("/")
    if len(parts) != 4 or parts[0] != SUBMISSIONS:
        return None
    return parts[1], parts[2]


def content_identity(wb: Workbook) -> tuple[str, str, str] | None:
    """(period, office_id, form_id) from inside an office workbook, when all three are readable."""
    period = valid_period(wb.period)
    office = (wb.office_id or "").strip() if isinstance(wb.office_id, str) else ""
    if wb.form_id not in OFFICE_FORM_IDS or not period or not office:
        return None
    return period, office, wb.form_id


def slot(wb: Workbook) -> tuple[str, str, str] | None:
    """The (period, office_id, form_id) place a workbook occupies on the submission board.

    The folder wins over the content: a file is where it was put, and an identity-mismatch error
    already says that its cover disagrees.
    """
    content = content_identity(wb)
    folder = folder_identity(wb.path)
    form_id = wb.form_id if wb.form_id in OFFICE_FORM_IDS else None
    if form_id is None:
        stem = wb.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        form_id = stem if stem in OFFICE_FORM_IDS else None
    if folder and valid_period(folder[0]) and form_id:
        return valid_period(folder[0]), folder[1], form_id
    return content


def _title(form_id: str) -> str:
    return get_form(form_id).title


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


# ---------------------------------------------------------------------------------------------
# Identity and folders


def folder_checks(wb: Workbook) -> Iterator[Finding]:
    """Where a workbook lies vs what it says: misplaced files and identity mismatches."""
    if wb.form_id is None:
        return
    rel = wb.path
    name = rel.rsplit("/", 1)[-1]
    if wb.form_id == REFERENCE.id:
        if rel != REFERENCE_FILE:
            yield finding("file-misplaced", file=rel,
                          reason="这是人力资源部基础数据,应放在数据目录根下并命名为 reference.xlsx")
        return
    if rel == REFERENCE_FILE:
        yield finding("file-misplaced", file=rel,
                      reason=f"reference.xlsx 的内容是“{_title(wb.form_id)}”模板,不是人力资源部基础数据")
        return
    folder = folder_identity(rel)
    if folder is None:
        yield finding("file-misplaced", file=rel,
                      reason="应位于 submissions/期间/所编号/ 文件夹中,如 submissions/2026Q1/BJ01/")
        return
    if name != f"{wb.form_id}.xlsx":
        yield finding("file-misplaced", severity=WARNING, file=rel,
                      reason=f"内容是“{_title(wb.form_id)}”模板,文件名应为 {wb.form_id}.xlsx,实际为 {name}")
    folder_period, folder_office = folder
    checks = (("period", "期间", wb.period, folder_period), ("office_id", "所编号", wb.office_id, folder_office))
    for key, label, seen, expected in checks:
        if not isinstance(seen, str) or not seen.strip():
            continue  # blank or malformed cover values are the reader's findings
        if key == "period" and valid_period(seen) is None:
            continue
        if seen.strip().upper() != expected.strip().upper():
            yield finding("identity-mismatch", file=rel, sheet=COVER_SHEET, cell=cover_cell(key), column=label,
                          value=seen, label=label, seen=seen, expected=f"{folder_period}/{folder_office}")


def office_checks(workbooks: Iterable[Workbook], reference: Reference) -> Iterator[Finding]:
    """`office-unknown`: a cover 所编号 that is not in HR's list of offices."""
    if not reference.offices:
        return  # without a usable reference there is nothing to check against (reference-missing says so)
    for wb in workbooks:
        identity = content_identity(wb)
        if identity and identity[1] not in reference.offices:
            yield finding("office-unknown", file=wb.path, sheet=COVER_SHEET, cell=cover_cell("office_id"),
                          column="所编号", value=identity[1], seen=identity[1])


def duplicates(workbooks: Iterable[Workbook]) -> tuple[dict[tuple[str, str, str], Workbook], list[Finding]]:
    """Accepted submissions by (period, office, form), and a finding per file of every duplicate
    (both in no particular order).

    Two workbooks claiming the same slot are both excluded: the pipeline never picks one.
    """
    by_identity: dict[tuple[str, str, str], list[Workbook]] = defaultdict(list)
    for wb in workbooks:
        identity = content_identity(wb)
        if identity:
            by_identity[identity].append(wb)
    accepted: dict[tuple[str, str, str], Workbook] = {}
    found: list[Finding] = []
    for identity, group in by_identity.items():  # in any order: the caller sorts both results
        if len(group) == 1:
            accepted[identity] = group[0]
            continue
        paths = sorted(wb.path for wb in group)
        for path in paths:
            others = "、".join(p for p in paths if p != path)
            found.append(finding("submission-duplicate", file=path, office_id=identity[1], period=identity[0],
                                 form=_title(identity[2]), other=others))
    return accepted, found


# ---------------------------------------------------------------------------------------------
# Reference


def build_reference(wb: Workbook | None) -> tuple[Reference, list[Finding]]:
    """The Reference from HR's workbook, with the duplicate-target and unknown-office findings."""
    reference = Reference(workbook=wb)
    found: list[Finding] = []
    if wb is None or wb.form_id != REFERENCE.id:
        return reference, found
    for row in wb.tables.get("offices", []):
        office_id = row["office_id"]
        if isinstance(office_id, str) and office_id and office_id not in reference.offices:
            reference.offices[office_id] = Office(
                office_id=office_id, name=str(row.get("office_name", "")), head=str(row.get("head", "")),
                region=str(row.get("region", "")), bonus_base=row["bonus_base"])
    sheet = REFERENCE.sheet("targets")
    office_col = sheet.column_letter("office_id")
    first_row: dict[tuple[str, str], int] = {}
    for row in wb.tables.get("targets", []):
        key = target_key(row)
        if key is None:
            continue  # a blank or invalid 年度/季度/所编号 is already the reader's finding
        office_id, period = key
        if office_id not in reference.offices:
            found.append(finding("reference-target-unknown-office", file=wb.path, sheet=sheet.name,
                                 cell=f"{office_col}{row.number}", row=row.number, column="所编号",
                                 value=office_id, seen=office_id, office_id=office_id, period=period))
            continue
        if key in first_row:
            found.append(finding("reference-duplicate-target", file=wb.path, sheet=sheet.name, row=row.number,
                                 office_id=office_id, period=period, office=office_id, first_row=first_row[key]))
            continue
        first_row[key] = row.number
        if row["sales_target"] is not None:
            reference.targets[key] = Target(office_id=office_id, period=period, sales_target=float(row["sales_target"]),
                                            prior_sales=_float(row["prior_sales"]),
                                            market_size=_float(row["market_size"]), row=row.number)
    return reference, found


def target_key(row) -> tuple[str, str] | None:
    """(office_id, period) of a 季度目标 row, or None when it cannot be told."""
    year, quarter, office_id = row["year"], row["quarter"], row["office_id"]
    if not isinstance(year, int) or not isinstance(office_id, str) or not office_id:
        return None
    period = valid_period(f"{year}{quarter}") if isinstance(quarter, str) else None
    return (office_id, period) if period else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def target_rows(wb: Workbook | None) -> set[tuple[str, str]]:
    """Every (office_id, period) that has a 季度目标 row at all, even one with an invalid target."""
    if wb is None or wb.form_id != REFERENCE.id:
        return set()
    return {key for row in wb.tables.get("targets", []) if (key := target_key(row))}


def reference_checks(accepted: dict[tuple[str, str, str], Workbook], reference: Reference) -> Iterator[Finding]:
    """`reference-no-target`: submissions for an office-period without a target row (error)."""
    if not reference.offices:
        return
    has_row = target_rows(reference.workbook)
    pairs = sorted({(period, office) for (period, office, _form) in accepted})
    for period, office in pairs:
        if office in reference.offices and (office, period) not in has_row:
            yield finding("reference-no-target", office_id=office, period=period, office=office)


# ---------------------------------------------------------------------------------------------
# Cross-file and roster rules


def summary_of(wb: Workbook):
    from .summary import summary_of  # summary.py builds on this module

    return summary_of(wb)


def project_client_checks(accepted: dict[tuple[str, str, str], Workbook]) -> Iterator[Finding]:
    """`project-client-unknown`: a project's 客户编号 not in the same office-period's clients (warning)."""
    sheet = PROJECTS.sheet("projects")
    col = sheet.column_letter("client_id")
    # in any order: validation sorts every finding (32,000 accepted workbooks at 1,000 offices)
    for (period, office, form_id), wb in accepted.items():
        if form_id != PROJECTS.id:
            continue
        clients_wb = accepted.get((period, office, CLIENTS.id))
        if clients_wb is None:
            continue  # the missing clients form is reported by completeness
        known = summary_of(clients_wb).client_ids
        for number, client in summary_of(wb).project_clients:
            if client.strip() in known:
                continue
            yield finding("project-client-unknown", file=wb.path, sheet=sheet.name, cell=f"{col}{number}",
                          row=number, column="客户编号", value=client, seen=client,
                          office_id=office, period=period)


def roster_checks(wb: Workbook) -> Iterator[Finding]:
    """Roster rows outside the quarter: left before it began, or joined after it ended (warnings)."""
    if wb.form_id != RECRUITMENT.id:
        return iter(())
    return iter(summary_of(wb).roster_findings)


def roster_rows_checks(wb: Workbook) -> Iterator[Finding]:
    """`roster_checks` computed from the rows (summary.py keeps the result)."""
    identity = content_identity(wb)
    if identity is None or wb.form_id != RECRUITMENT.id:
        return
    period = Period.parse(identity[0])
    sheet = RECRUITMENT.sheet("roster")
    for row in wb.tables.get("roster", []):
        left, joined = _as_date(row["leave_date"]), _as_date(row["join_date"])
        where = {"file": wb.path, "sheet": sheet.name, "row": row.number,
                 "office_id": identity[1], "period": identity[0]}
        if left is not None and left < period.start:
            yield finding("roster-left-before-period", cell=f"{sheet.column_letter('leave_date')}{row.number}",
                          column="离职日期", value=left.isoformat(), seen=left.isoformat(), **where)
        if joined is not None and joined > period.end:
            yield finding("roster-joined-after-period", cell=f"{sheet.column_letter('join_date')}{row.number}",
                          column="入职日期", value=joined.isoformat(), seen=joined.isoformat(), **where)


# ---------------------------------------------------------------------------------------------
# Completeness


def completeness(workbooks: Iterable[Workbook], reference: Reference, periods: Iterable[str],
                 offices: Iterable[str] | None = None) -> Iterator[Finding]:
    """`submission-missing`: each reference office (of `offices`, default all) × period × office
    form with no file at all."""
    occupied = {s for wb in workbooks if (s := slot(wb))}
    chosen = sorted(reference.offices if offices is None else set(offices) & set(reference.offices))
    for period in sorted(set(periods)):
        for office in chosen:
            for form in OFFICE_FORMS:
                if (period, office, form.id) not in occupied:
                    yield finding("submission-missing", office_id=office, period=period,
                                  office=office, form=form.title)


def error_pairs(wb: Workbook) -> set[tuple[str, str]]:
    """The (office_id, period) pairs a workbook with errors makes invalid: its content's and its folder's."""
    pairs = set()
    content = content_identity(wb)
    if content:
        pairs.add((content[1], content[0]))
    folder = folder_identity(wb.path)
    if folder and valid_period(folder[0]):
        pairs.add((folder[1], valid_period(folder[0])))
    return pairs


__all__ = [
    "OFFICE_FORM_IDS", "REFERENCE_FILE", "SUBMISSIONS", "build_reference", "completeness",
    "content_identity", "cover_cell", "duplicates", "error_pairs", "folder_checks", "folder_identity",
    "office_checks", "project_client_checks", "reference_checks", "roster_checks", "slot", "target_rows",
    "valid_period",
]
