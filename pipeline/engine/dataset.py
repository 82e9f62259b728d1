"""Workbooks' facts -> `Dataset`: the reference, the accepted submissions and every finding, sorted;
then `screen`: the plausibility stage and HR's accepted findings.

Pure: the files were read (and their own rules checked) by the intake stage; here they meet each
other and HR's reference. Nothing is dropped silently: a duplicate or a workbook whose cover
disagrees with its folder is excluded from scoring with a finding that says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..findings import Finding, finding
from ..forms import REFERENCE
from ..intake.facts import WorkbookFacts
from ..intake.layout import ACCEPTED_FILE, REFERENCE_FILE, content_identity, slot_of
from . import checks, plausibility
from .acceptance import accept, acceptances, unmatched
from .model import Dataset, Reference
from .policy import Plausibility
from .reference import build_reference, target_rows_by_number
from .submissions import office_period_errors


def assemble(data_dir: str, workbooks: Iterable[WorkbookFacts], found: Iterable[Finding] = (),
             reference_present: bool = True) -> Dataset:
    """Check every workbook against the others and the reference; `found` = discovery's findings.

    `reference_present`: whether DATA_DIR had a reference.xlsx at all (reference-missing otherwise).
    """
    found = list(found)
    workbooks = sorted(workbooks, key=lambda f: f.path)
    if not reference_present:
        found.append(finding("reference-missing", file=REFERENCE_FILE))
    ref = next((f for f in workbooks if f.path == REFERENCE_FILE), None)
    reference, ref_findings = build_reference(ref)
    found += ref_findings
    workbooks = [checks.spell_office(f, reference) for f in workbooks]
    office_wbs = [f for f in workbooks if f.path != REFERENCE_FILE]
    for facts in workbooks:
        found += checks.folder_checks(facts)
    found += checks.office_checks(office_wbs, reference)
    # A cover that disagrees with its folder is not trusted for either office-period.
    mismatched = {f.file for f in found if f.code == "identity-mismatch"}
    accepted, duplicate_findings = checks.duplicates(f for f in office_wbs if f.path not in mismatched)
    found += duplicate_findings
    found += checks.reference_checks(accepted, reference)
    found += checks.project_client_checks(accepted)
    found += checks.filler_checks(accepted, reference)
    periods = {p for (_, p) in reference.targets} | {p for (p, _, _) in accepted}
    slots = {f.path: _spelt(slot_of(f), reference) for f in workbooks}
    found += checks.completeness({slots[f.path] for f in office_wbs} - {None}, reference, periods)

    by_path = {f.path: f for f in workbooks}
    targets = target_rows_by_number(ref)
    located = [_locate(f, by_path[f.file], slots[f.file], ref, targets) if f.file in by_path else f for f in found]
    for facts in workbooks:
        located += [_locate(f, facts, slots[facts.path], ref, targets) for f in facts.findings]
    return Dataset(data_dir=data_dir, reference=reference, submissions=dict(sorted(accepted.items())),
                   workbooks=workbooks, findings=sorted(set(located), key=total_order), slots=slots)


def screen(dataset: Dataset, rules: Plausibility) -> Dataset:
    """The plausibility stage and HR's acceptances (accepted.xlsx) applied to an assembled Dataset.

    Runs between assembling and scoring: the plausibility findings join the others, then every
    finding HR accepted carries its reason and no longer blocks scoring; an acceptance that
    matches nothing is a warning. The rules against earlier quarters skip quarters that still
    have errors, so they run once the rest is known.
    """
    accepted_file = next((f for f in dataset.workbooks if f.path == ACCEPTED_FILE), None)
    rows, row_findings = acceptances(accepted_file)
    found = accept([*dataset.findings, *row_findings, *plausibility.quarter_findings(dataset, rules)], rows)
    blocked = office_period_errors(dataclasses.replace(dataset, findings=found))
    found += accept(plausibility.change_findings(dataset, rules, blocked), rows)
    if accepted_file is not None:
        found += unmatched(rows, found, accepted_file.path)
    return dataclasses.replace(dataset, findings=sorted(set(found), key=total_order))


def _spelt(slot: tuple[str, str, str] | None, reference: Reference) -> tuple[str, str, str] | None:
    """A slot whose office (a folder `bj01`) is named as the reference names it."""
    return None if slot is None else (slot[0], reference.office_spelling(slot[1]), slot[2])


def total_order(f: Finding) -> tuple:
    """Finding.sort_key, then every other field: equal keys never depend on the order of a set."""
    return (*f.sort_key(), f.severity, f.office_id, f.period, f.column, f.value or "")


def _locate(f: Finding, facts: WorkbookFacts, slot: tuple[str, str, str] | None, ref: WorkbookFacts | None,
            targets: dict[int, tuple[str, str]]) -> Finding:
    """Give a finding the office and period it concerns, when it does not say."""
    if f.office_id and f.period:
        return f
    if facts is ref:
        # a bad 季度目标 row belongs to the office-period it sets the target for
        key = targets.get(f.row or 0) if f.sheet == REFERENCE.sheet("targets").name else None
        return dataclasses.replace(f, office_id=key[0], period=key[1]) if key else f
    # Where the file lies first: the office whose folder holds a broken file is the one to tell.
    identity = slot or content_identity(facts)
    if identity is None:
        return f
    return dataclasses.replace(f, office_id=f.office_id or identity[1], period=f.period or identity[0])


__all__ = ["assemble", "screen", "total_order"]
