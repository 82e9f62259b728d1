"""Rules across workbooks: identity and folders, duplicates, reference, cross-file, completeness.

Every function here is pure: it takes workbooks' facts (and the Reference) and returns Findings.
The single-workbook rules (file format, headers, cells, in-sheet cross-field rules) belong to the
reader; nothing here repeats them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator

from ..findings import WARNING, Finding, finding
from ..forms import (
    ACCEPTED,
    CLIENTS,
    COVER,
    COVER_ROW,
    COVER_SHEET,
    OFFICE_FORMS,
    PROJECTS,
    REFERENCE,
    REVIEWS,
    get_form,
)
from ..intake.facts import OFFICE_FORM_IDS, WorkbookFacts
from ..intake.layout import ACCEPTED_FILE, REFERENCE_FILE, REVIEWS_FILE, content_identity, folder_identity
from ..periods import period_label, valid_period
from .heads import heads_during
from .model import Reference

Slot = tuple[str, str, str]  # (period, office_id, form_id): a place on the submission board (layout.slot_of)
# The cover has a header-less layout: labels in column A, values in column B, one row per field
# in COVER order starting at this row (as the template writer lays it out; Form.cover_row).
COVER_FIRST_ROW = COVER_ROW


def cover_cell(key: str, facts: WorkbookFacts | None = None) -> str:
    """The A1 address of a cover value (column B) for a cover field key, in the layout of the
    template version `facts` was read as (the current layout without facts)."""
    form = get_form(facts.form_id) if facts is not None and facts.form_id in OFFICE_FORM_IDS else None
    layout = form.as_of(facts.version or "") if form is not None else None
    if layout is not None:
        return layout.cover_cell(key)
    for index, f in enumerate(COVER):
        if f.key == key:
            return f"B{COVER_FIRST_ROW + index}"
    raise KeyError(key)


def _title(form_id: str) -> str:
    return get_form(form_id).title


# ---------------------------------------------------------------------------------------------
# Identity and folders


# HR's optional workbooks beside reference.xlsx: (form, file name, what it is)
HR_ROOT_FORMS = ((ACCEPTED, ACCEPTED_FILE, "已确认问题表"), (REVIEWS, REVIEWS_FILE, "复核调整与申诉表"))


def folder_checks(facts: WorkbookFacts) -> Iterator[Finding]:
    """Where a workbook lies vs what it says: misplaced files and identity mismatches."""
    if facts.form_id is None:
        return
    rel = facts.path
    name = rel.rsplit("/", 1)[-1]
    if facts.form_id == REFERENCE.id:
        if rel != REFERENCE_FILE:
            yield finding("file-misplaced", file=rel,
                          reason="这是人力资源部基础数据，应放在数据目录根下并命名为 reference.xlsx")
        return
    if rel == REFERENCE_FILE:
        yield finding("file-misplaced", file=rel,
                      reason=f"reference.xlsx 的内容是“{_title(facts.form_id)}”模板，不是人力资源部基础数据")
        return
    for form, file, what in HR_ROOT_FORMS:
        if facts.form_id == form.id or rel == file:
            if facts.form_id != form.id:
                yield finding("file-misplaced", file=rel,
                              reason=f"{file} 的内容是“{_title(facts.form_id)}”模板，不是{what}")
            elif rel != file:
                yield finding("file-misplaced", file=rel,
                              reason=f"这是人力资源部的{what}，应放在数据目录根下并命名为 {file}")
            return
    folder = folder_identity(rel)
    if folder is None:
        yield finding("file-misplaced", file=rel,
                      reason="应位于 submissions/期间/所编号/ 文件夹中，如 submissions/2026Q1/BJ01/")
        return
    if name != f"{facts.form_id}.xlsx":
        yield finding("file-misplaced", severity=WARNING, file=rel,
                      reason=f"内容是“{_title(facts.form_id)}”模板，文件名应为 {facts.form_id}.xlsx，实际为 {name}")
    folder_period, folder_office = folder
    pairs = (("period", "期间", facts.period, folder_period), ("office_id", "所编号", facts.office_id, folder_office))
    for key, label, seen, expected in pairs:
        if key == "period":  # compared as quarters: a folder `2026 Q1` holds 2026Q1's files
            seen, expected = valid_period(seen), valid_period(expected) or expected
        if not isinstance(seen, str) or not seen.strip():
            continue  # blank or malformed cover values are the reader's findings
        if seen.strip().upper() != expected.strip().upper():
            yield finding("identity-mismatch", file=rel, sheet=COVER_SHEET, cell=cover_cell(key, facts), column=label,
                          value=seen, label=label, seen=seen, expected=f"{folder_period}/{folder_office}")


def spell_office(facts: WorkbookFacts, reference: Reference) -> WorkbookFacts:
    """The facts with a cover 所编号 that matches a reference id but for case read as that id, and
    a note saying so (`bj01` is BJ01, as `2026 Q1` is 2026Q1); the facts as they were otherwise."""
    typed = facts.office_id
    if facts.form_id not in OFFICE_FORM_IDS or not isinstance(typed, str):
        return facts
    known = reference.office_spelling(typed.strip())
    if known == typed.strip():
        return facts
    note = finding("value-normalised", file=facts.path, sheet=COVER_SHEET, cell=cover_cell("office_id", facts),
                   column="所编号", value=typed, seen=typed, normalised=known, office_id=known,
                   period=valid_period(facts.period) or "")
    moved = tuple(dataclasses.replace(f, office_id=known) if f.office_id == typed else f for f in facts.findings)
    return dataclasses.replace(facts, office_id=known, cover={**facts.cover, "office_id": known},
                               findings=(*moved, note))


def office_checks(workbooks: Iterable[WorkbookFacts], reference: Reference) -> Iterator[Finding]:
    """`office-unknown`: a cover 所编号 that is not in HR's list of offices."""
    if not reference.offices:
        return  # without a usable reference there is nothing to check against (reference-missing says so)
    for facts in workbooks:
        identity = content_identity(facts)
        if identity and identity[1] not in reference.offices:
            yield finding("office-unknown", file=facts.path, sheet=COVER_SHEET, cell=cover_cell("office_id", facts),
                          column="所编号", value=identity[1], seen=identity[1])


def duplicates(workbooks: Iterable[WorkbookFacts]) -> tuple[dict[Slot, WorkbookFacts], list[Finding]]:
    """Accepted submissions by (period, office, form), and a finding per file of every duplicate.

    Two workbooks claiming the same slot are both excluded: the pipeline never picks one.
    """
    by_identity: dict[Slot, list[WorkbookFacts]] = defaultdict(list)
    for facts in workbooks:
        identity = content_identity(facts)
        if identity:
            by_identity[identity].append(facts)
    accepted: dict[Slot, WorkbookFacts] = {}
    found: list[Finding] = []
    for identity, group in by_identity.items():
        if len(group) == 1:
            accepted[identity] = group[0]
            continue
        paths = sorted(f.path for f in group)
        for path in paths:
            others = "、".join(p for p in paths if p != path)
            found.append(finding("submission-duplicate", file=path, office_id=identity[1], period=identity[0],
                                 form=_title(identity[2]), other=others))
    return accepted, found


# ---------------------------------------------------------------------------------------------
# Reference and cross-file rules


def reference_checks(accepted: dict[Slot, WorkbookFacts], reference: Reference) -> Iterator[Finding]:
    """`reference-no-target`: submissions for an office-period without a target row (error)."""
    if not reference.offices:
        return
    for period, office in sorted({(period, office) for (period, office, _form) in accepted}):
        if office in reference.offices and (office, period) not in reference.target_rows:
            yield finding("reference-no-target", office_id=office, period=period, office=reference.office_label(office),
                          period_name=period_label(period))


def project_client_checks(accepted: dict[Slot, WorkbookFacts]) -> Iterator[Finding]:
    """`project-client-unknown`: a project's 客户编号 not in the same office-period's clients (warning)."""
    sheet = PROJECTS.sheet("projects")
    col = sheet.column_letter("client_id")
    for (period, office, form_id), facts in accepted.items():
        if form_id != PROJECTS.id:
            continue
        clients = accepted.get((period, office, CLIENTS.id))
        if clients is None:
            continue  # the missing clients form is reported by completeness
        if any(f.blocking and not f.cell for f in clients.findings):
            continue  # its list could not be read whole (a sheet missing or broken): its own error says so
        for number, client in zip(*facts.project_clients):
            if client.strip() not in clients.client_ids:
                yield finding("project-client-unknown", file=facts.path, sheet=sheet.name, cell=f"{col}{number}",
                              row=number, column="客户编号", value=client, seen=client, office_id=office,
                              period=period)


def filler_checks(accepted: dict[Slot, WorkbookFacts], reference: Reference) -> Iterator[Finding]:
    """`cover-filler-not-head`: a cover 填报人 who is none of the heads in office during the period
    (a warning: a deputy may fill in the form, HR should know). The heads are the office's 所长任职
    rows overlapping the period; without any row, the 业务所 sheet's 所长, who heads every period.
    An office with neither (or not in the reference) has nobody to compare with."""
    for (period, office, _form), facts in accepted.items():
        filler = facts.cover.get("filled_by")
        if not isinstance(filler, str) or not filler.strip():
            continue
        tenures = reference.tenures.get(office)
        if tenures:
            heads, source = {t.head_name for t in heads_during(tenures, period)}, "《所长任职》"
        else:
            known = reference.offices.get(office)
            if known is None or not known.head.strip():
                continue
            heads, source = {known.head.strip()}, "《业务所》表"
        if filler.strip() not in heads:
            yield finding("cover-filler-not-head", file=facts.path, sheet=COVER_SHEET, cell=cover_cell("filled_by", facts),
                          column="填报人", private=True, office_id=office, period=period,
                          office=reference.office_label(office),
                          source=source)


# ---------------------------------------------------------------------------------------------
# Completeness


def completeness(occupied: set[Slot], reference: Reference, periods: Iterable[str]) -> Iterator[Finding]:
    """`submission-missing`: each reference office × period × office form with no file at all
    (`occupied`: the slots the data folder's files take)."""
    for period in sorted(set(periods)):
        for office in sorted(reference.offices):
            for form in OFFICE_FORMS:
                if (period, office, form.id) not in occupied:
                    yield finding("submission-missing", office_id=office, period=period,
                                  office=reference.office_label(office),
                                  period_name=period_label(period), form=form.title)


def error_pairs(facts: WorkbookFacts, reference: Reference) -> set[tuple[str, str]]:
    """The (office_id, period) pairs a workbook with errors makes invalid: its content's and its
    folder's (a folder `bj01` is office BJ01's, as its cover would be)."""
    pairs = set()
    content = content_identity(facts)
    if content:
        pairs.add((content[1], content[0]))
    folder = folder_identity(facts.path)
    if folder and valid_period(folder[0]):
        pairs.add((reference.office_spelling(folder[1]), valid_period(folder[0])))
    return pairs


__all__ = ["COVER_FIRST_ROW", "Slot", "completeness", "cover_cell", "duplicates", "error_pairs", "filler_checks",
           "folder_checks", "office_checks", "project_client_checks", "reference_checks", "spell_office"]
