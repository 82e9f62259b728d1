"""validation.json (schema in docs/guide/json-report.md): every file, finding and submission, as data.

The layout is one line per top-level key and per file, finding or period, so the report diffs and
greps well; every item is encoded by the json module. The same data set always gives the same
bytes (no run time, no absolute path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..engine.adjust import shown
from ..engine.counts import ACCEPTED_KEY, count
from ..engine.deadlines import INFORMATIONAL_NOTE, timeliness
from ..engine.model import Dataset, Results
from ..engine.submissions import Matrix, submission_matrix
from ..findings import ERROR, SEVERITIES, WARNING, Finding
from ..forms import ACCEPTED, REFERENCE, REVIEWS
from ..forms.values import CONTROL
from ..intake.layout import ACCEPTED_FILE, REFERENCE_FILE, REVIEWS_FILE

REPORT_VERSION = 1
HR_FILES = {REFERENCE_FILE: REFERENCE.id, ACCEPTED_FILE: ACCEPTED.id, REVIEWS_FILE: REVIEWS.id}  # HR's workbooks, used when in place
_json = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _encode(item: Any) -> str:
    """JSON text with Chinese kept readable; json escapes C0 controls (\\u001b) but not DEL, C1 or
    bidi overrides, which are escaped here too: `cat validation.json` never obeys the input."""
    text = _json(item)
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if CONTROL.search(text) else text


COUNT_KEYS = (*SEVERITIES, ACCEPTED_KEY)  # a `counts` object's keys: the severities, then HR's accepted


def counts(findings: list[Finding]) -> dict[str, int]:
    """Findings by severity (error, warning, info), each present; those HR accepted counted apart
    (engine/counts.py, the one count)."""
    return count(findings).as_dict()


def file_entries(dataset: Dataset) -> list[dict[str, Any]]:
    """The report's `files`: an entry per workbook, in path order."""
    by_file: dict[str, list[Finding]] = {}
    for f in dataset.findings:
        by_file.setdefault(f.file, []).append(f)
    accepted = {id(facts) for facts in dataset.submissions.values()}
    entries = []
    none = counts([])
    for facts in dataset.workbooks:
        found = by_file.get(facts.path)
        tally = counts(found) if found else dict(none)  # most files have no finding
        status = "errors" if tally[ERROR] else "warnings" if tally[WARNING] else "ok"
        entries.append({
            "file": facts.path,
            "template_id": facts.form_id,
            "template_version": facts.version,
            "office_id": facts.office_id if isinstance(facts.office_id, str) else None,
            "period": facts.period if isinstance(facts.period, str) else None,
            "sha256": facts.sha256,
            "accepted": id(facts) in accepted or HR_FILES.get(facts.path) == facts.form_id,
            "status": status,
            "counts": tally,
        })
    return entries


def review_entries(results: Results) -> dict[str, list[dict[str, Any]]]:
    """The report's `reviews`: every adjustment applied after review and every appeal's status.

    The report promises no personal data (docs/guide/json-report.md): the approver, the appeal's
    matter and its handler are left to HR's workbooks and the terminal.
    """
    adjustments = [{"office_id": c.office_id, "period": c.period, "item": a.item, "kpi": a.kpi or None,
                    "original": a.original, "adjusted": a.adjusted, "original_shown": shown(a.original, a.what, a.kpi),
                    "adjusted_shown": shown(a.adjusted, a.what, a.kpi), "reason": a.reason,
                    "approved_on": a.approved_on, "row": a.row}
                   for c in results.scorecards for a in c.adjustments]
    appeals = [{"office_id": a.office_id, "period": a.period, "filed_on": a.filed_on, "outcome": a.outcome,
                "settled_on": a.settled_on or None, "row": a.row} for a in results.appeals]
    return {"adjustments": adjustments, "appeals": appeals}


def timeliness_entries(dataset: Dataset, matrix: Matrix) -> dict[str, Any]:
    """The report's `timeliness`: each quarter with a deadline in 填报日程 -> its deadline, the note that
    lateness is informational, and office -> form -> status, days late, the day received and where
    that date came from (`intake`'s log, or `mtime`: the file's modification time, an estimate)."""
    out: dict[str, Any] = {}
    board = timeliness(dataset, matrix)
    for period in sorted(board):
        offices = {office: {form: {"status": t.state, "days_late": t.days,
                                   "received": t.received.isoformat() if t.received else None, "source": t.source}
                            for form, t in row.items()}
                   for office, row in sorted(board[period].items())}
        out[period] = {"deadline": dataset.reference.deadlines[period].isoformat(), "note": INFORMATIONAL_NOTE,
                       "offices": offices}
    return out


def report(dataset: Dataset, matrix: Matrix | None = None, kpi_findings: list[Finding] | None = None,
           reviews: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The report as data; keys in a stable order. `kpi_findings` (the assessment's) and `reviews`
    (review_entries): from `run`."""
    tally = count(dataset.findings, kpi_findings)  # the counts every summary shows (engine/counts.py)
    matrix = submission_matrix(dataset) if matrix is None else matrix
    data: dict[str, Any] = {
        "version": REPORT_VERSION,
        "data_dir": dataset.data_dir,
        "ok": tally.errors == 0,
        "counts": tally.as_dict(),
        "files": file_entries(dataset),
        "findings": [{**f.to_dict(), "title": f.title, "fix": f.fix} for f in dataset.findings],
        "completeness": matrix,
        "timeliness": timeliness_entries(dataset, matrix),
    }
    if kpi_findings is not None:
        data["kpi_findings"] = [f.to_dict() for f in kpi_findings]
    if reviews is not None:
        data["reviews"] = reviews
    return data


def dump(data: dict[str, Any]) -> str:
    """The report as JSON text: one line per top-level key and per file, finding or period."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            text = "[\n" + ",\n".join(f"    {_encode(item)}" for item in value) + "\n  ]"
        elif isinstance(value, dict) and value:
            text = "{\n" + ",\n".join(f"    {_encode(k)}: {_encode(v)}" for k, v in value.items()) + "\n  }"
        else:
            text = _encode(value)
        lines.append(f"  {_encode(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def report_text(dataset: Dataset, matrix: Matrix | None = None, kpi_findings: list[Finding] | None = None,
                reviews: dict[str, list[dict[str, Any]]] | None = None) -> str:
    """The report's text, as written to the file."""
    return dump(report(dataset, matrix, kpi_findings, reviews))


def write_report(path: str | Path, dataset: Dataset, matrix: Matrix | None = None,
                 kpi_findings: list[Finding] | None = None) -> None:
    """Write the report (UTF-8, Chinese kept readable); OSError when the path is unwritable."""
    write_text(path, report_text(dataset, matrix, kpi_findings))


__all__ = ["ACCEPTED_KEY", "COUNT_KEYS", "REPORT_VERSION", "counts", "dump", "file_entries", "report", "report_text", "review_entries",
           "timeliness_entries",
           "write_report"]
