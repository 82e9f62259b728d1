"""HR's accepted findings (accepted.xlsx, SPEC §8): checked with the office head, let through.

Pure. A row accepts every finding with its 所编号, 期间, 文件, 单元格 and 代码, compared as people
copy them from a report (case, spaces, `$` and the `submissions/` prefix forgiven). An accepted
finding keeps its severity and gets HR's reason (`Finding.acceptance`): it is shown as 已确认
everywhere and no longer blocks scoring (`Finding.blocking`). A row that accepts nothing is a
warning, so that stale acceptances do not pile up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from ..findings import CATALOGUE, Finding, finding
from ..forms import ACCEPTED
from ..intake.facts import WorkbookFacts
from ..intake.layout import SUBMISSIONS
from ..periods import valid_period

SHEET = ACCEPTED.sheet("accepted")
Key = tuple[str, str, str, str, str]  # (office_id, period, file, cell, code), normalised


@dataclass(frozen=True)
class Acceptance:
    """One row of 已确认."""

    key: Key
    reason: str
    row: int


def key_of(office_id: str, period: str, file: str, cell: str, code: str) -> Key:
    """The normalised key of a finding or a row: what a person copying a report may vary is forgiven."""
    path = file.strip().replace("\\", "/").removeprefix("./").removeprefix(f"{SUBMISSIONS}/")
    return (office_id.strip().upper(), valid_period(period) or period.strip(), path,
            cell.strip().replace("$", "").upper(), code.strip().lower())


def acceptances(facts: WorkbookFacts | None) -> tuple[list[Acceptance], list[Finding]]:
    """The rows of accepted.xlsx, and a finding for each row whose 期间 is not a quarter.

    Rows the reader found wanting (a required cell blank or invalid) accept nothing: its own
    findings say why.
    """
    if facts is None or facts.form_id != ACCEPTED.id or SHEET.key not in facts.tables:
        return [], []
    out: list[Acceptance] = []
    found: list[Finding] = []
    period_col = SHEET.column_letter("period")
    for row in facts.tables[SHEET.key].rows():
        office, period, code, reason = row["office_id"], row["period"], row["code"], row["reason"]
        if not all(isinstance(v, str) and v for v in (office, period, code, reason)):
            continue
        if valid_period(period) is None:
            found.append(finding("period-malformed", file=facts.path, sheet=SHEET.name, cell=f"{period_col}{row.number}",
                                 row=row.number, column=SHEET.label("period"), value=period, seen=period))
            continue
        out.append(Acceptance(key_of(office, period, row.get("file", ""), row.get("cell", ""), code), reason,
                              row.number))
    return out, found


def accept(findings: Iterable[Finding], rows: list[Acceptance]) -> list[Finding]:
    """The findings, each one a row accepts carrying that row's reason."""
    if not rows:
        return list(findings)
    reasons = {}
    for row in rows:
        reasons.setdefault(row.key, row.reason)  # the first row of a repeated key speaks
    return [dataclasses.replace(f, acceptance=reasons[key]) if (key := finding_key(f)) in reasons else f
            for f in findings]


def finding_key(f: Finding) -> Key:
    return key_of(f.office_id, f.period, f.file, f.cell, f.code)


def unmatched(rows: list[Acceptance], findings: Iterable[Finding], path: str) -> list[Finding]:
    """A warning for each row of accepted.xlsx (at `path`) that accepts no finding."""
    keys = {finding_key(f) for f in findings if f.acceptance is not None}
    out = []
    for row in rows:
        if row.key in keys:
            continue
        office, period, file, cell, code = row.key
        if code not in CATALOGUE:
            reason = f"代码“{code}”不是校验代码（全部代码见网站“校验代码”页）"
        else:
            reason = "本次校验没有发现这个问题（可能已经更正）"
        shown = " › ".join(part for part in (office, period, file, cell, code) if part)
        out.append(finding("accepted-unmatched", file=path, sheet=SHEET.name, row=row.row, office_id=office,
                           period=period, key=shown, reason=reason))
    return out


__all__ = ["Acceptance", "accept", "acceptances", "finding_key", "key_of", "unmatched"]
