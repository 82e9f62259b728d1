"""The data folder's conventions (SPEC §1) and a workbook's identity as its content and folder tell it.

    DATA_DIR/reference.xlsx
    DATA_DIR/submissions/<期间>/<所编号>/<template_id>.xlsx
"""

from __future__ import annotations

from ..forms import OFFICE_FORMS
from ..periods import valid_period
from .facts import WorkbookFacts

SUBMISSIONS = "submissions"
REFERENCE_FILE = "reference.xlsx"
VERSIONS_DIR = "_versions"  # earlier versions kept by `intake` beside the file they were replaced by
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".et", ".ods")
OFFICE_FORM_IDS = tuple(f.id for f in OFFICE_FORMS)


def folder_identity(rel: str) -> tuple[str, str] | None:
    """(period, office_id) named by the folders of `submissions/<期间>/<所编号>/<file>`, else None."""
    parts = rel.split("/")
    if len(parts) != 4 or parts[0] != SUBMISSIONS:
        return None
    return parts[1], parts[2]


def content_identity(facts: WorkbookFacts) -> tuple[str, str, str] | None:
    """(period, office_id, form_id) from inside an office workbook, when all three are readable."""
    period = valid_period(facts.period)
    office = facts.office_id.strip() if isinstance(facts.office_id, str) else ""
    if facts.form_id not in OFFICE_FORM_IDS or not period or not office:
        return None
    return period, office, facts.form_id


def counted_quarter(rel: str, cover_period: str | None) -> str:
    """The quarter a workbook's figures count for: its folder's when valid (the folder wins), else
    its cover's; '' when neither names one."""
    folder = folder_identity(rel)
    period = valid_period(folder[0]) if folder else None
    return period or valid_period(cover_period) or ""


__all__ = ["OFFICE_FORM_IDS", "REFERENCE_FILE", "SUBMISSIONS", "VERSIONS_DIR", "WORKBOOK_SUFFIXES",
           "content_identity", "counted_quarter", "folder_identity"]
