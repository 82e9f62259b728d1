"""Plausibility of one workbook's dates against the quarter its cover names (Field.near_period_days).

A training planned for 2062 in the 2026Q1 plan is almost certainly a slip of the year; it counts in
the plan all the same, so it is a warning, not an error. Checks that need other workbooks (the
previous quarter, last year) belong to the engine (engine/plausibility.py).
"""

from __future__ import annotations

from datetime import timedelta

from ..findings import Finding, finding
from ..forms import Form, get_form
from ..periods import Period
from .facts import WorkbookFacts
from .layout import content_identity


def near_period_findings(facts: WorkbookFacts) -> list[Finding]:
    """A warning for each date of a `near_period_days` field further than that from the quarter."""
    identity = content_identity(facts)
    if identity is None:
        return []
    form: Form = get_form(identity[2])
    quarter = Period.parse(identity[0])
    out = []
    for sheet in form.sheets:
        table = facts.tables.get(sheet.key)
        if not table:
            continue
        for f in sheet.fields:
            if f.near_period_days is None:
                continue
            slack = timedelta(days=f.near_period_days)
            earliest, latest = quarter.start - slack, quarter.end + slack
            letter = sheet.column_letter(f.key)
            for number, value in zip(table.numbers, table.column(f.key)):
                if value is None or earliest <= value <= latest:
                    continue
                out.append(finding("plausible-date-far", file=facts.path, sheet=sheet.name, cell=f"{letter}{number}",
                                   row=number, column=f.label, value=value.isoformat(), seen=value.isoformat(),
                                   start=quarter.start.isoformat(), end=quarter.end.isoformat(),
                                   office_id=identity[1], period=identity[0]))
    return out


__all__ = ["near_period_findings"]
