"""DATA_DIR -> Dataset: discover the files, read them, run the cross-workbook checks; the JSON report.

The `validate` command itself (summary, progress, exit codes) is in validation_summary.py.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import os
from collections import Counter
from pathlib import Path
from typing import Any

from . import checks
from .findings import ERROR, SEVERITIES, WARNING, Finding, finding
from .forms import OFFICE_FORMS, REFERENCE
from .model import Dataset, Workbook

REPORT_VERSION = 1
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".et", ".ods")
VERSIONS_DIR = "_versions"  # where intake keeps replaced files; never read as submissions
SUBMITTED, ERRORS, MISSING = "submitted", "errors", "missing"


def _ignored(name: str) -> bool:
    # Excel/WPS lock files (~$x.xlsx), hidden files (.DS_Store) and our own bookkeeping (_versions)
    return name.startswith(("~$", ".", "_"))


def discover(data_dir: Path) -> tuple[Path | None, list[tuple[str, str]], list[Finding]]:
    """The reference path, every submission file as (path, rel posix path) sorted, and findings for strays.

    A submission's path is a string (os.scandir's): 32,000 Path objects cost a tenth of a second.
    """
    data_dir = Path(data_dir)
    reference = data_dir / checks.REFERENCE_FILE
    found: list[Finding] = []
    items: list[tuple[str, str]] = []
    try:
        entries = sorted(data_dir.iterdir()) if data_dir.is_dir() else []
    except OSError:
        entries = []
    for path in entries:
        if path.is_file() and not _ignored(path.name) and path.name != checks.REFERENCE_FILE \
                and path.suffix.lower() in WORKBOOK_SUFFIXES:
            found.append(finding("file-misplaced", severity=WARNING, file=path.name,
                                 reason="工作簿不在 submissions 文件夹中,未读取"))
    root = data_dir / checks.SUBMISSIONS
    if root.is_dir():
        for path, rel, kind, suffix in _walk(str(root), checks.SUBMISSIONS):
            if not printable(rel):
                found.append(finding("file-misplaced", file=printable_name(rel),
                                     reason="文件名或文件夹名含有无法识别的字符,请重命名后再提交"))
            elif kind != "file":
                # never follow links out of the data folder, nor read devices or pipes
                found.append(finding("file-misplaced", file=rel, **_folder_where(rel),
                                     reason="不是普通文件(可能是快捷方式、链接或文件夹链接),未读取"))
            elif suffix in WORKBOOK_SUFFIXES:
                items.append((path, rel))
            else:
                found.append(finding("file-misplaced", severity=WARNING, file=rel, **_folder_where(rel),
                                     reason="不是 Excel 工作簿(.xlsx),未读取"))
    items.sort(key=lambda item: item[1])
    return (reference if reference.is_file() else None), items, found


def _folder_where(rel: str) -> dict[str, str]:
    folder = checks.folder_identity(rel)
    period = checks.valid_period(folder[0]) if folder else None
    return {"office_id": folder[1], "period": period} if folder and period else {}


def printable(text: str) -> bool:
    # A name that is not valid UTF-8 (from a zip made on another system) cannot be shown or reported.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_name(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_name = operator.attrgetter("name")


def _suffix(name: str) -> str:
    """os.path.splitext(name)[1].lower() for a name that does not start with a dot."""
    stem, dot, suffix = name.rpartition(".")
    return f".{suffix.lower()}" if dot and stem else ""


def _walk(folder: str, rel: str):
    """(path, rel, "file" | "other", suffix) under folder, skipping ignored names, never following links.

    os.scandir: its entries know their type without another stat (32,000 files, 8,000 folders),
    and their paths are strings already.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=_name)
    except OSError:
        return
    for entry in entries:
        if _ignored(entry.name):
            continue
        path, sub = entry.path, f"{rel}/{entry.name}"
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file(follow_symlinks=False)
        except OSError:
            is_dir = is_file = False
        if is_dir:
            yield from _walk(path, sub)
        else:  # links, devices: for discover() to report
            yield path, sub, ("file" if is_file else "other"), _suffix(entry.name)


def _read(items: list[tuple[str | Path, str]], workers: int, progress, cache) -> list[Workbook]:
    try:
        from .excel.pool import read_workbooks  # the reader is heavy; import it only when reading
    except ImportError:  # no process pool in this build: read one file after another
        from .read import read_workbook
        from .summary import slim

        workbooks = []
        for done, (path, rel) in enumerate(items, start=1):
            workbooks.append(slim(read_workbook(path, rel)))
            if progress:
                progress(done, len(items))
        return workbooks
    return read_workbooks(items, workers=workers, progress=progress, cache=cache, slim=True)


def validate_dir(data_dir: Path, workers: int = 0, progress: Any = False, cache=None) -> Dataset:
    """Read every workbook of DATA_DIR, build the Reference and run all checks; never raises for bad data.

    `progress` may be False, True (a text bar on stderr) or a callable passed to the reader.
    """
    data_dir = Path(data_dir).absolute()  # absolute file paths: the cache's stat index keys
    reference_path, items, found = discover(data_dir)
    return validate_items(data_dir, reference_path, items, found, workers, progress, cache)


def validate_items(data_dir: Path, reference_path: Path | None, items: list[tuple[str, str]], found: list[Finding],
                   workers: int = 0, progress: Any = False, cache=None, periods: list[str] | None = None,
                   offices: set[str] | None = None) -> Dataset:
    """`validate_dir` on what `discover` found (`found`: its findings, extended here).

    A rerun validates one office's files this way (pipeline/rerun.py): `periods` are then the
    whole data folder's and `offices` the offices whose missing forms are reported.
    """
    found = list(found)
    if reference_path is not None:
        items = [(reference_path, checks.REFERENCE_FILE), *items]
    else:
        found.append(finding("reference-missing", file=checks.REFERENCE_FILE))
    callback = progress
    if progress is True:
        from .validation_summary import ProgressBar

        callback = ProgressBar(len(items))
    workbooks = _read(items, workers, callback or None, cache) if items else []
    if callable(getattr(callback, "close", None)):
        callback.close()
    ref_wb = next((wb for wb in workbooks if wb.path == checks.REFERENCE_FILE), None)
    reference, ref_findings = checks.build_reference(ref_wb)
    found += ref_findings
    office_wbs = [wb for wb in workbooks if wb.path != checks.REFERENCE_FILE]

    for wb in workbooks:
        found += checks.folder_checks(wb)
        found += checks.roster_checks(wb)
    found += checks.office_checks(office_wbs, reference)
    # A cover that disagrees with its folder is not trusted for either office-period.
    mismatched = {f.file for f in found if f.code == "identity-mismatch"}
    candidates = [wb for wb in office_wbs if wb.path not in mismatched]
    accepted, dup_findings = checks.duplicates(candidates)
    found += dup_findings
    found += checks.reference_checks(accepted, reference)
    found += checks.project_client_checks(accepted)
    if periods is None:
        periods = sorted({p for (_, p) in reference.targets} | {p for (p, _, _) in accepted})
    found += checks.completeness(office_wbs, reference, periods, offices)

    by_path = {wb.path: wb for wb in workbooks}
    target_rows = {r.number: key for r in (ref_wb.tables.get("targets", []) if ref_wb else [])
                   if (key := checks.target_key(r))}
    found = [_locate(f, by_path[f.file], ref_wb, target_rows) if f.file in by_path else f for f in found]
    for wb in workbooks:
        found += [_locate(f, wb, ref_wb, target_rows) for f in wb.findings]
    findings = sorted(set(found), key=_total_order)
    return Dataset(data_dir=data_dir.resolve().name or data_dir.name, reference=reference, submissions=dict(sorted(accepted.items())),
                   workbooks=sorted(workbooks, key=lambda wb: wb.path), findings=findings)


def _total_order(f: Finding) -> tuple:
    # Finding.sort_key first, then every other field, so that equal keys never depend on set order.
    return (*f.sort_key(), f.severity, f.office_id, f.period, f.column, f.value or "")


def _locate(f: Finding, wb: Workbook, ref_wb: Workbook | None, target_rows: dict[int, tuple[str, str]]) -> Finding:
    """Give a finding the office and period it concerns, when it does not say."""
    if f.office_id and f.period:
        return f
    if wb is ref_wb:
        # a bad 季度目标 row belongs to the office-period it sets the target for
        key = target_rows.get(f.row or 0) if f.sheet == REFERENCE.sheet("targets").name else None
        return dataclasses.replace(f, office_id=key[0], period=key[1]) if key else f
    # Where the file lies first: the office whose folder holds a broken file is the one to tell.
    identity = checks.slot(wb) or checks.content_identity(wb)
    if identity is None:
        return f
    return dataclasses.replace(f, office_id=f.office_id or identity[1], period=f.period or identity[0])


# ---------------------------------------------------------------------------------------------
# Derived views: the submission board, invalid office-periods, the JSON report


def _file_errors(dataset: Dataset) -> set[str]:
    return {f.file for f in dataset.findings if f.severity == ERROR and f.file}


def submission_matrix(dataset: Dataset, periods: list[str] | None = None,
                      offices: set[str] | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """period -> office_id -> form_id -> "submitted" | "errors" | "missing" (sorted keys).

    A rerun gives the whole data folder's `periods` and the `offices` it wants the rows of.
    """
    bad = _file_errors(dataset)
    status: dict[tuple[str, str, str], str] = {}
    for wb in dataset.workbooks:
        place = checks.slot(wb)
        if place is None:
            continue
        state = ERRORS if wb.path in bad or wb.has_errors else SUBMITTED
        if status.get(place) != ERRORS:
            status[place] = state
    seen: dict[str, set[str]] = {}  # period -> offices with a file in it
    for (p, o, _) in status:
        seen.setdefault(p, set()).add(o)
    if periods is None:
        periods = set(dataset.periods) | set(seen)
    matrix: dict[str, dict[str, dict[str, str]]] = {}
    for period in sorted(periods):
        present = set(dataset.reference.offices) | seen.get(period, set())
        matrix[period] = {
            office: {form.id: status.get((period, office, form.id), MISSING) for form in OFFICE_FORMS}
            for office in sorted(present if offices is None else present & offices)
        }
    return matrix


def office_period_errors(dataset: Dataset) -> set[tuple[str, str]]:
    """(office_id, period) pairs with any error, in their workbooks or at dataset level."""
    pairs = {(f.office_id, f.period) for f in dataset.findings if f.severity == ERROR and f.office_id and f.period}
    bad = _file_errors(dataset)
    for wb in dataset.workbooks:
        if wb.path != checks.REFERENCE_FILE and (wb.path in bad or wb.has_errors):
            pairs |= checks.error_pairs(wb)
    return pairs


def _counts(findings: list[Finding]) -> dict[str, int]:
    counter = Counter(f.severity for f in findings)
    return {severity: counter.get(severity, 0) for severity in SEVERITIES}


class Encoded(str):
    """An item of the JSON report already encoded (as `dump_report` would): written as it is."""

    __slots__ = ()


_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_encode_string = json.encoder.encode_basestring  # what that encoder writes for a str


def _file_facts(dataset: Dataset):
    """(workbook, accepted, status, counts or None when it has no finding) per workbook, in path order."""
    by_file: dict[str, list[Finding]] = {}
    for f in dataset.findings:
        by_file.setdefault(f.file, []).append(f)
    accepted = {id(wb) for wb in dataset.submissions.values()}
    for wb in dataset.workbooks:
        found = by_file.get(wb.path)
        counts = _counts(found) if found else None  # most files have no finding
        status = "ok" if counts is None else "errors" if counts[ERROR] else "warnings" if counts[WARNING] else "ok"
        ok = id(wb) in accepted or (wb.path == checks.REFERENCE_FILE and wb.form_id == REFERENCE.id)
        yield wb, ok, status, counts


def file_entries(dataset: Dataset) -> list[dict[str, Any]]:
    """The report's `files`: an entry per workbook, in path order."""
    none = _counts([])
    return [{
        "file": wb.path,
        "template_id": wb.form_id,
        "template_version": wb.version,
        "office_id": wb.office_id if isinstance(wb.office_id, str) else None,
        "period": wb.period if isinstance(wb.period, str) else None,
        "sha256": wb.sha256,
        "accepted": ok,
        "status": status,
        "counts": dict(none) if counts is None else counts,
    } for wb, ok, status, counts in _file_facts(dataset)]


def file_lines(dataset: Dataset) -> list[tuple[str, Encoded]]:
    """(path, encoded entry) of every workbook: what `file_entries` gives, as `dump_report` would
    encode it, written out by hand (32,000 of them at 1,000 offices: the encoder's per-dict work
    was most of the time; a test compares the two). A rerun keeps these lines."""
    quiet = ", ".join(f'"{k}": 0' for k in SEVERITIES)
    lines = []
    for wb, ok, status, counts in _file_facts(dataset):
        tally = quiet if counts is None else ", ".join(f'"{k}": {v}' for k, v in counts.items())
        lines.append((wb.path, Encoded(
            f'{{"file": {_scalar(wb.path)}, "template_id": {_scalar(wb.form_id)}, '
            f'"template_version": {_scalar(wb.version)}, '
            f'"office_id": {_scalar(wb.office_id if isinstance(wb.office_id, str) else None)}, '
            f'"period": {_scalar(wb.period if isinstance(wb.period, str) else None)}, '
            f'"sha256": {_scalar(wb.sha256)}, "accepted": {"true" if ok else "false"}, "status": "{status}", '
            f'"counts": {{{tally}}}}}')))
    return lines


def _scalar(value: Any) -> str:
    if value.__class__ is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return _compact(value)


def report_json(dataset: Dataset, matrix: dict | None = None, files: list[tuple[str, Encoded]] | None = None,
                findings: list[Finding] | None = None, data_dir: str | None = None) -> dict[str, Any]:
    """The JSON report (schema in docs/guide/json-report.md); keys in a stable order.

    `matrix`, `files`: the dataset's `submission_matrix` and `file_lines` when the caller has
    already made them (`files` then holds encoded entries, for `dump_report`); a rerun
    (pipeline/rerun.py) gives them with `findings` and `data_dir` instead of a dataset.
    """
    findings = dataset.findings if findings is None else findings
    counts = _counts(findings)
    return {
        "version": REPORT_VERSION,
        "data_dir": dataset.data_dir if data_dir is None else data_dir,
        "ok": counts[ERROR] == 0,
        "counts": counts,
        "files": file_entries(dataset) if files is None else [line for _, line in files],
        "findings": [_finding_dict(f) for f in findings],
        "completeness": matrix if matrix is not None else submission_matrix(dataset),
    }


def _finding_dict(f: Finding) -> dict[str, Any]:
    data = f.to_dict()
    data["title"] = f.title
    return data


_FILES_MARK = "\x00files\x00"  # where `files_utf8` go (JSON text never holds a raw control character)


def write_json(dataset: Dataset | None, path: Path, kpi_findings: list[Finding] | None = None,
               matrix: dict | None = None, files_utf8: list[bytes] | None = None, **given: Any) -> None:
    """Write the JSON report as UTF-8 (Chinese kept readable); OSError when the path is unwritable.

    `kpi_findings` (from `run`: the assessment's KPI N/A warnings) are added as `kpi_findings`;
    `given`: report_json's `files`, `findings` and `data_dir`; `files_utf8`: the `files` entries
    already encoded, as a rerun keeps them.
    """
    if files_utf8:
        given["files"] = [("", Encoded(_FILES_MARK))]
    report = report_json(dataset, matrix, **given)
    if kpi_findings is not None:
        report["kpi_findings"] = [f.to_dict() for f in kpi_findings]
    text = dump_report(report)
    if not files_utf8:
        Path(path).write_text(text, encoding="utf-8")
        return
    head, tail = text.encode("utf-8").split(f"    {_FILES_MARK}".encode())
    with open(path, "wb") as f:
        f.write(head)
        f.write(b",\n".join(b"    " + line for line in files_utf8))
        f.write(tail)


def dump_report(report: dict[str, Any]) -> str:
    """The report as JSON text: one line per top-level key and per file, finding or period.

    json.dumps with `indent` runs in pure Python (seconds for 32,000 files); each item is
    encoded by the C encoder instead, and the lines still diff and grep well. One encoder for
    every item: json.dumps with options makes a new one per call.
    """
    compact = _compact

    lines = []
    for key, value in report.items():
        if isinstance(value, list) and value:
            inner = ",\n".join(f"    {item if item.__class__ is Encoded else compact(item)}" for item in value)
            text = f"[\n{inner}\n  ]"
        elif isinstance(value, dict) and value:
            inner = ",\n".join(f"    {compact(k)}: {compact(v)}" for k, v in value.items())
            text = f"{{\n{inner}\n  }}"
        else:
            text = compact(value)
        lines.append(f"  {compact(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def validate_command(args) -> int:
    """`python -m pipeline validate DATA_DIR [--json FILE] [--annotate DIR] [--workers N]`."""
    from .validation_summary import run_validate

    return run_validate(args)


__all__ = [
    "ERRORS", "MISSING", "SUBMITTED", "Encoded", "discover", "file_lines", "office_period_errors", "report_json",
    "submission_matrix", "validate_command", "validate_dir", "validate_items", "write_json",
]
