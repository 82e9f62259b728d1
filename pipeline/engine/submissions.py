"""Derived views of a Dataset: the submission board and the office-periods that have errors."""

from __future__ import annotations

from ..forms import OFFICE_FORMS
from ..intake.layout import REFERENCE_FILE
from . import checks
from .model import Dataset

# the state of one form on the board (values as validation.json writes them)
SUBMITTED, WITH_ERRORS, NOT_SUBMITTED = "submitted", "errors", "missing"
Matrix = dict[str, dict[str, dict[str, str]]]


def _file_errors(dataset: Dataset) -> set[str]:
    """Files with an error HR has not accepted."""
    return {f.file for f in dataset.findings if f.blocking and f.file}


def submission_matrix(dataset: Dataset) -> Matrix:
    """period -> office_id -> form_id -> SUBMITTED | WITH_ERRORS | NOT_SUBMITTED (sorted keys).

    Periods are the data set's and any a file was put in; offices the reference's and any that
    put a file in that period.
    """
    bad = _file_errors(dataset)
    status: dict[tuple[str, str, str], str] = {}
    for facts in dataset.workbooks:
        place = dataset.slot(facts)
        if place is None:
            continue
        state = WITH_ERRORS if facts.path in bad else SUBMITTED
        if status.get(place) != WITH_ERRORS:
            status[place] = state
    seen: dict[str, set[str]] = {}  # period -> offices with a file in it
    for (p, o, _) in status:
        seen.setdefault(p, set()).add(o)
    matrix: Matrix = {}
    for period in sorted(set(dataset.periods) | set(seen)):
        present = set(dataset.reference.offices) | seen.get(period, set())
        matrix[period] = {office: {form.id: status.get((period, office, form.id), NOT_SUBMITTED) for form in OFFICE_FORMS}
                          for office in sorted(present)}
    return matrix


def office_period_errors(dataset: Dataset) -> set[tuple[str, str]]:
    """(office_id, period) pairs with an error HR has not accepted, in their workbooks or at data-set level."""
    pairs = {(f.office_id, f.period) for f in dataset.findings if f.blocking and f.office_id and f.period}
    bad = _file_errors(dataset)
    for facts in dataset.workbooks:
        if facts.path != REFERENCE_FILE and facts.path in bad:
            pairs |= checks.error_pairs(facts, dataset.reference)
    return pairs


__all__ = ["NOT_SUBMITTED", "SUBMITTED", "WITH_ERRORS", "Matrix", "office_period_errors", "submission_matrix"]
