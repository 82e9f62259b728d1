"""A read workbook's rows -> `Summary`: what validation, the KPIs and the privacy gate use of them.

Reading 32,000 workbooks yields about 1.4 million rows; keeping them all would cost gigabytes and
shipping them from the reading processes most of the parent's time. Every later use of the rows
is small (a few sums and counts per form, the client ids, the roster's dates against its quarter,
the texts the privacy gate must know), so it is computed once where the workbook is read, and
the rows of office workbooks are dropped there (`slim`). The reference workbook keeps its rows:
it is one file, and the targets and offices are built from them.

Consumers call `summary_of(wb)`, which also works for a workbook that still has its rows (tests,
tools, `intake`), so both paths give the same answers.
"""

from __future__ import annotations

import marshal
from dataclasses import replace

from . import checks, kpi
from .forms import CLIENTS, PROJECTS, REFERENCE
from .model import Period, Summary, Workbook
from .privacy.values import workbook_texts


def quarter_of(wb: Workbook) -> str:
    """The quarter a workbook counts for: its folder's when valid (the folder wins), else its cover's."""
    folder = checks.folder_identity(wb.path)
    period = checks.valid_period(folder[0]) if folder else None
    return period or checks.valid_period(wb.period) or ""


def summarise(wb: Workbook) -> Summary:
    """The Summary of a workbook that still has its rows."""
    period = quarter_of(wb)
    client_ids: frozenset[str] = frozenset()
    project_clients: tuple[tuple[int, str], ...] = ()
    if wb.form_id == CLIENTS.id:
        client_ids = frozenset(str(v).strip() for r in wb.tables.get("clients", []) if (v := r.values.get("client_id")))
    elif wb.form_id == PROJECTS.id:
        project_clients = tuple((r.number, str(r["client_id"])) for r in wb.tables.get("projects", [])
                                if r["client_id"] is not None and str(r["client_id"]).strip())
    return Summary(
        period=period,
        part=kpi.rows_part(wb, Period.parse(period) if period else None),
        client_ids=client_ids,
        project_clients=project_clients,
        roster_findings=tuple(checks.roster_rows_checks(wb)),
        texts=marshal.dumps(workbook_texts(wb)),
    )


def summary_of(wb: Workbook) -> Summary:
    """The workbook's Summary: the one made where it was read, else computed from its rows now."""
    return wb.summary if wb.summary is not None else summarise(wb)


def slim(wb: Workbook) -> Workbook:
    """The workbook with its Summary and, except for the reference, without its rows."""
    if wb.summary is not None:
        return wb
    summary = summarise(wb)
    return replace(wb, summary=summary, tables=wb.tables if wb.form_id == REFERENCE.id else {})


__all__ = ["quarter_of", "slim", "summarise", "summary_of"]
