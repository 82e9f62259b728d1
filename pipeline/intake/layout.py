"""The data folder's conventions (SPEC §1) and a workbook's identity as its content and folder tell it.

    DATA_DIR/reference.xlsx
    DATA_DIR/accepted.xlsx                        (optional: HR's accepted findings, SPEC §8)
    DATA_DIR/reviews.xlsx                         (optional: HR's adjustments and appeals, SPEC §8)
    DATA_DIR/submissions/<期间>/<所编号>/<template_id>.xlsx
"""

from __future__ import annotations

from ..forms import OFFICE_FORMS
from ..periods import valid_period
from .facts import OFFICE_FORM_IDS, WorkbookFacts

SUBMISSIONS = "submissions"
REFERENCE_FILE = "reference.xlsx"
ACCEPTED_FILE = "accepted.xlsx"
REVIEWS_FILE = "reviews.xlsx"
HR_FILES = (ACCEPTED_FILE, REVIEWS_FILE)  # HR's optional workbooks beside reference.xlsx
VERSIONS_DIR = "_versions"  # earlier versions kept by `intake` beside the file they were replaced by
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".et", ".ods")
# A file whose content names no template still takes its form's place on the board when its name
# does: `clients.xlsx` as the data folder has it, or `客户开发与维护.xlsx` as the site's download is called.
FORM_BY_NAME = {**{f.id: f.id for f in OFFICE_FORMS}, **{f.title: f.id for f in OFFICE_FORMS}}


def folder_identity(rel: str) -> tuple[str, str] | None:
    """(period, office_id) named by the folders of `submissions/<期间>/<所编号>/<file>`, else None."""
    parts = rel.split("/")
    if len(parts) != 4 or parts[0] != SUBMISSIONS:
        return None
    return parts[1], parts[2]


def content_identity(facts: WorkbookFacts) -> tuple[str, str, str] | None:
    """(period, office_id, form_id) from inside an office workbook, when all three are readable."""
    return facts.identity


def slot_of(facts: WorkbookFacts) -> tuple[str, str, str] | None:
    """The (period, office_id, form_id) place a workbook occupies on the submission board.

    The folder wins over the content: a file is where it was put, and an identity-mismatch error
    already says that its cover disagrees.
    """
    content = content_identity(facts)
    folder = folder_identity(facts.path)
    form_id = facts.form_id if facts.form_id in OFFICE_FORM_IDS else None
    if form_id is None:
        form_id = FORM_BY_NAME.get(facts.path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    if folder and valid_period(folder[0]) and form_id:
        return valid_period(folder[0]), folder[1], form_id
    return content


def counted_quarter(rel: str, cover_period: str | None) -> str:
    """The quarter a workbook's figures count for: its folder's when valid (the folder wins), else
    its cover's; '' when neither names one."""
    folder = folder_identity(rel)
    period = valid_period(folder[0]) if folder else None
    return period or valid_period(cover_period) or ""


__all__ = ["ACCEPTED_FILE", "FORM_BY_NAME", "HR_FILES", "OFFICE_FORM_IDS", "REFERENCE_FILE", "REVIEWS_FILE", "SUBMISSIONS", "VERSIONS_DIR", "WORKBOOK_SUFFIXES",
           "content_identity", "counted_quarter", "folder_identity", "slot_of"]
